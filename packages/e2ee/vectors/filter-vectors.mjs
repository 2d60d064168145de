#!/usr/bin/env node
// Copies the MLS interoperability vectors this package tests into this folder, keeping only the
// entries for cipher suite 1 (files without a cipher_suite field are copied whole).
// Usage: node packages/e2ee/vectors/filter-vectors.mjs [SOURCE_DIR]
//   SOURCE_DIR defaults to /work/shared/vectors/mls (a checkout of mlswg/mls-implementations
//   test-vectors/ at commit cfd450286d1bfd9cd2519b95c80f9771f94a5b1a works too).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILES = [
  'tree-math.json',
  'deserialization.json',
  'crypto-basics.json',
  'key-schedule.json',
  'secret-tree.json',
  'message-protection.json',
  'transcript-hashes.json',
  'welcome.json',
  'tree-validation.json',
  'tree-operations.json',
  'passive-client-welcome.json',
  'passive-client-handling-commit.json',
];
const source = process.argv[2] ?? '/work/shared/vectors/mls';
const here = new URL('.', import.meta.url).pathname;

for (const name of FILES) {
  const all = JSON.parse(readFileSync(join(source, name), 'utf8'));
  const kept = all.filter((v) => v.cipher_suite === undefined || v.cipher_suite === 1);
  writeFileSync(join(here, name), `${JSON.stringify(kept)}\n`);
  console.log(`${name}: kept ${kept.length} of ${all.length}`);
}
