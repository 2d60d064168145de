import type { FulcrumError } from '@fulcrum/common';

/** Stable codes raised by @fulcrum/pdq. Branch on these, never on messages. */
export type PdqErrorCode =
  /** A hash string was not 64 hex digits: re-export it from the tool that made it (one 256-bit hash, hex). */
  | 'pdq.bad_hash'
  /** Pixel buffer and declared width/height/channels disagree: pass width*height*channels bytes (1..4 channels). */
  | 'pdq.bad_image'
  /** A hash list (CSV/TSV) line could not be parsed; `detail.line` is the 1-based line number: fix that line. */
  | 'pdq.bad_list_line'
  /** A binary hash list was not a valid `FPDQ` file (magic, version, counts or length): rebuild it with `encodeHashListBinary`. */
  | 'pdq.bad_binary_list'
  /** An input exceeded a documented size limit (`detail.limit`): split it or raise the limit explicitly. */
  | 'pdq.too_large'
  /** An argument was out of range (radius, chunk count, id): pass a value in the documented range. */
  | 'pdq.bad_argument';

export type PdqError = FulcrumError<PdqErrorCode>;
