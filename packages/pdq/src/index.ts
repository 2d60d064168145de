// @fulcrum/pdq: PDQ hash, quality, dihedral variants, matching index
export {};
