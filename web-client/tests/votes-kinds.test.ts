/* Votes beyond motions: preparing them (subjects, forms, thresholds that fit the body), the
 * ballots of elections and confidence votes, counts entered by hand, the tally committee. */
import { describe, expect, it } from 'vitest';
import type { Poll } from '../src/lib/api';
import { addRow, draftBody, draftProblem, formsFor, subjectsFor, thresholdsFor, type PollDraftInput } from '../src/lib/poll-draft';
import { blankRows, canSend, emptyRowBallot, levelsFor, rowChoice, setLevel, toggleCandidate } from '../src/lib/ballot';
import { countsBody, countsProblem, emptyCounts, readCount, tallyMinimum, tallyProblem, type CountsInput } from '../src/lib/counts';
import { ballotReducer, idleBallot, panelView } from '../src/lib/vote';
import { applyEvent, emptyRoom } from '../src/lib/room';
import { translate } from '../src/lib/i18n';

const NOW = Date.parse('2026-11-21T03:00:00Z');

function draft(extra: Partial<PollDraftInput> = {}): PollDraftInput {
  return {
    title: 'Bầu Phó Chủ tịch HĐND tỉnh',
    subject: 'election',
    form: 'secret',
    threshold: '',
    seats: '2',
    rows: [{ name: 'Nguyễn Văn An', user_id: 20 }, { name: 'Trần Thị Bình' }],
    decision: '',
    allowChange: false,
    written: false,
    deadline: null,
    agendaItemId: 7,
    ...extra,
  };
}

function poll(extra: Partial<Poll> = {}): Poll {
  return {
    id: 9,
    meeting_id: 5,
    agenda_item_id: null,
    title: 'Lấy phiếu tín nhiệm',
    decision: null,
    subject: 'confidence',
    form: 'secret',
    threshold: 'confidence_bands_of_all',
    threshold_words: null,
    allow_change: false,
    state: 'open',
    roster: 50,
    needed: null,
    present: null,
    cast: 0,
    opened_at: null,
    closes_at: null,
    closed_at: null,
    result: null,
    wording: null,
    passed: null,
    rows: [
      { position: 1, name: 'Phạm Văn Dũng (Chủ tịch UBND tỉnh)', user_id: null },
      { position: 2, name: 'Võ Thị Em (Giám đốc Sở)', user_id: null },
    ],
    ...extra,
  };
}

describe('preparing a poll', () => {
  it('offers a committee motions only, by named vote or show of hands, at the law\'s threshold', () => {
    expect(subjectsFor('committee')).toEqual(['motion']);
    expect(formsFor('motion', 'committee')).toEqual(['named', 'show_of_hands']);
    expect(thresholdsFor('motion', 'committee')).toEqual(['']);
    expect(subjectsFor('council')).toEqual(['motion', 'election', 'confidence', 'no_confidence']);
  });

  it('holds elections and confidence votes by secret ballot only', () => {
    for (const subject of ['election', 'confidence', 'no_confidence'] as const) expect(formsFor(subject, 'council')).toEqual(['secret', 'paper']);
    expect(draftProblem(draft({ form: 'named' }), 'council', NOW)?.key).toBe('pollDraft.formNotForSubject');
    expect(draftProblem(draft({ subject: 'confidence', form: 'show_of_hands' }), 'council', NOW)?.key).toBe('pollDraft.formNotForSubject');
    expect(draftProblem(draft(), 'committee', NOW)?.key).toBe('pollDraft.subjectNotForBody');
  });

  it('offers the thresholds that fit the subject', () => {
    expect(thresholdsFor('motion', 'council')).toContain('at_least_two_thirds_of_all');
    expect(thresholdsFor('confidence', 'council')).toEqual(['', 'confidence_bands_of_ballots']);
    expect(draftProblem(draft({ threshold: 'at_least_two_thirds_of_all' }), 'council', NOW)?.key).toBe('pollDraft.thresholdNotForSubject');
  });

  it('says what is missing from an election or a confidence vote', () => {
    expect(draftProblem(draft({ title: '  ' }), 'council', NOW)?.key).toBe('pollDraft.noTitle');
    expect(draftProblem(draft({ rows: [] }), 'council', NOW)?.key).toBe('pollDraft.noCandidates');
    expect(draftProblem(draft({ subject: 'confidence', rows: [] }), 'council', NOW)?.key).toBe('pollDraft.noOfficials');
    expect(draftProblem(draft({ seats: '0' }), 'council', NOW)?.key).toBe('pollDraft.seatsInvalid');
    expect(draftProblem(draft({ seats: 'hai' }), 'council', NOW)?.key).toBe('pollDraft.seatsInvalid');
    expect(draftProblem(draft({ rows: [{ name: 'A' }, { name: ' ' }] }), 'council', NOW)).toEqual({ key: 'pollDraft.emptyName', params: { row: 2 } });
    expect(draftProblem(draft({ rows: [{ name: 'Lê Văn Cường' }, { name: 'lê văn cường' }] }), 'council', NOW)?.key).toBe('pollDraft.duplicateName');
    expect(draftProblem(draft({ rows: [{ name: 'x'.repeat(301) }] }), 'council', NOW)?.key).toBe('pollDraft.nameTooLong');
    expect(draftProblem(draft(), 'council', NOW)).toBeNull();
  });

  it('sends candidates for an election and officials for a confidence vote', () => {
    expect(draftBody(draft(), NOW)).toEqual({
      title: 'Bầu Phó Chủ tịch HĐND tỉnh',
      subject: 'election',
      form: 'secret',
      seats: 2,
      agenda_item_id: 7,
      candidates: [{ name: 'Nguyễn Văn An', user_id: 20 }, { name: 'Trần Thị Bình' }],
    });
    const body = draftBody(draft({ subject: 'no_confidence', threshold: '', seats: '' }), NOW);
    expect(body.officials).toHaveLength(2);
    expect(body.candidates).toBeUndefined();
    expect(body.seats).toBeUndefined();
  });

  it('a written poll is a named motion with a deadline at least a minute away', () => {
    const motion = draft({ subject: 'motion', form: 'named', rows: [], written: true });
    expect(draftProblem(motion, 'committee', NOW)?.key).toBe('pollDraft.noDeadline');
    expect(draftProblem({ ...motion, deadline: NOW + 30_000 }, 'committee', NOW)?.key).toBe('pollDraft.deadlinePast');
    expect(draftProblem({ ...motion, deadline: NOW + 400 * 86_400_000 }, 'committee', NOW)?.key).toBe('pollDraft.deadlineTooFar');
    expect(draftProblem({ ...motion, form: 'show_of_hands', deadline: NOW + 3_600_000 }, 'committee', NOW)?.key).toBe('pollDraft.writtenNamedOnly');
    const ok = { ...motion, deadline: NOW + 3_600_500 };
    expect(draftProblem(ok, 'committee', NOW)).toBeNull();
    expect(draftBody(ok, NOW)).toMatchObject({ written: true, duration_seconds: 3601, subject: 'motion', form: 'named' });
  });

  it('allows changing a ballot only in a named vote', () => {
    expect(draftProblem(draft({ subject: 'motion', form: 'secret', rows: [], allowChange: true }), 'council', NOW)?.key).toBe('pollDraft.changeNamedOnly');
  });

  it('adds a row once per name or person', () => {
    let rows = addRow([], { name: ' Nguyễn Văn An ', user_id: 20 });
    rows = addRow(rows, { name: 'nguyễn văn an' });
    rows = addRow(rows, { name: 'Another name', user_id: 20 });
    rows = addRow(rows, { name: '' });
    expect(rows).toEqual([{ name: 'Nguyễn Văn An', user_id: 20 }]);
  });
});

describe('ballots with rows', () => {
  const election = poll({ subject: 'election', seats: 2, rows: [1, 2, 3].map((p) => ({ position: p, name: `Ứng viên ${p}`, user_id: null })) });

  it('approves at most the seats, and says so instead of a third', () => {
    let ballot = emptyRowBallot();
    expect(canSend(election, ballot)).toBe(false);
    ballot = toggleCandidate(ballot, 3, 2).ballot;
    ballot = toggleCandidate(ballot, 1, 2).ballot;
    const third = toggleCandidate(ballot, 2, 2);
    expect(third.full).toBe(true);
    expect(third.ballot).toBe(ballot);
    expect(rowChoice(election, ballot)).toEqual([1, 3]);
    ballot = toggleCandidate(ballot, 1, 2).ballot;
    expect(rowChoice(election, ballot)).toEqual([3]);
    expect(blankRows(election, ballot)).toBe(1);
    expect(canSend(election, ballot)).toBe(true);
  });

  it('rates each official at one level, the law\'s three or two', () => {
    expect(levelsFor('confidence')).toEqual(['high', 'medium', 'low']);
    expect(levelsFor('no_confidence')).toEqual(['confidence', 'no_confidence']);
    expect(levelsFor('motion')).toEqual([]);
    const confidence = poll();
    let ballot = setLevel(emptyRowBallot(), 2, 'low');
    expect(blankRows(confidence, ballot)).toBe(1);
    expect(rowChoice(confidence, ballot)).toEqual({ 2: 'low' });
    ballot = setLevel(ballot, 1, 'high');
    ballot = setLevel(ballot, 2, 'medium');
    expect(rowChoice(confidence, ballot)).toEqual({ 1: 'high', 2: 'medium' });
    // The same level again clears it: a row may be left blank.
    ballot = setLevel(ballot, 1, 'high');
    expect(rowChoice(confidence, ballot)).toEqual({ 2: 'medium' });
    expect(canSend(confidence, emptyRowBallot())).toBe(false);
  });

  it('goes through the same states as a motion\'s ballot: "recorded" only on the server\'s word', () => {
    let state = ballotReducer(idleBallot(), { type: 'poll', poll: election });
    state = ballotReducer(state, { type: 'choose', choice: [1, 3], key: 'k1' });
    expect(state).toMatchObject({ phase: 'sending', choice: [1, 3] });
    expect(panelView(election, state, true)).toBe('sending');
    state = ballotReducer(state, { type: 'failed', pollId: 9, code: 'not_recorded' });
    expect(state.phase).toBe('retrying');
    state = ballotReducer(state, { type: 'resend' });
    expect(state).toMatchObject({ phase: 'sending', key: 'k1' });
    state = ballotReducer(state, { type: 'recorded', pollId: 9, receipt: { meeting_id: 5, poll_id: 9, secret: true, journal_seq: 12, hash: 'ff' } });
    expect(state).toMatchObject({ phase: 'recorded', choice: [1, 3] });
  });

  it('a written poll is answered without checking in', () => {
    const written = poll({ subject: 'motion', form: 'named', written: true, rows: [] });
    expect(panelView(written, idleBallot(9), false)).toBe('choose');
    expect(panelView({ ...written, written: false }, idleBallot(9), false)).toBe('not_present');
  });
});

describe('counts entered by hand', () => {
  it('reads counts as whole numbers only', () => {
    expect(readCount(' 12 ')).toBe(12);
    expect(readCount('')).toBeNull();
    expect(readCount('-1')).toBeNull();
    expect(readCount('1.5')).toBeNull();
    expect(readCount('99999999')).toBeNull();
  });

  it('checks paper ballots add up: valid + invalid = returned <= issued', () => {
    const paper = poll({ subject: 'motion', form: 'paper', rows: [] });
    const input = { ...emptyCounts(), motion: { for: '40', against: '5', abstain: '0' }, ballots: { issued: '48', returned: '47', valid: '46', invalid: '2' } };
    expect(countsProblem(paper, input)).toEqual({ key: 'counts.validInvalid', params: { valid: 46, invalid: 2, returned: 47 } });
    expect(countsProblem(paper, { ...input, ballots: { issued: '40', returned: '47', valid: '45', invalid: '2' } })?.key).toBe('counts.returnedOverIssued');
    expect(countsProblem(paper, { ...input, ballots: { ...input.ballots, issued: 'x' } })).toEqual({ key: 'counts.notNumber', fieldKey: 'counts.issued' });
    const good = { ...input, ballots: { issued: '48', returned: '47', valid: '45', invalid: '2' }, minutes: ' Biên bản kiểm phiếu số 1 ' };
    expect(countsProblem(paper, good)).toBeNull();
    expect(countsBody(paper, good)).toEqual({ for: 40, against: 5, abstain: 0, ballots: { issued: 48, returned: 47, valid: 45, invalid: 2 }, minutes: 'Biên bản kiểm phiếu số 1' });
    expect(countsProblem(paper, { ...good, motion: { for: '44', against: '5', abstain: '0' } })).toEqual({ key: 'counts.overValid', params: { sum: 49, limit: 45 } });
  });

  it('a show of hands stays within the roster', () => {
    const hands = poll({ subject: 'motion', form: 'show_of_hands', rows: [] });
    const input = { ...emptyCounts(), motion: { for: '40', against: '9', abstain: '2' } };
    expect(countsProblem(hands, input)).toEqual({ key: 'counts.overRoster', params: { sum: 51, limit: 50 } });
    expect(countsBody(hands, { ...input, motion: { for: '40', against: '8', abstain: '2' } })).toEqual({ for: 40, against: 8, abstain: 2 });
  });

  it('asks the three levels per official, no row over the valid ballots', () => {
    const paper = poll({ form: 'paper' });
    const ballots = { issued: '50', returned: '50', valid: '48', invalid: '2' };
    const input: CountsInput = { ...emptyCounts(), ballots, rows: { 1: { high: '30', medium: '15', low: '3' }, 2: { high: '0', medium: '20' } } };
    expect(countsProblem(paper, input)).toEqual({ key: 'counts.rowNotNumber', params: { name: 'Võ Thị Em (Giám đốc Sở)' } });
    input.rows[2] = { high: '10', medium: '20', low: '19' };
    expect(countsProblem(paper, input)?.key).toBe('counts.rowOverLimit');
    input.rows[2] = { high: '10', medium: '20', low: '18' };
    expect(countsProblem(paper, input)).toBeNull();
    expect(countsBody(paper, input).rows).toEqual([
      { position: 1, high: 30, medium: 15, low: 3 },
      { position: 2, high: 10, medium: 20, low: 18 },
    ]);
  });

  it('counts an election\'s votes per candidate', () => {
    const paper = poll({ subject: 'election', form: 'paper', seats: 2 });
    const input = { ...emptyCounts(), ballots: { issued: '50', returned: '50', valid: '50', invalid: '0' }, rows: { 1: { votes: '35' }, 2: { votes: '40' } } };
    expect(countsProblem(paper, input)).toBeNull();
    expect(countsBody(paper, input).rows).toEqual([{ position: 1, votes: 35 }, { position: 2, votes: 40 }]);
  });

  it('a tally committee has at least seven members in a province, three elsewhere, and a head among them', () => {
    expect(tallyMinimum('province')).toBe(7);
    expect(tallyMinimum('commune')).toBe(3);
    expect(tallyProblem([1, 2], 1, 3)).toEqual({ key: 'tally.tooFew', params: { min: 3 } });
    expect(tallyProblem([1, 2, 3], 4, 3)).toEqual({ key: 'tally.noHead' });
    expect(tallyProblem([1, 2, 3], null, 3)).toEqual({ key: 'tally.noHead' });
    expect(tallyProblem([1, 2, 3], 2, 3)).toBeNull();
  });

  it('messages name the numbers in both languages', () => {
    expect(translate('vi', 'counts.validInvalid', { valid: 46, invalid: 2, returned: 47 })).toBe(
      'Số phiếu hợp lệ (46) cộng số phiếu không hợp lệ (2) phải bằng số phiếu thu vào (47).',
    );
    expect(translate('en', 'tally.tooFew', { min: 7 })).toBe('The tally committee needs at least 7 members.');
  });
});

describe('the room follows the tally committee', () => {
  it('a vote.tally_committee event asks the pages to read it again', () => {
    const state = applyEvent(emptyRoom(), { type: 'event', meeting_id: 5, seq: 3, kind: 'vote.tally_committee', at: '', payload: {} });
    expect(state.tallyVersion).toBe(1);
    expect(state.lastSeq).toBe(3);
  });
});
