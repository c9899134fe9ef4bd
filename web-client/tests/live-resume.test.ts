/*
 * The live connection's additions for the meeting room: catching up after a reconnect (the
 * server's "subscribed" after its replay), requests with answers (vote.cast -> vote.recorded),
 * the browser going offline, the server's clock, and anonymous public pages.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import { LIVE_CONNECTION_LOST, LIVE_NOT_CONNECTED, LIVE_TIMEOUT, LiveConnection, LiveRequestError, type GapInfo } from '../src/lib/live';
import { socketFactory } from './fake-socket';

const START = 1_700_000_000_000;

function setup() {
  const factory = socketFactory();
  const connection = new LiveConnection({ url: 'ws://hall.example/ws', createSocket: factory.create, random: () => 0.5 });
  return { factory, connection };
}

function event(meetingId: number, seq: number, kind = 'agenda.current') {
  return { type: 'event', meeting_id: meetingId, seq, kind, payload: {} };
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('catching up after a reconnect', () => {
  it('resubscribes after the last event seen, and says it is synced only after "subscribed"', () => {
    const { factory, connection } = setup();
    const seqs: number[] = [];
    const synced: number[] = [];
    connection.start();
    factory.last().acceptConnection();
    connection.subscribe(7, { onEvent: (e) => seqs.push(e.seq), onSynced: (n) => synced.push(n) });
    expect(factory.last().messagesOfType('subscribe')).toEqual([{ type: 'subscribe', meeting_id: 7 }]);
    factory.last().deliver(event(7, 1));
    factory.last().deliver(event(7, 2));
    factory.last().deliver({ type: 'subscribed', meeting_id: 7, last_seq: 2, access: 'member' });
    expect(synced).toEqual([2]);

    // The network drops; meanwhile the chair acts (events 3 and 4).
    factory.last().drop();
    vi.advanceTimersByTime(1000);
    const second = factory.last();
    second.acceptConnection();
    expect(second.messagesOfType('subscribe')).toEqual([{ type: 'subscribe', meeting_id: 7, after_seq: 2 }]);
    // The replay, then "subscribed".
    second.deliver(event(7, 3));
    second.deliver(event(7, 4));
    expect(synced).toEqual([2]);
    second.deliver({ type: 'subscribed', meeting_id: 7, last_seq: 4, access: 'member' });
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(synced).toEqual([2, 4]);
  });

  it('a replay overlapping what was seen delivers each event once', () => {
    const { factory, connection } = setup();
    const seqs: number[] = [];
    connection.start();
    factory.last().acceptConnection();
    connection.subscribe(7, { onEvent: (e) => seqs.push(e.seq) });
    for (const seq of [1, 2, 3]) factory.last().deliver(event(7, seq));
    factory.last().drop();
    vi.advanceTimersByTime(1000);
    factory.last().acceptConnection();
    for (const seq of [2, 3, 4, 5]) factory.last().deliver(event(7, seq));
    expect(seqs).toEqual([1, 2, 3, 4, 5]);
  });

  it('a server whose record is behind ours (a restored database) makes the room reload', () => {
    const { factory, connection } = setup();
    const gaps: GapInfo[] = [];
    const seqs: number[] = [];
    connection.start();
    factory.last().acceptConnection();
    connection.subscribe(7, { onEvent: (e) => seqs.push(e.seq), onGap: (g) => gaps.push(g) });
    for (const seq of [1, 2, 3, 4, 5]) factory.last().deliver(event(7, seq));
    factory.last().drop();
    vi.advanceTimersByTime(1000);
    factory.last().acceptConnection();
    factory.last().deliver({ type: 'subscribed', meeting_id: 7, last_seq: 3, access: 'member' });
    expect(gaps).toEqual([{ meetingId: 7, expected: 6, received: 3 }]);
    expect(connection.lastSeq(7)).toBe(3);
    // From now on the server's numbers count.
    factory.last().deliver(event(7, 4));
    expect(seqs).toEqual([1, 2, 3, 4, 5, 4]);
  });

  it('a meeting without events yet starts numbering from the server\'s last_seq', () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().acceptConnection();
    const gaps: GapInfo[] = [];
    connection.subscribe(9, { onEvent: () => {}, onGap: (g) => gaps.push(g) });
    factory.last().deliver({ type: 'subscribed', meeting_id: 9, last_seq: 0, access: 'public' });
    expect(connection.lastSeq(9)).toBe(0);
    expect(gaps).toEqual([]);
  });

  it('a page joining a subscription that has caught up is told so at once', async () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().acceptConnection();
    const first = connection.subscribe(7, { onEvent: () => {} });
    factory.last().deliver(event(7, 1));
    factory.last().deliver({ type: 'subscribed', meeting_id: 7, last_seq: 1, access: 'member' });
    const synced: number[] = [];
    connection.subscribe(7, { onEvent: () => {}, onSynced: (n) => synced.push(n) });
    first.cancel();
    await Promise.resolve();
    expect(synced).toEqual([1]);
    // It did not subscribe twice.
    expect(factory.last().messagesOfType('subscribe')).toHaveLength(1);
  });
});

describe('the browser going offline', () => {
  it('drops the socket at once, shows "reconnecting", and comes back with after_seq', () => {
    const { factory, connection } = setup();
    connection.start();
    const first = factory.last();
    first.acceptConnection();
    connection.subscribe(7, { onEvent: () => {} });
    first.deliver(event(7, 1));
    connection.goOffline();
    expect(first.closedBy).not.toBeNull();
    expect(connection.connectionState).toBe('reconnecting');
    // Back online: checkNow connects without waiting for the backoff.
    connection.checkNow();
    expect(factory.sockets).toHaveLength(2);
    factory.last().acceptConnection();
    expect(factory.last().messagesOfType('subscribe')).toEqual([{ type: 'subscribe', meeting_id: 7, after_seq: 1 }]);
    expect(connection.connectionState).toBe('open');
  });

  it('does nothing when not connected', () => {
    const { factory, connection } = setup();
    connection.goOffline();
    connection.start();
    connection.goOffline(); // still connecting: no socket dropped twice
    expect(factory.sockets).toHaveLength(1);
  });
});

describe('requests with answers', () => {
  it('resolves with the answer that carries the request\'s id', async () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().acceptConnection();
    const answer = connection.request({ type: 'vote.cast', poll_id: 3, choice: 'for', idempotency_key: 'k1' });
    const sent = factory.last().messagesOfType('vote.cast');
    expect(sent).toHaveLength(1);
    const id = sent[0]?.['id'];
    expect(typeof id).toBe('string');
    factory.last().deliver({ type: 'vote.recorded', id, poll_id: 3, repeat: false, receipt: { journal_seq: 12 } });
    await expect(answer).resolves.toMatchObject({ type: 'vote.recorded', receipt: { journal_seq: 12 } });
  });

  it('an error naming the request (ref) rejects it with the server\'s code', async () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().acceptConnection();
    const handler = vi.fn();
    connection.onMessage(handler);
    const answer = connection.request({ type: 'vote.cast', poll_id: 3 });
    const id = factory.last().messagesOfType('vote.cast')[0]?.['id'];
    factory.last().deliver({ type: 'error', code: 'not_eligible', message: 'not on the roster', ref: id });
    await expect(answer).rejects.toMatchObject({ code: 'not_eligible' });
    expect(handler).not.toHaveBeenCalled(); // consumed by the request
  });

  it('is rejected when not connected, when the connection drops, or after the timeout', async () => {
    const { factory, connection } = setup();
    await expect(connection.request({ type: 'vote.cast' })).rejects.toMatchObject({ code: LIVE_NOT_CONNECTED });
    connection.start();
    factory.last().acceptConnection();
    const dropped = connection.request({ type: 'vote.cast' });
    factory.last().drop();
    await expect(dropped).rejects.toBeInstanceOf(LiveRequestError);
    await expect(dropped).rejects.toMatchObject({ code: LIVE_CONNECTION_LOST });
    vi.advanceTimersByTime(1000);
    factory.last().acceptConnection();
    const slow = connection.request({ type: 'vote.cast' }, 5000);
    vi.advanceTimersByTime(5000);
    await expect(slow).rejects.toMatchObject({ code: LIVE_TIMEOUT });
  });

  it('a late answer after a timeout goes to the message handlers, not to anyone waiting', async () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().acceptConnection();
    const handler = vi.fn();
    connection.onMessage(handler);
    const slow = connection.request({ type: 'vote.cast' }, 100);
    const id = factory.last().messagesOfType('vote.cast')[0]?.['id'];
    vi.advanceTimersByTime(100);
    await expect(slow).rejects.toMatchObject({ code: LIVE_TIMEOUT });
    factory.last().deliver({ type: 'vote.recorded', id });
    expect(handler).toHaveBeenCalledTimes(1);
  });
});

describe('the server\'s clock', () => {
  it('is read from the pong, halfway through the round trip', () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().acceptConnection();
    vi.advanceTimersByTime(20_000); // the heartbeat pings
    const ping = factory.last().messagesOfType('ping')[0];
    vi.advanceTimersByTime(200); // the pong comes 200 ms later
    const pingAt = START + 20_000;
    factory.last().deliver({ type: 'pong', id: ping?.['id'], server_time_ms: pingAt + 100 + 5000 });
    expect(get(connection.clockOffset)).toBe(5000);
  });
});

describe('public pages', () => {
  it('an anonymous connection keeps going when the server greets it without a user', () => {
    const { factory, connection } = setup();
    const lost = vi.fn();
    connection.onUnauthenticated(lost);
    connection.start({ anonymous: true });
    factory.last().acceptConnection();
    factory.last().deliver({ type: 'welcome', protocol: 1, user: null });
    expect(lost).not.toHaveBeenCalled();
    expect(connection.connectionState).toBe('open');
  });

  it('a signed-in connection greeted without a user ends the session', () => {
    const { factory, connection } = setup();
    const lost = vi.fn();
    connection.onUnauthenticated(lost);
    connection.start();
    factory.last().acceptConnection();
    factory.last().deliver({ type: 'welcome', protocol: 1, user: null });
    expect(lost).toHaveBeenCalledTimes(1);
    expect(connection.connectionState).toBe('closed');
  });
});
