/*
 * All HTTP traffic between the web client and the phonghop server goes through this module.
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
 * Failures are thrown as ApiError, whatever their cause:
 *   - the server answered with a non-2xx status: `code` and `message` come from its body
 *     `{ "error": { "code": ..., "message": ... } }`; if that body is missing or malformed
 *     (a proxy's HTML error page, say) the code is `http_error`;
 *   - a 429 (or 503) also carries `retry_after`, in whole seconds, from the Retry-After header;
 *   - the request never reached the server: status 0, code `network_error`;
 *   - a 2xx answer that is not the JSON we expect: code `bad_response`.
 * The message of an ApiError is for logs; what the user reads comes from the i18n catalogue,
 * chosen by `code`.
 *
 * A 401 from anything but login and the session probe means the session ended elsewhere
 * (expired, logged out on another tab, revoked): the client forgets its CSRF token and calls
 * the handler given to onSessionLost(), which sends the user back to the login page.
 */

/* ---- Shapes of the server's JSON (field names as on the wire) ---- */

export type BodyKind = 'council' | 'committee';
export type BodyLevel = 'province' | 'district' | 'commune';
/** Known roles: 'admin' | 'secretariat' | 'chair' | 'member' | 'guest'; the server may add more. */
export type Role = string;

export interface User {
  id: number;
  username: string;
  full_name: string;
  title: string;
  is_system_admin: boolean;
}

export interface Membership {
  body_id: number;
  body_name: string;
  body_kind: BodyKind;
  body_level: BodyLevel;
  roles: Role[];
}

/** What POST /auth/login and GET /session answer. */
export interface Session {
  user: User;
  csrf_token: string;
  memberships: Membership[];
}

export interface Body {
  id: number;
  name: string;
  kind: BodyKind;
  level: BodyLevel;
  parent_id: number | null;
  roles: Role[];
}

export type MeetingKind = 'regular' | 'extraordinary' | 'first_of_term' | 'thematic' | 'interpellation';
export type MeetingStatus = 'draft' | 'scheduled' | 'open' | 'closed' | 'archived';

export interface MeetingSummary {
  id: number;
  title: string;
  kind: MeetingKind;
  status: MeetingStatus;
  /** ISO 8601 with offset, or null while not yet scheduled. */
  starts_at: string | null;
  location: string;
  is_public: boolean;
}

/** GET /meetings/{id} may send more fields than the list does; these are the ones we use. */
export interface Meeting extends MeetingSummary {
  body_id?: number;
}

export interface AgendaItem {
  id: number;
  parent_id: number | null;
  position: number;
  title: string;
  presenter: string;
  planned_minutes: number | null;
  is_public: boolean;
}

export interface MeetingDetail {
  meeting: Meeting;
  agenda: AgendaItem[];
}

/* ---- Errors ---- */

/** Codes the client itself produces; the server's own codes (invalid_credentials, throttled,
 * unauthenticated, ...) pass through unchanged. */
export const NETWORK_ERROR = 'network_error';
export const HTTP_ERROR = 'http_error';
export const BAD_RESPONSE = 'bad_response';

/** Headers that carry the anti-forgery token on state-changing requests. */
export const CSRF_HEADERS = ['X-Auth-Token', 'X-CSRF-Token'] as const;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the server was not reached. */
  readonly status: number;
  readonly code: string;
  /** Seconds to wait before trying again (429/503 with Retry-After), else null. */
  readonly retry_after: number | null;

  constructor(status: number, code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retry_after = retryAfter;
  }
}

/**
 * Retry-After is either a number of seconds or an HTTP date (RFC 9110 section 10.2.3).
 * Returns whole seconds from `now`, never negative, or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  // HTTP dates all begin with the day's name; Date.parse alone would take "-5" for a year.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/.test(text)) return null;
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - now) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function errorFromResponse(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: handled below */
  }
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['code'] === 'string' && error['code'] !== '') {
    const message = typeof error['message'] === 'string' ? error['message'] : error['code'];
    return new ApiError(response.status, error['code'], message, retryAfter);
  }
  const statusText = response.statusText ? ` ${response.statusText}` : '';
  return new ApiError(response.status, HTTP_ERROR, `HTTP ${response.status}${statusText}`, retryAfter);
}

/* ---- The client ---- */

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Defaults to the global fetch. */
  fetch?: FetchFunction;
  /** Prefix of every path; defaults to '/api/v1' on the page's origin. */
  base?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** A 401 here is an answer, not a lost session (login, session probe, logout). */
  expectUnauthorized?: boolean;
}

export class ApiClient {
  private readonly fetchImpl: FetchFunction;
  private readonly base: string;
  private csrfToken: string | null = null;
  private sessionLostHandler: (() => void) | null = null;

  constructor(options: ApiClientOptions = {}) {
    // Wrapped so that the browser's fetch is never called with another `this`.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.base = options.base ?? '/api/v1';
  }

  /** Called once per request that finds the session gone (a 401 outside login). */
  onSessionLost(handler: (() => void) | null): void {
    this.sessionLostHandler = handler;
  }

  get hasCsrfToken(): boolean {
    return this.csrfToken !== null;
  }

  /** POST /auth/login. Throws ApiError: 401 invalid_credentials, 429 throttled (retry_after). */
  async login(username: string, password: string): Promise<Session> {
    const session = await this.request<Session>('POST', '/auth/login', {
      body: { username, password },
      expectUnauthorized: true,
    });
    this.adoptSession(session);
    return session;
  }

  /** POST /auth/logout. The CSRF token is forgotten even if the server had already forgotten us. */
  async logout(): Promise<void> {
    try {
      await this.request<void>('POST', '/auth/logout', { expectUnauthorized: true });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    this.csrfToken = null;
  }

  /** GET /session: the current session, or null when not logged in. */
  async session(): Promise<Session | null> {
    try {
      const session = await this.request<Session>('GET', '/session', { expectUnauthorized: true });
      this.adoptSession(session);
      return session;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.csrfToken = null;
        return null;
      }
      throw err;
    }
  }

  async bodies(): Promise<Body[]> {
    const answer = await this.request<{ bodies: Body[] }>('GET', '/bodies');
    return expectArray(answer, 'bodies');
  }

  async meetings(bodyId: number): Promise<MeetingSummary[]> {
    const answer = await this.request<{ meetings: MeetingSummary[] }>(
      'GET',
      `/bodies/${encodeURIComponent(String(bodyId))}/meetings`,
    );
    return expectArray(answer, 'meetings');
  }

  async meeting(meetingId: number): Promise<MeetingDetail> {
    const answer = await this.request<MeetingDetail>('GET', `/meetings/${encodeURIComponent(String(meetingId))}`);
    if (!isRecord(answer) || !isRecord(answer.meeting) || !Array.isArray(answer.agenda)) {
      throw new ApiError(200, BAD_RESPONSE, 'meeting: expected {meeting, agenda}');
    }
    return answer;
  }

  private adoptSession(session: Session): void {
    if (!isRecord(session) || !isRecord(session.user) || typeof session.csrf_token !== 'string') {
      throw new ApiError(200, BAD_RESPONSE, 'session: expected {user, csrf_token, memberships}');
    }
    if (!Array.isArray(session.memberships)) session.memberships = [];
    this.csrfToken = session.csrf_token;
  }

  /**
   * One request. Resolves with the parsed JSON body (undefined for 204), rejects with ApiError.
   * Exposed for endpoints that do not have a method here yet.
   */
  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (options.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(options.body);
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
      if (error.status === 401 && !options.expectUnauthorized) {
        this.csrfToken = null;
        this.sessionLostHandler?.();
      }
      throw error;
    }
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, BAD_RESPONSE, `${method} ${path}: answer is not JSON`);
    }
  }
}

function expectArray<K extends string, T>(answer: { [key in K]: T[] }, key: K): T[] {
  const value: unknown = isRecord(answer) ? answer[key] : undefined;
  if (!Array.isArray(value)) throw new ApiError(200, BAD_RESPONSE, `expected {${key}: [...]}`);
  return value as T[];
}

/** The one client of the page. */
export const api = new ApiClient();
