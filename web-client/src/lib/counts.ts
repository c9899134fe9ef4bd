/*
 * Counts entered by hand: a show of hands (the session secretary) and paper ballots (a member of
 * the tally committee, with the ballots issued, returned, valid and invalid and the committee's
 * minutes). Which numbers a poll needs follows its subject:
 *
 *   motion         tán thành / không tán thành / không biểu quyết
 *   election       votes per candidate
 *   confidence     tín nhiệm cao / tín nhiệm / tín nhiệm thấp per official
 *   no_confidence  tín nhiệm / không tín nhiệm per official
 *
 * The checks here are the arithmetic anyone counting would do (valid + invalid = returned, no
 * more returned than issued, no row with more votes than valid ballots); the server's rule
 * engine checks again against the roster and the members present and answers 409 with numbers.
 */
import type { PaperBallots, Poll, PollCountsBody, PollSubject } from './api';
import type { MessageKey } from './i18n';

export type CountField = 'for' | 'against' | 'abstain' | 'votes' | 'high' | 'medium' | 'low' | 'confidence' | 'no_confidence';

export const countFieldKey: { readonly [field in CountField]: MessageKey } = {
  for: 'vote.choice.for',
  against: 'vote.choice.against',
  abstain: 'vote.choice.abstain',
  votes: 'counts.votes',
  high: 'ballot.level.high',
  medium: 'ballot.level.medium',
  low: 'ballot.level.low',
  confidence: 'ballot.level.confidence',
  no_confidence: 'ballot.level.no_confidence',
};

export const BALLOT_FIELDS: readonly (keyof PaperBallots)[] = ['issued', 'returned', 'valid', 'invalid'];

export const ballotFieldKey: { readonly [field in keyof PaperBallots]: MessageKey } = {
  issued: 'counts.issued',
  returned: 'counts.returned',
  valid: 'counts.valid',
  invalid: 'counts.invalid',
};

/** The numbers asked per row (or, for a motion, once). */
export function countFields(subject: PollSubject): CountField[] {
  switch (subject) {
    case 'motion':
      return ['for', 'against', 'abstain'];
    case 'election':
      return ['votes'];
    case 'confidence':
      return ['high', 'medium', 'low'];
    case 'no_confidence':
      return ['confidence', 'no_confidence'];
  }
}

/** What the person typed, as text: motion[field], rows[position][field], ballots[field]. */
export interface CountsInput {
  motion: Partial<Record<CountField, string>>;
  rows: Record<number, Partial<Record<CountField, string>>>;
  ballots: Partial<Record<keyof PaperBallots, string>>;
  minutes: string;
}

export function emptyCounts(): CountsInput {
  return { motion: {}, rows: {}, ballots: {}, minutes: '' };
}

export const MAX_COUNT = 1_000_000;

/** A count typed by a person: digits only (spaces around allowed), at most MAX_COUNT. */
export function readCount(text: string | undefined): number | null {
  if (text === undefined || !/^\s*\d{1,7}\s*$/.test(text)) return null;
  const n = Number.parseInt(text, 10);
  return n <= MAX_COUNT ? n : null;
}

export interface CountsProblem {
  key: MessageKey;
  params?: Record<string, string | number>;
  /** The field in question, to be named in the message as {field}. */
  fieldKey?: MessageKey;
}

/** The first problem with the counts typed, or null. */
export function countsProblem(poll: Poll, input: CountsInput): CountsProblem | null {
  const fields = countFields(poll.subject);
  const paper = poll.form === 'paper';
  let valid: number | null = null;
  if (paper) {
    const b: Partial<Record<keyof PaperBallots, number>> = {};
    for (const field of BALLOT_FIELDS) {
      const n = readCount(input.ballots[field]);
      if (n === null) return { key: 'counts.notNumber', fieldKey: ballotFieldKey[field] };
      b[field] = n;
    }
    const { issued = 0, returned = 0, invalid = 0 } = b;
    valid = b.valid ?? 0;
    if (returned > issued) return { key: 'counts.returnedOverIssued', params: { returned, issued } };
    if (valid + invalid !== returned) return { key: 'counts.validInvalid', params: { valid, invalid, returned } };
    if (poll.roster !== null && issued > poll.roster) return { key: 'counts.issuedOverRoster', params: { issued, roster: poll.roster } };
  }
  const limit = valid ?? poll.roster;
  if (poll.subject === 'motion') {
    let sum = 0;
    for (const field of fields) {
      const n = readCount(input.motion[field]);
      if (n === null) return { key: 'counts.notNumber', fieldKey: countFieldKey[field] };
      sum += n;
    }
    if (limit !== null && sum > limit) return { key: paper ? 'counts.overValid' : 'counts.overRoster', params: { sum, limit } };
    return null;
  }
  for (const row of poll.rows ?? []) {
    let sum = 0;
    for (const field of fields) {
      const n = readCount(input.rows[row.position]?.[field]);
      if (n === null) return { key: 'counts.rowNotNumber', params: { name: row.name } };
      sum += n;
      if (limit !== null && n > limit) return { key: 'counts.rowOverLimit', params: { name: row.name, sum: n, limit } };
    }
    // Per official, one level per valid ballot at most; an election's votes are counted per candidate.
    if (poll.subject !== 'election' && limit !== null && sum > limit) {
      return { key: 'counts.rowOverLimit', params: { name: row.name, sum, limit } };
    }
  }
  return null;
}

/** The body of POST .../counts for counts countsProblem() accepted. */
export function countsBody(poll: Poll, input: CountsInput): PollCountsBody {
  const fields = countFields(poll.subject);
  const body: PollCountsBody = {};
  if (poll.subject === 'motion') {
    body.for = readCount(input.motion.for) ?? 0;
    body.against = readCount(input.motion.against) ?? 0;
    body.abstain = readCount(input.motion.abstain) ?? 0;
  } else {
    body.rows = (poll.rows ?? []).map((row) => {
      const out: Record<string, number> = { position: row.position };
      for (const field of fields) out[field] = readCount(input.rows[row.position]?.[field]) ?? 0;
      return out;
    });
  }
  if (poll.form === 'paper') {
    body.ballots = {
      issued: readCount(input.ballots.issued) ?? 0,
      returned: readCount(input.ballots.returned) ?? 0,
      valid: readCount(input.ballots.valid) ?? 0,
      invalid: readCount(input.ballots.invalid) ?? 0,
    };
    if (input.minutes.trim() !== '') body.minutes = input.minutes.trim();
  }
  return body;
}

/** The fewest members of a tally committee: seven in a province, three elsewhere (DOMAIN.md). */
export function tallyMinimum(level: 'province' | 'district' | 'commune'): number {
  return level === 'province' ? 7 : 3;
}

/** What keeps a tally committee from being set, or null. */
export function tallyProblem(memberIds: readonly number[], headId: number | null, minimum: number): CountsProblem | null {
  if (new Set(memberIds).size < minimum) return { key: 'tally.tooFew', params: { min: minimum } };
  if (headId === null || !memberIds.includes(headId)) return { key: 'tally.noHead' };
  return null;
}
