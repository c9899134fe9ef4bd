/* The routes of a meeting's pages, roles, times typed in forms, and the API calls of the room. */
import { describe, expect, it, vi } from 'vitest';
import { isPublicRoute, parseRoute, routeHash, stillAt, type Route } from '../src/lib/router';
import { describeActionError, formatTimeOfDay, initials, isoToLocalInput, localInputToIso } from '../src/lib/format';
import { rolesIn } from '../src/lib/roles';
import { ApiClient, ApiError, type FetchFunction, type Session } from '../src/lib/api';

describe('routes of a meeting', () => {
  const cases: [string, Route][] = [
    ['#/bodies/3/meetings/new', { name: 'meeting_new', bodyId: 3 }],
    ['#/bodies/3/meetings/9/room', { name: 'room', bodyId: 3, meetingId: 9 }],
    ['#/bodies/3/meetings/9/chair', { name: 'chair', bodyId: 3, meetingId: 9 }],
    ['#/bodies/3/meetings/9/prepare', { name: 'prepare', bodyId: 3, meetingId: 9 }],
    ['#/bodies/3/meetings/9/hall', { name: 'hall', bodyId: 3, meetingId: 9 }],
    ['#/public/9', { name: 'public', meetingId: 9 }],
    ['#/bodies/3/meetings/9/room/', { name: 'room', bodyId: 3, meetingId: 9 }],
    ['#/bodies/3/meetings/9/vote', { name: 'not_found', path: '/bodies/3/meetings/9/vote' }],
    ['#/bodies/3/meetings/new/room', { name: 'not_found', path: '/bodies/3/meetings/new/room' }],
    ['#/public/0', { name: 'not_found', path: '/public/0' }],
    ['#/public', { name: 'not_found', path: '/public' }],
  ];
  it.each(cases)('%s', (hash, route) => {
    expect(parseRoute(hash)).toEqual(route);
  });

  it('hashes parse back to the same route', () => {
    for (const [, route] of cases) if (route.name !== 'not_found') expect(parseRoute(routeHash(route))).toEqual(route);
  });

  it('only the public page needs no session', () => {
    expect(isPublicRoute({ name: 'public', meetingId: 1 })).toBe(true);
    expect(isPublicRoute({ name: 'hall', bodyId: 1, meetingId: 1 })).toBe(false);
  });
});

describe('a view that moves on by itself after loading', () => {
  it('does so only while the address is still at its page', () => {
    // The body list takes a member of a single body to its meetings once the list has loaded;
    // an address already changed to a meeting (a bookmark opened right after signing in, before
    // the router heard of it) is left alone.
    expect(stillAt('bodies', '#/bodies')).toBe(true);
    expect(stillAt('bodies', '')).toBe(true);
    expect(stillAt('bodies', '#/bodies/4/meetings/2/room')).toBe(false);
    expect(stillAt('bodies', '#/bodies/4/meetings')).toBe(false);
    expect(stillAt('meetings', '#/bodies/4/meetings')).toBe(true);
  });
});

describe('roles in a body', () => {
  const session = (roles: string[], sysadmin = false): Session => ({
    user: { id: 1, username: 'u', full_name: 'U', title: '', is_system_admin: sysadmin },
    csrf_token: 't',
    memberships: [{ body_id: 2, body_name: 'HĐND', body_kind: 'council', body_level: 'province', roles }],
  });

  it('reads the chair, the secretariat and members from the session', () => {
    expect(rolesIn(session(['chair', 'member']), 2)).toEqual({ chair: true, prepare: false, member: true, guest: false, any: true });
    expect(rolesIn(session(['secretariat']), 2).prepare).toBe(true);
    expect(rolesIn(session(['admin']), 2).prepare).toBe(true);
    expect(rolesIn(session(['member']), 3).any).toBe(false);
    expect(rolesIn(session([], true), 3).prepare).toBe(true);
    expect(rolesIn(null, 2).any).toBe(false);
  });
});

describe('times typed in forms are Vietnam time', () => {
  it('a datetime-local value becomes an ISO time with +07:00, and back', () => {
    expect(localInputToIso('2026-12-01T08:00')).toBe('2026-12-01T08:00:00+07:00');
    expect(localInputToIso('2026-12-01T08:00:30')).toBe('2026-12-01T08:00:00+07:00');
    expect(localInputToIso('')).toBeNull();
    expect(localInputToIso('tomorrow')).toBeNull();
    expect(isoToLocalInput('2026-12-01T01:00:00Z')).toBe('2026-12-01T08:00');
    expect(isoToLocalInput(null)).toBe('');
    expect(isoToLocalInput('garbage')).toBe('');
  });

  it('a time of day in Vietnam time', () => {
    expect(formatTimeOfDay('2026-12-01T01:05:00Z')).toBe('08:05');
    expect(formatTimeOfDay(null)).toBeNull();
  });
});

describe('labels', () => {
  it('initials of a Vietnamese name: family and given name', () => {
    expect(initials('Nguyễn Văn Thành')).toBe('NT');
    expect(initials('đặng an')).toBe('ĐA');
    expect(initials('Lan')).toBe('L');
    expect(initials('  ')).toBe('?');
  });

  it('refusals the person can act on are said in words', () => {
    expect(describeActionError('vi', new ApiError(409, 'not_checked_in', 'x'))).toBe('Bạn cần điểm danh trước khi thực hiện việc này.');
    expect(describeActionError('en', new ApiError(409, 'floor_busy', 'x'))).toMatch(/Someone is speaking/);
    expect(describeActionError('vi', new ApiError(409, 'conflict', 'x'))).toMatch(/người khác thay đổi/);
    // Anything else falls back to the general description.
    expect(describeActionError('en', new ApiError(0, 'network_error', 'x'))).toMatch(/Cannot reach the server/);
  });
});

describe('room API calls', () => {
  function mock(...answers: Response[]) {
    const calls: { url: string; init: RequestInit }[] = [];
    const fetch = vi.fn<FetchFunction>(async (url, init) => {
      calls.push({ url, init });
      const answer = answers.shift();
      if (answer === undefined) throw new Error(`unexpected ${init.method} ${url}`);
      return answer;
    });
    return { calls, api: new ApiClient({ fetch }) };
  }
  const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
  const floor = { meeting_id: 1, status: 'open', speaker: null, queue: [], microphones_open: false, limits: [], server_time: '' };

  it('asking for the floor, granting, moving, ending', async () => {
    const { calls, api } = mock(
      json(201, { request_id: 5, floor }),
      json(200, { floor }),
      json(200, { floor }),
      json(200, { floor }),
      json(200, { floor }),
    );
    expect((await api.requestFloor(1, 'question')).request_id).toBe(5);
    await api.grantFloor(1, 5);
    await api.moveFloorRequest(1, 5, 0);
    await api.withdrawFloorRequest(1, 5);
    await api.endFloor(1, 'revoke');
    expect(calls.map((c) => `${c.init.method} ${c.url} ${String(c.init.body ?? '')}`)).toEqual([
      'POST /api/v1/meetings/1/floor/requests {"kind":"question"}',
      'POST /api/v1/meetings/1/floor/grant {"request_id":5}',
      'POST /api/v1/meetings/1/floor/requests/5/move {"position":0}',
      'DELETE /api/v1/meetings/1/floor/requests/5 ',
      'POST /api/v1/meetings/1/floor/revoke {}',
    ]);
  });

  it('agenda edits carry their version; removal in the query string', async () => {
    const agenda = { meeting_id: 1, agenda_version: 3, current_item_id: null, items: [] };
    const { calls, api } = mock(json(201, agenda), json(200, agenda), json(200, agenda));
    await api.addAgendaItem(1, 2, { title: 'Khai mạc', planned_minutes: 10 });
    await api.reorderAgenda(1, 3, [2, 1]);
    await api.removeAgendaItem(1, 7, 3);
    expect(calls[0]?.init.body).toBe('{"agenda_version":2,"title":"Khai mạc","planned_minutes":10}');
    expect(calls[1]?.init.body).toBe('{"agenda_version":3,"order":[2,1]}');
    expect(calls[2]?.url).toBe('/api/v1/meetings/1/agenda/7?agenda_version=3');
  });

  it('a ballot that is not recorded yet reads as null; the document content as bytes', async () => {
    const { api } = mock(
      json(404, { error: { code: 'not_found', message: 'no ballot' } }),
      new Response(new Uint8Array([37, 80, 68, 70]), { status: 200, headers: { 'Content-Type': 'application/pdf' } }),
    );
    expect(await api.myBallot(1, 8)).toBeNull();
    const bytes = new Uint8Array(await api.documentContent(4));
    expect([...bytes]).toEqual([37, 80, 68, 70]);
    expect(api.documentContentUrl(4, { download: true })).toBe('/api/v1/documents/4/content?download=1');
    expect(api.minutesUrl(1)).toBe('/api/v1/meetings/1/minutes.pdf');
  });
});
