/*
 * A meeting's room wired to the server: a RoomStore whose snapshots come from the API and whose
 * events come from the live connection. Every page of a meeting (the member's room, the chair's
 * console, the secretariat's desk, the hall screen) opens one and closes it when it goes.
 *
 * `synced` says whether the room has everything the server has sent: false from the subscribe
 * (and from every reconnect) until the server's "subscribed" after its replay. Pages show it so
 * that nobody acts on a screen that has not caught up.
 */
import { derived, writable, type Readable } from 'svelte/store';
import { api, ApiError, type Poll } from './api';
import { live, type ConnectionState } from './live';
import { RoomStore } from './room';
import { publicLoaders } from './public';

export interface OpenRoom {
  room: RoomStore;
  synced: Readable<boolean>;
  close(): void;
}

/** A refusal (403/404) of an optional part is "not for you", not a failure of the room. */
async function optional<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (err) {
    if (err instanceof ApiError && (err.status === 403 || err.status === 404)) return null;
    throw err;
  }
}

export function openRoom(meetingId: number, parts: { floor?: boolean; polls?: boolean; attendance?: boolean } = {}): OpenRoom {
  const room = new RoomStore({
    meeting: () => api.meeting(meetingId),
    attendance: () => (parts.attendance === false ? Promise.resolve(null) : optional(() => api.attendance(meetingId))),
    floor: () => (parts.floor === false ? Promise.resolve(null) : optional(() => api.floor(meetingId))),
    polls: () => (parts.polls === false ? Promise.resolve(null) : optional<Poll[]>(() => api.polls(meetingId))),
  });
  const received = writable(false);
  const subscription = live.subscribe(meetingId, {
    onEvent: (event) => room.event(event),
    onGap: () => void room.load(true),
    onSynced: () => received.set(true),
  });
  // A lost connection means we may be behind until the server's next "subscribed".
  const unsubscribeState = live.state.subscribe((state: ConnectionState) => {
    if (state !== 'open') received.set(false);
  });
  void room.load();
  const synced = derived([received, live.state], ([$received, $state]) => $received && $state === 'open');
  return {
    room,
    synced,
    close: () => {
      subscription.cancel();
      unsubscribeState();
    },
  };
}

/**
 * A hall screen bound by its token (#/screen): the room comes from GET /api/v1/screen and the
 * live connection binds itself to the screen (screen.auth) before it subscribes, so the screen
 * follows its meeting's hall events even when the meeting is closed to the public.
 */
export function openScreenRoom(meetingId: number, token: string): OpenRoom {
  live.setScreenToken(token);
  let subscription: { cancel(): void } | null = null;
  const received = writable(false);
  const room: RoomStore = new RoomStore(
    publicLoaders(
      () => api.screenView(token),
      (view) => {
        if (subscription !== null) return;
        subscription = live.subscribe(
          meetingId,
          {
            onEvent: (event) => room.event(event),
            onGap: () => void room.load(true),
            onSynced: () => received.set(true),
          },
          view.last_seq,
        );
      },
    ),
  );
  const unsubscribeState = live.state.subscribe((state: ConnectionState) => {
    if (state !== 'open') received.set(false);
  });
  // Revoked or expired (the server closed the connection and refuses the token again): load the
  // view again, whose 401 the screen shows in words.
  const offMessage = live.onMessage((message) => {
    if (message['type'] === 'error' && message['code'] === 'screen_token') void room.load();
  });
  void room.load();
  const synced = derived([received, live.state], ([$received, $state]) => $received && $state === 'open');
  return {
    room,
    synced,
    close: () => {
      subscription?.cancel();
      unsubscribeState();
      offMessage();
      live.setScreenToken(null);
    },
  };
}
