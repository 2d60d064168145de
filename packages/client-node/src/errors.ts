import { FulcrumError } from '@fulcrum/common';

/** Stable codes raised by the Node edge of the SDK (store, transport, files). Image codes live in `image/errors.ts`. */
export type ClientNodeErrorCode =
  /** Another process holds this data directory (`detail.pid`): stop it (e.g. a running `listen`) or use another directory. */
  | 'client-node.data_dir_locked'
  /** The data directory's database could not be opened or written (`detail.path`): check permissions and disk space. */
  | 'client-node.store_unavailable'
  /** The server URL is not an absolute http(s) URL: pass e.g. `http://127.0.0.1:8080`. */
  | 'client-node.bad_server_url'
  /** A file to send could not be read, or a received attachment could not be written (`detail.path`): check the path. */
  | 'client-node.file_unreadable'
  /** A file to send is larger than the attachment limit (`detail.limit`): send a smaller file. */
  | 'client-node.file_too_large';

export type ClientNodeError = FulcrumError<ClientNodeErrorCode>;

export function clientNodeError(
  code: ClientNodeErrorCode,
  message: string,
  options?: { cause?: unknown; detail?: Record<string, unknown> },
): ClientNodeError {
  return new FulcrumError<ClientNodeErrorCode>(code, message, options);
}
