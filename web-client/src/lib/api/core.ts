/*
 * How a request of the web client travels to the phonghop server.
 *
 * The server speaks JSON under /api/v1 on the page's own origin. Authentication is a cookie the
 * server sets HttpOnly at login; fetch sends it because we ask for `credentials: 'same-origin'`.
 * Every state-changing request (POST, PUT, PATCH, DELETE) also carries the anti-forgery token the
 * server handed out at login or with GET /api/v1/session; the client keeps it in memory only
 * (never in localStorage), so a reload fetches it again from /session. The token goes in
 * X-Auth-Token, the header the server reads (libwebsockets only parses headers it knows under
 * HTTP/2, and X-CSRF-Token is not one of them), and also in X-CSRF-Token, the name the API was
 * first specified with, so the client works with servers from before that change.
 *
 * A 401 from anything but login and the session probe means the session ended elsewhere
 * (expired, logged out on another tab, revoked): the client forgets its CSRF token and calls
 * the handler given to onSessionLost(), which sends the user back to the login page.
 *
 * ApiCore holds the token and sends requests; the endpoints are added to it by the modules
 * beside this one (session.ts, meetings.ts, documents.ts...), each a mixin, and ApiClient
 * (client.ts) is the whole.
 */
import { ApiError, BAD_RESPONSE, NETWORK_ERROR, UPLOAD_ABORTED, parseRetryAfter } from './errors';
import { errorFromBody, errorFromResponse, isRecord } from './internal';

/** Headers that carry the anti-forgery token on state-changing requests. */
export const CSRF_HEADERS = ['X-Auth-Token', 'X-CSRF-Token'] as const;

/** The part of XMLHttpRequest an upload uses (a fake one in tests). */
export interface XhrLike {
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null };
  onload: ((event: ProgressEvent) => void) | null;
  onerror: ((event: ProgressEvent) => void) | null;
  onabort: ((event: ProgressEvent) => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: Blob | ArrayBuffer | string): void;
  abort(): void;
}

export interface UploadProgress {
  loaded: number;
  /** null when the browser cannot tell. */
  total: number | null;
}

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Defaults to the global fetch. */
  fetch?: FetchFunction;
  /** Makes the XMLHttpRequest of an upload (fetch reports no upload progress); defaults to the browser's. */
  createXhr?: () => XhrLike;
  /** Prefix of every path; defaults to '/api/v1' on the page's origin. */
  base?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** A hall screen's token, sent as "Authorization: Bearer TOKEN". */
  bearer?: string;
  /** A 401 here is an answer, not a lost session (login, session probe, logout). */
  expectUnauthorized?: boolean;
}

/** The class every endpoint mixin extends (the constructor shape TypeScript's mixins need). */
export type ClientClass = new (...args: any[]) => ApiCore;

export class ApiCore {
  private readonly fetchImpl: FetchFunction;
  private readonly createXhr: () => XhrLike;
  /** Prefix of every path, for the addresses the client hands out (content, downloads). */
  protected readonly base: string;
  private csrfToken: string | null = null;
  private sessionLostHandler: (() => void) | null = null;

  constructor(options: ApiClientOptions = {}) {
    // Wrapped so that the browser's fetch is never called with another `this`.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.createXhr = options.createXhr ?? (() => new XMLHttpRequest());
    this.base = options.base ?? '/api/v1';
  }

  /** Called once per request that finds the session gone (a 401 outside login). */
  onSessionLost(handler: (() => void) | null): void {
    this.sessionLostHandler = handler;
  }

  get hasCsrfToken(): boolean {
    return this.csrfToken !== null;
  }

  /**
   * One request. Resolves with the parsed JSON body (undefined for 204), rejects with ApiError.
   * Exposed for endpoints that do not have a method here yet.
   */
  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options.body, options.expectUnauthorized ?? false, options.bearer);
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, BAD_RESPONSE, `${method} ${path}: answer is not JSON`);
    }
  }

  /** Adopts (or, with null, forgets) the anti-forgery token: at login, logout and the session probe. */
  protected setCsrfToken(token: string | null): void {
    this.csrfToken = token;
  }

  /** Sends one request and returns a 2xx response; anything else is thrown as ApiError. */
  protected async send(method: Method, path: string, body: unknown, expectUnauthorized: boolean, bearer?: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (bearer !== undefined) headers['Authorization'] = `Bearer ${bearer}`;
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (method !== 'GET' && this.csrfToken !== null) {
      for (const name of CSRF_HEADERS) headers[name] = this.csrfToken;
    }

    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path, init);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new ApiError(0, NETWORK_ERROR, `${method} ${path}: ${detail}`);
    }

    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (error.status === 401 && !expectUnauthorized) this.sessionLost();
      throw error;
    }
    return response;
  }

  /**
   * Posts a file as the request's body with XMLHttpRequest rather than fetch, because only it
   * reports upload progress. Resolves with the object under `key` in the JSON answer.
   */
  protected postFile<T>(
    path: string,
    file: Blob,
    key: string,
    onProgress?: (p: UploadProgress) => void,
  ): { readonly done: Promise<T>; abort(): void } {
    const xhr = this.createXhr();
    let settled = false;
    const done = new Promise<T>((resolve, reject) => {
      const fail = (error: ApiError) => {
        if (settled) return;
        settled = true;
        if (error.status === 401) this.sessionLost();
        reject(error);
      };
      xhr.upload.onprogress = (event) => {
        if (settled) return;
        onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : null });
      };
      xhr.onerror = () => fail(new ApiError(0, NETWORK_ERROR, `POST ${path}: the upload broke off`));
      xhr.onabort = () => fail(new ApiError(0, UPLOAD_ABORTED, `POST ${path}: cancelled`));
      xhr.onload = () => {
        if (settled) return;
        const status = xhr.status;
        let body: unknown = null;
        try {
          body = xhr.responseText === '' ? null : JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        if (status >= 200 && status < 300) {
          const value = isRecord(body) ? body[key] : undefined;
          if (!isRecord(value)) {
            fail(new ApiError(status, BAD_RESPONSE, `POST ${path}: expected {${key}}`));
            return;
          }
          settled = true;
          resolve(value as unknown as T);
          return;
        }
        fail(errorFromBody(status, body, parseRetryAfter(xhr.getResponseHeader('Retry-After'))));
      };
    });
    xhr.open('POST', this.base + path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    if (this.csrfToken !== null) for (const name of CSRF_HEADERS) xhr.setRequestHeader(name, this.csrfToken);
    xhr.send(file);
    return { done, abort: () => xhr.abort() };
  }

  /** The session ended elsewhere: forget the token and tell the page. */
  private sessionLost(): void {
    this.csrfToken = null;
    this.sessionLostHandler?.();
  }
}
