/*
 * What is shown without a member's sign-in: a public meeting's page, and the hall screens the
 * secretariat issues tokens for.
 */
import { type ClientClass } from './core';
import { ApiError, BAD_RESPONSE } from './errors';
import type { FloorSpeaker } from './floor';
import { expectArray, expectRecord, id, isRecord } from './internal';
import type { AgendaItem, Meeting, Sitting } from './meetings';
import type { Poll } from './votes';

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

/** The public view and the hall screens: mixed into ApiClient. */
export function withPublic<Base extends ClientClass>(Base: Base) {
  return class PublicApi extends Base {
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
  };
}

/** The public view's shape, checked. */
function expectPublicView<T extends PublicMeeting>(answer: T): T {
  if (!isRecord(answer) || !isRecord(answer.meeting) || !Array.isArray(answer.agenda) || !Array.isArray(answer.polls)) {
    throw new ApiError(200, BAD_RESPONSE, 'public meeting: expected {meeting, agenda, polls}');
  }
  return answer;
}
