/* The floor as people read it: one's place in the queue, the speaker's time, the chair's moves. */
import { describe, expect, it } from 'vitest';
import type { FloorRequest, FloorSpeaker, FloorState } from '../src/lib/api';
import {
  clockOffsetFrom,
  elapsedMs,
  formatClock,
  isSpeaking,
  movePosition,
  myPlaces,
  orderedQueue,
  remainingMs,
  serverNow,
  timeLevel,
} from '../src/lib/floor';

const req = (request_id: number, user_id: number, position: number, kind: FloorRequest['kind'] = 'speech'): FloorRequest => ({
  request_id,
  user_id,
  full_name: `Đại biểu ${user_id}`,
  kind,
  position,
  requested_at: '2026-12-01T01:15:00Z',
});

const floor = (queue: FloorRequest[], speaker: FloorSpeaker | null = null): FloorState => ({
  meeting_id: 1,
  status: 'open',
  speaker,
  queue,
  microphones_open: false,
  limits: [],
  server_time: '2026-12-01T01:15:00Z',
});

const speaker: FloorSpeaker = {
  request_id: 9,
  user_id: 4,
  full_name: 'Nguyễn Văn Thành',
  kind: 'speech',
  started_at: '2026-12-01T01:00:00.000Z',
  limit_ms: 420_000,
  warning_ms: 60_000,
  ends_at: '2026-12-01T01:07:00.000Z',
};

const at = (iso: string) => Date.parse(iso);

describe('my place in the queue', () => {
  it('counts from 1 in the server\'s order (a point of order first), with those ahead', () => {
    const f = floor([req(3, 8, 2), req(1, 7, 0, 'point_of_order'), req(2, 6, 1)]);
    expect(orderedQueue(f.queue).map((r) => r.request_id)).toEqual([1, 2, 3]);
    expect(myPlaces(f, 6)).toEqual([{ request: req(2, 6, 1), place: 2, ahead: 1, total: 3 }]);
    expect(myPlaces(f, 7)[0]?.place).toBe(1);
    expect(myPlaces(f, 99)).toEqual([]);
    expect(myPlaces(null, 6)).toEqual([]);
  });

  it('a member waiting with two kinds has two places', () => {
    const f = floor([req(1, 6, 0, 'question'), req(2, 7, 1), req(3, 6, 2)]);
    expect(myPlaces(f, 6).map((p) => p.place)).toEqual([1, 3]);
  });

  it('knows who is speaking', () => {
    expect(isSpeaking(floor([], speaker), 4)).toBe(true);
    expect(isSpeaking(floor([], speaker), 6)).toBe(false);
    expect(isSpeaking(null, 4)).toBe(false);
  });
});

describe('the speaker\'s time', () => {
  it('counts down to the end against the server\'s clock, never below zero', () => {
    expect(remainingMs(speaker, at('2026-12-01T01:00:00Z'))).toBe(420_000);
    expect(remainingMs(speaker, at('2026-12-01T01:06:30Z'))).toBe(30_000);
    expect(remainingMs(speaker, at('2026-12-01T01:09:00Z'))).toBe(0);
    expect(remainingMs({ ...speaker, ends_at: null }, at('2026-12-01T01:09:00Z'))).toBeNull();
    expect(elapsedMs(speaker, at('2026-12-01T01:02:00Z'))).toBe(120_000);
  });

  it('turns to the warning inside the warning time, and "over" at zero', () => {
    expect(timeLevel(speaker, 61_000)).toBe('normal');
    expect(timeLevel(speaker, 60_000)).toBe('warning');
    expect(timeLevel(speaker, 1)).toBe('warning');
    expect(timeLevel(speaker, 0)).toBe('over');
    expect(timeLevel({ ...speaker, warning_ms: 0 }, 5_000)).toBe('normal');
    expect(timeLevel(speaker, null)).toBe('normal');
  });

  it('reads as minutes and seconds, rounded up', () => {
    expect(formatClock(420_000)).toBe('7:00');
    expect(formatClock(59_001)).toBe('1:00');
    expect(formatClock(5_000)).toBe('0:05');
    expect(formatClock(0)).toBe('0:00');
    expect(formatClock(-10)).toBe('0:00');
    expect(formatClock(3_723_000)).toBe('1:02:03');
  });

  it('takes the server\'s clock from a snapshot, halfway through the request', () => {
    expect(clockOffsetFrom('2026-12-01T01:00:10.000Z', at('2026-12-01T01:00:00Z'), at('2026-12-01T01:00:02Z'))).toBe(9_000);
    expect(clockOffsetFrom('not a time', 0, 0)).toBeNull();
    expect(serverNow(1500, 1000)).toBe(2500);
  });
});

describe('the chair moves a request', () => {
  const queue = [req(1, 6, 0), req(2, 7, 1), req(3, 8, 2)];
  it('one place up or down, as the 0-based position the server takes', () => {
    expect(movePosition(queue, 2, -1)).toBe(0);
    expect(movePosition(queue, 2, 1)).toBe(2);
  });

  it('not past either end, nor for a request that is not waiting', () => {
    expect(movePosition(queue, 1, -1)).toBeNull();
    expect(movePosition(queue, 3, 1)).toBeNull();
    expect(movePosition(queue, 42, 1)).toBeNull();
  });
});
