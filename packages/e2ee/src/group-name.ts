/**
 * Fulcrum's group-name GroupContext extension.
 *
 * The name lives in the MLS GroupContext (RFC 9420 §8.1, changed by a GroupContextExtensions proposal,
 * §12.1.7) rather than in an application message, so every member agrees on it at each epoch and it is
 * covered by the epoch's confirmation tag; the server cannot read it only if the commit is encrypted —
 * Fulcrum sends commits as PublicMessage, so THE SERVER SEES GROUP NAMES (documented in README).
 * Extension type 0xF0C1 is in the private-use range 0xF000-0xFFFF (RFC 9420 §17.3). Every Fulcrum
 * leaf lists it in its capabilities, as §12.1.7 requires of all members.
 */
import { e2eeError } from './errors.js';

export const GROUP_NAME_EXTENSION_TYPE = 0xf0c1;
/** The draft-ietf-mls-extensions `last_resort` KeyPackage extension type. */
export const LAST_RESORT_EXTENSION_TYPE = 0x000a;
/** Longest group name, in UTF-8 bytes. */
export const MAX_GROUP_NAME_BYTES = 256;

interface ExtensionLike {
  extensionType: number | string;
  extensionData: Uint8Array;
}

/** Validates and encodes a name as extension data; throws `e2ee.too_large` / `e2ee.malformed`. */
export function encodeGroupNameData(name: string): Uint8Array {
  if (typeof name !== 'string') throw e2eeError('e2ee.malformed', 'group name must be a string');
  const bytes = new TextEncoder().encode(name);
  if (bytes.length > MAX_GROUP_NAME_BYTES) throw e2eeError('e2ee.too_large', 'group name too long');
  return bytes;
}

export function groupNameExtension(name: string): { extensionType: number; extensionData: Uint8Array } {
  return { extensionType: GROUP_NAME_EXTENSION_TYPE, extensionData: encodeGroupNameData(name) };
}

/** Reads the group name from GroupContext extensions (undefined if absent or malformed). */
export function readGroupName(extensions: readonly ExtensionLike[]): string | undefined {
  const ext = extensions.find((e) => e.extensionType === GROUP_NAME_EXTENSION_TYPE);
  if (ext === undefined || ext.extensionData.length > MAX_GROUP_NAME_BYTES) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(ext.extensionData);
  } catch {
    return undefined;
  }
}
