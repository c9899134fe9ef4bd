/*
 * The month calendar of a body's meetings, in Vietnam's time (UTC+7 all year, no daylight
 * saving): a meeting at 2026-07-01T00:30+07:00 is on the 1st whatever the device's zone.
 * Weeks start on Monday, as Vietnamese calendars do (Thứ Hai ... Chủ nhật).
 */
import type { MeetingSummary } from './api';

const VIETNAM_OFFSET_MS = 7 * 3600_000;

export interface CalendarDay {
  /** "2026-07-01" */
  date: string;
  day: number;
  inMonth: boolean;
  meetings: MeetingSummary[];
}

export interface MonthRef {
  year: number;
  /** 1..12 */
  month: number;
}

/** The calendar date (in Vietnam) of an instant, "YYYY-MM-DD"; null when unreadable. */
export function vietnamDate(iso: string | null): string | null {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  return new Date(ms + VIETNAM_OFFSET_MS).toISOString().slice(0, 10);
}

/** The month (in Vietnam) of an instant. */
export function monthOf(ms: number): MonthRef {
  const d = new Date(ms + VIETNAM_OFFSET_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

export function addMonths(ref: MonthRef, n: number): MonthRef {
  const index = ref.year * 12 + (ref.month - 1) + n;
  return { year: Math.floor(index / 12), month: (index % 12) + 1 };
}

/** Weeks (Monday first) covering the month, each day with its meetings in time order. */
export function monthGrid(ref: MonthRef, meetings: readonly MeetingSummary[]): CalendarDay[][] {
  const byDate = new Map<string, MeetingSummary[]>();
  for (const meeting of [...meetings].sort((a, b) => Date.parse(a.starts_at ?? '') - Date.parse(b.starts_at ?? ''))) {
    const date = vietnamDate(meeting.starts_at);
    if (date === null) continue;
    const list = byDate.get(date) ?? [];
    list.push(meeting);
    byDate.set(date, list);
  }
  const first = Date.UTC(ref.year, ref.month - 1, 1);
  const weekday = (new Date(first).getUTCDay() + 6) % 7; // Monday 0 ... Sunday 6
  const start = first - weekday * 86_400_000;
  const weeks: CalendarDay[][] = [];
  for (let w = 0; w < 6; w++) {
    const week: CalendarDay[] = [];
    for (let d = 0; d < 7; d++) {
      const day = new Date(start + (w * 7 + d) * 86_400_000);
      const date = day.toISOString().slice(0, 10);
      week.push({
        date,
        day: day.getUTCDate(),
        inMonth: day.getUTCMonth() === ref.month - 1,
        meetings: byDate.get(date) ?? [],
      });
    }
    // A sixth week entirely in the next month is left out.
    if (w > 0 && week.every((day) => !day.inMonth)) break;
    weeks.push(week);
  }
  return weeks;
}
