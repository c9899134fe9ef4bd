import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { get } from 'svelte/store';
import {
  CLOSE_CLIENT_GONE,
  CLOSE_UNAUTHENTICATED,
  LiveConnection,
  backoffDelay,
  liveUrl,
  type GapInfo,
  type MeetingEvent,
} from '../src/lib/live';
import { socketFactory } from './fake-socket';

const URL = 'ws://hall.example/ws';
const START = 1_700_000_000_000;

function setup(random = 0.5) {
  const factory = socketFactory();
  const connection = new LiveConnection({ url: URL, createSocket: factory.create, random: () => random });
  return { factory, connection };
}

function event(meetingId: number, seq: number, extra: Record<string, unknown> = {}) {
  return { type: 'event', meeting_id: meetingId, seq, ...extra };
}

/** Records what a subscriber is given. */
function recorder() {
  const seqs: number[] = [];
  const gaps: GapInfo[] = [];
  return {
    seqs,
    gaps,
    handlers: {
      onEvent: (e: MeetingEvent) => seqs.push(e.seq),
      onGap: (gap: GapInfo) => gaps.push(gap),
    },
  };
}

beforeEach(() => {
  vi.useFakeTimers({ now: START });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('liveUrl', () => {
  it('uses ws: under http: and wss: under https:, same host, path /ws', () => {
    expect(liveUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws');
    expect(liveUrl({ protocol: 'https:', host: 'hdnd.example.vn' })).toBe('wss://hdnd.example.vn/ws');
  });
});

describe('backoffDelay', () => {
  it('starts at 0.5 s, doubles and stops at 15 s', () => {
    const delays = Array.from({ length: 9 }, (_, attempt) => backoffDelay(attempt, 500, 15_000));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000, 15_000]);
    expect(backoffDelay(10_000, 500, 15_000)).toBe(15_000);
  });
});

describe('connection state', () => {
  it('goes connecting -> open, and closed on stop', () => {
    const { factory, connection } = setup();
    const states: string[] = [];
    connection.state.subscribe((s) => states.push(s));
    connection.start();
    expect(factory.sockets).toHaveLength(1);
    expect(factory.last().url).toBe(URL);
    factory.last().acceptConnection();
    connection.stop();
    expect(states).toEqual(['closed', 'connecting', 'open', 'closed']);
    expect(factory.last().closedBy?.code).toBe(CLOSE_CLIENT_GONE);
  });

  it('stays "connecting" while the first connection keeps failing, "reconnecting" after a loss', () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().drop();
    expect(connection.connectionState).toBe('connecting');
    vi.advanceTimersByTime(15_000);
    factory.last().acceptConnection();
    expect(connection.connectionState).toBe('open');
    factory.last().drop();
    expect(connection.connectionState).toBe('reconnecting');
  });

  it('start() twice opens one socket', () => {
    const { factory, connection } = setup();
    connection.start();
    connection.start();
    expect(factory.sockets).toHaveLength(1);
  });
});

describe('reconnect with backoff', () => {
  /** Fails every attempt and returns the delay before each next one. */
  function measureDelays(random: number, attempts: number): number[] {
    const { factory, connection } = setup(random);
    connection.start();
    const delays: number[] = [];
    for (let i = 0; i < attempts; i++) {
      const before = factory.sockets.length;
      factory.last().drop();
      const retryAt = get(connection.retryAt);
      expect(retryAt).not.toBeNull();
      const delay = (retryAt as number) - Date.now();
      vi.advanceTimersByTime(delay - 1);
      expect(factory.sockets.length).toBe(before); // not yet
      vi.advanceTimersByTime(1);
      expect(factory.sockets.length).toBe(before + 1); // now
      delays.push(delay);
    }
    connection.stop();
    return delays;
  }

  it('doubles from 0.5 s to 15 s, each delay jittered between half and all of it', () => {
    expect(measureDelays(0, 8)).toEqual([250, 500, 1000, 2000, 4000, 7500, 7500, 7500]);
    expect(measureDelays(0.5, 8)).toEqual([375, 750, 1500, 3000, 6000, 11_250, 11_250, 11_250]);
    expect(measureDelays(0.999_999, 8)).toEqual([500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000]);
  });

  it('never waits longer than 15 s, however long the outage', () => {
    const delays = measureDelays(0.999_999, 40);
    expect(Math.max(...delays)).toBe(15_000);
  });

  it('starts again from 0.5 s once a connection has delivered a message', () => {
    const { factory, connection } = setup(0.999_999);
    connection.start();
    for (let i = 0; i < 5; i++) {
      factory.last().drop();
      vi.advanceTimersByTime(15_000);
    }
    factory.last().acceptConnection();
    factory.last().deliver({ type: 'hello' });
    factory.last().drop();
    expect((get(connection.retryAt) as number) - Date.now()).toBe(500);
  });

  it('does not reset the backoff for a connection that opens and drops without a word', () => {
    const { factory, connection } = setup(0.999_999);
    connection.start();
    factory.last().drop(); // 500
    vi.advanceTimersByTime(500);
    factory.last().drop(); // 1000
    vi.advanceTimersByTime(1000);
    factory.last().acceptConnection();
    factory.last().drop();
    expect((get(connection.retryAt) as number) - Date.now()).toBe(2000);
  });

  it('checkNow() skips the wait', () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().drop();
    expect(factory.sockets).toHaveLength(1);
    connection.checkNow();
    expect(factory.sockets).toHaveLength(2);
    expect(get(connection.retryAt)).toBeNull();
    vi.advanceTimersByTime(60_000);
    expect(factory.sockets).toHaveLength(2); // the cancelled timer does not fire
  });

  it('stop() cancels a waiting reconnect', () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().drop();
    connection.stop();
    vi.advanceTimersByTime(60_000);
    expect(factory.sockets).toHaveLength(1);
    expect(connection.connectionState).toBe('closed');
  });

  it('retries when creating the socket throws', () => {
    let calls = 0;
    const factory = socketFactory();
    const connection = new LiveConnection({
      url: URL,
      random: () => 0,
      createSocket: (url) => {
        calls++;
        if (calls === 1) throw new SyntaxError('bad url');
        return factory.create(url);
      },
    });
    connection.start();
    expect(factory.sockets).toHaveLength(0);
    vi.advanceTimersByTime(250);
    expect(factory.sockets).toHaveLength(1);
  });

  it('stops for good when the server closes with 4401 (session gone)', () => {
    const { factory, connection } = setup();
    const lost = vi.fn();
    connection.onUnauthenticated(lost);
    connection.start();
    factory.last().acceptConnection();
    factory.last().drop(CLOSE_UNAUTHENTICATED, 'session expired');
    expect(lost).toHaveBeenCalledTimes(1);
    expect(connection.connectionState).toBe('closed');
    vi.advanceTimersByTime(60_000);
    expect(factory.sockets).toHaveLength(1);
  });
});

describe('heartbeat', () => {
  it('pings every 20 s and stays connected while pongs come back', () => {
    const { factory, connection } = setup();
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    vi.advanceTimersByTime(19_999);
    expect(socket.messagesOfType('ping')).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(socket.messagesOfType('ping')).toEqual([{ type: 'ping', id: 1 }]);
    socket.deliver({ type: 'pong', id: 1 });
    vi.advanceTimersByTime(20_000);
    expect(socket.messagesOfType('ping')).toEqual([
      { type: 'ping', id: 1 },
      { type: 'ping', id: 2 },
    ]);
    socket.deliver({ type: 'pong', id: 2 });
    vi.advanceTimersByTime(15_000);
    expect(socket.closedBy).toBeNull();
    expect(factory.sockets).toHaveLength(1);
    expect(connection.connectionState).toBe('open');
  });

  it('reconnects when no pong arrives within 10 s', () => {
    const { factory, connection } = setup(0);
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    vi.advanceTimersByTime(20_000);
    vi.advanceTimersByTime(9_999);
    expect(socket.closedBy).toBeNull();
    vi.advanceTimersByTime(1);
    expect(socket.closedBy?.code).toBe(CLOSE_CLIENT_GONE);
    expect(connection.connectionState).toBe('reconnecting');
    vi.advanceTimersByTime(250);
    expect(factory.sockets).toHaveLength(2);
  });

  it('a pong with another id does not count', () => {
    const { factory, connection } = setup();
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    vi.advanceTimersByTime(20_000);
    socket.deliver({ type: 'pong', id: 99 });
    vi.advanceTimersByTime(10_000);
    expect(socket.closedBy).not.toBeNull();
  });

  it('checkNow() on an open connection pings at once', () => {
    const { factory, connection } = setup();
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    connection.checkNow();
    expect(socket.messagesOfType('ping')).toEqual([{ type: 'ping', id: 1 }]);
    vi.advanceTimersByTime(10_000);
    expect(socket.closedBy).not.toBeNull(); // the tablet woke on a dead path
  });

  it('ignores what an abandoned socket says later', () => {
    const { factory, connection } = setup(0);
    const rec = recorder();
    connection.subscribe(5, rec.handlers);
    connection.start();
    const old = factory.last();
    old.acceptConnection();
    vi.advanceTimersByTime(30_000); // heartbeat lost: old socket abandoned
    old.deliver(event(5, 1));
    old.drop();
    expect(rec.seqs).toEqual([]);
    expect(factory.sockets).toHaveLength(1);
    vi.advanceTimersByTime(250);
    expect(factory.sockets).toHaveLength(2);
  });
});

describe('meeting subscriptions', () => {
  it('subscribes on open, delivers events in order and drops duplicates', () => {
    const { factory, connection } = setup();
    const rec = recorder();
    connection.subscribe(42, rec.handlers);
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    expect(socket.messagesOfType('subscribe')).toEqual([{ type: 'subscribe', meeting_id: 42 }]);
    for (const seq of [1, 2, 2, 3, 1]) socket.deliver(event(42, seq));
    expect(rec.seqs).toEqual([1, 2, 3]);
    expect(connection.lastSeq(42)).toBe(3);
    expect(connection.stats.duplicates).toBe(2);
  });

  it('a subscription made while open is sent at once', () => {
    const { factory, connection } = setup();
    connection.start();
    factory.last().acceptConnection();
    connection.subscribe(7, recorder().handlers, 12);
    expect(factory.last().messagesOfType('subscribe')).toEqual([{ type: 'subscribe', meeting_id: 7, after_seq: 12 }]);
  });

  it('after a reconnect, subscribes again with after_seq and skips the replayed overlap', () => {
    const { factory, connection } = setup(0);
    const rec = recorder();
    connection.subscribe(42, rec.handlers);
    connection.start();
    factory.last().acceptConnection();
    for (const seq of [1, 2, 3]) factory.last().deliver(event(42, seq));
    factory.last().drop();
    vi.advanceTimersByTime(250);
    const second = factory.last();
    expect(second).not.toBe(factory.sockets[0]);
    second.acceptConnection();
    expect(second.messagesOfType('subscribe')).toEqual([{ type: 'subscribe', meeting_id: 42, after_seq: 3 }]);
    for (const seq of [2, 3, 4, 5]) second.deliver(event(42, seq));
    expect(rec.seqs).toEqual([1, 2, 3, 4, 5]);
    expect(rec.gaps).toEqual([]);
  });

  it('keeps each meeting’s sequence apart', () => {
    const { factory, connection } = setup();
    const a = recorder();
    const b = recorder();
    connection.subscribe(1, a.handlers);
    connection.subscribe(2, b.handlers);
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    socket.deliver(event(1, 10));
    socket.deliver(event(2, 3));
    socket.deliver(event(1, 11));
    socket.deliver(event(2, 4));
    socket.deliver(event(3, 1)); // not subscribed
    expect(a.seqs).toEqual([10, 11]);
    expect(b.seqs).toEqual([3, 4]);
  });

  it('detects a gap, holds back the later events and asks for a replay', () => {
    const { factory, connection } = setup();
    const rec = recorder();
    connection.subscribe(42, rec.handlers);
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    for (const seq of [1, 2, 3, 4]) socket.deliver(event(42, seq));
    socket.deliver(event(42, 7));
    expect(rec.gaps).toEqual([{ meetingId: 42, expected: 5, received: 7 }]);
    expect(rec.seqs).toEqual([1, 2, 3, 4]);
    expect(socket.messagesOfType('subscribe').at(-1)).toEqual({ type: 'subscribe', meeting_id: 42, after_seq: 4 });
    socket.deliver(event(42, 8)); // still waiting for 5: held, no second gap report
    expect(rec.gaps).toHaveLength(1);
    for (const seq of [5, 6, 7, 8]) socket.deliver(event(42, seq)); // the replay
    expect(rec.seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(connection.stats.gaps).toBe(1);
  });

  it('if the replay never starts, accepts the stream again after 10 s', () => {
    const { factory, connection } = setup();
    const rec = recorder();
    connection.subscribe(42, rec.handlers);
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    socket.deliver(event(42, 1));
    socket.deliver(event(42, 5));
    vi.advanceTimersByTime(10_000);
    socket.deliver(event(42, 9));
    socket.deliver(event(42, 10));
    expect(rec.seqs).toEqual([1, 9, 10]);
    expect(rec.gaps).toEqual([{ meetingId: 42, expected: 2, received: 5 }]);
  });

  it('a gap after a reconnect (the server could not replay) is reported', () => {
    const { factory, connection } = setup(0);
    const rec = recorder();
    connection.subscribe(42, rec.handlers);
    connection.start();
    factory.last().acceptConnection();
    factory.last().deliver(event(42, 1));
    factory.last().drop();
    vi.advanceTimersByTime(250);
    factory.last().acceptConnection();
    factory.last().deliver(event(42, 4));
    expect(rec.gaps).toEqual([{ meetingId: 42, expected: 2, received: 4 }]);
  });

  it('the first event sets the baseline when no after_seq was known', () => {
    const { factory, connection } = setup();
    const rec = recorder();
    connection.subscribe(42, rec.handlers);
    connection.start();
    factory.last().acceptConnection();
    factory.last().deliver(event(42, 57));
    factory.last().deliver(event(42, 58));
    expect(rec.seqs).toEqual([57, 58]);
    expect(rec.gaps).toEqual([]);
  });

  it('with after_seq known, the next event must follow it', () => {
    const { factory, connection } = setup();
    const rec = recorder();
    connection.subscribe(42, rec.handlers, 10);
    connection.start();
    factory.last().acceptConnection();
    factory.last().deliver(event(42, 9));
    factory.last().deliver(event(42, 12));
    expect(rec.seqs).toEqual([]);
    expect(rec.gaps).toEqual([{ meetingId: 42, expected: 11, received: 12 }]);
  });

  it('cancel unsubscribes when the last subscriber leaves', () => {
    const { factory, connection } = setup();
    const first = recorder();
    const second = recorder();
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    const a = connection.subscribe(42, first.handlers);
    const b = connection.subscribe(42, second.handlers);
    expect(socket.messagesOfType('subscribe')).toHaveLength(1);
    socket.deliver(event(42, 1));
    a.cancel();
    a.cancel(); // harmless twice
    expect(socket.messagesOfType('unsubscribe')).toHaveLength(0);
    socket.deliver(event(42, 2));
    b.cancel();
    expect(socket.messagesOfType('unsubscribe')).toEqual([{ type: 'unsubscribe', meeting_id: 42 }]);
    socket.deliver(event(42, 3));
    expect(first.seqs).toEqual([1]);
    expect(second.seqs).toEqual([1, 2]);
  });

  it('cancelled subscriptions are not renewed after a reconnect', () => {
    const { factory, connection } = setup(0);
    connection.start();
    factory.last().acceptConnection();
    connection.subscribe(42, recorder().handlers).cancel();
    factory.last().drop();
    vi.advanceTimersByTime(250);
    factory.last().acceptConnection();
    expect(factory.last().messagesOfType('subscribe')).toEqual([]);
  });
});

describe('messages', () => {
  it('ignores what is not a JSON object, and counts it', () => {
    const { factory, connection } = setup();
    const other = vi.fn();
    connection.onMessage(other);
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    socket.deliver('not json');
    socket.deliver('[1,2]');
    socket.deliver('null');
    socket.deliver({ type: 'event', meeting_id: 1, seq: 'x' });
    expect(connection.stats.malformed).toBe(4);
    expect(other).not.toHaveBeenCalled();
    socket.deliver({ type: 'notice', text: 'hello' });
    expect(other).toHaveBeenCalledWith({ type: 'notice', text: 'hello' });
  });

  it('send() refuses while not connected', () => {
    const { factory, connection } = setup();
    expect(connection.send({ type: 'x' })).toBe(false);
    connection.start();
    expect(connection.send({ type: 'x' })).toBe(false);
    factory.last().acceptConnection();
    expect(connection.send({ type: 'x' })).toBe(true);
  });
});

describe('welcome', () => {
  it('a welcome with a user proves the connection and is passed on', () => {
    const { factory, connection } = setup(0.999_999);
    const other = vi.fn();
    connection.onMessage(other);
    connection.start();
    factory.last().drop();
    vi.advanceTimersByTime(500);
    factory.last().drop();
    vi.advanceTimersByTime(1000);
    factory.last().acceptConnection();
    const welcome = { type: 'welcome', protocol: 1, connection_id: 3, user: { id: 7, username: 'nva', full_name: 'Nguyễn Văn An' } };
    factory.last().deliver(welcome);
    expect(other).toHaveBeenCalledWith(welcome);
    factory.last().drop();
    expect((get(connection.retryAt) as number) - Date.now()).toBe(500);
  });

  it('a welcome without a user means the session is gone: stop, no reconnect', () => {
    const { factory, connection } = setup();
    const lost = vi.fn();
    connection.onUnauthenticated(lost);
    connection.start();
    const socket = factory.last();
    socket.acceptConnection();
    socket.deliver({ type: 'welcome', protocol: 1, connection_id: 4, user: null });
    expect(lost).toHaveBeenCalledTimes(1);
    expect(connection.connectionState).toBe('closed');
    expect(socket.closedBy).not.toBeNull();
    vi.advanceTimersByTime(60_000);
    expect(factory.sockets).toHaveLength(1);
  });
});
