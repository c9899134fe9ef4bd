// Faults in the middle of a vote: the server killed with SIGKILL and restarted (every
// acknowledged ballot is there once, the poll is still open, or closes at its deadline with the
// right count), and the database restarting (members hear "not recorded, try again", and a retry
// records exactly once).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Postgres, Server, sleep, waitFor } from '../common/harness.mjs';
import { sql1, makeSessions, sessionClient, sessionSocket, makeBody, checkIn, newKey, castWs } from '../common/votes-fixture.mjs';

const N = 200;
let pg, db, server, body, sessions;

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db });
  body = makeBody(pg, db, { name: 'Hội đồng nhân dân thử sự cố', prefix: 'sc', members: N });
  sessions = makeSessions(pg, db, body.memberIds);
  checkIn(pg, db, body.meeting, body.memberIds);
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
});

const choiceOf = (i) => (i % 3 === 0 ? 'against' : 'for');
const chair = () => sessionClient(server, sessions[0]);
const polls = () => `/api/v1/meetings/${body.meeting}/polls`;

async function openPoll(form, extra = {}) {
  const c = await chair().post(polls(), { title: `Biểu quyết ${form}`, subject: 'motion', form, ...extra });
  assert.equal(c.status, 201, c.text);
  const o = await chair().post(`${polls()}/${c.data.poll.id}/open`, {});
  assert.equal(o.status, 200, o.text);
  return o.data.poll;
}

async function connectAll() {
  const sockets = [];
  for (const s of sessions) sockets.push(await sessionSocket(server, s));
  return sockets;
}

// Casts spread over `spreadMs`; resolves with what each member heard (undefined: nothing). With
// `gate`, the members from `gate.from` on wait for gate.open before they send.
function castSpread(sockets, pollId, keys, spreadMs, gate = null) {
  return sockets.map((ws, i) => (async () => {
    if (gate && i >= gate.from) await gate.open;
    else await sleep((i / sockets.length) * spreadMs);
    try {
      // The server dying closes the socket: no answer will come.
      return await Promise.race([castWs(ws, pollId, choiceOf(i), keys[i], 20000), ws.closed.then(() => undefined)]);
    } catch {
      return undefined;
    }
  })());
}

const rowsOf = (sql) => sql1(pg, db, sql).split('\n').filter(Boolean).map((l) => l.split('|'));

test('SIGKILL in the middle of a vote: every acknowledged ballot is there once; the poll stays open and closes right', async () => {
  const named = await openPoll('named');
  const secret = await openPoll('secret');
  let sockets = await connectAll();
  const namedKeys = sessions.map(() => newKey());
  const secretKeys = sessions.map(() => newKey());
  const heard = { named: [], secret: [] };
  // The first half casts over 1.5 s; the second half waits until some of the first are
  // acknowledged, then sends at once, and the server is killed right after those sends: some
  // ballots acknowledged, others on their way, however slow or bursty the server is (a stalled
  // server could otherwise acknowledge every ballot before a kill timed by the clock).
  let release;
  const gate = { from: N / 2, open: new Promise((r) => { release = r; }) };
  const pending = [
    ...castSpread(sockets, named.id, namedKeys, 3000, gate).map((p, i) => p.then((a) => { heard.named[i] = a; })),
    ...castSpread(sockets, secret.id, secretKeys, 3000, gate).map((p, i) => p.then((a) => { heard.secret[i] = a; })),
  ];
  await waitFor(() => heard.named.filter((a) => a?.type === 'vote.recorded').length >= 40, { timeoutMs: 20000, intervalMs: 5, what: 'some acknowledgements' });
  release();
  await new Promise((r) => setImmediate(r)); // the second half's sends are made
  const { signal } = await server.stop('SIGKILL');
  assert.equal(signal, 'SIGKILL');
  for (const ws of sockets) ws.terminate();
  await Promise.all(pending);
  const ackedNamed = heard.named.map((a, i) => [a, i]).filter(([a]) => a?.type === 'vote.recorded');
  const ackedSecret = heard.secret.map((a, i) => [a, i]).filter(([a]) => a?.type === 'vote.recorded');
  assert.ok(ackedNamed.length >= 40 && ackedNamed.length < N, `acknowledged ${ackedNamed.length} of ${N} before the kill`);

  // Every acknowledged ballot is stored, once, as acknowledged; the polls are still open.
  const stored = new Map(rowsOf(`SELECT user_id, choice, journal_seq, count(*) OVER (PARTITION BY user_id) FROM poll_ballots WHERE poll_id = ${named.id}`)
    .map(([u, c, s, n]) => [Number(u), { c, s: Number(s), n: Number(n) }]));
  for (const [a, i] of ackedNamed) {
    const row = stored.get(sessions[i].id);
    assert.ok(row, `acknowledged ballot of member ${i} is stored`);
    assert.equal(row.n, 1);
    assert.equal(row.c, choiceOf(i));
    assert.equal(row.s, a.receipt.journal_seq);
  }
  const voters = new Set(rowsOf(`SELECT user_id FROM poll_voters WHERE poll_id = ${secret.id}`).map(([u]) => Number(u)));
  for (const [, i] of ackedSecret) assert.ok(voters.has(sessions[i].id), `acknowledged secret ballot of member ${i}`);
  assert.equal(Number(sql1(pg, db, `SELECT sum(count) FROM phonghop_secret.poll_${secret.id}`)), voters.size, 'counters and voters agree');
  assert.equal(sql1(pg, db, `SELECT string_agg(state, ',' ORDER BY id) FROM polls WHERE id IN (${named.id}, ${secret.id})`), 'open,open');

  // Restart; every member tries again with the same key: the acknowledged get their receipt
  // back, the others are recorded now, and nobody twice.
  await server.spawn();
  sockets = await connectAll();
  const retryNamed = await Promise.all(sockets.map((ws, i) => castWs(ws, named.id, choiceOf(i), namedKeys[i])));
  const retrySecret = await Promise.all(sockets.map((ws, i) => castWs(ws, secret.id, choiceOf(i), secretKeys[i])));
  assert.ok(retryNamed.every((a) => a.type === 'vote.recorded'), JSON.stringify(retryNamed.find((a) => a.type !== 'vote.recorded')));
  assert.ok(retrySecret.every((a) => a.type === 'vote.recorded'));
  for (const [a, i] of ackedNamed) {
    assert.equal(retryNamed[i].repeat, true);
    assert.deepEqual(retryNamed[i].receipt, a.receipt);
  }
  for (const [a, i] of ackedSecret) assert.deepEqual(retrySecret[i].receipt, a.receipt);
  assert.equal(Number(sql1(pg, db, `SELECT count(*) FROM poll_ballots WHERE poll_id = ${named.id}`)), N);
  assert.equal(Number(sql1(pg, db, `SELECT count(*) FROM poll_voters WHERE poll_id = ${secret.id}`)), N);

  const closeNamed = await chair().post(`${polls()}/${named.id}/close`, {});
  const closeSecret = await chair().post(`${polls()}/${secret.id}/close`, {});
  const want = { for: sessions.filter((_, i) => choiceOf(i) === 'for').length, against: sessions.filter((_, i) => choiceOf(i) === 'against').length };
  for (const r of [closeNamed, closeSecret]) {
    assert.equal(r.status, 200, r.text);
    assert.deepEqual([r.data.poll.result.for, r.data.poll.result.against, r.data.poll.result.abstain], [want.for, want.against, 0]);
    assert.equal(r.data.poll.cast, N);
  }
  const verify = await chair().get(`/api/v1/meetings/${body.meeting}/votes/verify`);
  assert.equal(verify.data.verified, true, JSON.stringify(verify.data));
  for (const ws of sockets) ws.terminate();
});

test('a deadline that passes while the server is down closes the poll after the restart, with every ballot', async () => {
  const sockets = [];
  for (const s of sessions.slice(0, 30)) sockets.push(await sessionSocket(server, s));
  const poll = await openPoll('named', { duration_seconds: 5 });
  const answers = await Promise.all(sockets.map((ws, i) => castWs(ws, poll.id, choiceOf(i), newKey())));
  assert.ok(answers.every((a) => a.type === 'vote.recorded'), JSON.stringify(answers.find((a) => a.type !== 'vote.recorded')));
  await server.stop('SIGKILL');
  for (const ws of sockets) ws.terminate();
  await sleep(Math.max(0, Date.parse(poll.closes_at) - Date.now()) + 300);
  assert.equal(sql1(pg, db, `SELECT state FROM polls WHERE id = ${poll.id}`), 'open');
  await server.spawn();
  // A tablet reconnects and reloads the meeting's polls: the keeper closes the overdue one.
  const list = await chair().get(polls());
  assert.equal(list.status, 200);
  await waitFor(() => sql1(pg, db, `SELECT state FROM polls WHERE id = ${poll.id}`) === 'closed', { what: 'the overdue poll closed' });
  const p = (await chair().get(`${polls()}/${poll.id}`)).data.poll;
  assert.equal(p.cast, 30);
  assert.equal(p.result.for + p.result.against, 30);
  assert.equal(sql1(pg, db, `SELECT actor IS NULL FROM meeting_journal WHERE meeting_id = ${body.meeting} AND kind = 'vote.closed' ORDER BY seq DESC LIMIT 1`), 't');
});

test('the database restarts mid-vote: members hear "not recorded, try again", and a retry records exactly once', async () => {
  const poll = await openPoll('named');
  const sockets = await connectAll();
  const keys = sessions.map(() => newKey());
  // The first half casts over 300 ms while the database goes down; the second half casts once it is
  // down, and their answers come before it is back: some ballots always fall into the outage, however
  // slow the server is.
  let release;
  const gate = { from: N / 2, open: new Promise((r) => { release = r; }) };
  const first = castSpread(sockets, poll.id, keys, 600, gate);
  await sleep(250);
  pg.stop('fast'); // blocks this process while the database goes down
  release();
  await Promise.all(first.slice(N / 2));
  pg.start(); // and while it comes back
  const heard = await Promise.all(first);
  const refused = heard.filter((a) => a?.type === 'error');
  assert.ok(refused.length > 0, 'some ballots fell into the outage');
  for (const a of refused) {
    assert.equal(a.code, 'not_recorded', JSON.stringify(a));
    assert.match(a.message, /not recorded.*try again/);
  }
  // Each member whose ballot was not acknowledged retries until it is.
  const final = [...heard];
  await Promise.all(sockets.map(async (ws, i) => {
    for (let t = 0; final[i]?.type !== 'vote.recorded'; t++) {
      assert.ok(t < 100, `member ${i} could not vote`);
      if (t > 0) await sleep(300);
      final[i] = await castWs(ws, poll.id, choiceOf(i), keys[i]);
    }
  }));
  heard.forEach((a, i) => {
    if (a?.type === 'vote.recorded') assert.deepEqual(final[i].receipt, a.receipt);
  });
  const rows = rowsOf(`SELECT user_id, count(*) FROM poll_ballots WHERE poll_id = ${poll.id} GROUP BY user_id`);
  assert.equal(rows.length, N);
  assert.ok(rows.every(([, n]) => n === '1'));
  const close = await chair().post(`${polls()}/${poll.id}/close`, {});
  assert.equal(close.status, 200, close.text);
  assert.equal(close.data.poll.cast, N);
  const verify = await chair().get(`/api/v1/meetings/${body.meeting}/votes/verify`);
  assert.equal(verify.data.verified, true, JSON.stringify(verify.data));
  for (const ws of sockets) ws.terminate();
});
