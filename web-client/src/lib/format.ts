/*
 * How dates and the server's enumerations are shown to people.
 *
 * Meeting times are shown in Vietnam's time (Asia/Ho_Chi_Minh) whatever the device's clock zone:
 * the time on the screen must match the invitation, and tablets handed out to deputies are not
 * always set up with the right zone. The date is day/month/year as written in Vietnam.
 */
import {
  ApiError,
  NETWORK_ERROR,
  type AttendanceMode,
  type BodyKind,
  type BodyLevel,
  type Classification,
  type DocumentKind,
  type MeetingKind,
  type MeetingStatus,
  type PollForm,
  type PollState,
  type PollSubject,
  type Role,
  type Rsvp,
} from './api';
import { translate, type Locale, type MessageKey } from './i18n';

export const MEETING_TIME_ZONE = 'Asia/Ho_Chi_Minh';

const intlLocale: { readonly [locale in Locale]: string } = { vi: 'vi-VN', en: 'en-GB' };

/** "Thứ Hai, 14/07/2025, lúc 08:00"; null when the time is not set or unreadable. */
export function formatMeetingTime(iso: string | null, locale: Locale): string | null {
  if (iso === null) return null;
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return null;
  const tag = intlLocale[locale];
  const weekday = new Intl.DateTimeFormat(tag, { weekday: 'long', timeZone: MEETING_TIME_ZONE }).format(when);
  const date = new Intl.DateTimeFormat('vi-VN', {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone: MEETING_TIME_ZONE,
  }).format(when);
  const time = new Intl.DateTimeFormat('vi-VN', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: MEETING_TIME_ZONE,
  }).format(when);
  return translate(locale, 'datetime.full', { weekday, date, time });
}

export const meetingKindKey: { readonly [kind in MeetingKind]: MessageKey } = {
  regular: 'meeting.kind.regular',
  extraordinary: 'meeting.kind.extraordinary',
  first_of_term: 'meeting.kind.first_of_term',
  thematic: 'meeting.kind.thematic',
  interpellation: 'meeting.kind.interpellation',
};

export const meetingStatusKey: { readonly [status in MeetingStatus]: MessageKey } = {
  draft: 'meeting.status.draft',
  scheduled: 'meeting.status.scheduled',
  open: 'meeting.status.open',
  closed: 'meeting.status.closed',
  archived: 'meeting.status.archived',
};

export const bodyKindKey: { readonly [kind in BodyKind]: MessageKey } = {
  council: 'body.kind.council',
  committee: 'body.kind.committee',
};

export const bodyLevelKey: { readonly [level in BodyLevel]: MessageKey } = {
  province: 'body.level.province',
  district: 'body.level.district',
  commune: 'body.level.commune',
};

/** Label of a known value, or the raw value if the server sent one this client does not know. */
export function labelOf<K extends string>(
  locale: Locale,
  keys: { readonly [key in K]: MessageKey },
  value: string,
): string {
  const key = (keys as Readonly<Record<string, MessageKey | undefined>>)[value];
  return key === undefined ? value : translate(locale, key);
}

/** A member of a council is a deputy (đại biểu); of a committee, a member (thành viên). */
export function roleLabel(locale: Locale, role: Role, bodyKind: BodyKind): string {
  switch (role) {
    case 'admin':
      return translate(locale, 'role.admin');
    case 'secretariat':
      return translate(locale, 'role.secretariat');
    case 'chair':
      return translate(locale, 'role.chair');
    case 'member':
      return translate(locale, bodyKind === 'council' ? 'role.memberOfCouncil' : 'role.memberOfCommittee');
    case 'guest':
      return translate(locale, 'role.guest');
    default:
      return role;
  }
}

/** Roles in the order people think of them: chair first, guest last; unknown ones after. */
const roleOrder = ['chair', 'member', 'secretariat', 'admin', 'guest'];

export function sortRoles(roles: readonly Role[]): Role[] {
  const rank = (role: Role) => {
    const i = roleOrder.indexOf(role);
    return i < 0 ? roleOrder.length : i;
  };
  return [...roles].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** What to tell a person about a failed request; the details stay in the console. */
export function describeError(locale: Locale, error: unknown): string {
  if (!(error instanceof ApiError)) return translate(locale, 'error.unexpected');
  if (error.code === NETWORK_ERROR) return translate(locale, 'error.network');
  if (error.status === 403) return translate(locale, 'error.forbidden');
  if (error.status === 404) return translate(locale, 'error.notFound');
  if (error.status >= 400) return translate(locale, 'error.server', { status: error.status });
  return translate(locale, 'error.unexpected');
}

/** "08:05" in Vietnam's time; null when unreadable. */
export function formatTimeOfDay(iso: string | null): string | null {
  if (iso === null) return null;
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return null;
  return new Intl.DateTimeFormat('vi-VN', {
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZone: MEETING_TIME_ZONE,
  }).format(when);
}

/** "14/07/2025 08:05" in Vietnam's time; null when unreadable. */
export function formatShortDateTime(iso: string | null): string | null {
  if (iso === null) return null;
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return null;
  const date = new Intl.DateTimeFormat('vi-VN', {
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    timeZone: MEETING_TIME_ZONE,
  }).format(when);
  return `${date} ${formatTimeOfDay(iso) ?? ''}`.trim();
}

/**
 * An <input type="datetime-local"> value ("2026-07-01T08:00") read as Vietnam's time, as the
 * API wants it: "2026-07-01T08:00:00+07:00". Null when empty or malformed.
 */
export function localInputToIso(value: string): string | null {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2})?$/.exec(value.trim());
  if (match === null) return null;
  return `${match[1]}T${match[2]}:00+07:00`;
}

/** The reverse: an ISO time shown in Vietnam's time for a datetime-local input; '' when none. */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const when = new Date(iso);
  if (Number.isNaN(when.getTime())) return '';
  // Vietnam has no daylight saving: UTC+7 all year.
  const shifted = new Date(when.getTime() + 7 * 3600_000);
  return shifted.toISOString().slice(0, 16);
}

export const documentKindKey: { readonly [kind in DocumentKind]: MessageKey } = {
  to_trinh: 'document.kind.to_trinh',
  du_thao_nghi_quyet: 'document.kind.du_thao_nghi_quyet',
  bao_cao_tham_tra: 'document.kind.bao_cao_tham_tra',
  other: 'document.kind.other',
};

export const classificationKey: { readonly [level in Classification]: MessageKey } = {
  none: 'document.classification.none',
  mat: 'document.classification.mat',
  toi_mat: 'document.classification.toi_mat',
  tuyet_mat: 'document.classification.tuyet_mat',
};

export const rsvpKey: { readonly [answer in Rsvp]: MessageKey } = {
  pending: 'rsvp.pending',
  accepted: 'rsvp.accepted',
  declined: 'rsvp.declined',
};

export const attendanceModeKey: { readonly [mode in AttendanceMode]: MessageKey } = {
  hall: 'attendance.mode.hall',
  remote_site: 'attendance.mode.remote_site',
  online: 'attendance.mode.online',
};

export const pollFormKey: { readonly [form in PollForm]: MessageKey } = {
  named: 'poll.form.named',
  secret: 'poll.form.secret',
  show_of_hands: 'poll.form.show_of_hands',
  paper: 'poll.form.paper',
};

export const pollSubjectKey: { readonly [subject in PollSubject]: MessageKey } = {
  motion: 'poll.subject.motion',
  election: 'poll.subject.election',
  confidence: 'poll.subject.confidence',
  no_confidence: 'poll.subject.no_confidence',
};

/** The thresholds a chair may choose; '' is the law's default. */
export const thresholdChoiceKey: Readonly<Record<string, MessageKey>> = {
  '': 'poll.threshold.default',
  at_least_two_thirds_of_all: 'poll.threshold.at_least_two_thirds_of_all',
  more_than_half_of_present: 'poll.threshold.more_than_half_of_present',
  confidence_bands_of_ballots: 'poll.threshold.confidence_bands_of_ballots',
};

export const pollStateKey: { readonly [state in PollState]: MessageKey } = {
  draft: 'poll.state.draft',
  open: 'poll.state.open',
  closed: 'poll.state.closed',
  cancelled: 'poll.state.cancelled',
};

/** Initials for a placeholder tile: "Nguyễn Văn Thành" -> "NT". */
export function initials(fullName: string): string {
  const words = fullName.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return '?';
  const first = words[0]?.[0] ?? '';
  const last = words.length > 1 ? (words[words.length - 1]?.[0] ?? '') : '';
  return (first + last).toLocaleUpperCase('vi');
}

/** A refusal the person can act on, from the server's code; else the general description. */
export function describeActionError(locale: Locale, error: unknown): string {
  if (error instanceof ApiError) {
    const key = actionErrorKey[error.code];
    if (key !== undefined) return translate(locale, key);
  }
  return describeError(locale, error);
}

const actionErrorKey: Readonly<Record<string, MessageKey>> = {
  not_checked_in: 'error.notCheckedIn',
  floor_busy: 'error.floorBusy',
  floor_idle: 'error.floorIdle',
  already_waiting: 'error.alreadyWaiting',
  not_waiting: 'error.notWaiting',
  meeting_state: 'error.meetingState',
  wrong_state: 'error.wrongState',
  meeting_closed: 'error.meetingClosed',
  invalid_transition: 'error.invalidTransition',
  conflict: 'agenda.conflict',
  classified_refused: 'upload.classifiedRefused',
  too_large: 'upload.tooLarge',
  unsupported_type: 'upload.unsupportedType',
  exists: 'error.exists',
  not_empty: 'agenda.notEmpty',
  current_item: 'agenda.isCurrent',
  referenced: 'agenda.referenced',
  not_eligible: 'vote.refused.not_eligible',
  already_voted: 'vote.refused.already_voted',
  counts_missing: 'poll.countsMissing',
  rule: 'poll.ruleRefused',
  not_invited: 'error.notInvited',
};
