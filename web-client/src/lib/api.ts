/*
 * All HTTP traffic between the web client and the phonghop server goes through this module.
 *
 * The server speaks JSON under /api/v1 on the page's own origin. Authentication is a cookie the
 * server sets HttpOnly at login; fetch sends it because we ask for `credentials: 'same-origin'`.
 * Every state-changing request (POST, PUT, PATCH, DELETE) also carries the anti-forgery token the
 * server handed out at login or with GET /api/v1/session; the client keeps it in memory only
 * (never in localStorage), so a reload fetches it again from /session. The token goes in
 * X-Auth-Token, the header the server reads (libwebsockets only parses headers it knows under
 * HTTP/2, and X-CSRF-Token is not one of them), and also in X-CSRF-Token, the name the API was
 * first specified with, so the client works with servers from before that change.
 *
 * Failures are thrown as ApiError, whatever their cause:
 *   - the server answered with a non-2xx status: `code` and `message` come from its body
 *     `{ "error": { "code": ..., "message": ... } }`; if that body is missing or malformed
 *     (a proxy's HTML error page, say) the code is `http_error`;
 *   - a 429 (or 503) also carries `retry_after`, in whole seconds, from the Retry-After header;
 *   - the request never reached the server: status 0, code `network_error`;
 *   - a 2xx answer that is not the JSON we expect: code `bad_response`.
 * The message of an ApiError is for logs; what the user reads comes from the i18n catalogue,
 * chosen by `code`.
 *
 * A 401 from anything but login and the session probe means the session ended elsewhere
 * (expired, logged out on another tab, revoked): the client forgets its CSRF token and calls
 * the handler given to onSessionLost(), which sends the user back to the login page.
 */
import type { RecordingsAnswer } from './archive';

/* ---- Shapes of the server's JSON (field names as on the wire) ---- */

export type BodyKind = 'council' | 'committee';
export type BodyLevel = 'province' | 'district' | 'commune';
/** Known roles: 'admin' | 'secretariat' | 'chair' | 'member' | 'guest'; the server may add more. */
export type Role = string;

export interface User {
  id: number;
  username: string;
  full_name: string;
  title: string;
  is_system_admin: boolean;
}

export interface Membership {
  body_id: number;
  body_name: string;
  body_kind: BodyKind;
  body_level: BodyLevel;
  roles: Role[];
}

/** What POST /auth/login and GET /session answer. */
export interface Session {
  user: User;
  csrf_token: string;
  memberships: Membership[];
}

export interface Body {
  id: number;
  name: string;
  kind: BodyKind;
  level: BodyLevel;
  parent_id: number | null;
  roles: Role[];
}

export type MeetingKind = 'regular' | 'extraordinary' | 'first_of_term' | 'thematic' | 'interpellation';
export type MeetingStatus = 'draft' | 'scheduled' | 'open' | 'closed' | 'archived';

export interface MeetingSummary {
  id: number;
  title: string;
  kind: MeetingKind;
  status: MeetingStatus;
  /** ISO 8601 with offset, or null while not yet scheduled. */
  starts_at: string | null;
  location: string;
  is_public: boolean;
}

/** GET /meetings/{id} sends every field; the list may send fewer. */
export interface Meeting extends MeetingSummary {
  body_id?: number;
  term_id?: number | null;
  /** Send it back with the next agenda edit. */
  agenda_version?: number;
  current_item_id?: number | null;
  opened_at?: string | null;
  closed_at?: string | null;
  archived_at?: string | null;
  updated_at?: string;
}

export interface AgendaItem {
  id: number;
  parent_id: number | null;
  position: number;
  /** "2.1", as the server numbers it. */
  number?: string;
  title: string;
  presenter: string;
  planned_minutes: number | null;
  is_public: boolean;
  sitting_id?: number | null;
}

export type Rsvp = 'pending' | 'accepted' | 'declined';

/** The caller's own invitation, as GET /meetings/{id} gives it. */
export interface MyInvitation {
  id: number;
  kind: InvitationKind;
  rsvp: Rsvp;
  rsvp_note: string;
  notified_at: string | null;
}

export interface Sitting {
  id: number;
  meeting_id: number;
  number: number;
  title: string;
  starts_at: string | null;
  is_public: boolean;
}

/** A released public document as the public view lists it. */
export interface PublicDocument {
  id: number;
  agenda_item_id: number | null;
  title: string;
  kind: string;
  version: number;
  sha256: string;
  size: number;
  media_type: string;
  file_name: string;
}

/** A closed named vote's record, per member, as the public view publishes it. */
export interface NamedChoice {
  user_id: number;
  full_name: string;
  choice: 'for' | 'against' | 'abstain' | null;
  choice_vi: string;
}

/** GET /public/meetings/{id} (and a hall screen's view). */
export interface PublicMeeting {
  meeting: Meeting & { body?: { id: number; name: string; kind: string; level: string } };
  sittings: Sitting[];
  agenda: AgendaItem[];
  documents: PublicDocument[];
  speaker: Omit<FloorSpeaker, 'request_id'> | null;
  polls: (Poll & { named?: NamedChoice[] })[];
  last_seq: number;
}

export interface ScreenView extends PublicMeeting {
  screen: { id: number; meeting_id: number; site_id: number; site_name: string; expires_at: string };
}

/** A hall screen's token as the secretariat's desk lists it (never the token itself). */
export interface HallScreen {
  id: number;
  meeting_id: number;
  site_id: number;
  site_name: string;
  site_kind: string;
  label: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  active: boolean;
}

export interface IssuedScreen {
  screen: HallScreen;
  /** Shown once: the screen's address carries it. */
  token: string;
}

export interface MeetingDetail {
  meeting: Meeting;
  agenda: AgendaItem[];
  sittings?: Sitting[];
  my_invitation?: MyInvitation | null;
}

/** The whole agenda; every agenda edit answers with it. */
export interface Agenda {
  meeting_id: number;
  agenda_version: number;
  current_item_id: number | null;
  items: AgendaItem[];
  change?: 'added' | 'updated' | 'removed' | 'reordered' | 'visibility';
  item_id?: number;
  item?: AgendaItem;
}

export interface MeetingDraft {
  title: string;
  kind: MeetingKind;
  /** With its offset: 2026-07-01T08:00:00+07:00. */
  starts_at?: string;
  location?: string;
  is_public?: boolean;
}

export interface MeetingChanges {
  title?: string;
  kind?: MeetingKind;
  starts_at?: string | null;
  location?: string | null;
  is_public?: boolean;
}

export interface AgendaItemDraft {
  title: string;
  parent_id?: number | null;
  presenter?: string;
  planned_minutes?: number;
  is_public?: boolean;
}

export interface AgendaItemChanges {
  title?: string;
  parent_id?: number | null;
  presenter?: string | null;
  planned_minutes?: number | null;
  is_public?: boolean;
}

export type InvitationKind = 'member' | 'staff' | 'guest' | 'site';

export interface Invitation {
  id: number;
  meeting_id: number;
  kind: InvitationKind;
  user_id: number | null;
  full_name: string | null;
  site_id: number | null;
  site_name: string | null;
  rsvp: Rsvp;
  rsvp_note: string;
  rsvp_at: string | null;
  notified_at: string | null;
}

export type InviteTarget = { user_id: number } | { site_id: number } | { all_members: true };

/* ---- attendance ---- */

export type AttendanceMode = 'hall' | 'remote_site' | 'online';

export interface Quorum {
  numerator: number;
  denominator: number;
  /** "2/3" */
  text: string;
  /** The fewest members present that make the quorum. */
  needed: number;
  met: boolean;
}

export interface AttendanceMember {
  user_id: number;
  full_name: string;
  present: boolean;
  mode: AttendanceMode | null;
  site_id: number | null;
  since: string | null;
}

export interface Attendance {
  meeting_id: number;
  present: number;
  total: number;
  quorum: Quorum;
  online?: number;
  sites?: { site_id: number; name: string; kind: SiteKind; present: number }[];
  members: AttendanceMember[];
}

/** The answer to a check-in or check-out, and the payload of attendance.changed. */
export interface AttendanceChange {
  user_id: number;
  change: 'checked_in' | 'moved' | 'checked_out' | 'none';
  mode: AttendanceMode | null;
  site_id: number | null;
  by_user_id: number;
  present: number;
  total: number;
  quorum: Quorum;
}

export type SiteKind = 'main_hall' | 'remote_hall';

export interface Site {
  id: number;
  name: string;
  kind: SiteKind;
}

export interface RosterMember {
  user_id: number;
  username: string;
  full_name: string;
  title: string;
  joined_on: string;
}

/* ---- documents ---- */

export type DocumentKind = 'to_trinh' | 'du_thao_nghi_quyet' | 'bao_cao_tham_tra' | 'other';
export type Classification = 'none' | 'mat' | 'toi_mat' | 'tuyet_mat';

export interface DocumentVersion {
  version: number;
  sha256: string;
  size: number;
  media_type: string;
  file_name: string;
  uploaded_at?: string;
  released?: boolean;
}

/** One line of GET /meetings/{id}/documents: the latest version the caller may open. */
export interface DocumentSummary {
  id: number;
  agenda_item_id: number | null;
  title: string;
  kind: DocumentKind;
  classification: Classification;
  is_public: boolean;
  /** 0 while only the secretariat may see it. */
  released_version: number;
  restricted: boolean;
  version: DocumentVersion | null;
  /** When the caller first opened it (the read receipt), or null. */
  opened_at: string | null;
}

export interface DocumentDetail {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  title: string;
  kind: DocumentKind;
  classification: Classification;
  is_public: boolean;
  released_version: number;
  restricted: boolean;
  versions: DocumentVersion[];
}

export interface DocumentNote {
  document_id: number;
  text: string;
  updated_at: string | null;
}

/** Who may open a document beyond the meeting's readers rule: nobody listed means everyone who may read the meeting. */
export interface DocumentAccess {
  restricted: boolean;
  users: { id: number; username: string; full_name: string }[];
  roles: Role[];
}

export interface DocumentReceipt {
  user_id: number;
  full_name: string;
  version: number | null;
  opened_at: string | null;
}

/** What travels with an upload, in its query string (the body is the file itself). */
export interface UploadMetadata {
  /** The file's name, for display. */
  name: string;
  title?: string;
  kind?: DocumentKind;
  classification?: Classification;
  is_public?: boolean;
  agenda_item_id?: number | null;
}

export interface UploadProgress {
  loaded: number;
  /** null when the browser cannot tell. */
  total: number | null;
}

export interface UploadHandle {
  readonly done: Promise<DocumentDetail>;
  abort(): void;
}

/** The part of XMLHttpRequest an upload uses (a fake one in tests). */
export interface XhrLike {
  readonly status: number;
  readonly responseText: string;
  readonly upload: { onprogress: ((event: ProgressEvent) => void) | null };
  onload: ((event: ProgressEvent) => void) | null;
  onerror: ((event: ProgressEvent) => void) | null;
  onabort: ((event: ProgressEvent) => void) | null;
  open(method: string, url: string): void;
  setRequestHeader(name: string, value: string): void;
  getResponseHeader(name: string): string | null;
  send(body: Blob | ArrayBuffer | string): void;
  abort(): void;
}

/* ---- the floor ---- */

export type FloorKind = 'speech' | 'question' | 'answer' | 'point_of_order';

export interface FloorRequest {
  request_id: number;
  user_id: number;
  full_name: string;
  kind: FloorKind;
  /** 0 is the head of the queue. */
  position: number;
  requested_at: string;
}

export interface FloorSpeaker {
  request_id: number;
  user_id: number;
  full_name: string;
  /** The speaker's title or office from the roster ("" when none; absent from older servers). */
  title?: string;
  kind: FloorKind;
  started_at: string;
  limit_ms: number;
  warning_ms: number;
  /** null: no time limit. */
  ends_at: string | null;
  remaining_ms?: number | null;
}

export interface FloorLimit {
  kind: FloorKind;
  limit_seconds: number;
  warning_seconds: number;
  /** The body set it (else the default). */
  own?: boolean;
}

/** One recording of a meeting (GET /meetings/{id}/recordings): from an opening or a start by
 * the chair to the close or a stop. */
export interface RecordingRun {
  id: number;
  meeting_id: number;
  started_at: string;
  ended_at: string | null;
  /** interrupted: the server stopped while recording; its files were checked at the next start */
  state: 'recording' | 'stopped' | 'failed' | 'interrupted';
  last_error: string;
  started_by: number | null;
  files: number;
  duration_ms: number;
}

export interface FloorState {
  meeting_id: number;
  status: string;
  speaker: FloorSpeaker | null;
  queue: FloorRequest[];
  microphones_open: boolean;
  limits: FloorLimit[];
  server_time: string;
}

/* ---- votes ---- */

export type PollSubject = 'motion' | 'election' | 'confidence' | 'no_confidence';
export type PollForm = 'named' | 'secret' | 'show_of_hands' | 'paper';
export type PollState = 'draft' | 'open' | 'closed' | 'cancelled';
/** The law's words: tán thành, không tán thành, không biểu quyết. */
export type MotionChoice = 'for' | 'against' | 'abstain';

/** A confidence vote's levels (tín nhiệm cao, tín nhiệm, tín nhiệm thấp) and a no-confidence
 * vote's (tín nhiệm, không tín nhiệm). */
export type ConfidenceLevel = 'high' | 'medium' | 'low';
export type NoConfidenceLevel = 'confidence' | 'no_confidence';

/** What vote.cast carries: a motion's word; an election's approved candidates by position; a
 * confidence vote's level per official's position (an official left out is left blank). */
export type BallotChoice = MotionChoice | number[] | Record<string, ConfidenceLevel | NoConfidenceLevel>;

export interface PollWording {
  vi: string[];
  en: string[];
}

export interface CandidateResult {
  position: number;
  name: string;
  votes: number;
  outcome: 'elected' | 'tied' | 'not_elected';
}

/** One official's row of a confidence vote (band) or a no-confidence vote (lost). */
export interface OfficialResult {
  position: number;
  name: string;
  high?: number;
  medium?: number;
  low?: number;
  band?: 'no_action' | 'may_resign' | 'dismissal';
  confidence?: number;
  no_confidence?: number;
  lost?: boolean;
}

/** A closed poll's result in numbers; which fields are there depends on the subject. */
export interface MotionResult {
  base?: number;
  needed?: number;
  participants?: number;
  for?: number;
  against?: number;
  abstain?: number;
  passed?: boolean;
  /** Elections. */
  seats?: number;
  seats_filled?: number;
  seats_open?: number;
  status?: 'complete' | 'tie' | 'shortfall';
  candidates?: CandidateResult[];
  next_round?: number[];
  /** Confidence and no-confidence votes. */
  rows?: OfficialResult[];
  /** Paper ballots: issued, returned, valid, invalid; electronic secret ballots: how many. */
  ballots?: PaperBallots | number;
  [field: string]: unknown;
}

export interface Poll {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  title: string;
  decision: string | null;
  subject: PollSubject;
  form: PollForm;
  threshold: string | null;
  threshold_words: { vi: string | null; en: string | null } | null;
  written?: boolean;
  allow_change: boolean;
  seats?: number | null;
  round?: number;
  state: PollState;
  duration_seconds?: number | null;
  /** Members on the roster when it opened: the law's denominator. */
  roster: number | null;
  needed: number | null;
  present: number | null;
  cast: number;
  opened_at: string | null;
  closes_at: string | null;
  closed_at: string | null;
  cancel_reason?: string | null;
  rows?: { position: number; name: string; user_id: number | null }[];
  counts?: Record<string, unknown> | null;
  previous_round_id?: number | null;
  tally_minutes?: string | null;
  body_kind?: BodyKind;
  result: MotionResult | null;
  wording: PollWording | null;
  passed: boolean | null;
}

export interface PollDraft {
  title: string;
  subject: PollSubject;
  form: PollForm;
  agenda_item_id?: number;
  decision?: string;
  threshold?: string;
  duration_seconds?: number;
  allow_change?: boolean;
  written?: boolean;
  seats?: number;
  candidates?: { name: string; user_id?: number }[];
  officials?: { name: string; user_id?: number }[];
}

/** The tally committee (ban kiểm phiếu) of a meeting. */
export interface TallyCommittee {
  meeting_id: number;
  head_id: number;
  minutes: string | null;
  members: { id: number; full_name: string }[];
}

/** Paper ballots as the tally committee counts them. */
export interface PaperBallots {
  issued: number;
  returned: number;
  valid: number;
  invalid: number;
}

/** Counts entered for a show of hands or paper ballots (docs/api.yaml PollCounts). */
export interface PollCountsBody {
  for?: number;
  against?: number;
  abstain?: number;
  rows?: Record<string, number>[];
  ballots?: PaperBallots;
  minutes?: string;
}

export interface MotionCounts {
  for: number;
  against: number;
  abstain: number;
}

/** A member's receipt for a ballot: the journal entry that holds it. */
export interface BallotReceipt {
  meeting_id: number;
  poll_id: number;
  secret: boolean;
  choice?: string;
  revision?: number;
  journal_seq: number;
  hash: string;
}

export interface BallotCheck {
  receipt: BallotReceipt;
  verified: boolean;
}

/* ---- the record after the close, sittings, written consultations ---- */

/** A dated correction of a closed meeting (nothing of a closed meeting is edited). */
export interface Correction {
  id: number;
  meeting_id: number;
  agenda_item_id: number | null;
  text: string;
  created_by: number;
  created_by_name: string;
  created_at: string;
}

export type ConsultationChoice = 'agree' | 'disagree' | 'other';

/** A written consultation (lấy ý kiến) on a released document, with the caller's own answer. */
export interface Consultation {
  id: number;
  document_id: number;
  question: string;
  deadline: string;
  created_at: string;
  open: boolean;
  /** How many have answered. */
  answers: number;
  my_answer: { choice: ConsultationChoice; comment: string; answered_at: string } | null;
}

export interface ConsultationResults {
  consultation: Consultation;
  answers: { user_id: number; full_name: string; choice: ConsultationChoice; comment: string; answered_at: string }[];
  counts: { agree: number; disagree: number; other: number; not_answered: number };
}

/* ---- notifications ---- */

export interface Notification {
  id: number;
  kind: string;
  meeting_id: number | null;
  text: string;
  payload?: Record<string, unknown>;
  created_at: string;
  read_at?: string | null;
  read: boolean;
}

/* ---- Errors ---- */

/** Codes the client itself produces; the server's own codes (invalid_credentials, throttled,
 * unauthenticated, ...) pass through unchanged. */
export const NETWORK_ERROR = 'network_error';
export const HTTP_ERROR = 'http_error';
export const BAD_RESPONSE = 'bad_response';
/** An upload the person cancelled. */
export const UPLOAD_ABORTED = 'upload_aborted';
/** The agenda changed since the version an edit was made from (409). */
export const AGENDA_CONFLICT = 'conflict';

/** Headers that carry the anti-forgery token on state-changing requests. */
export const CSRF_HEADERS = ['X-Auth-Token', 'X-CSRF-Token'] as const;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the server was not reached. */
  readonly status: number;
  readonly code: string;
  /** Seconds to wait before trying again (429/503 with Retry-After), else null. */
  readonly retry_after: number | null;

  constructor(status: number, code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retry_after = retryAfter;
  }
}

/**
 * Retry-After is either a number of seconds or an HTTP date (RFC 9110 section 10.2.3).
 * Returns whole seconds from `now`, never negative, or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  // HTTP dates all begin with the day's name; Date.parse alone would take "-5" for a year.
  if (!/^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/.test(text)) return null;
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, Math.ceil((when - now) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function errorFromResponse(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('Retry-After'));
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    /* not JSON: handled below */
  }
  return errorFromBody(response.status, body, retryAfter, response.statusText);
}

/** The ApiError for a non-2xx answer whose body (parsed JSON, or null) is `body`. */
function errorFromBody(status: number, body: unknown, retryAfter: number | null, statusText = ''): ApiError {
  const error = isRecord(body) ? body['error'] : undefined;
  if (isRecord(error) && typeof error['code'] === 'string' && error['code'] !== '') {
    const message = typeof error['message'] === 'string' ? error['message'] : error['code'];
    return new ApiError(status, error['code'], message, retryAfter);
  }
  const suffix = statusText ? ` ${statusText}` : '';
  return new ApiError(status, HTTP_ERROR, `HTTP ${status}${suffix}`, retryAfter);
}

/* ---- The client ---- */

export type FetchFunction = (input: string, init: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** Defaults to the global fetch. */
  fetch?: FetchFunction;
  /** Makes the XMLHttpRequest of an upload (fetch reports no upload progress); defaults to the browser's. */
  createXhr?: () => XhrLike;
  /** Prefix of every path; defaults to '/api/v1' on the page's origin. */
  base?: string;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface RequestOptions {
  body?: unknown;
  /** A hall screen's token, sent as "Authorization: Bearer TOKEN". */
  bearer?: string;
  /** A 401 here is an answer, not a lost session (login, session probe, logout). */
  expectUnauthorized?: boolean;
}

export class ApiClient {
  private readonly fetchImpl: FetchFunction;
  private readonly createXhr: () => XhrLike;
  private readonly base: string;
  private csrfToken: string | null = null;
  private sessionLostHandler: (() => void) | null = null;

  constructor(options: ApiClientOptions = {}) {
    // Wrapped so that the browser's fetch is never called with another `this`.
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.createXhr = options.createXhr ?? (() => new XMLHttpRequest());
    this.base = options.base ?? '/api/v1';
  }

  /** Called once per request that finds the session gone (a 401 outside login). */
  onSessionLost(handler: (() => void) | null): void {
    this.sessionLostHandler = handler;
  }

  get hasCsrfToken(): boolean {
    return this.csrfToken !== null;
  }

  /** POST /auth/login. Throws ApiError: 401 invalid_credentials, 429 throttled (retry_after). */
  async login(username: string, password: string): Promise<Session> {
    const session = await this.request<Session>('POST', '/auth/login', {
      body: { username, password },
      expectUnauthorized: true,
    });
    this.adoptSession(session);
    return session;
  }

  /** POST /auth/logout. The CSRF token is forgotten even if the server had already forgotten us. */
  async logout(): Promise<void> {
    try {
      await this.request<void>('POST', '/auth/logout', { expectUnauthorized: true });
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    this.csrfToken = null;
  }

  /** GET /session: the current session, or null when not logged in. */
  async session(): Promise<Session | null> {
    try {
      const session = await this.request<Session>('GET', '/session', { expectUnauthorized: true });
      this.adoptSession(session);
      return session;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.csrfToken = null;
        return null;
      }
      throw err;
    }
  }

  async bodies(): Promise<Body[]> {
    const answer = await this.request<{ bodies: Body[] }>('GET', '/bodies');
    return expectArray(answer, 'bodies');
  }

  async meetings(bodyId: number): Promise<MeetingSummary[]> {
    const answer = await this.request<{ meetings: MeetingSummary[] }>(
      'GET',
      `/bodies/${encodeURIComponent(String(bodyId))}/meetings`,
    );
    return expectArray(answer, 'meetings');
  }

  async meeting(meetingId: number): Promise<MeetingDetail> {
    const answer = await this.request<MeetingDetail>('GET', `/meetings/${encodeURIComponent(String(meetingId))}`);
    if (!isRecord(answer) || !isRecord(answer.meeting) || !Array.isArray(answer.agenda)) {
      throw new ApiError(200, BAD_RESPONSE, 'meeting: expected {meeting, agenda}');
    }
    return answer;
  }

  /** GET /public/meetings/{id}: a public meeting for anyone, without signing in (404 otherwise). */
  async publicMeeting(meetingId: number): Promise<PublicMeeting> {
    const answer = await this.request<PublicMeeting>('GET', `/public/meetings/${id(meetingId)}`, { expectUnauthorized: true });
    return expectPublicView(answer);
  }

  /** GET /screen: what a hall screen shows, with the token the secretariat issued for it. */
  async screenView(token: string): Promise<ScreenView> {
    const answer = await this.request<ScreenView>('GET', '/screen', { bearer: token, expectUnauthorized: true });
    expectPublicView(answer);
    if (!isRecord(answer.screen)) throw new ApiError(200, BAD_RESPONSE, 'screen: expected {screen}');
    return answer;
  }

  async screens(meetingId: number): Promise<HallScreen[]> {
    const answer = await this.request<{ screens: HallScreen[] }>('GET', `/meetings/${id(meetingId)}/screens`);
    return expectArray(answer, 'screens');
  }

  /** Issues a hall screen's token for a site (shown once). */
  async issueScreen(meetingId: number, siteId: number, hours: number, label: string): Promise<IssuedScreen> {
    const answer = await this.request<IssuedScreen>('POST', `/meetings/${id(meetingId)}/screens`, {
      body: { site_id: siteId, hours, label },
    });
    if (!isRecord(answer) || typeof answer.token !== 'string' || !isRecord(answer.screen)) {
      throw new ApiError(200, BAD_RESPONSE, 'screens: expected {screen, token}');
    }
    return answer;
  }

  async revokeScreen(meetingId: number, screenId: number): Promise<HallScreen> {
    const answer = await this.request<{ screen: HallScreen }>('POST', `/meetings/${id(meetingId)}/screens/${id(screenId)}/revoke`);
    return expectRecord(answer, 'screen');
  }

  /* ---- meetings ---- */

  async createMeeting(bodyId: number, draft: MeetingDraft): Promise<Meeting> {
    const answer = await this.request<{ meeting: Meeting }>('POST', `/bodies/${id(bodyId)}/meetings`, { body: draft });
    return expectRecord(answer, 'meeting');
  }

  async updateMeeting(meetingId: number, changes: MeetingChanges): Promise<Meeting> {
    const answer = await this.request<{ meeting: Meeting }>('PATCH', `/meetings/${id(meetingId)}`, { body: changes });
    return expectRecord(answer, 'meeting');
  }

  /** A step of the lifecycle: schedule (invitations go out), unschedule, open, close, archive. */
  async meetingStep(meetingId: number, step: 'schedule' | 'unschedule' | 'open' | 'close' | 'archive'): Promise<Meeting> {
    const answer = await this.request<{ meeting: Meeting }>('POST', `/meetings/${id(meetingId)}/${step}`);
    return expectRecord(answer, 'meeting');
  }

  /* ---- agenda: every edit names the version it was made from (409 conflict otherwise) ---- */

  async agenda(meetingId: number): Promise<Agenda> {
    return this.expectAgenda(await this.request<Agenda>('GET', `/meetings/${id(meetingId)}/agenda`));
  }

  async addAgendaItem(meetingId: number, version: number, draft: AgendaItemDraft): Promise<Agenda> {
    const body = { agenda_version: version, ...draft };
    return this.expectAgenda(await this.request<Agenda>('POST', `/meetings/${id(meetingId)}/agenda`, { body }));
  }

  async updateAgendaItem(meetingId: number, itemId: number, version: number, changes: AgendaItemChanges): Promise<Agenda> {
    const body = { agenda_version: version, ...changes };
    return this.expectAgenda(
      await this.request<Agenda>('PATCH', `/meetings/${id(meetingId)}/agenda/${id(itemId)}`, { body }),
    );
  }

  async removeAgendaItem(meetingId: number, itemId: number, version: number): Promise<Agenda> {
    return this.expectAgenda(
      await this.request<Agenda>(
        'DELETE',
        `/meetings/${id(meetingId)}/agenda/${id(itemId)}?agenda_version=${encodeURIComponent(String(version))}`,
      ),
    );
  }

  /** Every item exactly once, in the new order; an item given as {id, parent_id} moves under that parent. */
  async reorderAgenda(
    meetingId: number,
    version: number,
    order: (number | { id: number; parent_id: number | null })[],
  ): Promise<Agenda> {
    const body = { agenda_version: version, order };
    return this.expectAgenda(await this.request<Agenda>('PUT', `/meetings/${id(meetingId)}/agenda/order`, { body }));
  }

  /** The chair moves the sitting to an item (or to none). */
  async setCurrentItem(meetingId: number, itemId: number | null): Promise<void> {
    await this.request('POST', `/meetings/${id(meetingId)}/agenda/current`, { body: { item_id: itemId } });
  }

  /* ---- invitations ---- */

  async invitations(meetingId: number): Promise<Invitation[]> {
    return expectArray(await this.request<{ invitations: Invitation[] }>('GET', `/meetings/${id(meetingId)}/invitations`), 'invitations');
  }

  async invite(meetingId: number, target: InviteTarget): Promise<Invitation[]> {
    const answer = await this.request<{ invitations: Invitation[] }>('POST', `/meetings/${id(meetingId)}/invitations`, {
      body: target,
    });
    return expectArray(answer, 'invitations');
  }

  async rsvp(meetingId: number, rsvp: Rsvp, note?: string): Promise<Invitation> {
    const body = note === undefined ? { rsvp } : { rsvp, note };
    const answer = await this.request<{ invitation: Invitation }>('POST', `/meetings/${id(meetingId)}/rsvp`, { body });
    return expectRecord(answer, 'invitation');
  }

  /* ---- attendance ---- */

  async attendance(meetingId: number): Promise<Attendance> {
    const answer = await this.request<Attendance>('GET', `/meetings/${id(meetingId)}/attendance`);
    if (!isRecord(answer) || !Array.isArray(answer.members)) throw new ApiError(200, BAD_RESPONSE, 'attendance: expected {members}');
    return answer;
  }

  /** The member checks themself in; at another site while present it is a move. */
  async checkIn(meetingId: number, mode: AttendanceMode, siteId?: number): Promise<AttendanceChange> {
    const body = siteId === undefined ? { mode } : { mode, site_id: siteId };
    return this.request<AttendanceChange>('POST', `/meetings/${id(meetingId)}/attendance/check-in`, { body });
  }

  async checkOut(meetingId: number): Promise<AttendanceChange> {
    return this.request<AttendanceChange>('POST', `/meetings/${id(meetingId)}/attendance/check-out`);
  }

  /** The secretariat checks a member in or out for them. */
  async checkInFor(meetingId: number, userId: number, mode: AttendanceMode, siteId?: number): Promise<AttendanceChange> {
    const body = siteId === undefined ? { mode } : { mode, site_id: siteId };
    return this.request<AttendanceChange>('POST', `/meetings/${id(meetingId)}/attendance/${id(userId)}/check-in`, { body });
  }

  /* ---- bodies ---- */

  async sites(bodyId: number): Promise<Site[]> {
    return expectArray(await this.request<{ sites: Site[] }>('GET', `/bodies/${id(bodyId)}/sites`), 'sites');
  }

  async roster(bodyId: number): Promise<RosterMember[]> {
    return expectArray(await this.request<{ members: RosterMember[] }>('GET', `/bodies/${id(bodyId)}/roster`), 'members');
  }

  /* ---- documents ---- */

  async documents(meetingId: number): Promise<DocumentSummary[]> {
    return expectArray(await this.request<{ documents: DocumentSummary[] }>('GET', `/meetings/${id(meetingId)}/documents`), 'documents');
  }

  async document(documentId: number): Promise<DocumentDetail> {
    return expectRecord(await this.request<{ document: DocumentDetail }>('GET', `/documents/${id(documentId)}`), 'document');
  }

  /** Releases the latest (or the given) version to those who may open the document: a journal entry. */
  async releaseDocument(documentId: number, version?: number): Promise<DocumentDetail> {
    const body = version === undefined ? {} : { version };
    return expectRecord(
      await this.request<{ document: DocumentDetail }>('POST', `/documents/${id(documentId)}/release`, { body }),
      'document',
    );
  }

  /** Where a document's content is read: the viewer's source and the download link. */
  documentContentUrl(documentId: number, options: { version?: number; download?: boolean } = {}): string {
    const path =
      options.version === undefined
        ? `/documents/${id(documentId)}/content`
        : `/documents/${id(documentId)}/versions/${id(options.version)}/content`;
    return this.base + path + (options.download ? '?download=1' : '');
  }

  /**
   * The content of a document. Reading it is what records the member's read receipt (the server
   * keeps the first open), so the viewer calls this rather than prefetching anything.
   */
  async documentContent(documentId: number): Promise<ArrayBuffer> {
    const response = await this.send('GET', `/documents/${id(documentId)}/content`, undefined, false);
    try {
      return await response.arrayBuffer();
    } catch {
      throw new ApiError(response.status, NETWORK_ERROR, 'document content: the transfer broke off');
    }
  }

  async documentAccess(documentId: number): Promise<DocumentAccess> {
    return expectRecord(await this.request<{ access: DocumentAccess }>('GET', `/documents/${id(documentId)}/access`), 'access');
  }

  /** Restricts a document to these people and roles; both empty lifts the restriction. */
  async setDocumentAccess(documentId: number, users: number[], roles: Role[]): Promise<DocumentAccess> {
    return expectRecord(
      await this.request<{ access: DocumentAccess }>('PUT', `/documents/${id(documentId)}/access`, { body: { users, roles } }),
      'access',
    );
  }

  async receipts(documentId: number): Promise<{ receipts: DocumentReceipt[]; opened: number }> {
    const answer = await this.request<{ receipts: DocumentReceipt[]; opened: number }>('GET', `/documents/${id(documentId)}/receipts`);
    if (!isRecord(answer) || !Array.isArray(answer.receipts)) throw new ApiError(200, BAD_RESPONSE, 'expected {receipts}');
    return answer;
  }

  async note(documentId: number): Promise<DocumentNote> {
    return expectRecord(await this.request<{ note: DocumentNote }>('GET', `/documents/${id(documentId)}/note`), 'note');
  }

  /** Saves the member's private note; an empty text deletes it. */
  async saveNote(documentId: number, text: string): Promise<DocumentNote> {
    return expectRecord(
      await this.request<{ note: DocumentNote }>('PUT', `/documents/${id(documentId)}/note`, { body: { text } }),
      'note',
    );
  }

  /**
   * Uploads a new document. The body is the file itself and its metadata travels in the query
   * string (the server reads no custom headers under HTTP/2). XMLHttpRequest rather than fetch,
   * because only it reports upload progress. The answer is the document with its first version.
   */
  uploadDocument(meetingId: number, file: Blob, metadata: UploadMetadata, onProgress?: (p: UploadProgress) => void): UploadHandle {
    return this.upload(`/meetings/${id(meetingId)}/documents?${uploadQuery(metadata)}`, file, onProgress);
  }

  /** Uploads the next version of a document; only the file's name travels with it. */
  uploadVersion(documentId: number, file: Blob, name: string, onProgress?: (p: UploadProgress) => void): UploadHandle {
    return this.upload(`/documents/${id(documentId)}/versions?${uploadQuery({ name })}`, file, onProgress);
  }

  private upload(path: string, file: Blob, onProgress?: (p: UploadProgress) => void): UploadHandle {
    const xhr = this.createXhr();
    let settled = false;
    const done = new Promise<DocumentDetail>((resolve, reject) => {
      const fail = (error: ApiError) => {
        if (settled) return;
        settled = true;
        if (error.status === 401) {
          this.csrfToken = null;
          this.sessionLostHandler?.();
        }
        reject(error);
      };
      xhr.upload.onprogress = (event) => {
        if (settled) return;
        onProgress?.({ loaded: event.loaded, total: event.lengthComputable ? event.total : null });
      };
      xhr.onerror = () => fail(new ApiError(0, NETWORK_ERROR, `POST ${path}: the upload broke off`));
      xhr.onabort = () => fail(new ApiError(0, UPLOAD_ABORTED, `POST ${path}: cancelled`));
      xhr.onload = () => {
        if (settled) return;
        const status = xhr.status;
        let body: unknown = null;
        try {
          body = xhr.responseText === '' ? null : JSON.parse(xhr.responseText);
        } catch {
          body = null;
        }
        if (status >= 200 && status < 300) {
          const document = isRecord(body) ? body['document'] : undefined;
          if (!isRecord(document)) {
            fail(new ApiError(status, BAD_RESPONSE, `POST ${path}: expected {document}`));
            return;
          }
          settled = true;
          resolve(document as unknown as DocumentDetail);
          return;
        }
        fail(errorFromBody(status, body, parseRetryAfter(xhr.getResponseHeader('Retry-After'))));
      };
    });
    xhr.open('POST', this.base + path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
    if (this.csrfToken !== null) for (const name of CSRF_HEADERS) xhr.setRequestHeader(name, this.csrfToken);
    xhr.send(file);
    return { done, abort: () => xhr.abort() };
  }

  /* ---- the session's record on video ---- */

  /** The meeting's recordings, oldest first (their files, marks and parts are in the same answer). */
  async recordings(meetingId: number): Promise<RecordingRun[]> {
    const answer = await this.request<{ recordings?: RecordingRun[] }>('GET', `/meetings/${id(meetingId)}/recordings`);
    if (!Array.isArray(answer?.recordings)) throw new ApiError(200, BAD_RESPONSE, 'recordings: answer without "recordings"');
    return answer.recordings;
  }

  /** Everything of the meeting's recordings: runs, files, marks, parts and what was withheld. */
  async recordingArchive(meetingId: number): Promise<RecordingsAnswer> {
    const answer = await this.request<Partial<RecordingsAnswer>>('GET', `/meetings/${id(meetingId)}/recordings`);
    if (!Array.isArray(answer?.recordings)) throw new ApiError(200, BAD_RESPONSE, 'recordings: answer without "recordings"');
    return {
      recordings: answer.recordings,
      segments: Array.isArray(answer.segments) ? answer.segments : [],
      marks: Array.isArray(answer.marks) ? answer.marks : [],
      parts: Array.isArray(answer.parts) ? answer.parts : [],
      closed_parts_readable: answer.closed_parts_readable === true,
      withheld: { segments: Number(answer.withheld?.segments ?? 0) || 0, marks: Number(answer.withheld?.marks ?? 0) || 0 },
    };
  }

  /** Where one recorded file is played and downloaded (ranges are answered). */
  recordingFileUrl(meetingId: number, fileId: number): string {
    return `${this.base}/meetings/${id(meetingId)}/recording-files/${id(fileId)}`;
  }

  /** Starts (or stops) recording an open meeting (chair, secretariat): 202, the events follow. */
  async recordingControl(meetingId: number, action: 'start' | 'stop'): Promise<void> {
    await this.request<unknown>('POST', `/meetings/${id(meetingId)}/recording/${action}`, { body: {} });
  }

  /* ---- the floor ---- */

  async floor(meetingId: number): Promise<FloorState> {
    return this.expectFloor(await this.request<{ floor: FloorState }>('GET', `/meetings/${id(meetingId)}/floor`));
  }

  /** A member asks to speak. Answers the floor and the new request's id. */
  async requestFloor(meetingId: number, kind: FloorKind): Promise<{ request_id: number; floor: FloorState }> {
    const answer = await this.request<{ request_id: number; floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/requests`, {
      body: { kind },
    });
    this.expectFloor(answer);
    return answer;
  }

  /** The member withdraws their request, or the chair removes it from the queue. */
  async withdrawFloorRequest(meetingId: number, requestId: number): Promise<FloorState> {
    return this.expectFloor(
      await this.request<{ floor: FloorState }>('DELETE', `/meetings/${id(meetingId)}/floor/requests/${id(requestId)}`),
    );
  }

  /** The chair moves a request to a place in the queue (0 is the head). */
  async moveFloorRequest(meetingId: number, requestId: number, position: number): Promise<FloorState> {
    return this.expectFloor(
      await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/requests/${id(requestId)}/move`, {
        body: { position },
      }),
    );
  }

  /** The chair grants a request, or the head of the queue without one. */
  async grantFloor(meetingId: number, requestId?: number): Promise<FloorState> {
    const body = requestId === undefined ? {} : { request_id: requestId };
    return this.expectFloor(await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/grant`, { body }));
  }

  /** finish: the speaker yields (or the chair closes the turn); revoke: the chair takes the floor back. */
  async endFloor(meetingId: number, how: 'finish' | 'revoke'): Promise<FloorState> {
    return this.expectFloor(await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/${how}`, { body: {} }));
  }

  /** The chair gives the floor to someone who did not ask: a member, a guest or an official of the body. */
  async giveFloor(meetingId: number, userId: number, kind: FloorKind): Promise<FloorState> {
    return this.expectFloor(
      await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/give`, { body: { user_id: userId, kind } }),
    );
  }

  /** The body's speaking time per kind of request (its own, or the defaults). */
  async floorLimits(bodyId: number): Promise<FloorLimit[]> {
    return expectArray(await this.request<{ limits: FloorLimit[] }>('GET', `/bodies/${id(bodyId)}/floor-limits`), 'limits');
  }

  /** Sets the limits of the kinds named, all or nothing; running turns keep their time. */
  async setFloorLimits(bodyId: number, limits: Omit<FloorLimit, 'own'>[]): Promise<FloorLimit[]> {
    return expectArray(await this.request<{ limits: FloorLimit[] }>('PUT', `/bodies/${id(bodyId)}/floor-limits`, { body: { limits } }), 'limits');
  }

  async extendFloor(meetingId: number, seconds: number): Promise<FloorState> {
    return this.expectFloor(
      await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/extend`, { body: { seconds } }),
    );
  }

  /** The chair opens every microphone, or closes them again. */
  async setMicrophones(meetingId: number, open: boolean): Promise<FloorState> {
    return this.expectFloor(
      await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/microphones`, { body: { open } }),
    );
  }

  async mute(meetingId: number, userId: number, audio: boolean, video = false): Promise<void> {
    await this.request('POST', `/meetings/${id(meetingId)}/floor/mute`, { body: { user_id: userId, audio, video } });
  }

  /* ---- votes ---- */

  async polls(meetingId: number): Promise<Poll[]> {
    return expectArray(await this.request<{ polls: Poll[] }>('GET', `/meetings/${id(meetingId)}/polls`), 'polls');
  }

  async createPoll(meetingId: number, draft: PollDraft): Promise<Poll> {
    return expectRecord(await this.request<{ poll: Poll }>('POST', `/meetings/${id(meetingId)}/polls`, { body: draft }), 'poll');
  }

  /** The chair opens, closes or cancels a poll (cancel needs a reason). */
  async pollStep(meetingId: number, pollId: number, step: 'open' | 'close' | 'cancel', reason?: string): Promise<Poll> {
    const body = step === 'cancel' ? { reason: reason ?? '' } : {};
    return expectRecord(
      await this.request<{ poll: Poll }>('POST', `/meetings/${id(meetingId)}/polls/${id(pollId)}/${step}`, { body }),
      'poll',
    );
  }

  /** The session secretary enters a show of hands; the tally committee, paper ballot counts. */
  async enterCounts(meetingId: number, pollId: number, counts: PollCountsBody): Promise<Poll> {
    return expectRecord(
      await this.request<{ poll: Poll }>('POST', `/meetings/${id(meetingId)}/polls/${id(pollId)}/counts`, { body: counts }),
      'poll',
    );
  }

  /** Opens a draft; a written poll (or any timed one) with its duration from now. */
  async openPoll(meetingId: number, pollId: number, durationSeconds?: number): Promise<Poll> {
    const body = durationSeconds === undefined ? {} : { duration_seconds: durationSeconds };
    return expectRecord(await this.request<{ poll: Poll }>('POST', `/meetings/${id(meetingId)}/polls/${id(pollId)}/open`, { body }), 'poll');
  }

  /** Moves an open poll's deadline later. */
  async extendPoll(meetingId: number, pollId: number, seconds: number): Promise<Poll> {
    return expectRecord(
      await this.request<{ poll: Poll }>('POST', `/meetings/${id(meetingId)}/polls/${id(pollId)}/extend`, { body: { seconds } }),
      'poll',
    );
  }

  /** The next round of an election that ended in a tie or a shortfall (a draft). */
  async nextRound(meetingId: number, pollId: number): Promise<Poll> {
    return expectRecord(await this.request<{ poll: Poll }>('POST', `/meetings/${id(meetingId)}/polls/${id(pollId)}/next-round`, { body: {} }), 'poll');
  }

  /** Where a closed poll's results are downloaded as CSV. */
  pollCsvUrl(meetingId: number, pollId: number, which: 'results' | 'named'): string {
    return `${this.base}/meetings/${id(meetingId)}/polls/${id(pollId)}/${which}.csv`;
  }

  async tallyCommittee(meetingId: number): Promise<TallyCommittee | null> {
    const answer = await this.request<{ tally_committee: TallyCommittee | null }>('GET', `/meetings/${id(meetingId)}/tally-committee`);
    if (!isRecord(answer)) throw new ApiError(200, BAD_RESPONSE, 'expected {tally_committee}');
    const committee = answer.tally_committee;
    return isRecord(committee) ? committee : null;
  }

  async setTallyCommittee(meetingId: number, memberIds: number[], headId: number, minutes?: string): Promise<TallyCommittee> {
    const body = minutes === undefined ? { member_ids: memberIds, head_id: headId } : { member_ids: memberIds, head_id: headId, minutes };
    return expectRecord(
      await this.request<{ tally_committee: TallyCommittee }>('POST', `/meetings/${id(meetingId)}/tally-committee`, { body }),
      'tally_committee',
    );
  }

  /** Casts over HTTP (the live socket's vote.cast is the usual way); the same key for every retry. */
  async castBallot(meetingId: number, pollId: number, choice: BallotChoice, idempotencyKey: string): Promise<BallotReceipt> {
    const answer = await this.request<{ receipt: BallotReceipt }>('POST', `/meetings/${id(meetingId)}/polls/${id(pollId)}/ballots`, {
      body: { choice, idempotency_key: idempotencyKey },
    });
    return expectRecord(answer, 'receipt');
  }

  /** The member's own recorded ballot with its check against the journal; null when none is recorded. */
  async myBallot(meetingId: number, pollId: number): Promise<BallotCheck | null> {
    try {
      const answer = await this.request<BallotCheck>('GET', `/meetings/${id(meetingId)}/polls/${id(pollId)}/ballot`);
      if (!isRecord(answer) || !isRecord(answer.receipt)) throw new ApiError(200, BAD_RESPONSE, 'expected {receipt}');
      return answer;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }

  /* ---- sittings, corrections, versions, consultations ---- */

  async sittings(meetingId: number): Promise<Sitting[]> {
    return expectArray(await this.request<{ sittings: Sitting[] }>('GET', `/meetings/${id(meetingId)}/sittings`), 'sittings');
  }

  async addSitting(meetingId: number, sitting: { title: string; starts_at?: string; is_public?: boolean }): Promise<Sitting> {
    return expectRecord(await this.request<{ sitting: Sitting }>('POST', `/meetings/${id(meetingId)}/sittings`, { body: sitting }), 'sitting');
  }

  async updateSitting(meetingId: number, sittingId: number, changes: { title?: string; starts_at?: string | null; is_public?: boolean }): Promise<Sitting> {
    return expectRecord(
      await this.request<{ sitting: Sitting }>('PATCH', `/meetings/${id(meetingId)}/sittings/${id(sittingId)}`, { body: changes }),
      'sitting',
    );
  }

  async corrections(meetingId: number): Promise<Correction[]> {
    return expectArray(await this.request<{ corrections: Correction[] }>('GET', `/meetings/${id(meetingId)}/corrections`), 'corrections');
  }

  async addCorrection(meetingId: number, text: string, agendaItemId?: number): Promise<Correction> {
    const body = agendaItemId === undefined ? { text } : { text, agenda_item_id: agendaItemId };
    return expectRecord(await this.request<{ correction: Correction }>('POST', `/meetings/${id(meetingId)}/corrections`, { body }), 'correction');
  }

  async consultations(documentId: number): Promise<Consultation[]> {
    return expectArray(await this.request<{ consultations: Consultation[] }>('GET', `/documents/${id(documentId)}/consultations`), 'consultations');
  }

  async createConsultation(documentId: number, question: string, deadline: string): Promise<Consultation> {
    return expectRecord(
      await this.request<{ consultation: Consultation }>('POST', `/documents/${id(documentId)}/consultations`, { body: { question, deadline } }),
      'consultation',
    );
  }

  async answerConsultation(consultationId: number, choice: ConsultationChoice, comment: string): Promise<Consultation> {
    const body = comment.trim() === '' ? { choice } : { choice, comment: comment.trim() };
    return expectRecord(
      await this.request<{ consultation: Consultation }>('POST', `/consultations/${id(consultationId)}/answer`, { body }),
      'consultation',
    );
  }

  async consultationResults(consultationId: number): Promise<ConsultationResults> {
    const answer = await this.request<ConsultationResults>('GET', `/consultations/${id(consultationId)}/results`);
    if (!isRecord(answer) || !isRecord(answer.consultation) || !Array.isArray(answer.answers)) {
      throw new ApiError(200, BAD_RESPONSE, 'expected {consultation, answers, counts}');
    }
    return answer;
  }

  /* ---- the record ---- */

  /** The draft minutes (biên bản) as a PDF, for the secretariat and the chair. */
  minutesUrl(meetingId: number): string {
    return `${this.base}/meetings/${id(meetingId)}/minutes.pdf`;
  }

  async notifications(onlyUnread = false): Promise<{ notifications: Notification[]; unread: number }> {
    const answer = await this.request<{ notifications: Notification[]; unread: number }>('GET', onlyUnread ? '/notifications?unread=true' : '/notifications');
    if (!isRecord(answer) || !Array.isArray(answer.notifications)) throw new ApiError(200, BAD_RESPONSE, 'expected {notifications}');
    return answer;
  }

  async markNotificationRead(notificationId: number): Promise<void> {
    await this.request('POST', `/notifications/${id(notificationId)}/read`);
  }

  async markAllNotificationsRead(): Promise<number> {
    const answer = await this.request<{ marked: number }>('POST', '/notifications/read-all');
    return isRecord(answer) && typeof answer.marked === 'number' ? answer.marked : 0;
  }

  private expectAgenda(answer: Agenda): Agenda {
    if (!isRecord(answer) || !Array.isArray(answer.items) || typeof answer.agenda_version !== 'number') {
      throw new ApiError(200, BAD_RESPONSE, 'agenda: expected {agenda_version, items}');
    }
    return answer;
  }

  private expectFloor(answer: { floor: FloorState }): FloorState {
    if (!isRecord(answer) || !isRecord(answer.floor) || !Array.isArray(answer.floor.queue)) {
      throw new ApiError(200, BAD_RESPONSE, 'floor: expected {floor: {speaker, queue}}');
    }
    return answer.floor;
  }

  private adoptSession(session: Session): void {
    if (!isRecord(session) || !isRecord(session.user) || typeof session.csrf_token !== 'string') {
      throw new ApiError(200, BAD_RESPONSE, 'session: expected {user, csrf_token, memberships}');
    }
    if (!Array.isArray(session.memberships)) session.memberships = [];
    this.csrfToken = session.csrf_token;
  }

  /**
   * One request. Resolves with the parsed JSON body (undefined for 204), rejects with ApiError.
   * Exposed for endpoints that do not have a method here yet.
   */
  async request<T>(method: Method, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(method, path, options.body, options.expectUnauthorized ?? false, options.bearer);
    if (response.status === 204) return undefined as T;
    try {
      return (await response.json()) as T;
    } catch {
      throw new ApiError(response.status, BAD_RESPONSE, `${method} ${path}: answer is not JSON`);
    }
  }

  /** Sends one request and returns a 2xx response; anything else is thrown as ApiError. */
  private async send(method: Method, path: string, body: unknown, expectUnauthorized: boolean, bearer?: string): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (bearer !== undefined) headers['Authorization'] = `Bearer ${bearer}`;
    const init: RequestInit = { method, headers, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (method !== 'GET' && this.csrfToken !== null) {
      for (const name of CSRF_HEADERS) headers[name] = this.csrfToken;
    }

    let response: Response;
    try {
      response = await this.fetchImpl(this.base + path, init);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new ApiError(0, NETWORK_ERROR, `${method} ${path}: ${detail}`);
    }

    if (!response.ok) {
      const error = await errorFromResponse(response);
      if (error.status === 401 && !expectUnauthorized) {
        this.csrfToken = null;
        this.sessionLostHandler?.();
      }
      throw error;
    }
    return response;
  }
}

/** The public view's shape, checked. */
function expectPublicView<T extends PublicMeeting>(answer: T): T {
  if (!isRecord(answer) || !isRecord(answer.meeting) || !Array.isArray(answer.agenda) || !Array.isArray(answer.polls)) {
    throw new ApiError(200, BAD_RESPONSE, 'public meeting: expected {meeting, agenda, polls}');
  }
  return answer;
}

/** A path segment from an id. */
function id(value: number): string {
  return encodeURIComponent(String(value));
}

function expectRecord<K extends string, T>(answer: { [key in K]: T }, key: K): T {
  const value: unknown = isRecord(answer) ? answer[key] : undefined;
  if (!isRecord(value)) throw new ApiError(200, BAD_RESPONSE, `expected {${key}: {...}}`);
  return value as T;
}

/** The query string of an upload: name (always), then the document's fields when given. */
export function uploadQuery(metadata: UploadMetadata): string {
  const query = new URLSearchParams();
  query.set('name', metadata.name);
  if (metadata.title !== undefined && metadata.title.trim() !== '') query.set('title', metadata.title.trim());
  if (metadata.kind !== undefined) query.set('kind', metadata.kind);
  if (metadata.classification !== undefined) query.set('classification', metadata.classification);
  if (metadata.is_public !== undefined) query.set('public', metadata.is_public ? 'true' : 'false');
  if (metadata.agenda_item_id !== undefined && metadata.agenda_item_id !== null) {
    query.set('agenda_item', String(metadata.agenda_item_id));
  }
  return query.toString();
}

function expectArray<K extends string, T>(answer: { [key in K]: T[] }, key: K): T[] {
  const value: unknown = isRecord(answer) ? answer[key] : undefined;
  if (!Array.isArray(value)) throw new ApiError(200, BAD_RESPONSE, `expected {${key}: [...]}`);
  return value as T[];
}

/** The one client of the page. */
export const api = new ApiClient();
