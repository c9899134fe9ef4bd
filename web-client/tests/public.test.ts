/* The public page and a token-bound hall screen: one view of the meeting as a room's snapshots,
 * the speaker's title from the floor events, and what a closed item hides. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import type { PublicMeeting } from '../src/lib/api';
import type { MeetingEvent } from '../src/lib/live';
import { RoomStore, applyEvent, emptyRoom } from '../src/lib/room';
import { currentItemPublic, publicLoaders, speakerLine } from '../src/lib/public';

const item = (id: number, position: number, title: string, is_public = true) => ({
  id,
  parent_id: null,
  position,
  title,
  presenter: '',
  planned_minutes: null,
  is_public,
});

const VIEW: PublicMeeting = {
  meeting: {
    id: 9,
    title: 'Kỳ họp thứ Sáu',
    kind: 'regular',
    status: 'open',
    starts_at: '2026-12-01T01:00:00Z',
    location: 'Hội trường',
    is_public: true,
    current_item_id: 21,
    body: { id: 1, name: 'Hội đồng nhân dân tỉnh Sơn Hà', kind: 'council', level: 'province' },
  },
  sittings: [],
  agenda: [item(21, 1, 'Khai mạc'), item(22, 2, 'Nhân sự', false)],
  documents: [],
  speaker: {
    user_id: 7,
    full_name: 'Trần Văn An',
    title: 'Đại biểu HĐND tỉnh, Tổ đại biểu số 3',
    kind: 'speech',
    started_at: '2026-12-01T01:10:00Z',
    limit_ms: 300000,
    warning_ms: 60000,
    ends_at: '2026-12-01T01:15:00Z',
  },
  polls: [],
  last_seq: 40,
};

const ev = (seq: number, kind: string, payload: Record<string, unknown>): MeetingEvent => ({ type: 'event', meeting_id: 9, seq, kind, payload });

describe('the public view as a room', () => {
  it('fills the room from one fetch per load', async () => {
    let fetches = 0;
    const seen: number[] = [];
    const room = new RoomStore(
      publicLoaders(
        async () => {
          fetches += 1;
          return VIEW;
        },
        (view) => seen.push(view.last_seq),
      ),
    );
    await room.load();
    expect(fetches).toBe(1);
    expect(seen).toEqual([40]);
    const state = get(room);
    expect(state.meeting?.title).toBe('Kỳ họp thứ Sáu');
    expect(state.agenda.map((i) => i.title)).toEqual(['Khai mạc', 'Nhân sự']);
    expect(state.currentItemId).toBe(21);
    expect(state.floor?.speaker?.title).toBe('Đại biểu HĐND tỉnh, Tổ đại biểu số 3');
    expect(get(room.status)).toBe('ready');
    await room.load(true);
    expect(fetches).toBe(2);
  });

  it('fails the room with the server\'s 404 for a meeting that is not public', async () => {
    const room = new RoomStore(publicLoaders(async () => Promise.reject(new Error('404'))));
    await room.load();
    expect(get(room.status)).toBe('failed');
  });
});

describe('speaker title and closed items', () => {
  it('takes the title from floor.granted', () => {
    const state = applyEvent(emptyRoom(), ev(1, 'floor.granted', {
      request_id: 3, user_id: 8, full_name: 'Lê Thị Hoa', title: 'Giám đốc Sở Tài chính', kind: 'answer',
      started_at: '2026-12-01T01:20:00Z', limit_ms: 0, warning_ms: 0, ends_at: null,
    }));
    expect(state.floor?.speaker?.title).toBe('Giám đốc Sở Tài chính');
    expect(speakerLine(state.floor?.speaker ?? null)).toBe('Lê Thị Hoa, Giám đốc Sở Tài chính');
  });

  it('names a speaker without a title by name alone', () => {
    expect(speakerLine({ full_name: 'Trần Văn An', title: '' })).toBe('Trần Văn An');
    expect(speakerLine({ full_name: 'Trần Văn An' })).toBe('Trần Văn An');
    expect(speakerLine(null)).toBe('');
  });

  it('hides the floor while the current item is closed', async () => {
    const room = new RoomStore(publicLoaders(async () => VIEW));
    await room.load();
    expect(currentItemPublic(room.current)).toBe(true);
    room.event(ev(41, 'agenda.current', { meeting_id: 9, item_id: 22, previous_item_id: 21 }));
    expect(currentItemPublic(room.current)).toBe(false);
    room.event(ev(42, 'agenda.current', { meeting_id: 9, item_id: null, previous_item_id: 22 }));
    expect(currentItemPublic(room.current)).toBe(true);
  });
});

import { LiveConnection } from '../src/lib/live';
import { isPublicRoute, parseRoute, routeHash } from '../src/lib/router';
import { socketFactory } from './fake-socket';

describe('a hall screen on the live connection', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('binds with its token on every connection and subscribes only once bound', () => {
    const factory = socketFactory();
    const connection = new LiveConnection({ url: 'ws://hall.example/ws', createSocket: factory.create, random: () => 0.5 });
    connection.setScreenToken('tok-1');
    connection.start({ anonymous: true });
    const bound: boolean[] = [];
    const off = connection.screenBound.subscribe((b) => bound.push(b));
    connection.subscribe(9, { onEvent: () => {} }, 40);
    let socket = factory.last();
    socket.acceptConnection();
    expect(socket.messagesOfType('screen.auth')).toEqual([{ type: 'screen.auth', token: 'tok-1' }]);
    expect(socket.messagesOfType('subscribe')).toEqual([]);
    socket.deliver({ type: 'screen.bound', screen_id: 1, meeting_id: 9, site_id: 2, site_name: 'Hội trường', expires_at: '' });
    expect(socket.messagesOfType('subscribe')).toEqual([{ type: 'subscribe', meeting_id: 9, after_seq: 40 }]);
    expect(bound.at(-1)).toBe(true);

    // Revoked: the server closes with 4001; the next connection binds again first.
    socket.drop(4001, 'screen revoked');
    expect(bound.at(-1)).toBe(false);
    vi.advanceTimersByTime(20_000);
    socket = factory.last();
    socket.acceptConnection();
    expect(socket.messagesOfType('subscribe')).toEqual([]);
    socket.deliver({ type: 'error', code: 'screen_token', message: 'revoked' });
    // Refused: it subscribes as a public client (a closed meeting will refuse it), unbound.
    expect(socket.messagesOfType('subscribe').length).toBe(1);
    expect(bound.at(-1)).toBe(false);
    off();
    connection.stop();
  });
});

describe('the screen route', () => {
  it('takes the token from the address and needs no session', () => {
    expect(parseRoute('#/screen/AbC_12-x')).toEqual({ name: 'screen', token: 'AbC_12-x' });
    expect(parseRoute('#/screen')).toEqual({ name: 'screen', token: null });
    expect(parseRoute('#/screen/bad token')).toEqual({ name: 'not_found', path: '/screen/bad token' });
    expect(routeHash({ name: 'screen', token: null })).toBe('#/screen');
    expect(isPublicRoute({ name: 'screen', token: null })).toBe(true);
  });
});
