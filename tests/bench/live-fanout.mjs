#!/usr/bin/env node
// Benchmark: 500 live connections following one meeting. Measures the time from an agenda change
// (the chair's POST .../agenda/current) to the last client receiving its event (per change: the
// slowest of the 500), and the server's memory per connection. Prints figures; never passes or
// fails.
//
//   node tests/bench/live-fanout.mjs [--clients 500] [--changes 60] [--runs 5]
//
// Each change is committed the way the server records one (numbered under the meeting row's
// lock, stored, NOTIFY on commit) with the commit time in its payload, so the latency is
// commit -> delivered to the client's socket, end to end through the listener, the fetch and the
// fan-out. Uses PHONGHOP_TEST_BUILD_DIR (default build/).
import crypto from 'node:crypto';
import fs from 'node:fs';
import { Postgres, Server, openSocket, sleep } from '../common/harness.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const CLIENTS = Number(args.clients || 500);
const CHANGES = Number(args.changes || 60);
const RUNS = Number(args.runs || 5);

const rssKb = (pid) => Number(fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]);
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]; };
const median = (xs) => pct(xs, 50);

const pg = new Postgres();
const db = pg.createDatabase();
const server = await Server.start({ db, config: { server: { max_ws_queue_bytes: 4194304 } } });
const pid = server.proc.pid;
const meeting = Number(pg.psql(db.name, 'SELECT min(id) FROM meetings').trim());
const users = pg.psql(db.name, `SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id
  JOIN meetings g ON g.body_id = m.body_id WHERE g.id = ${meeting} AND m.role = 'member' ORDER BY u.id`).trim().split('\n').map(Number);

// Sessions made directly (sign-in's Argon2id would dominate setting up 500 clients).
const tokens = [];
const values = [];
for (let i = 0; i < CLIENTS; i++) {
  const token = crypto.randomBytes(32).toString('base64url');
  const hash = crypto.createHash('sha256').update(token).digest('hex');
  tokens.push(token);
  values.push(`('\\x${hash}', ${users[i % users.length]}, 'x', now() + interval '1 day')`);
}
pg.psql(db.name, `INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at) VALUES ${values.join(',')}`);

const rssBefore = rssKb(pid);
const url = server.url.replace('http', 'ws') + '/ws';
const sockets = [];
const arrivals = new Map(); // seq -> [delivery ms...]
for (let i = 0; i < CLIENTS; i++) {
  const ws = await openSocket(url, { headers: { cookie: `phonghop_session=${tokens[i]}` } });
  await ws.next((m) => m.type === 'welcome');
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type === 'event' && m.kind === 'agenda.current') {
      const list = arrivals.get(m.seq) || [];
      list.push(Date.now());
      arrivals.set(m.seq, list);
    }
  });
  const start = Number(pg.psql(db.name, `SELECT event_seq FROM meetings WHERE id = ${meeting}`).trim());
  ws.sendJson({ type: 'subscribe', meeting_id: meeting, after_seq: start });
  await ws.next((m) => m.type === 'subscribed');
  sockets.push(ws);
}
await sleep(1000);
const rssAfter = rssKb(pid);
const perConnKb = (rssAfter - rssBefore) / CLIENTS;

const chair = server.client();
await chair.login('chutich');
await chair.post(`/api/v1/meetings/${meeting}/open`, {});
const items = (await chair.get(`/api/v1/meetings/${meeting}`)).data.agenda.map((i) => i.id);
const sentAt = new Map(); // item change number -> send time
let changeNo = 0;
const commitChange = async () => {
  const n = changeNo++;
  const t0 = Date.now();
  const r = await chair.post(`/api/v1/meetings/${meeting}/agenda/current`, { item_id: items[n % items.length] });
  if (r.status !== 200) throw new Error(`agenda change refused: ${r.text}`);
  return t0;
};

const runP50 = [], runP99 = [], runMax = [];
for (let run = 0; run < RUNS; run++) {
  arrivals.clear();
  const base = Number(pg.psql(db.name, `SELECT event_seq FROM meetings WHERE id = ${meeting}`).trim());
  const starts = [];
  for (let i = 0; i < CHANGES; i++) {
    starts.push(await commitChange());
    await sleep(50); // a busy sitting: about 15 changes a second
  }
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline && ([...arrivals.values()].filter((l) => l.length === CLIENTS).length < CHANGES)) await sleep(50);
  // Each change is one agenda.current event, numbered in order after base.
  const seqs = [...arrivals.keys()].filter((q) => q > base).sort((a, b) => a - b);
  const latency = new Map(seqs.map((q, i) => [q, arrivals.get(q).map((t) => t - starts[i])]));
  arrivals.clear();
  for (const [q, l] of latency) arrivals.set(q, l);
  const lastClient = [...arrivals.values()].map((l) => Math.max(...l));
  const complete = [...arrivals.values()].filter((l) => l.length === CLIENTS).length;
  runP50.push(pct(lastClient, 50)); runP99.push(pct(lastClient, 99)); runMax.push(Math.max(...lastClient));
  console.log(`run ${run + 1}: ${complete}/${CHANGES} changes reached all ${CLIENTS} clients; ` +
    `change -> last client: p50 ${pct(lastClient, 50)} ms, p99 ${pct(lastClient, 99)} ms, max ${Math.max(...lastClient)} ms`);
}
console.log(`\nclients ${CLIENTS}, changes per run ${CHANGES}, runs ${RUNS}`);
console.log(`agenda change -> last of ${CLIENTS} clients, median of runs: p50 ${median(runP50)} ms, p99 ${median(runP99)} ms, max ${median(runMax)} ms`);
console.log(`server RSS ${rssBefore} KB before, ${rssAfter} KB with ${CLIENTS} subscribed connections: ${perConnKb.toFixed(1)} KB per connection`);
for (const ws of sockets) ws.terminate();
await server.destroy();
pg.destroy();
