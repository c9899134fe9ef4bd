/* The meeting room's state: snapshots, live events, and the race between them. */
import { describe, expect, it } from 'vitest';
import { get } from 'svelte/store';
import type { Attendance, FloorState, MeetingDetail, Poll } from '../src/lib/api';
import type { MeetingEvent } from '../src/lib/live';
import {
  RoomStore,
  applyEvent,
  currentItem,
  emptyRoom,
  isPresent,
  lastClosedPoll,
  openPoll,
  withAttendance,
  withFloor,
  withMeeting,
  type RoomState,
} from '../src/lib/room';

const item = (id: number, position: number, title: string, parent_id: number | null = null) => ({
  id,
  parent_id,
  position,
  title,
  presenter: '',
  planned_minutes: null,
  is_public: true,
});

const DETAIL: MeetingDetail = {
  meeting: {
    id: 5,
    title: 'Kỳ họp thứ Năm',
    kind: 'regular',
    status: 'open',
    starts_at: '2026-12-01T01:00:00Z',
    location: 'Hội trường',
    is_public: true,
    agenda_version: 3,
    current_item_id: 11,
  },
  agenda: [item(11, 1, 'Khai mạc'), item(12, 2, 'Tờ trình')],
  my_invitation: null,
};

const QUORUM = { numerator: 2, denominator: 3, text: '2/3', needed: 34, met: false };

const ATTENDANCE: Attendance = {
  meeting_id: 5,
  present: 1,
  total: 50,
  quorum: QUORUM,
  members: [
    { user_id: 6, full_name: 'Dương Quốc Cường', present: true, mode: 'online', site_id: null, since: '2026-12-01T01:05:00Z' },
    { user_id: 7, full_name: 'Trần Văn An', present: false, mode: null, site_id: null, since: null },
  ],
};

const FLOOR: FloorState = {
  meeting_id: 5,
  status: 'open',
  speaker: null,
  queue: [],
  microphones_open: false,
  limits: [],
  server_time: '2026-12-01T01:10:00Z',
};

let seq = 0;
function ev(kind: string, payload: Record<string, unknown>, at = '2026-12-01T01:20:00Z'): MeetingEvent {
  return { type: 'event', meeting_id: 5, seq: ++seq, kind, at, payload };
}

function loaded(): RoomState {
  return withFloor(withAttendance(withMeeting(emptyRoom(), DETAIL), ATTENDANCE), FLOOR);
}

const request = (request_id: number, user_id: number, position: number) => ({
  request_id,
  user_id,
  full_name: `Đại biểu ${user_id}`,
  kind: 'speech',
  position,
  requested_at: '2026-12-01T01:15:00Z',
});

const granted = (request_id: number, user_id: number) =>
  ev('floor.granted', {
    request_id,
    user_id,
    full_name: `Đại biểu ${user_id}`,
    kind: 'speech',
    started_at: '2026-12-01T01:20:00Z',
    limit_ms: 420000,
    warning_ms: 60000,
    ends_at: '2026-12-01T01:27:00Z',
    granted_by: 3,
    given: false,
  });

function poll(id: number, state: Poll['state'], extra: Partial<Poll> = {}): Poll {
  return {
    id,
    meeting_id: 5,
    agenda_item_id: 12,
    title: 'Thông qua Nghị quyết',
    decision: null,
    subject: 'motion',
    form: 'named',
    threshold: 'more_than_half_of_members',
    threshold_words: { vi: 'quá nửa tổng số đại biểu', en: 'more than half of all members' },
    allow_change: false,
    state,
    roster: state === 'draft' ? null : 50,
    needed: state === 'draft' ? null : 26,
    present: null,
    cast: 0,
    opened_at: null,
    closes_at: null,
    closed_at: null,
    result: null,
    wording: null,
    passed: null,
    ...extra,
  };
}

describe('snapshots', () => {
  it('the meeting, its agenda with the current item, attendance by member', () => {
    const state = loaded();
    expect(state.agendaVersion).toBe(3);
    expect(currentItem(state)?.title).toBe('Khai mạc');
    expect(isPresent(state, 6)).toBe(true);
    expect(isPresent(state, 7)).toBe(false);
    expect(state.attendance?.quorum?.needed).toBe(34);
  });
});

describe('live events', () => {
  it('the chair moves the sitting to another item', () => {
    const state = applyEvent(loaded(), ev('agenda.current', { meeting_id: 5, item_id: 12, previous_item_id: 11 }));
    expect(currentItem(state)?.title).toBe('Tờ trình');
  });

  it('an agenda change replaces the whole agenda and its version', () => {
    const items = [item(12, 1, 'Tờ trình'), item(11, 2, 'Khai mạc'), item(13, 3, 'Bế mạc')];
    const state = applyEvent(loaded(), ev('agenda.changed', { meeting_id: 5, agenda_version: 4, current_item_id: 11, change: 'reordered', items }));
    expect(state.agenda.map((i) => i.id)).toEqual([12, 11, 13]);
    expect(state.agendaVersion).toBe(4);
    expect(state.meeting?.agenda_version).toBe(4);
  });

  it('a check-in and a check-out change the count, the quorum and the member', () => {
    let state = applyEvent(
      loaded(),
      ev('attendance.changed', { user_id: 7, change: 'checked_in', mode: 'hall', site_id: 1, by_user_id: 7, present: 2, total: 50, quorum: QUORUM }, '2026-12-01T01:21:00Z'),
    );
    expect(state.attendance?.present).toBe(2);
    expect(isPresent(state, 7)).toBe(true);
    expect(state.attendance?.members[7]?.since).toBe('2026-12-01T01:21:00Z');
    expect(state.attendance?.members[7]?.full_name).toBe('Trần Văn An');
    state = applyEvent(state, ev('attendance.changed', { user_id: 6, change: 'checked_out', mode: null, site_id: null, by_user_id: 6, present: 1, total: 50, quorum: QUORUM }));
    expect(isPresent(state, 6)).toBe(false);
    expect(state.attendance?.present).toBe(1);
  });

  it('the queue, a grant, a warning, an extension and the end of a turn', () => {
    let state = applyEvent(loaded(), ev('floor.queue', { queue: [request(1, 6, 0), request(2, 7, 1)] }));
    expect(state.floor?.queue).toHaveLength(2);
    state = applyEvent(state, granted(1, 6));
    expect(state.floor?.speaker?.user_id).toBe(6);
    // The granted request leaves the queue even before the server's floor.queue says so.
    expect(state.floor?.queue.map((r) => r.request_id)).toEqual([2]);
    state = applyEvent(state, ev('floor.warning', { request_id: 1, user_id: 6, remaining_ms: 60000 }));
    expect(state.warnedRequestId).toBe(1);
    state = applyEvent(state, ev('floor.extended', { request_id: 1, user_id: 6, limit_ms: 480000, ends_at: '2026-12-01T01:28:00Z' }));
    expect(state.floor?.speaker?.ends_at).toBe('2026-12-01T01:28:00Z');
    expect(state.warnedRequestId).toBeNull();
    // An end for another turn changes nothing; this turn's end clears the speaker.
    expect(applyEvent(state, ev('floor.ended', { request_id: 99 })).floor?.speaker?.user_id).toBe(6);
    state = applyEvent(state, ev('floor.ended', { request_id: 1, reason: 'finished' }));
    expect(state.floor?.speaker).toBeNull();
  });

  it('microphones and mutes', () => {
    let state = applyEvent(loaded(), ev('floor.microphones', { open: true, changed_by: 3 }));
    expect(state.floor?.microphones_open).toBe(true);
    state = applyEvent(state, ev('floor.muted', { user_id: 6, audio: true, video: false, by: 3 }));
    expect(state.mutes[6]).toEqual({ audio: true, video: false });
  });

  it('a vote is created, opened, counted and closed with the legal wording', () => {
    let state = applyEvent(loaded(), ev('vote.created', { poll_id: 8, poll: poll(8, 'draft') }));
    expect(openPoll(state)).toBeNull();
    state = applyEvent(state, ev('vote.opened', { poll_id: 8, poll: poll(8, 'open') }));
    expect(openPoll(state)?.id).toBe(8);
    state = applyEvent(state, ev('vote.count', { poll_id: 8, cast: 3, roster: 50 }));
    expect(openPoll(state)?.cast).toBe(3);
    state = applyEvent(
      state,
      ev('vote.closed', {
        poll_id: 8,
        title: 'Thông qua Nghị quyết',
        roster: 50,
        present: 4,
        result: { for: 3, against: 0, abstain: 0, passed: false, needed: 26, base: 50 },
        passed: false,
        wording: { vi: ['Số đại biểu tán thành: 3/50 (6,00%).', 'Nghị quyết không được thông qua.'], en: ['For: 3 of 50.', 'Not passed.'] },
      }),
    );
    expect(openPoll(state)).toBeNull();
    const closed = lastClosedPoll(state);
    expect(closed?.passed).toBe(false);
    expect(closed?.wording?.vi[1]).toBe('Nghị quyết không được thông qua.');
    expect(closed?.result?.for).toBe(3);
    expect(closed?.present).toBe(4);
  });

  it('a closed vote the page never saw open (a public page joining late) is kept from its event', () => {
    const state = applyEvent(emptyRoom(), ev('vote.closed', { poll_id: 9, title: 'Bầu Ban kiểm phiếu', form: 'show_of_hands', passed: true, result: { for: 40 }, wording: { vi: ['Thông qua'], en: ['Passed'] } }));
    expect(lastClosedPoll(state)).toMatchObject({ id: 9, title: 'Bầu Ban kiểm phiếu', form: 'show_of_hands', passed: true });
  });

  it('the meeting closing clears the current item and the floor', () => {
    let state = applyEvent(loaded(), granted(1, 6));
    state = applyEvent(state, ev('meeting.status', { from: 'open', to: 'closed', meeting: { ...DETAIL.meeting, status: 'closed' } }));
    expect(state.meeting?.status).toBe('closed');
    expect(state.currentItemId).toBeNull();
    expect(state.floor?.speaker).toBeNull();
  });

  it('documents, receipts and invitations are reloaded over HTTP: their counters move', () => {
    let state = applyEvent(loaded(), ev('document.released', { document_id: 1, version: 1 }));
    state = applyEvent(state, ev('document.opened', { document_id: 1, user_id: 6 }));
    state = applyEvent(state, ev('invitation.rsvp', { invitation_id: 4, rsvp: 'accepted' }));
    expect([state.documentsVersion, state.receiptsVersion, state.invitationsVersion]).toEqual([1, 1, 1]);
  });

  it('recording events reload the recordings; a failure is the chair\'s alarm until it starts again', () => {
    let state = applyEvent(loaded(), ev('recording.started', { recording_id: 1, by: null, error: null }));
    expect([state.recordingVersion, state.recordingAlarm]).toEqual([1, null]);
    state = applyEvent(state, ev('recording.error', { recording_id: 1, state: 'participant_stopped', participant_id: 6, error: 'disk full' }));
    expect([state.recordingVersion, state.recordingAlarm]).toEqual([2, 'disk full']);
    state = applyEvent(state, ev('recording.stopped', { recording_id: 1, state: 'stopped', files: 4, by: 5, error: 'disk full' }));
    expect([state.recordingVersion, state.recordingAlarm]).toEqual([3, 'disk full']);
    state = applyEvent(state, ev('recording.started', { recording_id: 2, by: 5, error: null }));
    expect([state.recordingVersion, state.recordingAlarm]).toEqual([4, null]);
  });

  it('"hidden" stand-ins and unknown kinds only move the sequence number', () => {
    const before = loaded();
    const after = applyEvent(before, { type: 'event', meeting_id: 5, seq: 900, kind: 'hidden' });
    expect(after.lastSeq).toBe(900);
    expect({ ...after, lastSeq: 0 }).toEqual({ ...before, lastSeq: 0 });
  });

  it('replaying events already applied ends in the same state (a reconnect overlapping what was seen)', () => {
    const events = [
      ev('floor.queue', { queue: [request(1, 6, 0)] }),
      granted(1, 6),
      ev('floor.queue', { queue: [] }),
      ev('agenda.current', { item_id: 12 }),
      ev('floor.ended', { request_id: 1 }),
    ];
    const once = events.reduce(applyEvent, loaded());
    const twice = events.reduce(applyEvent, once);
    expect(twice).toEqual(once);
  });
});

describe('RoomStore', () => {
  function deferred<T>() {
    let resolve!: (value: T) => void;
    const promise = new Promise<T>((r) => (resolve = r));
    return { promise, resolve };
  }

  it('an event that arrives while the snapshots load is applied again on top of them', async () => {
    const floor = deferred<FloorState>();
    const store = new RoomStore({
      meeting: async () => DETAIL,
      attendance: async () => ATTENDANCE,
      floor: () => floor.promise,
      polls: async () => [],
    });
    const loading = store.load();
    // The server commits a grant after it read the floor, and the event overtakes the answer.
    store.event(granted(1, 6));
    floor.resolve(FLOOR); // the older snapshot: nobody speaking
    await loading;
    expect(get(store).floor?.speaker?.user_id).toBe(6);
    expect(get(store.status)).toBe('ready');
  });

  it('parts the caller may not see are left empty; a failed meeting load is a failure', async () => {
    const store = new RoomStore({
      meeting: async () => DETAIL,
      attendance: async () => null,
      floor: async () => {
        throw new Error('refused');
      },
      polls: async () => null,
    });
    await store.load();
    expect(get(store).meeting?.id).toBe(5);
    expect(get(store).floor).toBeNull();

    const broken = new RoomStore({
      meeting: async () => {
        throw new Error('down');
      },
      attendance: async () => null,
      floor: async () => null,
      polls: async () => null,
    });
    await broken.load();
    expect(get(broken.status)).toBe('failed');
    expect(get(broken.failure)).toBeInstanceOf(Error);
  });

  it('a newer load supersedes an older one still running', async () => {
    const slow = deferred<MeetingDetail>();
    let calls = 0;
    const store = new RoomStore({
      meeting: () => (++calls === 1 ? slow.promise : Promise.resolve({ ...DETAIL, meeting: { ...DETAIL.meeting, title: 'Mới' } })),
      attendance: async () => null,
      floor: async () => null,
      polls: async () => null,
    });
    const first = store.load();
    await store.load(true);
    slow.resolve({ ...DETAIL, meeting: { ...DETAIL.meeting, title: 'Cũ' } });
    await first;
    expect(get(store).meeting?.title).toBe('Mới');
  });
});
