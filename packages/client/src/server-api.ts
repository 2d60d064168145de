/**
 * Typed, signed calls to the server (docs/protocol.md), over the Transport port.
 *
 * Every request except account creation is signed exactly as protocol.md §Signed requests says
 * (wire's `requestSigningInput` builds the canonical string; a fresh 16-byte nonce per request;
 * the timestamp from the injected Clock). Every answer is hostile input: it is size-limited by the
 * transport and validated against wire's schema before anything reads it. An error answer is
 * re-thrown as a FulcrumError carrying the server's stable code (`group.stale_epoch`, …) with
 * `detail.status` (and the server's `detail`).
 */
import { type Clock, encodeBase64Url, FulcrumError, type Random, utf8Decode, utf8Encode } from '@fulcrum/common';
import {
  AUTH_HEADERS,
  bodySha256,
  buildPath,
  createValidator,
  ErrorBody,
  LIMITS,
  OCTET_STREAM,
  type RouteName,
  routes,
  requestSigningInput,
} from '@fulcrum/wire';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { Static, TSchema } from '@sinclair/typebox';
import { clientError } from './errors.js';
import type { HttpResponse, Transport } from './ports/transport.js';

/** What signs this device's requests. */
export interface RequestSigner {
  readonly deviceId: string;
  /** 32-byte Ed25519 seed of the device's request-signing key. */
  readonly secretKey: Uint8Array;
}

type Routes = typeof routes;
/** Routes answering JSON (all but the attachment download). */
export type JsonRouteName = Exclude<RouteName, 'downloadAttachment'>;
export type ResponseOf<K extends JsonRouteName> = Static<Extract<Routes[K]['response'], TSchema>>;
/** Request bodies are built by callers from wire's exported static types; checked by the server. */
type BodyOf<_K extends RouteName> = unknown;

export interface CallOptions<K extends RouteName> {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string | number>>;
  readonly body?: BodyOf<K>;
  /** Largest accepted answer (bytes); default 1 MiB. */
  readonly maxResponseBytes?: number;
}

const DEFAULT_MAX_RESPONSE = 1024 * 1024;
const errorValidator = createValidator(ErrorBody);
const validators = new Map<string, ReturnType<typeof createValidator>>();

function validatorFor(name: JsonRouteName): ReturnType<typeof createValidator> {
  let v = validators.get(name);
  if (v === undefined) {
    v = createValidator(routes[name].response as TSchema);
    validators.set(name, v);
  }
  return v;
}

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(utf8Decode(body));
  } catch (cause) {
    throw clientError('client.bad_response', 'answer is not UTF-8 JSON', { cause });
  }
}

/** Turns a non-2xx answer into a FulcrumError with the server's code. */
export function errorFromResponse(res: HttpResponse): FulcrumError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decode(res.body));
  } catch {
    parsed = undefined;
  }
  const v = errorValidator(parsed);
  if (!v.ok) {
    return clientError('client.bad_response', `server answered ${res.status} without an error body`, {
      detail: { status: res.status },
    });
  }
  const e = v.value.error;
  const retryAfter = res.headers['retry-after'];
  return new FulcrumError(e.code, e.message, {
    detail: {
      ...(e.detail ?? {}),
      status: res.status,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    },
  });
}

export class ServerApi {
  constructor(
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly random: Random,
    /** Returns the signer, or undefined before registration (only unauthenticated routes work then). */
    private readonly signer: () => RequestSigner | undefined,
  ) {}

  /** Calls a JSON route and returns its validated answer. */
  async call<K extends JsonRouteName>(name: K, options: CallOptions<K> = {}): Promise<ResponseOf<K>> {
    const route = routes[name];
    let path = buildPath(route.path, options.params);
    if (options.query !== undefined) {
      const q = Object.entries(options.query)
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      if (q !== '') path += `?${q}`;
    }
    const body = options.body === undefined ? undefined : utf8Encode(JSON.stringify(options.body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await this.send(
      route.method,
      path,
      headers,
      body,
      route.auth,
      options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE,
    );
    if (res.status !== route.status) throw errorFromResponse(res);
    const v = validatorFor(name)(parseJson(res.body));
    if (!v.ok) {
      throw clientError('client.bad_response', `answer to ${name} fails its schema at ${v.path}`, {
        detail: { route: name, path: v.path },
      });
    }
    return v.value as ResponseOf<K>;
  }

  /** `POST /v1/attachments` with raw bytes (the signature covers their SHA-256, also sent as a header). */
  async uploadAttachment(blob: Uint8Array): Promise<ResponseOf<'uploadAttachment'>> {
    const headers = {
      'content-type': OCTET_STREAM,
      [AUTH_HEADERS.contentSha256]: bodySha256(blob),
    };
    const res = await this.send('POST', routes.uploadAttachment.path, headers, blob, true, DEFAULT_MAX_RESPONSE);
    if (res.status !== routes.uploadAttachment.status) throw errorFromResponse(res);
    const v = validatorFor('uploadAttachment')(parseJson(res.body));
    if (!v.ok) throw clientError('client.bad_response', 'bad upload answer', { detail: { path: v.path } });
    return v.value as ResponseOf<'uploadAttachment'>;
  }

  /** `GET /v1/attachments/:id`: the blob bytes, refused beyond `maxBytes`. */
  async downloadAttachment(attachmentId: string, maxBytes: number): Promise<Uint8Array> {
    const path = buildPath(routes.downloadAttachment.path, { attachmentId });
    const res = await this.send('GET', path, { accept: OCTET_STREAM }, undefined, true, maxBytes);
    if (res.status !== routes.downloadAttachment.status) throw errorFromResponse(res);
    return res.body;
  }

  /** The four signed-request headers for `method path body` (protocol.md §Signed requests). */
  signHeaders(method: string, pathAndQuery: string, body: Uint8Array | undefined): Record<string, string> {
    const signer = this.signer();
    if (signer === undefined) throw clientError('client.not_registered', 'no device to sign with');
    const timestamp = String(Math.floor(this.clock.now()));
    const nonce = encodeBase64Url(this.random.bytes(LIMITS.requestNonceBytes));
    const input = requestSigningInput({
      method,
      pathAndQuery,
      timestamp,
      nonce,
      bodySha256: bodySha256(body ?? new Uint8Array(0)),
    });
    const signature = ed25519.sign(input, signer.secretKey);
    return {
      [AUTH_HEADERS.device]: signer.deviceId,
      [AUTH_HEADERS.timestamp]: timestamp,
      [AUTH_HEADERS.nonce]: nonce,
      [AUTH_HEADERS.signature]: encodeBase64Url(signature),
    };
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: Uint8Array | undefined,
    auth: boolean,
    maxResponseBytes: number,
  ): Promise<HttpResponse> {
    const all = auth ? { ...headers, ...this.signHeaders(method, path, body) } : headers;
    try {
      return await this.transport.request(
        body === undefined ? { method, path, headers: all } : { method, path, headers: all, body },
        { maxResponseBytes },
      );
    } catch (cause) {
      if (cause instanceof FulcrumError) throw cause;
      throw clientError('client.network', `${method} ${path.split('?')[0]} failed: no answer`, { cause });
    }
  }
}
