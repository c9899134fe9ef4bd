/*
 * Votes and elections: polls of every subject and form, ballots with their receipts, counts
 * entered by hand, and the tally committee.
 */
import { type ClientClass } from './core';
import { ApiError, BAD_RESPONSE } from './errors';
import { expectArray, expectRecord, id, isRecord } from './internal';
import type { BodyKind } from './session';

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

/** Votes and elections: mixed into ApiClient. */
export function withVotes<Base extends ClientClass>(Base: Base) {
  return class VotesApi extends Base {
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
  };
}
