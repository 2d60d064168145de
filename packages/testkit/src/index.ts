// @fulcrum/testkit: private: boots the platform on a temp SQLite or a fresh PostgreSQL schema
export {};
