// @fulcrum/tlog: RFC 9162 Merkle hashing and proofs, C2SP signed notes, checkpoints, tiles, witness logic
export {};
