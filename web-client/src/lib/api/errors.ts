/*
 * How a request of the web client fails. Failures are thrown as ApiError, whatever their cause:
 *   - the server answered with a non-2xx status: `code` and `message` come from its body
 *     `{ "error": { "code": ..., "message": ... } }`; if that body is missing or malformed
 *     (a proxy's HTML error page, say) the code is `http_error`;
 *   - a 429 (or 503) also carries `retry_after`, in whole seconds, from the Retry-After header;
 *   - the request never reached the server: status 0, code `network_error`;
 *   - a 2xx answer that is not the JSON we expect: code `bad_response`.
 * The message of an ApiError is for logs; what the user reads comes from the i18n catalogue,
 * chosen by `code`.
 */

/** Codes the client itself produces; the server's own codes (invalid_credentials, throttled,
 * unauthenticated, ...) pass through unchanged. */
export const NETWORK_ERROR = 'network_error';
export const HTTP_ERROR = 'http_error';
export const BAD_RESPONSE = 'bad_response';
/** An upload the person cancelled. */
export const UPLOAD_ABORTED = 'upload_aborted';
/** The agenda changed since the version an edit was made from (409). */
export const AGENDA_CONFLICT = 'conflict';

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
