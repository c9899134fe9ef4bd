/*
 * Meetings and what they are made of: the meeting and its lifecycle, the agenda (every edit names
 * the version it was made from), sittings, invitations with their answers, and attendance.
 */
import { type ClientClass } from './core';
import { ApiError, BAD_RESPONSE } from './errors';
import { expectArray, expectRecord, id, isRecord } from './internal';
import type { SiteKind } from './session';

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

/** Meetings, their agenda, sittings, invitations and attendance: mixed into ApiClient. */
export function withMeetings<Base extends ClientClass>(Base: Base) {
  return class MeetingsApi extends Base {
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
      return expectAgenda(await this.request<Agenda>('GET', `/meetings/${id(meetingId)}/agenda`));
    }

    async addAgendaItem(meetingId: number, version: number, draft: AgendaItemDraft): Promise<Agenda> {
      const body = { agenda_version: version, ...draft };
      return expectAgenda(await this.request<Agenda>('POST', `/meetings/${id(meetingId)}/agenda`, { body }));
    }

    async updateAgendaItem(meetingId: number, itemId: number, version: number, changes: AgendaItemChanges): Promise<Agenda> {
      const body = { agenda_version: version, ...changes };
      return expectAgenda(
        await this.request<Agenda>('PATCH', `/meetings/${id(meetingId)}/agenda/${id(itemId)}`, { body }),
      );
    }

    async removeAgendaItem(meetingId: number, itemId: number, version: number): Promise<Agenda> {
      return expectAgenda(
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
      return expectAgenda(await this.request<Agenda>('PUT', `/meetings/${id(meetingId)}/agenda/order`, { body }));
    }

    /** The chair moves the sitting to an item (or to none). */
    async setCurrentItem(meetingId: number, itemId: number | null): Promise<void> {
      await this.request('POST', `/meetings/${id(meetingId)}/agenda/current`, { body: { item_id: itemId } });
    }

    /* ---- sittings ---- */

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
  };
}

/** The agenda's shape, checked. */
function expectAgenda(answer: Agenda): Agenda {
  if (!isRecord(answer) || !Array.isArray(answer.items) || typeof answer.agenda_version !== 'number') {
    throw new ApiError(200, BAD_RESPONSE, 'agenda: expected {agenda_version, items}');
  }
  return answer;
}
