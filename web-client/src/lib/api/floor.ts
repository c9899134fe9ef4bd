/*
 * The floor: requests to speak and their queue, the speaker's turn and its time, the body's
 * speaking times, microphones and muting.
 */
import { type ClientClass } from './core';
import { ApiError, BAD_RESPONSE } from './errors';
import { expectArray, id, isRecord } from './internal';

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

export interface FloorState {
  meeting_id: number;
  status: string;
  speaker: FloorSpeaker | null;
  queue: FloorRequest[];
  microphones_open: boolean;
  limits: FloorLimit[];
  server_time: string;
}

/** The floor: mixed into ApiClient. */
export function withFloor<Base extends ClientClass>(Base: Base) {
  return class FloorApi extends Base {
    async floor(meetingId: number): Promise<FloorState> {
      return expectFloor(await this.request<{ floor: FloorState }>('GET', `/meetings/${id(meetingId)}/floor`));
    }

    /** A member asks to speak. Answers the floor and the new request's id. */
    async requestFloor(meetingId: number, kind: FloorKind): Promise<{ request_id: number; floor: FloorState }> {
      const answer = await this.request<{ request_id: number; floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/requests`, {
        body: { kind },
      });
      expectFloor(answer);
      return answer;
    }

    /** The member withdraws their request, or the chair removes it from the queue. */
    async withdrawFloorRequest(meetingId: number, requestId: number): Promise<FloorState> {
      return expectFloor(
        await this.request<{ floor: FloorState }>('DELETE', `/meetings/${id(meetingId)}/floor/requests/${id(requestId)}`),
      );
    }

    /** The chair moves a request to a place in the queue (0 is the head). */
    async moveFloorRequest(meetingId: number, requestId: number, position: number): Promise<FloorState> {
      return expectFloor(
        await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/requests/${id(requestId)}/move`, {
          body: { position },
        }),
      );
    }

    /** The chair grants a request, or the head of the queue without one. */
    async grantFloor(meetingId: number, requestId?: number): Promise<FloorState> {
      const body = requestId === undefined ? {} : { request_id: requestId };
      return expectFloor(await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/grant`, { body }));
    }

    /** finish: the speaker yields (or the chair closes the turn); revoke: the chair takes the floor back. */
    async endFloor(meetingId: number, how: 'finish' | 'revoke'): Promise<FloorState> {
      return expectFloor(await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/${how}`, { body: {} }));
    }

    /** The chair gives the floor to someone who did not ask: a member, a guest or an official of the body. */
    async giveFloor(meetingId: number, userId: number, kind: FloorKind): Promise<FloorState> {
      return expectFloor(
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
      return expectFloor(
        await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/extend`, { body: { seconds } }),
      );
    }

    /** The chair opens every microphone, or closes them again. */
    async setMicrophones(meetingId: number, open: boolean): Promise<FloorState> {
      return expectFloor(
        await this.request<{ floor: FloorState }>('POST', `/meetings/${id(meetingId)}/floor/microphones`, { body: { open } }),
      );
    }

    async mute(meetingId: number, userId: number, audio: boolean, video = false): Promise<void> {
      await this.request('POST', `/meetings/${id(meetingId)}/floor/mute`, { body: { user_id: userId, audio, video } });
    }
  };
}

/** The floor's shape, checked; answers the floor itself. */
function expectFloor(answer: { floor: FloorState }): FloorState {
  if (!isRecord(answer) || !isRecord(answer.floor) || !Array.isArray(answer.floor.queue)) {
    throw new ApiError(200, BAD_RESPONSE, 'floor: expected {floor: {speaker, queue}}');
  }
  return answer.floor;
}
