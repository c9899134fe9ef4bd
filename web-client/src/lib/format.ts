/*
 * How dates and the server's enumerations are shown to people.
 *
 * Meeting times are shown in Vietnam's time (Asia/Ho_Chi_Minh) whatever the device's clock zone:
 * the time on the screen must match the invitation, and tablets handed out to deputies are not
 * always set up with the right zone. The date is day/month/year as written in Vietnam.
 */
import { ApiError, NETWORK_ERROR, type BodyKind, type BodyLevel, type MeetingKind, type MeetingStatus, type Role } from './api';
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
