export { FulcrumError, isFulcrumError } from './errors.js';
export type { CommonError, CommonErrorCode } from './errors.js';
export {
  assertLength,
  concatBytes,
  constantTimeEqual,
  randomBytes,
  u32be,
  u64be,
  utf8Decode,
  utf8Encode,
  wipe,
} from './bytes.js';
export {
  decodeBase64,
  decodeBase64Url,
  decodeHex,
  encodeBase64,
  encodeBase64Url,
  encodeHex,
} from './encoding.js';
export type { Brand } from './brand.js';
export { systemClock, systemRandom } from './ports.js';
export type { Clock, Random } from './ports.js';
