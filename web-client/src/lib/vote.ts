/*
 * The vote panel's state: what a member sees between pressing "Tán thành" and being told the
 * ballot is recorded.
 *
 * DOMAIN.md: "A ballot is durable before the member sees 'recorded'". So the panel says
 * "recorded" only after the server's vote.recorded (or a receipt read back over HTTP), never
 * because the button was pressed. Each ballot gets one idempotency key; every retry of that
 * ballot (the connection dropped, the database did not answer) sends the same key, and the
 * server answers a repeat with the first receipt, so a retry can never count twice.
 *
 *   idle --choose--> sending --recorded--> recorded
 *                       |  \--refused--> refused (not eligible, poll closed ...; nothing stored)
 *                       \--transient failure--> retrying --(connection back: resend)--> sending
 *
 * A new poll starts again at idle; the poll closing keeps the receipt for the member to check.
 * The reducer is pure; the component sends and resends.
 */
import type { BallotChoice, BallotReceipt, MotionChoice, Poll } from './api';
import type { MessageKey } from './i18n';

export const MOTION_CHOICES: readonly MotionChoice[] = ['for', 'against', 'abstain'];

/** The law's words (DOMAIN.md "Votes"). */
export const choiceKey: { readonly [choice in MotionChoice]: MessageKey } = {
  for: 'vote.choice.for',
  against: 'vote.choice.against',
  abstain: 'vote.choice.abstain',
};

export type BallotPhase = 'idle' | 'sending' | 'retrying' | 'recorded' | 'refused';

export interface BallotState {
  pollId: number | null;
  phase: BallotPhase;
  /** The choice being sent, or the one recorded: a motion's word, an election's positions, a
   * confidence vote's level per official. */
  choice: BallotChoice | null;
  /** The idempotency key of the ballot being sent; kept for every retry. */
  key: string | null;
  receipt: BallotReceipt | null;
  /** The refusal's or last failure's code. */
  error: string | null;
  /** How many times this ballot was sent. */
  attempts: number;
}

export type BallotAction =
  /** The poll on screen (null: none open). A different poll starts over. */
  | { type: 'poll'; poll: Poll | null }
  | { type: 'choose'; choice: BallotChoice; key: string }
  /** The server acknowledged: the ballot is stored. */
  | { type: 'recorded'; pollId: number; receipt: BallotReceipt }
  /** The ballot was refused or not recorded (code from the server or the connection). */
  | { type: 'failed'; pollId: number; code: string }
  /** The connection is back: the ballot goes again with its key. */
  | { type: 'resend' };

/** Failures after which sending the same ballot again is right. */
const TRANSIENT = new Set([
  'not_recorded',
  'database_unavailable',
  'not_connected',
  'connection_lost',
  'timeout',
  'network_error',
]);

export function isTransient(code: string): boolean {
  return TRANSIENT.has(code);
}

export function idleBallot(pollId: number | null = null): BallotState {
  return { pollId, phase: 'idle', choice: null, key: null, receipt: null, error: null, attempts: 0 };
}

export function ballotReducer(state: BallotState, action: BallotAction): BallotState {
  switch (action.type) {
    case 'poll': {
      const poll = action.poll;
      if (poll === null) {
        // The poll closed or was cancelled: a ballot still on its way can no longer be counted,
        // one recorded stays with its receipt.
        if (state.phase === 'sending' || state.phase === 'retrying') return { ...state, phase: 'refused', error: 'wrong_state' };
        return state;
      }
      if (poll.id !== state.pollId) return idleBallot(poll.id);
      return state;
    }
    case 'choose': {
      if (state.pollId === null) return state;
      if (state.phase === 'sending' || state.phase === 'retrying') return state;
      if (state.phase === 'recorded') return state; // changing a recorded ballot is not offered
      return { ...state, phase: 'sending', choice: action.choice, key: action.key, error: null, attempts: 1 };
    }
    case 'recorded': {
      if (action.pollId !== state.pollId) return state;
      const recorded = action.receipt.choice;
      const choice = recorded === 'for' || recorded === 'against' || recorded === 'abstain' ? recorded : state.choice;
      return { ...state, phase: 'recorded', receipt: action.receipt, choice, error: null };
    }
    case 'failed': {
      if (action.pollId !== state.pollId || state.phase !== 'sending') return state;
      if (isTransient(action.code)) return { ...state, phase: 'retrying', error: action.code };
      return { ...state, phase: 'refused', error: action.code };
    }
    case 'resend': {
      if (state.phase !== 'retrying') return state;
      return { ...state, phase: 'sending', attempts: state.attempts + 1 };
    }
  }
}

/** A fresh idempotency key for one ballot. */
export function newBallotKey(random: () => number = Math.random): string {
  const cryptoApi = globalThis.crypto as Crypto | undefined;
  if (cryptoApi?.randomUUID) return cryptoApi.randomUUID();
  return `b-${Date.now().toString(36)}-${Math.floor(random() * 2 ** 52).toString(36)}`;
}

/** What the panel shows for a poll and the member's ballot. */
export type PanelView =
  | 'none' // no poll open
  | 'choose' // buttons enabled
  | 'sending' // waiting for the server
  | 'retrying' // not recorded yet; sent again when the connection is back
  | 'recorded' // the server acknowledged
  | 'refused' // the server refused; the reason is shown
  | 'not_present'; // the member must check in first

export function panelView(poll: Poll | null, ballot: BallotState, checkedIn: boolean): PanelView {
  if (poll === null || poll.state !== 'open' || ballot.pollId !== poll.id) {
    return ballot.phase === 'recorded' ? 'recorded' : 'none';
  }
  switch (ballot.phase) {
    case 'idle':
      // A written poll between sittings is answered without checking in.
      return checkedIn || poll.written === true ? 'choose' : 'not_present';
    case 'sending':
      return 'sending';
    case 'retrying':
      return 'retrying';
    case 'recorded':
      return 'recorded';
    case 'refused':
      return 'refused';
  }
}

/** Members electronic forms let vote on their tablets; a show of hands or paper is counted in the hall. */
export function isElectronic(poll: Poll): boolean {
  return poll.form === 'named' || poll.form === 'secret';
}

/** Counts of a motion's result, whatever the form. */
export function motionCounts(poll: Poll): { for: number; against: number; abstain: number } | null {
  const result = poll.result;
  if (result === null) return null;
  const read = (value: unknown) => (typeof value === 'number' ? value : 0);
  return { for: read(result.for), against: read(result.against), abstain: read(result.abstain) };
}
