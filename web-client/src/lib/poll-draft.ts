/*
 * Preparing a poll on the chair's console: which subjects, forms and thresholds fit the body
 * (DOMAIN.md "Votes"), and the checks made before anything is sent, each with a message the
 * chair can act on. The server's rule engine has the last word (a 400 or 409 "rule" with its
 * reason); these checks only spare the chair a round trip for what is plainly incomplete.
 *
 *   - a council votes on motions (named, secret, show of hands, paper), elects officers and
 *     holds confidence and no-confidence votes, the last three by secret ballot only
 *     (electronic or paper);
 *   - a committee decides motions by more than half of all its members, named or by show of
 *     hands, and holds no elections or confidence votes;
 *   - an election has seats and at least one candidate; a confidence vote one row per official;
 *   - a written poll between sittings (phiếu lấy ý kiến) is a named motion with a deadline.
 */
import type { BodyKind, PollDraft, PollForm, PollSubject } from './api';
import type { MessageKey } from './i18n';

/** A candidate (election) or an official (confidence votes); user_id when they are on the roster. */
export interface PollRow {
  name: string;
  user_id?: number;
}

export interface PollDraftInput {
  title: string;
  subject: PollSubject;
  form: PollForm;
  /** '' : the law's default for the body and subject. */
  threshold: string;
  /** Elections: the number of seats, as typed. */
  seats: string;
  rows: PollRow[];
  decision: string;
  /** Named motions: a member may change their ballot until the close. */
  allowChange: boolean;
  /** A written poll between sittings: answered without checking in, before the deadline. */
  written: boolean;
  /** The deadline of a written poll, as Date.getTime(); null when none was given. */
  deadline: number | null;
  agendaItemId: number | null;
}

export const SUBJECTS: readonly PollSubject[] = ['motion', 'election', 'confidence', 'no_confidence'];

/** The subjects a body may vote on. */
export function subjectsFor(body: BodyKind): PollSubject[] {
  return body === 'committee' ? ['motion'] : [...SUBJECTS];
}

/** The forms that fit a subject in a body: elections and confidence votes are secret ballots. */
export function formsFor(subject: PollSubject, body: BodyKind): PollForm[] {
  if (body === 'committee') return ['named', 'show_of_hands'];
  if (subject === 'motion') return ['named', 'secret', 'show_of_hands', 'paper'];
  return ['secret', 'paper'];
}

/** The thresholds the chair may choose besides the law's default (''), by subject. */
export function thresholdsFor(subject: PollSubject, body: BodyKind): string[] {
  if (body === 'committee') return [''];
  switch (subject) {
    case 'motion':
      // At least two thirds of all members: the dismissal of a member (bãi nhiệm).
      return ['', 'at_least_two_thirds_of_all', 'more_than_half_of_present'];
    case 'confidence':
      // Whether "tín nhiệm thấp" is counted against all members or all ballots is per council.
      return ['', 'confidence_bands_of_ballots'];
    default:
      return [''];
  }
}

/** Subjects whose ballot has one row per candidate or official. */
export function hasRows(subject: PollSubject): boolean {
  return subject !== 'motion';
}

export const MAX_ROWS = 1000;
export const MAX_NAME = 300;
/** The longest deadline the server takes (31,622,400 s: a leap year). */
export const MAX_DURATION_SECONDS = 31_622_400;

export interface DraftProblem {
  key: MessageKey;
  params?: Record<string, string | number>;
}

function seatsOf(text: string): number | null {
  if (!/^\s*\d+\s*$/.test(text)) return null;
  return Number.parseInt(text, 10);
}

/** The first problem with a draft, or null when it may be sent. `now`: Date.now(). */
export function draftProblem(input: PollDraftInput, body: BodyKind, now: number): DraftProblem | null {
  if (input.title.trim() === '') return { key: 'pollDraft.noTitle' };
  if (input.title.trim().length > 1000) return { key: 'pollDraft.titleTooLong' };
  if (!subjectsFor(body).includes(input.subject)) return { key: 'pollDraft.subjectNotForBody' };
  if (!formsFor(input.subject, body).includes(input.form)) return { key: 'pollDraft.formNotForSubject' };
  if (!thresholdsFor(input.subject, body).includes(input.threshold)) return { key: 'pollDraft.thresholdNotForSubject' };
  if (hasRows(input.subject)) {
    const names = input.rows.map((row) => row.name.trim());
    if (names.length === 0) return { key: input.subject === 'election' ? 'pollDraft.noCandidates' : 'pollDraft.noOfficials' };
    if (names.length > MAX_ROWS) return { key: 'pollDraft.tooManyRows', params: { max: MAX_ROWS } };
    const empty = names.findIndex((name) => name === '');
    if (empty >= 0) return { key: 'pollDraft.emptyName', params: { row: empty + 1 } };
    const long = names.findIndex((name) => name.length > MAX_NAME);
    if (long >= 0) return { key: 'pollDraft.nameTooLong', params: { row: long + 1, max: MAX_NAME } };
    const seen = new Set<string>();
    for (const name of names) {
      const folded = name.toLocaleLowerCase('vi').normalize('NFC');
      if (seen.has(folded)) return { key: 'pollDraft.duplicateName', params: { name } };
      seen.add(folded);
    }
  }
  if (input.subject === 'election') {
    const seats = seatsOf(input.seats);
    if (seats === null || seats < 1 || seats > 10000) return { key: 'pollDraft.seatsInvalid' };
  }
  if (input.written) {
    if (input.subject !== 'motion' || input.form !== 'named') return { key: 'pollDraft.writtenNamedOnly' };
    if (input.deadline === null) return { key: 'pollDraft.noDeadline' };
    if (input.deadline <= now + 60_000) return { key: 'pollDraft.deadlinePast' };
    if (input.deadline - now > MAX_DURATION_SECONDS * 1000) return { key: 'pollDraft.deadlineTooFar' };
  }
  if (input.allowChange && input.form !== 'named') return { key: 'pollDraft.changeNamedOnly' };
  return null;
}

/** Seconds from `now` to a deadline, rounded up. */
export function secondsUntil(deadline: number, now: number): number {
  return Math.max(1, Math.ceil((deadline - now) / 1000));
}

/** The request body of POST .../polls for a draft draftProblem() found nothing wrong with. */
export function draftBody(input: PollDraftInput, now: number): PollDraft {
  const body: PollDraft = { title: input.title.trim(), subject: input.subject, form: input.form };
  if (input.threshold !== '') body.threshold = input.threshold;
  if (input.decision.trim() !== '') body.decision = input.decision.trim();
  if (input.agendaItemId !== null) body.agenda_item_id = input.agendaItemId;
  if (input.allowChange && input.form === 'named') body.allow_change = true;
  if (input.subject === 'election') body.seats = seatsOf(input.seats) ?? 1;
  if (hasRows(input.subject)) {
    const rows = input.rows.map((row) => (row.user_id === undefined ? { name: row.name.trim() } : { name: row.name.trim(), user_id: row.user_id }));
    if (input.subject === 'election') body.candidates = rows;
    else body.officials = rows;
  }
  if (input.written && input.deadline !== null) {
    body.written = true;
    body.duration_seconds = secondsUntil(input.deadline, now);
  }
  return body;
}

/** Adds a row unless one of that name (or that person) is there already. */
export function addRow(rows: readonly PollRow[], row: PollRow): PollRow[] {
  const name = row.name.trim();
  if (name === '') return [...rows];
  const folded = name.toLocaleLowerCase('vi');
  if (rows.some((r) => r.name.trim().toLocaleLowerCase('vi') === folded || (row.user_id !== undefined && r.user_id === row.user_id))) {
    return [...rows];
  }
  return [...rows, row.user_id === undefined ? { name } : { name, user_id: row.user_id }];
}
