/*
 * Which meetings a body's list shows first. Upcoming: not yet closed (draft, scheduled, open),
 * meetings in session first, then by start time, unscheduled ones last. Past: closed or
 * archived, most recent first.
 */
import type { MeetingSummary } from './api';

export interface MeetingGroups {
  upcoming: MeetingSummary[];
  past: MeetingSummary[];
}

function startTime(meeting: MeetingSummary): number {
  if (meeting.starts_at === null) return Number.NaN;
  return new Date(meeting.starts_at).getTime();
}

/** Earliest first (direction 1) or latest first (-1); meetings without a time always last. */
function byStart(a: MeetingSummary, b: MeetingSummary, direction: 1 | -1): number {
  const ta = startTime(a);
  const tb = startTime(b);
  if (Number.isNaN(ta) || Number.isNaN(tb)) {
    if (Number.isNaN(ta) !== Number.isNaN(tb)) return Number.isNaN(ta) ? 1 : -1;
    return a.id - b.id;
  }
  return direction * (ta - tb) || a.id - b.id;
}

export function groupMeetings(meetings: readonly MeetingSummary[]): MeetingGroups {
  const upcoming: MeetingSummary[] = [];
  const past: MeetingSummary[] = [];
  for (const meeting of meetings) {
    if (meeting.status === 'closed' || meeting.status === 'archived') past.push(meeting);
    else upcoming.push(meeting);
  }
  upcoming.sort((a, b) => Number(b.status === 'open') - Number(a.status === 'open') || byStart(a, b, 1));
  past.sort((a, b) => byStart(a, b, -1));
  return { upcoming, past };
}
