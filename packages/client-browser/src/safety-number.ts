/**
 * Safety numbers: 60 digits two people compare (in person or over another channel) to check
 * that each sees the other's real identity key. The account id is a 128-bit hash of the
 * account's identity key (wire `deriveAccountId`), pinned by the client on first sight, so the
 * number is a function of both identity keys: if the server swapped a key, the numbers differ.
 * SHA-512 over a domain label and the two account ids in sorted order (so both sides compute
 * the same number); twelve groups of five digits, each from 5 bytes mod 100 000 (as Signal's).
 */
import { decodeBase64Url, utf8Encode } from '@fulcrum/common';
import { sha512 } from '@noble/hashes/sha2.js';

const LABEL = utf8Encode('fulcrum safety number v1');

export function safetyNumber(accountIdA: string, accountIdB: string): string {
  const [x, y] = [accountIdA, accountIdB].sort();
  const a = decodeBase64Url(x as string);
  const b = decodeBase64Url(y as string);
  const input = new Uint8Array(LABEL.length + 2 + a.length + b.length);
  input.set(LABEL, 0);
  input[LABEL.length] = a.length;
  input.set(a, LABEL.length + 1);
  input[LABEL.length + 1 + a.length] = b.length;
  input.set(b, LABEL.length + 2 + a.length);
  const h = sha512(input);
  const groups: string[] = [];
  for (let i = 0; i < 12; i++) {
    let n = 0;
    for (let j = 0; j < 5; j++) n = n * 256 + (h[i * 5 + j] as number);
    groups.push(String(n % 100_000).padStart(5, '0'));
  }
  return groups.join(' ');
}
