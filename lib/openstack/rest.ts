// The REST implementation of OpenStackClient: one keystone password login,
// the token and catalog kept for every later call (devstack spends ~1.5 s of
// `openstack` CLI start-up per call; here a call costs one HTTP round trip).
//
// Services are often still warming up when seeding starts (uwsgi workers
// loading, eventlet servers binding), so connection refusals/resets and 503s
// are retried a few times with backoff. Every error names the method, URL and
// status plus the service's own message, masked: never a token or password.

import { Readable } from 'node:stream';
import type { OpenStackClient } from '../types/openstack.ts';
import { addSecret, mask } from '../util/secrets.ts';

export interface PasswordAuth {
  /** Keystone v3 base, e.g. http://127.0.0.1:5000/v3 */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainId?: string;
  projectDomainId?: string;
  /** Catalog region used for endpoint lookup. */
  region: string;
}

export interface RestOptions {
  /** Per-request timeout for JSON calls (ms). */
  timeoutMs?: number;
  /** Timeout for calls whose body is a stream (image uploads). */
  uploadTimeoutMs?: number;
  /** Retries after the first attempt for refused/reset connections and 502/503. */
  retries?: number;
  /** First backoff delay (ms); doubles on each retry. */
  backoffMs?: number;
  /** Injected for tests; defaults to Node's global fetch. */
  fetch?: typeof fetch;
}

export interface RequestOptions {
  headers?: Record<string, string>;
}

/** An HTTP error from an OpenStack API: method, URL, status and the service's message. */
export class OpenStackApiError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly apiMessage: string,
  ) {
    super(mask(`${method} ${url} failed: HTTP ${status}${apiMessage ? `: ${apiMessage}` : ''}`));
    this.name = 'OpenStackApiError';
  }
}

/** The request never got an HTTP answer (refused, reset, timed out, DNS). */
export class OpenStackConnectionError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly reason: string,
  ) {
    super(mask(`${method} ${url} failed: ${reason}`));
    this.name = 'OpenStackConnectionError';
  }
}

interface CatalogEndpoint {
  interface: string;
  url: string;
  region_id?: string | null;
  region?: string | null;
}
export interface CatalogService {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

/**
 * The public URL of `serviceType` in `region`, with the project substituted
 * (keystone normally does that already in a scoped token's catalog).
 */
export function findEndpoint(
  catalog: readonly CatalogService[],
  serviceType: string,
  region: string,
  projectId?: string,
): string | undefined {
  const service = catalog.find((s) => s.type === serviceType);
  if (!service) return undefined;
  const publics = service.endpoints.filter((e) => e.interface === 'public');
  const inRegion =
    publics.find((e) => (e.region_id ?? e.region) === region) ?? publics.find((e) => !(e.region_id ?? e.region));
  if (!inRegion) return undefined;
  let url = inRegion.url.replace(/\/+$/, '');
  if (projectId) url = url.replace(/%\((?:project_id|tenant_id)\)s|\$\((?:project_id|tenant_id)\)s/g, projectId);
  return url;
}

/** The most useful message in an OpenStack error body (each service nests it differently). */
export function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    const found = findMessage(body, 0);
    if (found) return found;
  } catch {
    /* not JSON: glance and uwsgi answer with HTML or plain text */
  }
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > 300 ? plain.slice(0, 300) + '…' : plain;
}

function findMessage(value: unknown, depth: number): string | undefined {
  if (depth > 3 || value === null || typeof value !== 'object') return undefined;
  const obj = value as Record<string, unknown>;
  // keystone {error:{message}}, nova {badRequest:{message}}, neutron {NeutronError:{message}}, placement
  // {errors:[{detail}]}
  for (const key of ['message', 'detail', 'title']) {
    if (typeof obj[key] === 'string' && obj[key]) return obj[key] as string;
  }
  for (const v of Array.isArray(value) ? value : Object.values(obj)) {
    const m = findMessage(v, depth + 1);
    if (m) return m;
  }
  return undefined;
}

const RETRY_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** Why a fetch rejected, from undici's nested causes. */
function failureReason(err: unknown): { code?: string; reason: string } {
  let e: unknown = err;
  for (let i = 0; i < 4 && e; i++) {
    const c = e as { code?: string; name?: string; message?: string; cause?: unknown };
    if (c.name === 'TimeoutError' || c.name === 'AbortError') return { code: 'ETIMEDOUT', reason: 'timed out' };
    if (c.code)
      return { code: c.code, reason: `${c.code}${c.message && !c.message.includes(c.code) ? ` (${c.message})` : ''}` };
    if (!c.cause) return { reason: c.message ?? String(e) };
    e = c.cause;
  }
  return { reason: String(err) };
}

function isStreamBody(body: unknown): body is Readable | ReadableStream | Uint8Array {
  return (
    body instanceof Readable ||
    body instanceof Uint8Array ||
    (typeof ReadableStream !== 'undefined' && body instanceof ReadableStream)
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RestClient implements OpenStackClient {
  private token = '';
  private catalog: CatalogService[] = [];
  private projectId = '';
  private readonly opts: Required<Omit<RestOptions, 'fetch'>> & { fetch: typeof fetch };
  /** How many tokens were issued (the seam tests check this stays at 1). */
  tokensIssued = 0;

  private constructor(
    private readonly auth: PasswordAuth,
    opts: RestOptions,
  ) {
    this.opts = {
      timeoutMs: opts.timeoutMs ?? 60_000,
      uploadTimeoutMs: opts.uploadTimeoutMs ?? 60 * 60_000,
      retries: opts.retries ?? 5,
      backoffMs: opts.backoffMs ?? 500,
      fetch: opts.fetch ?? globalThis.fetch,
    };
  }

  /** Log in once; the token and catalog are reused for every call. */
  static async login(auth: PasswordAuth, opts: RestOptions = {}): Promise<RestClient> {
    addSecret(auth.password);
    const client = new RestClient(auth, opts);
    await client.authenticate();
    return client;
  }

  /** The project the token is scoped to (admin). */
  get scopedProjectId(): string {
    return this.projectId;
  }

  private async authenticate(): Promise<void> {
    const a = this.auth;
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: a.username, domain: { id: a.userDomainId ?? 'default' }, password: a.password } },
        },
        scope: { project: { name: a.projectName, domain: { id: a.projectDomainId ?? 'default' } } },
      },
    };
    const url = `${a.authUrl.replace(/\/+$/, '')}/auth/tokens`;
    const res = await this.send('POST', url, body, {}, false);
    if (!res.ok) throw new OpenStackApiError('POST', url, res.status, errorMessage(await res.text().catch(() => '')));
    const token = res.headers.get('x-subject-token');
    if (!token) throw new OpenStackApiError('POST', url, res.status, 'no X-Subject-Token in the answer');
    addSecret(token);
    const json = (await res.json()) as { token?: { catalog?: CatalogService[]; project?: { id: string } } };
    this.token = token;
    this.catalog = json.token?.catalog ?? [];
    this.projectId = json.token?.project?.id ?? '';
    this.tokensIssued++;
  }

  endpoint(serviceType: string): string {
    if (serviceType === 'identity') return this.auth.authUrl.replace(/\/+$/, '');
    const url = findEndpoint(this.catalog, serviceType, this.auth.region, this.projectId);
    if (!url) {
      const types =
        this.catalog
          .map((s) => s.type)
          .sort()
          .join(', ') || 'none';
      throw new Error(
        `no public '${serviceType}' endpoint in region ${this.auth.region} in the token's catalog (catalog has: ` +
          `${types})`,
      );
    }
    return url;
  }

  /** Absolute URL for `path` on a service; absolute URLs (pagination links) pass through. */
  url(serviceType: string, path: string): string {
    if (/^https?:\/\//.test(path)) return path;
    return this.endpoint(serviceType) + (path.startsWith('/') ? path : `/${path}`);
  }

  get<T = unknown>(serviceType: string, path: string, opts?: RequestOptions): Promise<T> {
    return this.json<T>('GET', serviceType, path, undefined, opts);
  }
  post<T = unknown>(serviceType: string, path: string, body: unknown, opts?: RequestOptions): Promise<T> {
    return this.json<T>('POST', serviceType, path, body, opts);
  }
  /** A Readable/Uint8Array body is sent as-is (image data), streamed, without retries. */
  put<T = unknown>(serviceType: string, path: string, body?: unknown, opts?: RequestOptions): Promise<T> {
    return this.json<T>('PUT', serviceType, path, body, opts);
  }
  patch<T = unknown>(serviceType: string, path: string, body: unknown, opts?: RequestOptions): Promise<T> {
    return this.json<T>('PATCH', serviceType, path, body, opts);
  }
  async delete(serviceType: string, path: string): Promise<void> {
    await this.json('DELETE', serviceType, path, undefined, {});
  }

  /**
   * The catalog step adds endpoints after this token was issued, and a
   * token's catalog is a snapshot; keystone serves the current one for the
   * same token (GET /v3/auth/catalog), so a missing service costs one request.
   */
  private async refreshCatalog(): Promise<void> {
    const url = `${this.auth.authUrl.replace(/\/+$/, '')}/auth/catalog`;
    const res = await this.send('GET', url, undefined, {}, true);
    if (!res.ok) {
      await res.body?.cancel();
      return;
    }
    const json = (await res.json()) as { catalog?: CatalogService[] };
    if (json.catalog) this.catalog = json.catalog;
  }

  private async json<T>(
    method: string,
    serviceType: string,
    path: string,
    body: unknown,
    opts: RequestOptions = {},
  ): Promise<T> {
    if (
      serviceType !== 'identity' &&
      !/^https?:\/\//.test(path) &&
      !findEndpoint(this.catalog, serviceType, this.auth.region, this.projectId)
    ) {
      await this.refreshCatalog();
    }
    const url = this.url(serviceType, path);
    let res = await this.send(method, url, body, opts.headers ?? {}, true);
    if (res.status === 401 && !isStreamBody(body)) {
      // The token expired during a long run (default lifetime 1 h): log in again once.
      await res.body?.cancel();
      await this.authenticate();
      res = await this.send(method, url, body, opts.headers ?? {}, true);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      throw new OpenStackApiError(method, url, res.status, errorMessage(text));
    }
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  private async send(
    method: string,
    url: string,
    body: unknown,
    headers: Record<string, string>,
    withToken: boolean,
  ): Promise<Response> {
    const stream = isStreamBody(body);
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    if (withToken) h['X-Auth-Token'] = this.token;
    let payload: BodyInit | undefined;
    if (stream) {
      h['Content-Type'] ??= 'application/octet-stream';
      payload = (body instanceof Readable ? (Readable.toWeb(body) as ReadableStream) : body) as BodyInit;
    } else if (body !== undefined) {
      h['Content-Type'] ??= 'application/json';
      payload = JSON.stringify(body);
    }
    const attempts = stream ? 1 : this.opts.retries + 1;
    let delay = this.opts.backoffMs;
    for (let attempt = 1; ; attempt++) {
      let res: Response | undefined;
      let failure: { code?: string; reason: string } | undefined;
      try {
        res = await this.opts.fetch(url, {
          method,
          headers: h,
          body: payload,
          signal: AbortSignal.timeout(stream ? this.opts.uploadTimeoutMs : this.opts.timeoutMs),
          // Node's fetch needs this for a streamed request body.
          ...(stream ? { duplex: 'half' } : {}),
        } as RequestInit);
      } catch (err) {
        failure = failureReason(err);
      }
      const retriable = failure ? RETRY_CODES.has(failure.code ?? '') : res!.status === 503 || res!.status === 502;
      if (!retriable || attempt >= attempts) {
        if (failure)
          throw new OpenStackConnectionError(
            method,
            url,
            `${failure.reason}${attempt > 1 ? ` after ${attempt} attempts` : ''}`,
          );
        return res!;
      }
      await res?.body?.cancel();
      await sleep(delay);
      delay *= 2;
    }
  }
}
