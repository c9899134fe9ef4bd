// After a secret ballot nothing stored links a member to a choice: the test knows every member's
// choice, then reads every table of the database (live and dead tuple versions, through
// pageinspect, with their transaction ids and order), every stored event and journal entry, the
// server's log (at debug level) and PostgreSQL's log, and finds no link.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, sleep } from '../common/harness.mjs';
import { sql1, makeSessions, sessionClient, sessionSocket, makeBody, checkIn, newKey, castWs } from '../common/votes-fixture.mjs';

const N = 30;
let pg, db, server, body, sessions, sockets;

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db, config: { log: { level: 'debug' } }, env: { G_MESSAGES_DEBUG: 'all' } });
  body = makeBody(pg, db, { name: 'Hội đồng nhân dân thử bỏ phiếu kín', prefix: 'kin', members: N });
  sessions = makeSessions(pg, db, body.memberIds);
  checkIn(pg, db, body.meeting, body.memberIds);
  sockets = [];
  for (const s of sessions) sockets.push(await sessionSocket(server, s));
});

after(async () => {
  for (const ws of sockets || []) ws.terminate();
  await server?.destroy();
  pg?.destroy();
});

const rows = (sql) => sql1(pg, db, sql).split('\n').filter(Boolean).map((l) => l.split('|'));

test('after a secret ballot no table, tuple version, event, journal entry or log line links a member to a choice', async () => {
  const chair = sessionClient(server, sessions[0]);
  const base = `/api/v1/meetings/${body.meeting}/polls`;
  const motion = (await chair.post(base, { title: 'Bỏ phiếu kín miễn nhiệm', subject: 'motion', form: 'secret' })).data.poll;
  const election = (await chair.post(base, { title: 'Bầu Ủy viên', subject: 'election', form: 'secret', seats: 2, candidates: [{ name: 'Ứng viên Một' }, { name: 'Ứng viên Hai' }, { name: 'Ứng viên Ba' }] })).data.poll;
  const confidence = (await chair.post(base, { title: 'Lấy phiếu tín nhiệm', subject: 'confidence', form: 'secret', officials: [{ name: 'Quan chức Một' }] })).data.poll;
  for (const p of [motion, election, confidence]) assert.equal((await chair.post(`${base}/${p.id}/open`, {})).status, 200);

  // Known choices, uneven so that counts alone identify nobody.
  const motionChoice = (i) => ['for', 'for', 'against', 'abstain', 'for'][i % 5];
  const electionChoice = (i) => [[1, 2], [2, 3], [1], [3, 1]][i % 4];
  const confidenceChoice = (i) => ({ 1: ['high', 'medium', 'low'][i % 3] });
  // The first ten vote one by one, each alone in its transaction (the hardest case); the
  // others all at once.
  for (let i = 0; i < 10; i++) {
    assert.equal((await castWs(sockets[i], motion.id, motionChoice(i), newKey())).type, 'vote.recorded');
    assert.equal((await castWs(sockets[i], election.id, electionChoice(i), newKey())).type, 'vote.recorded');
    assert.equal((await castWs(sockets[i], confidence.id, confidenceChoice(i), newKey())).type, 'vote.recorded');
  }
  const rest = await Promise.all(sockets.slice(10).flatMap((ws, k) => [
    castWs(ws, motion.id, motionChoice(k + 10), newKey()),
    castWs(ws, election.id, electionChoice(k + 10), newKey()),
    castWs(ws, confidence.id, confidenceChoice(k + 10), newKey()),
  ]));
  assert.ok(rest.every((a) => a.type === 'vote.recorded'), JSON.stringify(rest.find((a) => a.type !== 'vote.recorded')));

  // The voters' transactions, while the poll is open (what a live superuser could see).
  const voterXids = new Set(rows(`SELECT xmin FROM poll_voters WHERE poll_id IN (${motion.id}, ${election.id}, ${confidence.id})`).map(([x]) => x));
  assert.ok(voterXids.size >= 11, 'one-by-one votes ran in transactions of their own');

  pg.psql(db.name, 'CREATE EXTENSION IF NOT EXISTS pageinspect');
  const choiceWords = ['against', 'abstain', 'approve', 'medium', 'no_confidence', 'high', 'low', '"choice"'];
  const xids = `'{${[...voterXids].join(',')}}'::text[]`;
  const pages = `pg_class c, generate_series(0, pg_relation_size(c.oid) / current_setting('block_size')::int - 1) b,
    LATERAL heap_page_items(get_raw_page(c.oid::regclass::text, b::int)) t
    WHERE c.relkind IN ('r', 't', 'm') AND t.lp_flags = 1`;
  const voterTuples = () => rows(`SELECT c.relname, count(*), ${choiceWords.map((w) => `count(*) FILTER (WHERE position(convert_to('${w}', 'UTF8') IN t.t_data) > 0)`).join(', ')}
    FROM ${pages} AND (t.t_xmin::text = ANY (${xids}) OR t.t_xmax::text = ANY (${xids})) GROUP BY c.relname ORDER BY c.relname`);
  // The scan can see a link: while the polls are open, the counter tables hold versions written
  // by the voters' transactions (the documented limit: a superuser watching during the poll).
  const open = voterTuples().filter(([r]) => r.startsWith('poll_'));
  assert.ok(open.some(([r, , against]) => /^poll_\d+$/.test(r) && Number(against) > 0), JSON.stringify(open));

  for (const p of [motion, election, confidence]) {
    const r = await chair.post(`${base}/${p.id}/close`, {});
    assert.equal(r.status, 200, r.text);
  }
  await sleep(300); // let the last live events and log lines land

  // 1. The counters are gone: no relation is left in the secret schema, none named after a poll.
  assert.equal(sql1(pg, db, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'phonghop_secret'`), '0');

  // 2. Every tuple of every relation of the database, live or dead, with its transaction ids.
  const scanned = Number(sql1(pg, db, `SELECT count(*) FROM ${pages}`));
  assert.ok(scanned > 1000, `scanned ${scanned} tuples`);
  const found = voterTuples();
  for (const [relname, , ...hits] of found)
    hits.forEach((h, k) => assert.equal(h, '0', `${relname}: a tuple version written by a voter's transaction holds ${choiceWords[k]}`));
  // Only these hold anything a voter's transaction wrote or locked (the roster row is locked by
  // the reference from poll_voters; the meeting row numbers the journal), and none holds a choice.
  const allowed = ['meeting_journal', 'meetings', 'poll_roster', 'poll_voters'];
  for (const [relname] of found) assert.ok(allowed.includes(relname), `${relname} holds a tuple of a voter's transaction`);
  assert.ok(found.some(([r]) => r === 'poll_voters'), 'the scan sees the voters');

  // 3. The totals were written by the closing transaction, in a fixed order.
  for (const p of [motion, election, confidence]) {
    const closer = sql1(pg, db, `SELECT xmin FROM polls WHERE id = ${p.id}`);
    const tallies = rows(`SELECT xmin, row_position, choice FROM poll_tallies WHERE poll_id = ${p.id} ORDER BY ctid`);
    assert.ok(tallies.length > 0);
    for (const [xmin] of tallies) {
      assert.equal(xmin, closer);
      assert.ok(!voterXids.has(xmin));
    }
  }
  const motionTotals = Object.fromEntries(rows(`SELECT choice, count FROM poll_tallies WHERE poll_id = ${motion.id} AND row_position = 0`));
  const want = { for: 0, against: 0, abstain: 0 };
  for (let i = 0; i < N; i++) want[motionChoice(i)]++;
  assert.deepEqual([motionTotals.for, motionTotals.against, motionTotals.abstain].map(Number), [want.for, want.against, want.abstain]);

  // 4. Stored events and journal entries: counts and participation, never a choice of a member.
  for (const [kind, payload] of rows(`SELECT kind, payload::text FROM meeting_events WHERE meeting_id = ${body.meeting} AND kind LIKE 'vote.%'`)) {
    if (kind === 'vote.count') assert.deepEqual(Object.keys(JSON.parse(payload)).sort(), ['cast', 'poll_id', 'roster']);
    assert.ok(!/user:|"user_id"/.test(payload) || kind === 'vote.created' || kind === 'vote.opened', `${kind} names a user`);
  }
  for (const [entry] of rows(`SELECT entry FROM meeting_journal WHERE meeting_id = ${body.meeting} AND kind = 'vote.secret_ballot'`)) {
    assert.deepEqual(Object.keys(JSON.parse(entry).payload), ['poll_id']);
  }
  assert.equal(sql1(pg, db, `SELECT count(*) FROM poll_ballots WHERE poll_id IN (${motion.id}, ${election.id}, ${confidence.id})`), '0');

  // 5. Logs: the server's (debug level) and PostgreSQL's.
  const logs = [['server', server.log], ['postgresql', fs.readFileSync(path.join(pg.dir, 'log'), 'utf8')]];
  const identities = sessions.flatMap((s, i) => [`user:${s.id}`, `kin${String(i + 1).padStart(4, '0')}`, `user ${s.id}`]);
  for (const [name, text] of logs) {
    assert.ok(!/"choice"|choice=/.test(text), `${name} log mentions a choice`);
    for (const line of text.split('\n')) {
      if (!identities.some((id) => line.includes(id))) continue;
      assert.ok(!/\b(for|against|abstain|approve|high|medium|low|no_confidence)\b/.test(line), `${name} log links a member and a choice: ${line}`);
    }
  }
});
