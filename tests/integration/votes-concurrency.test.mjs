// 500 members on real WebSocket connections cast within one second: every acknowledged ballot is
// stored exactly once, the count equals the acknowledgements, retries change nothing, and the
// closing result matches what was acknowledged. Named and secret polls.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Postgres, Server, sleep, waitFor } from '../common/harness.mjs';
import { sql1, makeSessions, sessionClient, sessionSocket, makeBody, checkIn, newKey, castWs, pct } from '../common/votes-fixture.mjs';

const N = 500;
let pg, db, server, body, sessions, sockets, chair;

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db, config: { database: { connections: 4 } } });
  body = makeBody(pg, db, { name: 'Hội đồng nhân dân thử tải', prefix: 'tai', members: N });
  sessions = makeSessions(pg, db, body.memberIds);
  checkIn(pg, db, body.meeting, body.memberIds);
  chair = sessionClient(server, sessions[0]);
  sockets = [];
  for (const s of sessions) sockets.push(await sessionSocket(server, s));
});

after(async () => {
  for (const ws of sockets || []) ws.terminate();
  await server?.destroy();
  pg?.destroy();
});

const choiceOf = (i) => (i % 10 < 6 ? 'for' : i % 10 < 9 ? 'against' : 'abstain');

async function openPoll(form) {
  const base = `/api/v1/meetings/${body.meeting}/polls`;
  const c = await chair.post(base, { title: `Biểu quyết ${form} ${N} đại biểu`, subject: 'motion', form });
  assert.equal(c.status, 201, c.text);
  const o = await chair.post(`${base}/${c.data.poll.id}/open`, {});
  assert.equal(o.status, 200, o.text);
  assert.equal(o.data.poll.roster, N);
  return c.data.poll.id;
}

// Every member casts at once (all sends within a few milliseconds, well inside one second).
async function castAll(pollId, keys) {
  const t0 = performance.now();
  const latencies = [];
  const answers = await Promise.all(sockets.map(async (ws, i) => {
    const start = performance.now();
    const a = await castWs(ws, pollId, choiceOf(i), keys[i], 30000);
    latencies.push(performance.now() - start);
    return a;
  }));
  const wall = performance.now() - t0;
  return { answers, latencies, wall };
}

function report(label, { latencies, wall }) {
  console.log(`${label}: ${N} ballots in ${wall.toFixed(0)} ms (${(N / (wall / 1000)).toFixed(0)}/s); ` +
    `cast -> recorded p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms`);
}

test('500 members cast a named vote at once: every acknowledged ballot is stored once', async () => {
  const pollId = await openPoll('named');
  const watcher = sockets[1];
  watcher.sendJson({ type: 'subscribe', id: 's', meeting_id: body.meeting, after_seq: Number(sql1(pg, db, `SELECT event_seq FROM meetings WHERE id = ${body.meeting}`)) });
  await watcher.next((m) => m.type === 'subscribed', 30000); // a sanitized server under load is slow
  const counts = [];
  watcher.on('message', (d) => { const m = JSON.parse(d.toString()); if (m.type === 'event' && m.kind === 'vote.count') counts.push(m.payload.cast); });

  const keys = sockets.map(() => newKey());
  const run = await castAll(pollId, keys);
  report('named', run);
  const acked = run.answers.filter((a) => a.type === 'vote.recorded');
  assert.equal(acked.length, N, JSON.stringify(run.answers.find((a) => a.type !== 'vote.recorded')));
  assert.ok(acked.every((a) => !a.repeat));
  const seqs = new Set(acked.map((a) => a.receipt.journal_seq));
  assert.equal(seqs.size, N, 'one journal entry per ballot');

  // Stored once each, as acknowledged.
  const rows = sql1(pg, db, `SELECT user_id, choice, revision, journal_seq FROM poll_ballots WHERE poll_id = ${pollId} ORDER BY user_id`).split('\n').map((l) => l.split('|'));
  assert.equal(rows.length, N);
  const byUser = new Map(rows.map(([u, c, r, s]) => [Number(u), { c, r: Number(r), s: Number(s) }]));
  sessions.forEach((s, i) => {
    const row = byUser.get(s.id);
    assert.ok(row, `ballot of member ${s.id}`);
    assert.equal(row.c, choiceOf(i));
    assert.equal(row.r, 1);
    assert.equal(row.s, run.answers[i].receipt.journal_seq);
  });
  assert.equal((await chair.get(`/api/v1/meetings/${body.meeting}/polls/${pollId}`)).data.poll.cast, N);
  await waitFor(() => counts.includes(N), { what: 'the live count reaching 500' });
  assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'the live count only grows');

  // Everyone retries at once (a flaky network): the same receipts, nothing new stored.
  const again = await castAll(pollId, keys);
  assert.ok(again.answers.every((a, i) => a.type === 'vote.recorded' && a.repeat && a.receipt.journal_seq === run.answers[i].receipt.journal_seq));
  assert.equal(Number(sql1(pg, db, `SELECT count(*) FROM poll_ballots WHERE poll_id = ${pollId}`)), N);

  const r = await chair.post(`/api/v1/meetings/${body.meeting}/polls/${pollId}/close`, {});
  assert.equal(r.status, 200, r.text);
  const res = r.data.poll.result;
  const want = { for: 0, against: 0, abstain: 0 };
  acked.forEach((a) => { want[a.receipt.choice]++; });
  assert.deepEqual({ for: res.for, against: res.against, abstain: res.abstain }, want);
  assert.deepEqual(want, { for: 300, against: 150, abstain: 50 });
  assert.equal(r.data.poll.passed, true);
  const verify = await chair.get(`/api/v1/meetings/${body.meeting}/votes/verify`);
  assert.equal(verify.data.verified, true, JSON.stringify(verify.data));
});

test('500 members cast a secret ballot within one second, some tapping twice: counted once each', async () => {
  const pollId = await openPoll('secret');
  const keys = sockets.map(() => newKey());
  // Spread over one second, and the first 50 members tap twice at once.
  const t0 = performance.now();
  const latencies = [];
  const answers = await Promise.all(sockets.map(async (ws, i) => {
    await sleep((i / N) * 1000);
    const start = performance.now();
    const tries = i < 50 ? [castWs(ws, pollId, choiceOf(i), keys[i], 30000), castWs(ws, pollId, choiceOf(i), keys[i], 30000)] : [castWs(ws, pollId, choiceOf(i), keys[i], 30000)];
    const got = await Promise.all(tries);
    latencies.push(performance.now() - start);
    if (got.length === 2) {
      assert.equal(got[0].receipt.journal_seq, got[1].receipt.journal_seq, 'a double tap is one ballot');
      assert.equal(got.filter((g) => g.repeat).length, 1);
    }
    return got[0];
  }));
  report('secret, spread over 1 s', { latencies, wall: performance.now() - t0 });
  assert.ok(answers.every((a) => a.type === 'vote.recorded'), JSON.stringify(answers.find((a) => a.type !== 'vote.recorded')));
  assert.equal(Number(sql1(pg, db, `SELECT count(*) FROM poll_voters WHERE poll_id = ${pollId}`)), N);
  assert.equal(Number(sql1(pg, db, `SELECT sum(count) FROM phonghop_secret.poll_${pollId}`)), N);
  const r = await chair.post(`/api/v1/meetings/${body.meeting}/polls/${pollId}/close`, {});
  assert.equal(r.status, 200, r.text);
  const res = r.data.poll.result;
  assert.deepEqual([res.for, res.against, res.abstain], [300, 150, 50]);
  assert.deepEqual(res.ballots, { issued: N, returned: N, valid: N, invalid: 0 });
});
