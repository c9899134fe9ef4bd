import { describe, expect, it, vi } from 'vitest';
import {
  ApiClient,
  ApiError,
  BAD_RESPONSE,
  HTTP_ERROR,
  NETWORK_ERROR,
  parseRetryAfter,
  type FetchFunction,
  type Session,
} from '../src/lib/api';

const SESSION: Session = {
  user: { id: 7, username: 'nva', full_name: 'Nguyễn Văn An', title: 'Đại biểu HĐND tỉnh', is_system_admin: false },
  csrf_token: 'csrf-123',
  memberships: [
    { body_id: 1, body_name: 'HĐND tỉnh Thái Bình', body_kind: 'council', body_level: 'province', roles: ['member'] },
  ],
};

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

function text(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, { status, headers: { 'Content-Type': 'text/html', ...headers } });
}

interface Call {
  url: string;
  init: RequestInit;
  headers: Record<string, string>;
}

/** A fetch that answers from a queue and records every request. */
function mockFetch(...answers: (Response | Error)[]) {
  const calls: Call[] = [];
  const fn = vi.fn<FetchFunction>(async (url, init) => {
    calls.push({ url, init, headers: { ...(init.headers as Record<string, string>) } });
    const answer = answers.shift();
    if (answer === undefined) throw new Error(`unexpected request ${init.method} ${url}`);
    if (answer instanceof Error) throw answer;
    return answer;
  });
  return { fn, calls, client: new ApiClient({ fetch: fn }) };
}

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the request to fail');
}

describe('login and CSRF', () => {
  it('logs in with JSON, same-origin credentials, and keeps the CSRF token for later writes', async () => {
    const { client, calls } = mockFetch(json(200, SESSION), json(200, { bodies: [] }), new Response(null, { status: 204 }));
    const session = await client.login('nva', 'mật khẩu');
    expect(session.user.full_name).toBe('Nguyễn Văn An');
    expect(calls[0]?.url).toBe('/api/v1/auth/login');
    expect(calls[0]?.init.method).toBe('POST');
    expect(calls[0]?.init.credentials).toBe('same-origin');
    expect(calls[0]?.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(calls[0]?.init.body as string)).toEqual({ username: 'nva', password: 'mật khẩu' });
    expect(calls[0]?.headers['X-CSRF-Token']).toBeUndefined();
    expect(calls[0]?.headers['X-Auth-Token']).toBeUndefined();

    await client.bodies();
    expect(calls[1]?.init.method).toBe('GET');
    expect(calls[1]?.headers['X-CSRF-Token']).toBeUndefined();
    expect(calls[1]?.headers['X-Auth-Token']).toBeUndefined();

    await client.logout();
    expect(calls[2]?.url).toBe('/api/v1/auth/logout');
    // X-Auth-Token is what the server reads (it survives HTTP/2 in libwebsockets).
    expect(calls[2]?.headers['X-Auth-Token']).toBe('csrf-123');
    expect(calls[2]?.headers['X-CSRF-Token']).toBe('csrf-123');
    expect(client.hasCsrfToken).toBe(false);
  });

  it('takes the CSRF token from GET /session after a reload', async () => {
    const { client, calls } = mockFetch(
      json(200, { ...SESSION, csrf_token: 'from-session' }),
      json(200, {}),
    );
    expect(await client.session()).not.toBeNull();
    await client.request('DELETE', '/things/1');
    expect(calls[1]?.headers['X-Auth-Token']).toBe('from-session');
  });

  it('sends the token on every state-changing method', async () => {
    const { client, calls } = mockFetch(
      json(200, SESSION),
      json(200, {}),
      json(200, {}),
      json(200, {}),
      json(200, {}),
    );
    await client.login('nva', 'x');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE'] as const) await client.request(method, '/x', { body: {} });
    expect(calls.slice(1).map((call) => call.headers['X-Auth-Token'])).toEqual(Array(4).fill('csrf-123'));
  });
});

describe('401', () => {
  it('wrong credentials: ApiError 401 invalid_credentials, not a lost session', async () => {
    const { client } = mockFetch(
      json(401, { error: { code: 'invalid_credentials', message: 'wrong username or password' } }),
    );
    const lost = vi.fn();
    client.onSessionLost(lost);
    const error = await caught(client.login('nva', 'sai'));
    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_credentials');
    expect(error.message).toBe('wrong username or password');
    expect(error.retry_after).toBeNull();
    expect(lost).not.toHaveBeenCalled();
  });

  it('GET /session answering 401 means nobody is logged in', async () => {
    const { client } = mockFetch(json(401, { error: { code: 'unauthenticated', message: 'no session' } }));
    const lost = vi.fn();
    client.onSessionLost(lost);
    expect(await client.session()).toBeNull();
    expect(lost).not.toHaveBeenCalled();
  });

  it('a 401 elsewhere means the session is gone: handler called, CSRF token forgotten', async () => {
    const { client, calls } = mockFetch(
      json(200, SESSION),
      json(401, { error: { code: 'unauthenticated', message: 'session expired' } }),
      json(200, {}),
    );
    const lost = vi.fn();
    client.onSessionLost(lost);
    await client.login('nva', 'x');
    const error = await caught(client.bodies());
    expect(error.code).toBe('unauthenticated');
    expect(lost).toHaveBeenCalledTimes(1);
    await client.request('POST', '/x');
    expect(calls[2]?.headers['X-Auth-Token']).toBeUndefined();
    expect(calls[2]?.headers['X-CSRF-Token']).toBeUndefined();
  });

  it('logout when the server already forgot us still succeeds', async () => {
    const { client } = mockFetch(json(200, SESSION), json(401, { error: { code: 'unauthenticated', message: '' } }));
    await client.login('nva', 'x');
    await expect(client.logout()).resolves.toBeUndefined();
    expect(client.hasCsrfToken).toBe(false);
  });
});

describe('429 and Retry-After', () => {
  it('throttled login carries retry_after in seconds', async () => {
    const { client } = mockFetch(
      json(429, { error: { code: 'throttled', message: 'too many failed logins' } }, { 'Retry-After': '42' }),
    );
    const error = await caught(client.login('nva', 'sai'));
    expect(error.status).toBe(429);
    expect(error.code).toBe('throttled');
    expect(error.message).toBe('too many failed logins');
    expect(error.retry_after).toBe(42);
  });

  it('Retry-After as an HTTP date is turned into seconds from now', async () => {
    vi.useFakeTimers({ now: Date.parse('2026-03-02T08:00:00Z') });
    try {
      const { client } = mockFetch(
        json(429, { error: { code: 'throttled', message: '' } }, { 'Retry-After': 'Mon, 02 Mar 2026 08:01:30 GMT' }),
      );
      expect((await caught(client.login('nva', 'x'))).retry_after).toBe(90);
    } finally {
      vi.useRealTimers();
    }
  });

  it('without a usable Retry-After, retry_after is null', async () => {
    const { client } = mockFetch(
      json(429, { error: { code: 'throttled', message: '' } }),
      json(429, { error: { code: 'throttled', message: '' } }, { 'Retry-After': 'soon' }),
    );
    expect((await caught(client.login('a1', 'x'))).retry_after).toBeNull();
    expect((await caught(client.login('a1', 'x'))).retry_after).toBeNull();
  });

  it('parseRetryAfter', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 120 ', now)).toBe(120);
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('1.5', now)).toBeNull();
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
  });
});

describe('malformed answers', () => {
  it('an HTML error page from a proxy becomes http_error with the status', async () => {
    const { client } = mockFetch(text(502, '<html><body>Bad Gateway</body></html>'));
    const error = await caught(client.bodies());
    expect(error.status).toBe(502);
    expect(error.code).toBe(HTTP_ERROR);
    expect(error.message).toContain('502');
  });

  it('JSON without a usable error object becomes http_error', async () => {
    for (const body of [{}, { error: 'oops' }, { error: { code: 17 } }, { error: { code: '' } }, [1, 2], null]) {
      const { client } = mockFetch(json(500, body));
      const error = await caught(client.bodies());
      expect(error.status).toBe(500);
      expect(error.code).toBe(HTTP_ERROR);
    }
  });

  it('an error body with a code but no message uses the code as message', async () => {
    const { client } = mockFetch(json(403, { error: { code: 'forbidden' } }));
    const error = await caught(client.meetings(3));
    expect(error.code).toBe('forbidden');
    expect(error.message).toBe('forbidden');
  });

  it('an empty error body', async () => {
    const { client } = mockFetch(new Response(null, { status: 503, headers: { 'Retry-After': '5' } }));
    const error = await caught(client.bodies());
    expect(error.code).toBe(HTTP_ERROR);
    expect(error.retry_after).toBe(5);
  });

  it('a 200 that is not JSON is bad_response', async () => {
    const { client } = mockFetch(text(200, '<!doctype html><title>phonghop</title>'));
    const error = await caught(client.bodies());
    expect(error.code).toBe(BAD_RESPONSE);
  });

  it('a 200 with the wrong shape is bad_response', async () => {
    const { client } = mockFetch(json(200, { items: [] }), json(200, { meeting: null, agenda: [] }), json(200, { user: null }));
    expect((await caught(client.bodies())).code).toBe(BAD_RESPONSE);
    expect((await caught(client.meeting(1))).code).toBe(BAD_RESPONSE);
    expect((await caught(client.session())).code).toBe(BAD_RESPONSE);
  });

  it('the server out of reach is network_error with status 0', async () => {
    const { client } = mockFetch(new TypeError('Failed to fetch'));
    const error = await caught(client.bodies());
    expect(error.status).toBe(0);
    expect(error.code).toBe(NETWORK_ERROR);
  });
});

describe('endpoints', () => {
  it('reads bodies, meetings and one meeting from the documented paths', async () => {
    const { client, calls } = mockFetch(
      json(200, { bodies: [{ id: 1, name: 'HĐND xã', kind: 'council', level: 'commune', parent_id: null, roles: ['chair'] }] }),
      json(200, { meetings: [] }),
      json(200, { meeting: { id: 9, title: 'Kỳ họp thứ 5' }, agenda: [] }),
    );
    expect((await client.bodies())[0]?.roles).toEqual(['chair']);
    expect(await client.meetings(1)).toEqual([]);
    expect((await client.meeting(9)).meeting.title).toBe('Kỳ họp thứ 5');
    expect(calls.map((call) => call.url)).toEqual(['/api/v1/bodies', '/api/v1/bodies/1/meetings', '/api/v1/meetings/9']);
    expect(calls.every((call) => call.headers['Accept'] === 'application/json')).toBe(true);
  });

  it('a 204 resolves with nothing', async () => {
    const { client } = mockFetch(new Response(null, { status: 204 }));
    await expect(client.request('POST', '/x')).resolves.toBeUndefined();
  });

  it('uses the global fetch by default without changing its `this`', async () => {
    const original = globalThis.fetch;
    const seen: unknown[] = [];
    globalThis.fetch = function (this: unknown) {
      seen.push(this);
      return Promise.resolve(json(200, { bodies: [] }));
    } as typeof fetch;
    try {
      await new ApiClient().bodies();
      expect(seen).toEqual([undefined]);
    } finally {
      globalThis.fetch = original;
    }
  });
});
