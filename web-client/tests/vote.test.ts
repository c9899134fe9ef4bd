/* The vote panel: "recorded" only after the server said so; retries with the same key. */
import { describe, expect, it } from 'vitest';
import type { BallotReceipt, Poll } from '../src/lib/api';
import { ballotReducer, idleBallot, isElectronic, isTransient, motionCounts, newBallotKey, panelView, type BallotAction, type BallotState } from '../src/lib/vote';

function poll(id: number, extra: Partial<Poll> = {}): Poll {
  return {
    id,
    meeting_id: 5,
    agenda_item_id: null,
    title: 'Thông qua Nghị quyết',
    decision: null,
    subject: 'motion',
    form: 'named',
    threshold: null,
    threshold_words: null,
    allow_change: false,
    state: 'open',
    roster: 50,
    needed: 26,
    present: null,
    cast: 0,
    opened_at: null,
    closes_at: null,
    closed_at: null,
    result: null,
    wording: null,
    passed: null,
    ...extra,
  };
}

const receipt = (pollId: number, choice = 'for'): BallotReceipt => ({
  meeting_id: 5,
  poll_id: pollId,
  secret: false,
  choice,
  revision: 1,
  journal_seq: 40,
  hash: 'ab'.repeat(32),
});

const run = (actions: BallotAction[], start: BallotState = idleBallot()) => actions.reduce(ballotReducer, start);

describe('ballot states', () => {
  it('choose -> sending -> recorded only on the server\'s acknowledgement', () => {
    const sending = run([{ type: 'poll', poll: poll(8) }, { type: 'choose', choice: 'for', key: 'k1' }]);
    expect(sending).toMatchObject({ pollId: 8, phase: 'sending', choice: 'for', key: 'k1', attempts: 1 });
    expect(panelView(poll(8), sending, true)).toBe('sending');
    const recorded = ballotReducer(sending, { type: 'recorded', pollId: 8, receipt: receipt(8) });
    expect(recorded.phase).toBe('recorded');
    expect(recorded.receipt?.journal_seq).toBe(40);
    expect(panelView(poll(8), recorded, true)).toBe('recorded');
  });

  it('a transient failure waits for the connection and resends with the same key', () => {
    let state = run([{ type: 'poll', poll: poll(8) }, { type: 'choose', choice: 'against', key: 'k1' }]);
    state = ballotReducer(state, { type: 'failed', pollId: 8, code: 'connection_lost' });
    expect(state).toMatchObject({ phase: 'retrying', key: 'k1', choice: 'against' });
    expect(panelView(poll(8), state, true)).toBe('retrying');
    // Nothing else can be chosen meanwhile: the first ballot may be recorded already.
    expect(ballotReducer(state, { type: 'choose', choice: 'for', key: 'k2' })).toBe(state);
    state = ballotReducer(state, { type: 'resend' });
    expect(state).toMatchObject({ phase: 'sending', key: 'k1', attempts: 2 });
    state = ballotReducer(state, { type: 'recorded', pollId: 8, receipt: receipt(8, 'against') });
    expect(state).toMatchObject({ phase: 'recorded', choice: 'against' });
  });

  it('a refusal says why and lets the member try again (after checking in, say)', () => {
    let state = run([{ type: 'poll', poll: poll(8) }, { type: 'choose', choice: 'for', key: 'k1' }]);
    state = ballotReducer(state, { type: 'failed', pollId: 8, code: 'not_eligible' });
    expect(state).toMatchObject({ phase: 'refused', error: 'not_eligible' });
    expect(panelView(poll(8), state, true)).toBe('refused');
    state = ballotReducer(state, { type: 'choose', choice: 'for', key: 'k2' });
    expect(state).toMatchObject({ phase: 'sending', key: 'k2' });
  });

  it('answers about another poll, or a resend when nothing waits, change nothing', () => {
    const sending = run([{ type: 'poll', poll: poll(8) }, { type: 'choose', choice: 'for', key: 'k1' }]);
    expect(ballotReducer(sending, { type: 'recorded', pollId: 9, receipt: receipt(9) })).toBe(sending);
    expect(ballotReducer(sending, { type: 'failed', pollId: 9, code: 'not_recorded' })).toBe(sending);
    expect(ballotReducer(sending, { type: 'resend' })).toBe(sending);
    expect(ballotReducer(idleBallot(), { type: 'choose', choice: 'for', key: 'k' }).phase).toBe('idle');
  });

  it('a recorded ballot is not offered again, and survives the poll closing with its receipt', () => {
    let state = run([
      { type: 'poll', poll: poll(8) },
      { type: 'choose', choice: 'for', key: 'k1' },
      { type: 'recorded', pollId: 8, receipt: receipt(8) },
    ]);
    expect(ballotReducer(state, { type: 'choose', choice: 'against', key: 'k2' })).toBe(state);
    state = ballotReducer(state, { type: 'poll', poll: null });
    expect(state.phase).toBe('recorded');
    expect(panelView(null, state, true)).toBe('recorded');
  });

  it('the poll closing while a ballot is still on its way means it was not counted', () => {
    let state = run([{ type: 'poll', poll: poll(8) }, { type: 'choose', choice: 'for', key: 'k1' }]);
    state = ballotReducer(state, { type: 'poll', poll: null });
    expect(state).toMatchObject({ phase: 'refused', error: 'wrong_state' });
  });

  it('a new poll starts a new ballot; the same poll updated (a count) keeps it', () => {
    const sending = run([{ type: 'poll', poll: poll(8) }, { type: 'choose', choice: 'for', key: 'k1' }]);
    expect(ballotReducer(sending, { type: 'poll', poll: poll(8, { cast: 12 }) })).toBe(sending);
    expect(ballotReducer(sending, { type: 'poll', poll: poll(9) })).toEqual(idleBallot(9));
  });

  it('a recorded receipt read back over HTTP (voted on another tablet) counts as recorded', () => {
    const state = run([{ type: 'poll', poll: poll(8) }, { type: 'recorded', pollId: 8, receipt: receipt(8, 'abstain') }]);
    expect(state).toMatchObject({ phase: 'recorded', choice: 'abstain' });
  });
});

describe('what the panel shows', () => {
  it('no poll, a poll to vote in, and a member who must check in first', () => {
    expect(panelView(null, idleBallot(), true)).toBe('none');
    expect(panelView(poll(8), idleBallot(8), true)).toBe('choose');
    expect(panelView(poll(8), idleBallot(8), false)).toBe('not_present');
    expect(panelView(poll(8, { state: 'closed' }), idleBallot(8), true)).toBe('none');
  });

  it('transient failures and the forms voted on tablets', () => {
    expect(isTransient('not_recorded')).toBe(true);
    expect(isTransient('connection_lost')).toBe(true);
    expect(isTransient('already_voted')).toBe(false);
    expect(isElectronic(poll(1))).toBe(true);
    expect(isElectronic(poll(1, { form: 'secret' }))).toBe(true);
    expect(isElectronic(poll(1, { form: 'show_of_hands' }))).toBe(false);
    expect(isElectronic(poll(1, { form: 'paper' }))).toBe(false);
  });

  it('counts of a result, and none before the close', () => {
    expect(motionCounts(poll(1))).toBeNull();
    expect(motionCounts(poll(1, { result: { for: 30, against: 2 } }))).toEqual({ for: 30, against: 2, abstain: 0 });
  });

  it('keys are unique', () => {
    const keys = new Set(Array.from({ length: 100 }, () => newBallotKey()));
    expect(keys.size).toBe(100);
  });
});
