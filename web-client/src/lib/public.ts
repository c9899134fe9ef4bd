/*
 * The public page and a hall screen bound by a token read one view of the meeting
 * (GET /api/v1/public/meetings/{id}, GET /api/v1/screen) instead of the members' several
 * snapshots. These turn that one answer into the loaders of a RoomStore (room.ts), so the page
 * follows the same live events, with the same merge of snapshot and events, as every other
 * meeting page. One fetch serves all four loaders of a load.
 */
import type { FloorState, MeetingDetail, PublicMeeting } from './api';
import type { RoomLoaders, RoomState } from './room';
import { currentItem } from './room';

/** Loaders that share one fetch of the view per load (the RoomStore calls all four at once). */
export function publicLoaders<T extends PublicMeeting>(fetchView: () => Promise<T>, seen?: (view: T) => void): RoomLoaders {
  let pending: Promise<T> | null = null;
  const view = (): Promise<T> => {
    if (pending === null) {
      pending = fetchView().then(
        (answer) => {
          seen?.(answer);
          return answer;
        },
        (err: unknown) => {
          throw err;
        },
      );
      // The next load fetches again.
      const done = () => {
        pending = null;
      };
      pending.then(done, done);
    }
    return pending;
  };
  return {
    meeting: async (): Promise<MeetingDetail> => {
      const v = await view();
      return { meeting: v.meeting, agenda: v.agenda, sittings: v.sittings, my_invitation: null };
    },
    attendance: async () => null,
    floor: async (): Promise<FloorState> => {
      const v = await view();
      return {
        meeting_id: v.meeting.id,
        status: v.meeting.status,
        speaker: v.speaker ? { request_id: 0, ...v.speaker } : null,
        queue: [],
        microphones_open: false,
        limits: [],
        server_time: '',
      };
    },
    polls: async () => (await view()).polls,
  };
}

/**
 * Whether the item under discussion is open to the public. A closed item (họp kín) keeps its
 * title in the programme but nothing else: the public page shows no speaker during it (the
 * server sends its floor events to members only, so the last one seen may be stale).
 */
export function currentItemPublic(state: RoomState): boolean {
  const item = currentItem(state);
  return item === null || item.is_public !== false;
}

/** "Name, title" for a speaker line, or the name alone. */
export function speakerLine(speaker: { full_name: string; title?: string } | null): string {
  if (!speaker) return '';
  return speaker.title ? `${speaker.full_name}, ${speaker.title}` : speaker.full_name;
}
