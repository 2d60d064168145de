/**
 * Error codes → sentences a person can act on. The UI never shows a raw code, a server message or
 * a stack: an unknown code gets a generic sentence (and the code goes to the console for support).
 */
const SENTENCES: Readonly<Record<string, string>> = {
  // The network and the server
  'client.network': 'The server cannot be reached right now. Check your connection; we will keep trying.',
  'client-browser.worker_failed': 'The app stopped working in the background. Reload the page.',
  'service.unavailable': 'The server is busy or restarting. Try again in a moment.',
  'rate.limited': 'Too many requests in a short time. Wait a moment and try again.',
  internal: 'Something went wrong on the server. Try again later.',
  'client.bad_response':
    'The server answered something unexpected. Try again later, and report it if it keeps happening.',
  // Accounts and contacts
  'account.name_taken': 'That name is already taken. Choose another one.',
  'account.exists': 'This account already exists.',
  'account.not_found': 'There is no account with that name. Check the spelling.',
  'client.unknown_account': 'There is no account with that name, or it has no device that can be added.',
  'client.already_registered': 'This browser already holds an account.',
  'client.not_registered': 'Create an account first.',
  'request.invalid': 'Something you typed is not accepted (for example a name with unsupported characters).',
  // Keys and transparency
  'client.directory_mismatch':
    'This contact’s identity key changed. Do not trust this account until you have checked with the person.',
  'client.key_not_in_log':
    'The server gave a key that is not in its public transparency log. Do not trust this account; report it.',
  'client.key_revoked': 'That device was revoked and can no longer be used.',
  'client.log_key_changed': 'The server’s transparency log was replaced. Do not trust it; report it.',
  // Transient: the SDK holds received messages and retries (client README, "Stale checkpoint").
  'tlog.stale_checkpoint':
    'No fresh key-transparency checkpoint yet, so keys cannot be checked: new messages wait and appear once it arrives, and adding people has to wait. If this lasts, check your device’s date and time.',
  'tlog.policy_quorum_not_met':
    'The key-transparency witnesses have not confirmed the server’s log yet: new messages wait and appear once they do, and adding people has to wait.',
  'tlog.tile_missing':
    'The server’s key-transparency log is not available right now: new messages wait and appear once it is, and adding people has to wait.',
  'tlog.rollback':
    'The server showed an older version of its transparency log than before. Do not trust it; report it.',
  'tlog.fork_detected': 'The server showed two different versions of its transparency log. Do not trust it; report it.',
  // Conversations
  'client.unknown_group': 'You are no longer in this conversation.',
  'client.not_allowed': 'That is not possible in this conversation right now. Refresh and try again.',
  'client.forward_limit':
    'This message was forwarded many times, so it can only go to fewer conversations, or no further.',
  'client.retries_exhausted': 'The conversation changed too often while sending. Try again.',
  'group.not_member': 'You are no longer in this conversation.',
  'group.not_found': 'This conversation no longer exists on the server.',
  'keypackage.exhausted': 'That person has no keys left to join new conversations. Ask them to open the app.',
  'client.no_identity_key': 'Only your first device can do this.',
  // Content and files
  'client.content_too_large': 'The message or file is too large.',
  'client-browser.file_too_large': 'That file is too large to send.',
  'attachment.too_large': 'That file is larger than the server accepts.',
  'attachment.not_found': 'This file is no longer on the server.',
  'client.attachment_invalid': 'This file was altered after it was sent, so it is not shown.',
  'client-browser.image_undecodable': 'That image cannot be shown; it was sent as a file.',
  'client.bad_content': 'That code is not a link code or certificate from Fulcrum. Copy it again, completely.',
  'device.bad_certificate': 'That certificate is not valid for this device. Start linking again.',
  'device.exists': 'That device is already linked.',
  // Storage and export
  'client-browser.store_locked': 'Fulcrum is already open in another tab. Close the other tab, then reload this one.',
  'client-browser.store_unavailable':
    'This browser does not let Fulcrum store data (private window, or no space left). Use a normal window.',
  'client-browser.wrong_passphrase': 'That passphrase does not open this backup. Check it and try again.',
  'client-browser.bad_export': 'That file is not a Fulcrum backup.',
  'client-browser.not_empty': 'This browser already holds an account, so a backup cannot be restored here.',
  'client-browser.weak_passphrase': 'Choose a passphrase of at least 8 characters.',
  'client.bad_store': 'The data stored in this browser is damaged. Restore from a backup or create a new account.',
  'client.closed': 'The app was closed. Reload the page.',
  // Requests the app itself got wrong
  'auth.stale_timestamp': 'Your device clock is off. Correct the time and date, then try again.',
  'auth.device_revoked': 'This device was revoked. Create a new account or restore another device.',
  'auth.unknown_device': 'The server does not know this device.',
};

export interface CodedError {
  readonly code: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

function isCoded(err: unknown): err is CodedError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'string';
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** A sentence for any thrown value. */
export function errorSentence(err: unknown): string {
  if (!isCoded(err)) {
    console.error(err);
    return 'Something went wrong. Try again.';
  }
  if (err.code === 'client-browser.file_too_large' && typeof err.detail?.limit === 'number') {
    return `That file is too large to send: the limit is ${formatBytes(err.detail.limit)}.`;
  }
  if (err.code === 'client-browser.weak_passphrase' && typeof err.detail?.min === 'number') {
    return `Choose a passphrase of at least ${err.detail.min} characters.`;
  }
  const s = SENTENCES[err.code];
  if (s !== undefined) return s;
  console.error('unmapped error code', err.code);
  if (err.code.startsWith('auth.')) return 'The server did not accept this device’s credentials. Reload the page.';
  return 'Something went wrong. Try again.';
}
