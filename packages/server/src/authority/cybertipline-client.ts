/**
 * The CyberTipline Reporting API flow (https://report.cybertip.org/ispws/documentation):
 * `POST /submit` (the `<report>` XML) → reportId; per file `POST /upload` (multipart: `id`,
 * `file`) → fileId, then `POST /fileinfo` (the `<fileDetails>` XML); `POST /finish` (`id`);
 * `POST /retract` (`id`) cancels an unfinished report. HTTP Basic authentication. Every answer is
 * a `<reportResponse>` / `<reportDoneResponse>` with `responseCode` 0 on success.
 */
import { SaxesParser } from 'saxes';
import { serverAuthorityError } from './errors.js';
import { type SendResult, httpRequest } from './transports.js';

/** responseCode values that mean "try again later" (server side: 1000 server error, 1100 save
 * failed, 1110/1111 upload failed, 1300 update failed). Everything else non-zero is a refusal. */
const RETRYABLE_CODES = new Set([1000, 1100, 1110, 1111, 1300]);
/** Already in the desired state: a retried finish / retract after a lost answer. */
export const ALREADY_RETRACTED = 5101;
export const ALREADY_FINISHED = 5102;

export interface CyberTiplineResponse {
  root: string;
  responseCode: number;
  reportId: string | undefined;
  fileId: string | undefined;
  status: number;
  digest: string;
}

/** Parses a response document: root and its direct text children (and files/fileId). */
export function parseCyberTiplineResponse(r: SendResult): CyberTiplineResponse {
  const text = new TextDecoder().decode(r.body);
  const p = new SaxesParser();
  const fields = new Map<string, string>();
  const stack: string[] = [];
  let root: string | undefined;
  let current = '';
  let failed = false;
  p.on('error', () => {
    failed = true;
  });
  p.on('opentag', (t) => {
    if (root === undefined) root = t.name;
    stack.push(t.name);
    current = '';
  });
  p.on('text', (t) => {
    current += t;
  });
  p.on('closetag', (t) => {
    const path = stack.join('/');
    if (stack.length >= 2 && !fields.has(path)) fields.set(path, current.trim());
    stack.pop();
    current = '';
    void t;
  });
  try {
    p.write(text).close();
  } catch {
    failed = true;
  }
  if (failed || root === undefined || (root !== 'reportResponse' && root !== 'reportDoneResponse')) {
    // A 5xx with an HTML error page is an outage, not a protocol violation.
    if (r.status >= 500 || r.status === 429) {
      throw serverAuthorityError('authority.unavailable', `CyberTipline answered ${r.status}`, { status: r.status });
    }
    throw serverAuthorityError('authority.bad_response', 'CyberTipline answered an unknown document', {
      status: r.status,
    });
  }
  const code = Number(fields.get(`${root}/responseCode`));
  if (!Number.isInteger(code))
    throw serverAuthorityError('authority.bad_response', 'no responseCode', { status: r.status });
  return {
    root,
    responseCode: code,
    reportId: fields.get(`${root}/reportId`) || undefined,
    fileId: fields.get(`${root}/fileId`) || undefined,
    status: r.status,
    digest: r.digest,
  };
}

function check(res: CyberTiplineResponse, ok: readonly number[] = [0]): CyberTiplineResponse {
  if (ok.includes(res.responseCode) && res.status < 400) return res;
  if (RETRYABLE_CODES.has(res.responseCode) || res.status >= 500 || res.status === 429) {
    throw serverAuthorityError('authority.unavailable', `CyberTipline responseCode ${res.responseCode}`, {
      responseCode: res.responseCode,
      status: res.status,
    });
  }
  throw serverAuthorityError('authority.rejected', `CyberTipline responseCode ${res.responseCode}`, {
    responseCode: res.responseCode,
    status: res.status,
  });
}

/** A CyberTipline API client for one base URL and `user:password` credentials. */
export class CyberTiplineClient {
  readonly #base: string;
  readonly #auth: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, credentials: string, timeoutMs: number) {
    this.#base = baseUrl.replace(/\/+$/, '');
    const i = credentials.indexOf(':');
    if (i <= 0)
      throw serverAuthorityError('authority.no_credentials', 'CyberTipline credentials must be user:password');
    this.#auth = `Basic ${Buffer.from(credentials).toString('base64')}`;
    this.#timeoutMs = timeoutMs;
  }

  async #post(path: string, body: string | FormData, xml: boolean): Promise<CyberTiplineResponse> {
    const headers: Record<string, string> = { authorization: this.#auth };
    if (xml) headers['content-type'] = 'text/xml; charset=utf-8';
    const r = await httpRequest({ url: `${this.#base}${path}`, headers, body, timeoutMs: this.#timeoutMs });
    if (r.status === 401 || r.status === 403) {
      throw serverAuthorityError('authority.rejected', 'CyberTipline refused the credentials', { status: r.status });
    }
    return parseCyberTiplineResponse(r);
  }

  #form(fields: Record<string, string>): FormData {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.append(k, v);
    return f;
  }

  async submit(reportXml: string): Promise<{ reportId: string; res: CyberTiplineResponse }> {
    const res = check(await this.#post('/submit', reportXml, true));
    if (res.reportId === undefined) throw serverAuthorityError('authority.bad_response', 'submit returned no reportId');
    return { reportId: res.reportId, res };
  }

  async upload(
    reportId: string,
    name: string,
    mediaType: string,
    content: Uint8Array,
  ): Promise<{ fileId: string; res: CyberTiplineResponse }> {
    const form = this.#form({ id: reportId });
    form.append('file', new Blob([new Uint8Array(content)], { type: mediaType }), name);
    const res = check(await this.#post('/upload', form, false));
    if (res.fileId === undefined) throw serverAuthorityError('authority.bad_response', 'upload returned no fileId');
    return { fileId: res.fileId, res };
  }

  async fileInfo(fileDetailsXml: string): Promise<CyberTiplineResponse> {
    return check(await this.#post('/fileinfo', fileDetailsXml, true));
  }

  async finish(reportId: string): Promise<CyberTiplineResponse> {
    return check(await this.#post('/finish', this.#form({ id: reportId }), false), [0, ALREADY_FINISHED]);
  }

  async retract(reportId: string): Promise<CyberTiplineResponse> {
    return check(await this.#post('/retract', this.#form({ id: reportId }), false), [0, ALREADY_RETRACTED]);
  }
}
