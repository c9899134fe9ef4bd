/*
 * The ballots of polls with rows: an election (the member approves up to `seats` candidates)
 * and the confidence votes (one level per official). What the member composes here goes out as
 * the `choice` of vote.cast (docs/live-protocol.md "Votes"):
 *
 *   election       [1, 3]                          positions of the approved candidates
 *   confidence     {"1": "high", "2": "low"}       tín nhiệm cao / tín nhiệm / tín nhiệm thấp
 *   no_confidence  {"1": "no_confidence"}          tín nhiệm / không tín nhiệm
 *
 * A row the member leaves without a level is left blank on the ballot, as on paper; the member is
 * told how many rows are blank before sending. Secret ballots cannot be changed once recorded,
 * so the panel asks for one confirmation before sending. Pure functions; the panel sends.
 */
import type { BallotChoice, ConfidenceLevel, NoConfidenceLevel, Poll, PollSubject } from './api';
import type { MessageKey } from './i18n';

export type RowLevel = ConfidenceLevel | NoConfidenceLevel;

export const CONFIDENCE_LEVELS: readonly ConfidenceLevel[] = ['high', 'medium', 'low'];
export const NO_CONFIDENCE_LEVELS: readonly NoConfidenceLevel[] = ['confidence', 'no_confidence'];

/** The law's words for each level (Nghị quyết 96/2023/QH15). */
export const levelKey: { readonly [level in RowLevel]: MessageKey } = {
  high: 'ballot.level.high',
  medium: 'ballot.level.medium',
  low: 'ballot.level.low',
  confidence: 'ballot.level.confidence',
  no_confidence: 'ballot.level.no_confidence',
};

/** The levels a row of this subject takes; none for motions and elections. */
export function levelsFor(subject: PollSubject): readonly RowLevel[] {
  if (subject === 'confidence') return CONFIDENCE_LEVELS;
  if (subject === 'no_confidence') return NO_CONFIDENCE_LEVELS;
  return [];
}

export interface RowBallot {
  /** Elections: the positions approved, in the order of the ballot. */
  approved: number[];
  /** Confidence votes: the level per official's position. */
  levels: Record<number, RowLevel>;
}

export function emptyRowBallot(): RowBallot {
  return { approved: [], levels: {} };
}

/** The seats of an election (at least one). */
export function seatsOf(poll: Poll): number {
  return Math.max(1, poll.seats ?? 1);
}

/**
 * Approves or withdraws a candidate. Approving more than the seats is refused (the ballot would be
 * invalid): the ballot stays as it was and `full` says why.
 */
export function toggleCandidate(ballot: RowBallot, position: number, seats: number): { ballot: RowBallot; full: boolean } {
  if (ballot.approved.includes(position)) {
    return { ballot: { ...ballot, approved: ballot.approved.filter((p) => p !== position) }, full: false };
  }
  if (ballot.approved.length >= seats) return { ballot, full: true };
  return { ballot: { ...ballot, approved: [...ballot.approved, position].sort((a, b) => a - b) }, full: false };
}

/** Sets (or, given the level already set, clears) an official's level. */
export function setLevel(ballot: RowBallot, position: number, level: RowLevel): RowBallot {
  const levels = { ...ballot.levels };
  if (levels[position] === level) delete levels[position];
  else levels[position] = level;
  return { ...ballot, levels };
}

/** How many rows the member left blank (elections: seats not used). */
export function blankRows(poll: Poll, ballot: RowBallot): number {
  const rows = poll.rows ?? [];
  if (poll.subject === 'election') return Math.max(0, Math.min(seatsOf(poll), rows.length) - ballot.approved.length);
  return rows.filter((row) => ballot.levels[row.position] === undefined).length;
}

/** Whether there is anything to send: an empty ballot is refused rather than sent blank by a slip. */
export function canSend(poll: Poll, ballot: RowBallot): boolean {
  if (poll.subject === 'election') return ballot.approved.length > 0 && ballot.approved.length <= seatsOf(poll);
  if (poll.subject === 'confidence' || poll.subject === 'no_confidence') return Object.keys(ballot.levels).length > 0;
  return false;
}

/** The vote.cast choice for a composed ballot. */
export function rowChoice(poll: Poll, ballot: RowBallot): BallotChoice {
  if (poll.subject === 'election') return [...ballot.approved];
  const choice: Record<string, RowLevel> = {};
  for (const row of poll.rows ?? []) {
    const level = ballot.levels[row.position];
    if (level !== undefined) choice[String(row.position)] = level;
  }
  return choice;
}
