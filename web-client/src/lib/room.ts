/*
 * The state of a meeting as its room shows it, kept current by the meeting's live events.
 *
 * A room starts from snapshots over HTTP (the meeting and agenda, attendance, the floor, the
 * polls) and then follows /ws. The two race: an event may be committed after the server read a
 * snapshot but arrive before the snapshot's answer, and applying the snapshot then would undo
 * it. So while snapshots are being loaded every event is kept as well as applied, and once the
 * snapshots land they are applied first and the kept events again on top. That is safe because
 * every event here says what the state now is (the whole queue, the whole agenda, the speaker,
 * the counts) rather than what changed by how much: applying one twice, or an older one before a
 * newer one in the order they happened, ends in the same state.
 *
 * After a reconnect the live connection replays what was missed (after_seq), which brings the
 * room up to date event by event; after a gap the server could not fill, the room loads its
 * snapshots again. Events that need a fresh list from HTTP (a document released, a receipt)
 * only bump a counter that the view watches.
 *
 * Nothing here touches the DOM or the network directly: loaders are passed in, so tests drive a
 * room with plain objects.
 */
import { writable, type Readable } from 'svelte/store';
import type {
  Agenda,
  AgendaItem,
  Attendance,
  AttendanceChange,
  AttendanceMember,
  FloorRequest,
  FloorSpeaker,
  FloorState,
  Meeting,
  MeetingDetail,
  MyInvitation,
  Poll,
  PollWording,
  Quorum,
} from './api';
import type { MeetingEvent } from './live';

export interface AttendanceView {
  present: number;
  total: number;
  quorum: Quorum | null;
  /** By user id; only those the server told us of. */
  members: Record<number, AttendanceMember>;
}

export interface MuteState {
  audio: boolean;
  video: boolean;
}

export interface RoomState {
  meeting: Meeting | null;
  agenda: AgendaItem[];
  agendaVersion: number | null;
  currentItemId: number | null;
  myInvitation: MyInvitation | null;
  attendance: AttendanceView | null;
  floor: FloorState | null;
  /** The request id of the running turn once the server warned that its time is nearly up. */
  warnedRequestId: number | null;
  polls: Poll[];
  /** Mutes the chair asked for, by user id. */
  mutes: Record<number, MuteState>;
  /** Bumped when the meeting's documents changed: the view reloads its list. */
  documentsVersion: number;
  /** Bumped when someone opened a document for the first time (receipts; secretariat). */
  receiptsVersion: number;
  /** Bumped when invitations or answers changed. */
  invitationsVersion: number;
  /** Bumped when the tally committee was set. */
  tallyVersion: number;
  /** Bumped when a recording started, stopped or failed: the view reloads the recordings. */
  recordingVersion: number;
  /** The last failure of the recording the server reported (recording.error), until it restarts. */
  recordingAlarm: string | null;
  /** Bumped when a sitting was added or changed, or a correction added. */
  recordVersion: number;
  /** Bumped when a written consultation opened or was answered. */
  consultationsVersion: number;
  /** The last event applied. */
  lastSeq: number;
}

export function emptyRoom(): RoomState {
  return {
    meeting: null,
    agenda: [],
    agendaVersion: null,
    currentItemId: null,
    myInvitation: null,
    attendance: null,
    floor: null,
    warnedRequestId: null,
    polls: [],
    mutes: {},
    documentsVersion: 0,
    receiptsVersion: 0,
    invitationsVersion: 0,
    tallyVersion: 0,
    recordingVersion: 0,
    recordingAlarm: null,
    recordVersion: 0,
    consultationsVersion: 0,
    lastSeq: 0,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/* ---- snapshots ---- */

export function withMeeting(state: RoomState, detail: MeetingDetail): RoomState {
  return {
    ...state,
    meeting: detail.meeting,
    agenda: detail.agenda,
    agendaVersion: detail.meeting.agenda_version ?? state.agendaVersion,
    currentItemId: detail.meeting.current_item_id ?? null,
    myInvitation: detail.my_invitation ?? null,
  };
}

/** The agenda an edit answered with (or a reload). */
export function withAgenda(state: RoomState, agenda: Agenda): RoomState {
  return {
    ...state,
    agenda: agenda.items,
    agendaVersion: agenda.agenda_version,
    currentItemId: agenda.current_item_id,
    meeting: state.meeting ? { ...state.meeting, agenda_version: agenda.agenda_version } : state.meeting,
  };
}

export function withAttendance(state: RoomState, attendance: Attendance): RoomState {
  const members: Record<number, AttendanceMember> = {};
  for (const member of attendance.members) members[member.user_id] = member;
  return {
    ...state,
    attendance: { present: attendance.present, total: attendance.total, quorum: attendance.quorum, members },
  };
}

export function withFloor(state: RoomState, floor: FloorState): RoomState {
  const warned =
    floor.speaker !== null && state.warnedRequestId === floor.speaker.request_id ? state.warnedRequestId : null;
  return { ...state, floor, warnedRequestId: warned };
}

export function withPolls(state: RoomState, polls: Poll[]): RoomState {
  return { ...state, polls: [...polls].sort((a, b) => a.id - b.id) };
}

/**
 * Applies the result of a check-in or check-out we made ourselves (also an event's payload).
 * `at`: when it happened (the event's time; now for our own answer).
 */
export function withAttendanceChange(state: RoomState, change: AttendanceChange, at: string = new Date().toISOString()): RoomState {
  const previous = state.attendance ?? { present: 0, total: 0, quorum: null, members: {} };
  const members = { ...previous.members };
  if (change.change !== 'none') {
    const known = members[change.user_id];
    const present = change.change !== 'checked_out';
    members[change.user_id] = {
      user_id: change.user_id,
      full_name: known?.full_name ?? '',
      present,
      mode: present ? change.mode : null,
      site_id: present ? change.site_id : null,
      // A move keeps the first arrival; a new check-in starts now.
      since: present ? (change.change === 'moved' && known?.since ? known.since : at) : null,
    };
  }
  return {
    ...state,
    attendance: { present: change.present, total: change.total, quorum: change.quorum ?? previous.quorum, members },
  };
}

/* ---- events ---- */

function upsertPoll(polls: Poll[], poll: Poll): Poll[] {
  const others = polls.filter((p) => p.id !== poll.id);
  return [...others, poll].sort((a, b) => a.id - b.id);
}

function patchPoll(polls: Poll[], pollId: number, patch: Partial<Poll>): Poll[] {
  return polls.map((poll) => (poll.id === pollId ? { ...poll, ...patch } : poll));
}

function emptyFloor(state: RoomState): FloorState {
  return {
    meeting_id: state.meeting?.id ?? 0,
    status: state.meeting?.status ?? '',
    speaker: null,
    queue: [],
    microphones_open: false,
    limits: [],
    server_time: '',
  };
}

function speakerFrom(payload: Record<string, unknown>): FloorSpeaker | null {
  const requestId = num(payload['request_id']);
  const userId = num(payload['user_id']);
  if (requestId === null || userId === null) return null;
  return {
    request_id: requestId,
    user_id: userId,
    full_name: typeof payload['full_name'] === 'string' ? payload['full_name'] : '',
    title: typeof payload['title'] === 'string' ? payload['title'] : '',
    kind: (payload['kind'] as FloorSpeaker['kind']) ?? 'speech',
    started_at: typeof payload['started_at'] === 'string' ? payload['started_at'] : '',
    limit_ms: num(payload['limit_ms']) ?? 0,
    warning_ms: num(payload['warning_ms']) ?? 0,
    ends_at: typeof payload['ends_at'] === 'string' ? payload['ends_at'] : null,
  };
}

/** The room after one live event. Unknown kinds and "hidden" stand-ins change only lastSeq. */
export function applyEvent(state: RoomState, event: MeetingEvent): RoomState {
  const next = { ...state, lastSeq: Math.max(state.lastSeq, event.seq) };
  const payload = isRecord(event['payload']) ? event['payload'] : {};
  switch (event['kind']) {
    case 'meeting.status':
    case 'meeting.updated': {
      const meeting = payload['meeting'];
      if (!isRecord(meeting)) return next;
      const merged = { ...(state.meeting ?? {}), ...(meeting as unknown as Meeting) };
      const closed = merged.status === 'closed' || merged.status === 'archived';
      return {
        ...next,
        meeting: merged,
        currentItemId: closed ? null : next.currentItemId,
        floor: closed && next.floor ? { ...next.floor, speaker: null, queue: [] } : next.floor,
      };
    }
    case 'agenda.changed': {
      const items = payload['items'];
      if (!Array.isArray(items)) return next;
      const version = num(payload['agenda_version']);
      const current = payload['current_item_id'];
      return {
        ...next,
        agenda: items as AgendaItem[],
        agendaVersion: version ?? next.agendaVersion,
        currentItemId: current === undefined ? next.currentItemId : num(current),
        meeting: next.meeting && version !== null ? { ...next.meeting, agenda_version: version } : next.meeting,
      };
    }
    case 'agenda.current':
      return { ...next, currentItemId: num(payload['item_id']) };
    case 'attendance.changed': {
      const userId = num(payload['user_id']);
      const present = num(payload['present']);
      const total = num(payload['total']);
      if (userId === null || present === null || total === null) return next;
      const at = typeof event['at'] === 'string' ? event['at'] : undefined;
      return withAttendanceChange(next, payload as unknown as AttendanceChange, at);
    }
    case 'floor.queue': {
      const queue = payload['queue'];
      if (!Array.isArray(queue)) return next;
      return { ...next, floor: { ...(next.floor ?? emptyFloor(next)), queue: queue as FloorRequest[] } };
    }
    case 'floor.granted': {
      const speaker = speakerFrom(payload);
      if (speaker === null) return next;
      const floor = next.floor ?? emptyFloor(next);
      // The granted request leaves the queue (a floor.queue event follows; this keeps the screen
      // from showing the speaker twice meanwhile).
      const queue = floor.queue.filter((r) => r.request_id !== speaker.request_id);
      return { ...next, floor: { ...floor, speaker, queue }, warnedRequestId: null };
    }
    case 'floor.extended': {
      const speaker = next.floor?.speaker;
      const requestId = num(payload['request_id']);
      if (!next.floor || !speaker || speaker.request_id !== requestId) return next;
      const limit = num(payload['limit_ms']);
      const endsAt = typeof payload['ends_at'] === 'string' ? payload['ends_at'] : speaker.ends_at;
      return {
        ...next,
        floor: { ...next.floor, speaker: { ...speaker, limit_ms: limit ?? speaker.limit_ms, ends_at: endsAt } },
        warnedRequestId: null,
      };
    }
    case 'floor.warning': {
      const requestId = num(payload['request_id']);
      return next.floor?.speaker && next.floor.speaker.request_id === requestId ? { ...next, warnedRequestId: requestId } : next;
    }
    case 'floor.ended': {
      const requestId = num(payload['request_id']);
      const speaker = next.floor?.speaker;
      if (!next.floor || !speaker || (requestId !== null && speaker.request_id !== requestId)) return next;
      return { ...next, floor: { ...next.floor, speaker: null }, warnedRequestId: null };
    }
    case 'floor.microphones': {
      const open = payload['open'];
      if (typeof open !== 'boolean') return next;
      return { ...next, floor: { ...(next.floor ?? emptyFloor(next)), microphones_open: open } };
    }
    case 'floor.muted': {
      const userId = num(payload['user_id']);
      if (userId === null) return next;
      const mute: MuteState = { audio: payload['audio'] === true, video: payload['video'] === true };
      return { ...next, mutes: { ...next.mutes, [userId]: mute } };
    }
    case 'vote.created':
    case 'vote.opened':
    case 'vote.extended':
    case 'vote.cancelled': {
      const poll = payload['poll'];
      if (!isRecord(poll) || num(poll['id']) === null) return next;
      return { ...next, polls: upsertPoll(next.polls, poll as unknown as Poll) };
    }
    case 'vote.count': {
      const pollId = num(payload['poll_id']);
      const cast = num(payload['cast']);
      if (pollId === null || cast === null) return next;
      const roster = num(payload['roster']);
      return { ...next, polls: patchPoll(next.polls, pollId, roster === null ? { cast } : { cast, roster }) };
    }
    case 'vote.counts': {
      const pollId = num(payload['poll_id']);
      if (pollId === null || !isRecord(payload['counts'])) return next;
      return { ...next, polls: patchPoll(next.polls, pollId, { counts: payload['counts'] }) };
    }
    case 'vote.closed': {
      const pollId = num(payload['poll_id']);
      if (pollId === null) return next;
      const patch: Partial<Poll> = {
        state: 'closed',
        closed_at: event['at'] === undefined ? null : String(event['at']),
        result: isRecord(payload['result']) ? (payload['result'] as Poll['result']) : null,
        wording: isRecord(payload['wording']) ? (payload['wording'] as unknown as PollWording) : null,
        passed: typeof payload['passed'] === 'boolean' ? payload['passed'] : null,
      };
      const roster = num(payload['roster']);
      if (roster !== null) patch.roster = roster;
      if (payload['present'] !== undefined) patch.present = num(payload['present']);
      if (!next.polls.some((poll) => poll.id === pollId)) {
        // Closed before we knew of it (a public page that joined late): keep what the event says.
        const title = typeof payload['title'] === 'string' ? payload['title'] : '';
        const poll: Poll = {
          id: pollId,
          meeting_id: event.meeting_id,
          agenda_item_id: null,
          title,
          decision: null,
          subject: (payload['subject'] as Poll['subject']) ?? 'motion',
          form: (payload['form'] as Poll['form']) ?? 'named',
          threshold: typeof payload['threshold'] === 'string' ? payload['threshold'] : null,
          threshold_words: null,
          allow_change: false,
          state: 'closed',
          roster: null,
          needed: null,
          present: null,
          cast: 0,
          opened_at: null,
          closes_at: null,
          closed_at: null,
          result: null,
          wording: null,
          passed: null,
          ...patch,
        };
        return { ...next, polls: upsertPoll(next.polls, poll) };
      }
      return { ...next, polls: patchPoll(next.polls, pollId, patch) };
    }
    case 'document.released':
      return { ...next, documentsVersion: next.documentsVersion + 1 };
    case 'document.opened':
      return { ...next, receiptsVersion: next.receiptsVersion + 1 };
    case 'vote.tally_committee':
      return { ...next, tallyVersion: next.tallyVersion + 1 };
    case 'sitting.changed':
    case 'correction.added':
      return { ...next, recordVersion: next.recordVersion + 1 };
    case 'consultation.opened':
    case 'consultation.answered':
      return { ...next, consultationsVersion: next.consultationsVersion + 1 };
    case 'invitation.added':
    case 'invitation.removed':
    case 'invitation.rsvp':
      return { ...next, invitationsVersion: next.invitationsVersion + 1 };
    case 'recording.started':
      return { ...next, recordingVersion: next.recordingVersion + 1, recordingAlarm: null };
    case 'recording.stopped':
      return { ...next, recordingVersion: next.recordingVersion + 1 };
    case 'recording.error': {
      const error = payload['error'];
      return { ...next, recordingVersion: next.recordingVersion + 1, recordingAlarm: typeof error === 'string' ? error : '' };
    }
    default:
      return next;
  }
}

/* ---- the store ---- */

/** Each returns null when the caller may not see that part (or the server does not have it). */
export interface RoomLoaders {
  meeting: () => Promise<MeetingDetail>;
  attendance: () => Promise<Attendance | null>;
  floor: () => Promise<FloorState | null>;
  polls: () => Promise<Poll[] | null>;
}

export type RoomLoadState = 'loading' | 'ready' | 'failed';

/**
 * A room: state from snapshots and events, merged as described at the top of this file.
 * subscribe() makes it a Svelte store.
 */
export class RoomStore implements Readable<RoomState> {
  private state: RoomState = emptyRoom();
  private readonly store = writable<RoomState>(this.state);
  private readonly statusStore = writable<RoomLoadState>('loading');
  private readonly failureStore = writable<unknown>(null);
  /** Events applied while snapshots were in flight, to apply again on top of them. */
  private kept: MeetingEvent[] | null = null;
  private loadCounter = 0;

  readonly subscribe = this.store.subscribe;
  readonly status: Readable<RoomLoadState> = { subscribe: this.statusStore.subscribe };
  /** Why the meeting itself could not be loaded. */
  readonly failure: Readable<unknown> = { subscribe: this.failureStore.subscribe };

  constructor(private readonly loaders: RoomLoaders) {}

  get current(): RoomState {
    return this.state;
  }

  /** A live event. */
  event(event: MeetingEvent): void {
    this.kept?.push(event);
    this.set(applyEvent(this.state, event));
  }

  /** Changes made locally from an answer we got (our own check-in, the floor after our request). */
  update(change: (state: RoomState) => RoomState): void {
    this.set(change(this.state));
  }

  /**
   * Loads every snapshot. With `quietly` (a reload after a gap) the room stays on screen meanwhile.
   * A newer load supersedes an older one still running.
   */
  async load(quietly = false): Promise<void> {
    const token = ++this.loadCounter;
    if (!quietly) this.statusStore.set('loading');
    this.kept = [];
    const [meeting, attendance, floor, polls] = await Promise.allSettled([
      this.loaders.meeting(),
      this.loaders.attendance(),
      this.loaders.floor(),
      this.loaders.polls(),
    ]);
    if (token !== this.loadCounter) return;
    const kept = this.kept ?? [];
    this.kept = null;
    if (meeting.status === 'rejected') {
      if (!quietly) {
        this.failureStore.set(meeting.reason);
        this.statusStore.set('failed');
      }
      return;
    }
    let next = withMeeting(this.state, meeting.value);
    if (attendance.status === 'fulfilled' && attendance.value !== null) next = withAttendance(next, attendance.value);
    if (floor.status === 'fulfilled' && floor.value !== null) next = withFloor(next, floor.value);
    if (polls.status === 'fulfilled' && polls.value !== null) next = withPolls(next, polls.value);
    for (const event of kept) next = applyEvent(next, event);
    this.failureStore.set(null);
    this.set(next);
    this.statusStore.set('ready');
  }

  private set(next: RoomState): void {
    this.state = next;
    this.store.set(next);
  }
}

/* ---- reading the state ---- */

/** The item the sitting is on, or null. */
export function currentItem(state: RoomState): AgendaItem | null {
  return state.agenda.find((item) => item.id === state.currentItemId) ?? null;
}

/** The poll members vote in now: the open one (the newest if several), else null. */
export function openPoll(state: RoomState): Poll | null {
  const open = state.polls.filter((poll) => poll.state === 'open');
  return open.length > 0 ? (open[open.length - 1] ?? null) : null;
}

/** The poll closed last, for showing its result. */
export function lastClosedPoll(state: RoomState): Poll | null {
  const closed = state.polls.filter((poll) => poll.state === 'closed');
  return closed.length > 0 ? (closed[closed.length - 1] ?? null) : null;
}

/** Whether a member is checked in now. */
export function isPresent(state: RoomState, userId: number): boolean {
  return state.attendance?.members[userId]?.present === true;
}
