/**
 * Typed signed calls of the JSON routes the SDK has no method for (moderation notices, appeals,
 * the staff console), made by the client worker as this browser's device (`MessengerSession.api`).
 * The server checks the account's staff roles on every call: this grants nothing.
 */
import type { CallOptions, JsonRouteName, ResponseOf } from '@fulcrum/client';
import { getSession } from '../messenger/session.js';

export function api<K extends JsonRouteName>(name: K, options?: CallOptions<K>): Promise<ResponseOf<K>> {
  return getSession().call('api', name, options) as Promise<ResponseOf<K>>;
}
