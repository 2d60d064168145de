// @fulcrum/client: the SDK core, behind ports: ClientStore, Transport, Clock, Random
export {};
