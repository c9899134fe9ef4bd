/*
 * The meeting's record: its recordings on video, the dated corrections made after the close, and
 * the draft minutes.
 */
import type { RecordingsAnswer } from '../archive';
import { type ClientClass } from './core';
import { ApiError, BAD_RESPONSE } from './errors';
import { expectArray, expectRecord, id } from './internal';

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

/** Recordings, corrections and the minutes: mixed into ApiClient. */
export function withRecord<Base extends ClientClass>(Base: Base) {
  return class RecordApi extends Base {
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

    async corrections(meetingId: number): Promise<Correction[]> {
      return expectArray(await this.request<{ corrections: Correction[] }>('GET', `/meetings/${id(meetingId)}/corrections`), 'corrections');
    }

    async addCorrection(meetingId: number, text: string, agendaItemId?: number): Promise<Correction> {
      const body = agendaItemId === undefined ? { text } : { text, agenda_item_id: agendaItemId };
      return expectRecord(await this.request<{ correction: Correction }>('POST', `/meetings/${id(meetingId)}/corrections`, { body }), 'correction');
    }

    /** The draft minutes (biên bản) as a PDF, for the secretariat and the chair. */
    minutesUrl(meetingId: number): string {
      return `${this.base}/meetings/${id(meetingId)}/minutes.pdf`;
    }
  };
}
