import { FulcrumError } from '@fulcrum/common';

/** Stable codes raised by the browser edge of the SDK (store, transport, worker, device export, images). */
export type ClientBrowserErrorCode =
  /** IndexedDB could not be opened or written (private mode, quota, blocked upgrade): free space or use a normal window. */
  | 'client-browser.store_unavailable'
  /** This device's store is open in another tab or window: close the other one (two copies would fork the MLS state). */
  | 'client-browser.store_locked'
  /** The server URL is not an absolute http(s) origin: pass e.g. `https://chat.example`. */
  | 'client-browser.bad_server_url'
  /** The passphrase does not open this export (or the export was altered): type it again. */
  | 'client-browser.wrong_passphrase'
  /** The file is not a Fulcrum device export of a supported version: pick the file the export wrote. */
  | 'client-browser.bad_export'
  /** A device is already registered in this browser: an export can only be imported into an empty one. */
  | 'client-browser.not_empty'
  /** The passphrase is too short (`detail.min` characters): choose a longer one. */
  | 'client-browser.weak_passphrase'
  /** A file is larger than the attachment limit (`detail.limit` bytes): send a smaller file. Refused before upload. */
  | 'client-browser.file_too_large'
  /** The bytes are not an image this browser can decode: send it as a file. */
  | 'client-browser.image_undecodable'
  /** The client worker stopped or answered something outside the protocol: reload the page. */
  | 'client-browser.worker_failed'
  /** The worker was asked to act before `init`, or `init` twice: a bug in the page. */
  | 'client-browser.not_ready';

export type ClientBrowserError = FulcrumError<ClientBrowserErrorCode>;

export function clientBrowserError(
  code: ClientBrowserErrorCode,
  message: string,
  options?: { cause?: unknown; detail?: Record<string, unknown> },
): ClientBrowserError {
  return new FulcrumError<ClientBrowserErrorCode>(code, message, options);
}
