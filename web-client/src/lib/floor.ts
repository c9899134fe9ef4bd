/*
 * The floor as a member and the chair read it: where I stand in the queue, how long the speaker
 * has left, and the plan for moving a request up or down.
 *
 * The server keeps the queue in order (a point of order first) and numbers places from 0; people
 * count from 1. Remaining time is counted down on the tablet between events, against the
 * server's clock (now + clock offset), so that every screen in the hall shows the same second
 * and the warning colour comes at the same moment as the server's own floor.warning.
 */
import type { FloorKind, FloorRequest, FloorSpeaker, FloorState } from './api';
import type { MessageKey } from './i18n';

export const FLOOR_KINDS: readonly FloorKind[] = ['speech', 'question', 'answer', 'point_of_order'];

export const floorKindKey: { readonly [kind in FloorKind]: MessageKey } = {
  speech: 'floor.kind.speech',
  question: 'floor.kind.question',
  answer: 'floor.kind.answer',
  point_of_order: 'floor.kind.point_of_order',
};

export interface MyPlace {
  request: FloorRequest;
  /** 1 for the head of the queue. */
  place: number;
  /** Requests before this one. */
  ahead: number;
  total: number;
}

/** The caller's waiting requests, in queue order, with their places counted from 1. */
export function myPlaces(floor: FloorState | null, userId: number): MyPlace[] {
  if (floor === null) return [];
  const queue = orderedQueue(floor.queue);
  const places: MyPlace[] = [];
  queue.forEach((request, index) => {
    if (request.user_id === userId) places.push({ request, place: index + 1, ahead: index, total: queue.length });
  });
  return places;
}

/** The queue in the server's order (by position; ties by request id, as a safeguard). */
export function orderedQueue(queue: readonly FloorRequest[]): FloorRequest[] {
  return [...queue].sort((a, b) => a.position - b.position || a.request_id - b.request_id);
}

/** Whether the person is the one speaking now. */
export function isSpeaking(floor: FloorState | null, userId: number): boolean {
  return floor?.speaker?.user_id === userId;
}

/**
 * Milliseconds the speaker has left at `serverNow` (the server's clock), never below 0; null
 * when the turn has no limit.
 */
export function remainingMs(speaker: FloorSpeaker, serverNow: number): number | null {
  if (speaker.ends_at === null) return null;
  const end = Date.parse(speaker.ends_at);
  if (Number.isNaN(end)) return null;
  return Math.max(0, end - serverNow);
}

/** Milliseconds since the turn began. */
export function elapsedMs(speaker: FloorSpeaker, serverNow: number): number {
  const start = Date.parse(speaker.started_at);
  return Number.isNaN(start) ? 0 : Math.max(0, serverNow - start);
}

export type TimeLevel = 'normal' | 'warning' | 'over';

/** Normal, then warning once inside the warning time (as the server warns), then over at 0. */
export function timeLevel(speaker: FloorSpeaker, remaining: number | null): TimeLevel {
  if (remaining === null) return 'normal';
  if (remaining <= 0) return 'over';
  if (speaker.warning_ms > 0 && remaining <= speaker.warning_ms) return 'warning';
  return 'normal';
}

/** "7:00", "0:05", "1:02:03": minutes and seconds, rounded up so 0:00 means the time is up. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const ss = String(seconds).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${ss}` : `${minutes}:${ss}`;
}

/**
 * The position (0-based, as the move route takes it) that moves a request one step up (-1) or
 * down (+1); null when it is already at that end.
 */
export function movePosition(queue: readonly FloorRequest[], requestId: number, step: -1 | 1): number | null {
  const ordered = orderedQueue(queue);
  const index = ordered.findIndex((request) => request.request_id === requestId);
  if (index < 0) return null;
  const target = index + step;
  if (target < 0 || target >= ordered.length) return null;
  return target;
}

/** Server time now, from our clock and the measured offset. */
export function serverNow(clockOffsetMs: number, now: number = Date.now()): number {
  return now + clockOffsetMs;
}

/** The offset of the server's clock from ours, from a floor snapshot and when we asked for it. */
export function clockOffsetFrom(serverTime: string, sentAt: number, receivedAt: number): number | null {
  const server = Date.parse(serverTime);
  if (Number.isNaN(server)) return null;
  return Math.round(server - (sentAt + receivedAt) / 2);
}
