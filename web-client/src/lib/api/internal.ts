/*
 * Helpers shared by the modules of the API client: reading error bodies and checking the shape
 * of answers. Not part of what src/lib/api.ts exports.
 */
import { ApiError, BAD_RESPONSE, HTTP_ERROR, parseRetryAfter } from './errors';

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export async function errorFromResponse(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: handled below */
  }
  return errorFromBody(response.status, body, retryAfter, response.statusText);
}

/** The ApiError for a non-2xx answer whose body (parsed JSON, or null) is `body`. */
export function errorFromBody(status: number, body: unknown, retryAfter: number | null, statusText = ''): ApiError {
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['code'] === 'string' && error['code'] !== '') {
    const message = typeof error['message'] === 'string' ? error['message'] : error['code'];
    return new ApiError(status, error['code'], message, retryAfter);
  }
  const suffix = statusText ? ` ${statusText}` : '';
  return new ApiError(status, HTTP_ERROR, `HTTP ${status}${suffix}`, retryAfter);
}

/** A path segment from an id. */
export function id(value: number): string {
  return encodeURIComponent(String(value));
}

export function expectRecord<K extends string, T>(answer: { [key in K]: T }, key: K): T {
  const value: unknown = isRecord(answer) ? answer[key] : undefined;
  if (!isRecord(value)) throw new ApiError(200, BAD_RESPONSE, `expected {${key}: {...}}`);
  return value as T;
}

export function expectArray<K extends string, T>(answer: { [key in K]: T[] }, key: K): T[] {
  const value: unknown = isRecord(answer) ? answer[key] : undefined;
  if (!Array.isArray(value)) throw new ApiError(200, BAD_RESPONSE, `expected {${key}: [...]}`);
  return value as T[];
}
