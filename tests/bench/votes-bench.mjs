#!/usr/bin/env node
// Benchmark: members voting at once over real WebSocket connections, with durable commits (a
// cluster of its own with fsync and synchronous_commit on). For 100, 500 and 1,000 members:
// ballots per second (all members, first cast sent to last "recorded" received) and the latency
// of each ballot from cast to "recorded"; then the time from the chair's close to the result
// reaching every connected client. Beside it, in the same run and on the same cluster, pgbench
// committing single-row inserts: the physical floor of a durable commit on this machine. Prints
// figures; never passes or fails.
//
//   node tests/bench/votes-bench.mjs [--members 100,500,1000] [--runs 5] [--pgbench-seconds 5]
//                                    [--server-cpus 0 --client-cpus 1] [--with-program]
//                                    [--client c|node]
//
// With --server-cpus and --client-cpus (taskset CPU lists), phonghop and PostgreSQL run on the
// first CPUs and the clients (this Node.js process, which plays every member, and pgbench) on the
// others, so that the clients' CPU does not come out of the server's.
//
// Uses PHONGHOP_TEST_BUILD_DIR (default build/). With BENCH_LOG_DEBUG=1 and
// G_MESSAGES_DEBUG=phonghop-votes the server's line for each ballot batch (its size and time) is
// printed at the end.
import { execFileSync, spawn } from 'node:child_process';
import readline from 'node:readline';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, buildDir, pgBindir, sleep } from '../common/harness.mjs';
import { sql1, makeSessions, sessionClient, sessionSocket, makeBody, checkIn, newKey, pct } from '../common/votes-fixture.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => (v.startsWith('--') ? [...a, [v.slice(2), all[i + 1]]] : a), []));
const SIZES = String(args.members || '100,500,1000').split(',').map(Number);
const RUNS = Number(args.runs || 5);
const PGBENCH_S = Number(args['pgbench-seconds'] || 5);
const SERVER_CPUS = args['server-cpus'];
const CLIENT_CPUS = args['client-cpus'];
// Pins a process and all its threads to a CPU list.
const pin = (pid, cpus) => execFileSync('taskset', ['-a', '-p', '-c', String(cpus), String(pid)], { stdio: 'ignore' });
const median = (xs) => pct(xs, 50);
const isRoot = process.getuid && process.getuid() === 0;

// The harness's cluster turns fsync off to make tests fast; a benchmark of durable commits
// needs it on (and synchronous_commit on, PostgreSQL's default).
class DurablePostgres extends Postgres {
  start() {
    const cmd = [path.join(this.bin, 'pg_ctl'), '-D', this.data, '-w', '-t', '60', '-l', path.join(this.dir, 'log'),
      '-o', `-c listen_addresses='' -c unix_socket_directories='${this.sock}' -c fsync=on -c synchronous_commit=on -c max_connections=200`, 'start'];
    execFileSync(isRoot ? 'runuser' : cmd[0], isRoot ? ['-u', 'phonghop', '--', ...cmd] : cmd.slice(1), { stdio: 'ignore' });
  }
}

const pg = new DurablePostgres();
const db = pg.createDatabase();
// The live stream and the archive's composite are off ([media] live_height = 0, record_meetings =
// false): every open meeting would otherwise be composited and encoded (x264) on the same two
// cores while the ballots are measured; they have a section of their own in docs/benchmarks.md.
// --with-program keeps them on.
const WITH_PROGRAM = process.argv.includes('--with-program');
const CLIENT = args.client === 'node' ? 'node' : 'c';
const server = await Server.start({ db, config: { database: { connections: 4 }, ...(process.env.BENCH_LOG_DEBUG ? { log: { level: "debug" } } : {}), ...(WITH_PROGRAM ? {} : { media: { live_height: 0, record_meetings: false } }) } });
// CPU time (utime + stime, 100 ticks a second) of a process, and of the cluster's processes.
const statOf = (pid) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
const cpuMs = (pid) => { const f = statOf(pid); return ((Number(f[11]) + Number(f[12])) * 1000) / 100; };
const postmaster = Number(fs.readFileSync(path.join(pg.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
if (SERVER_CPUS !== undefined) {
  // phonghop, the postmaster and the backends it has already started (later ones inherit).
  pin(server.proc.pid, SERVER_CPUS);
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (Number(d) === postmaster || Number(statOf(d)[1]) === postmaster) pin(d, SERVER_CPUS);
    } catch { /* gone */ }
  }
}
if (CLIENT_CPUS !== undefined) pin(process.pid, CLIENT_CPUS);
const pgCpuMs = () => {
  let sum = 0;
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = statOf(d);
      if (Number(d) === postmaster || Number(f[1]) === postmaster) sum += ((Number(f[11]) + Number(f[12])) * 1000) / 100;
    } catch { /* gone */ }
  }
  return sum;
};

// pgbench: single-row inserts, each its own transaction, committed durably.
const benchDb = pg.createDatabase();
pg.psql(benchDb.name, 'CREATE TABLE ballots_floor (id bigserial PRIMARY KEY, v integer NOT NULL)');
const script = path.join(pg.dir, 'insert.sql');
fs.writeFileSync(script, 'INSERT INTO ballots_floor (v) VALUES (1);\n');
fs.chmodSync(script, 0o644);
function pgbench(clients) {
  const cmd = [...(CLIENT_CPUS !== undefined ? ['taskset', '-c', String(CLIENT_CPUS)] : []), path.join(pgBindir(), 'pgbench'), '-h', pg.sock, '-U', 'phonghop', '-n', '-M', 'prepared', '-f', script,
    '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(PGBENCH_S), benchDb.name];
  const out = execFileSync(isRoot ? 'runuser' : cmd[0], isRoot ? ['-u', 'phonghop', '--', ...cmd] : cmd.slice(1)).toString();
  return Number(out.match(/tps = ([\d.]+)/)[1]);
}
const floor = { 1: [], 16: [], 64: [] };
const measureFloor = () => { for (const c of Object.keys(floor)) floor[c].push(pgbench(Number(c))); };

// The members: N WebSocket connections, each signed in with a member's session and following the
// meeting. By default they are played by votes-client (C, one thread, epoll), which spends a few
// microseconds per ballot; with --client node, by this Node.js process (the ws package), which
// spent 30-100 us per ballot on the same two cores as phonghop and PostgreSQL: pgbench, the
// reference, is a C client too. Both give { cast(poll, spreadMs) -> { lat (ms), wall (ms),
// failed }, closed(poll, close) -> { got (ms from the close to each member's vote.closed),
// closeMs, status }, cpuMs(), stop() }.
async function nodeMembers(sessions, meeting, after) {
  const sockets = [];
  for (const s of sessions) sockets.push(await sessionSocket(server, s));
  for (const ws of sockets) ws.sendJson({ type: 'subscribe', meeting_id: meeting, after_seq: after });
  await Promise.all(sockets.map((ws) => ws.next((m) => m.type === 'subscribed', 30000)));
  const arrivals = new Map(); // poll id -> [ms]
  // From here each message is parsed once: the harness's own listener (which keeps every message
  // for next()) is removed, and a ballot's answer is found by its id.
  const answers = new Map(); // message id -> resolve
  let stopping = false;
  sockets.forEach((ws) => {
    ws.removeAllListeners('message');
    ws.on('message', (d) => {
      const m = JSON.parse(d);
      const ref = m.type === 'vote.recorded' ? m.id : m.type === 'error' ? m.ref : undefined;
      if (ref !== undefined) {
        const done = answers.get(ref);
        if (done) { answers.delete(ref); done(m); }
      } else if (m.type === 'event' && m.kind === 'vote.closed') {
        const list = arrivals.get(m.payload.poll_id) || [];
        list.push(performance.now());
        arrivals.set(m.payload.poll_id, list);
      }
    });
    ws.on('close', (code) => { if (!stopping) console.log(`  a member's connection closed (${code})`); });
  });
  let count = 0;
  const castOne = (ws, pollId, choice) => new Promise((resolve) => {
    const id = `b${++count}`;
    const timer = setTimeout(() => { answers.delete(id); resolve({ type: 'timeout' }); }, 60000);
    answers.set(id, (m) => { clearTimeout(timer); resolve(m); });
    ws.send(`{"type":"vote.cast","id":"${id}","poll_id":${pollId},"choice":"${choice}","idempotency_key":"${newKey()}"}`);
  });
  return {
    async cast(pollId, spreadMs) {
      const lat = [];
      const t0 = performance.now();
      const got = await Promise.all(sockets.map(async (ws, i) => {
        if (spreadMs) await sleep((i / sockets.length) * spreadMs);
        const s = performance.now();
        const a = await castOne(ws, pollId, i % 3 ? 'for' : 'against');
        if (a.type === 'vote.recorded') lat.push(performance.now() - s);
        return a;
      }));
      return { lat, wall: performance.now() - t0, failed: got.filter((a) => a.type !== 'vote.recorded').length };
    },
    async closed(pollId, close) {
      const tc = performance.now();
      const r = await close();
      const closeMs = performance.now() - tc;
      const deadline = Date.now() + 10000;
      while (Date.now() < deadline && (arrivals.get(pollId) || []).length < sockets.length) await sleep(5);
      return { got: (arrivals.get(pollId) || []).map((t) => t - tc), closeMs, status: r.status };
    },
    cpuMs() { const u = process.cpuUsage(); return (u.user + u.system) / 1000; },
    stop() { stopping = true; for (const ws of sockets) ws.terminate(); },
  };
}

async function cMembers(sessions, meeting, after) {
  const url = new URL(server.url);
  const proc = spawn(path.join(buildDir, 'tests', 'bench', 'votes-client'), [url.hostname, url.port, String(meeting), String(after)],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  if (CLIENT_CPUS !== undefined) pin(proc.pid, CLIENT_CPUS);
  const lines = readline.createInterface({ input: proc.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  const nextLine = (timeoutMs) => new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('votes-client did not answer')), timeoutMs);
    waiting.push((l) => { clearTimeout(t); resolve(l); });
  });
  proc.stdin.write(sessions.map((s) => s.token).join('\n') + '\nend\n');
  const ready = await nextLine(120000);
  if (ready !== 'ready') throw new Error(`votes-client: ${ready}`);
  return {
    async cast(pollId, spreadMs) {
      proc.stdin.write(`cast ${pollId} ${spreadMs}\n`);
      const r = JSON.parse(await nextLine(90000));
      return { lat: r.latency_us.map((us) => us / 1000), wall: r.wall_us / 1000, failed: r.failed };
    },
    async closed(pollId, close) {
      // The client listens before the close goes, so each arrival is read as it comes.
      const answer = nextLine(30000);
      proc.stdin.write(`closed ${pollId}\n`);
      await sleep(20);
      const tc = process.hrtime.bigint();
      const r = await close();
      const closeMs = Number(process.hrtime.bigint() - tc) / 1e6;
      const got = JSON.parse(await answer).at_ns.map((ns) => Number(BigInt(ns) - tc) / 1e6);
      return { got, closeMs, status: r.status };
    },
    cpuMs() { return cpuMs(proc.pid); },
    stop() { proc.stdin.end('quit\n'); },
  };
}

console.log(`phonghop pid ${server.proc.pid}`);
console.log(`load average at the start: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
const results = [];
measureFloor();
for (const n of SIZES) {
  const body = makeBody(pg, db, { name: `Hội đồng đo ${n}`, prefix: `b${n}x`, members: n });
  const sessions = makeSessions(pg, db, body.memberIds);
  checkIn(pg, db, body.meeting, body.memberIds);
  const chair = sessionClient(server, sessions[0]);
  // Every member follows the meeting, so the result has somewhere to go.
  const start = Number(sql1(pg, db, `SELECT event_seq FROM meetings WHERE id = ${body.meeting}`));
  const members = CLIENT === 'node' ? await nodeMembers(sessions, body.meeting, start) : await cMembers(sessions, body.meeting, start);
  const base = `/api/v1/meetings/${body.meeting}/polls`;
  // At once: every member sends in the same few milliseconds; within 1 s: spread evenly over one
  // second (the "500 members cast within one second").
  for (const [form, spreadMs] of [['named', 0], ['secret', 0], ['named', 1000]]) {
    const per = { rate: [], p50: [], p99: [], max: [], cpu: [], pgCpu: [], clientCpu: [], closeP50: [], closeP99: [], closeMax: [], commitToLast: [] };
    for (let run = 0; run < RUNS; run++) {
      const c = await chair.post(base, { title: `Đo ${form} ${n} lần ${run + 1}`, subject: 'motion', form });
      await chair.post(`${base}/${c.data.poll.id}/open`, {});
      await sleep(300);
      const cpu0 = cpuMs(server.proc.pid);
      const pg0 = pgCpuMs();
      const client0 = members.cpuMs();
      const { lat, wall, failed } = await members.cast(c.data.poll.id, spreadMs);
      const cpu = cpuMs(server.proc.pid) - cpu0;
      const pgCpu = pgCpuMs() - pg0;
      const clientCpu = members.cpuMs() - client0;
      if (failed) console.log(`  ${failed} ballots not recorded`);
      await sleep(300);
      const { got, closeMs, status } = await members.closed(c.data.poll.id, () => chair.post(`${base}/${c.data.poll.id}/close`, {}));
      if (got.length < n) console.log(`  the result reached only ${got.length} of ${n} members`);
      per.rate.push(n / (wall / 1000));
      per.p50.push(pct(lat, 50));
      per.p99.push(pct(lat, 99));
      per.max.push(Math.max(...lat));
      per.cpu.push((cpu * 1000) / n);
      per.pgCpu.push((pgCpu * 1000) / n);
      per.clientCpu.push((clientCpu * 1000) / n);
      per.closeP50.push(pct(got, 50));
      per.closeP99.push(pct(got, 99));
      per.closeMax.push(Math.max(...got));
      per.commitToLast.push(Math.max(...got) - closeMs);
      console.log(`${form}${spreadMs ? ' within 1 s' : ''} ${n} run ${run + 1}: ${(n / (wall / 1000)).toFixed(0)} ballots/s, cast -> recorded p50 ${pct(lat, 50).toFixed(1)} ms ` +
        `p99 ${pct(lat, 99).toFixed(1)} ms; CPU per ballot: server ${((cpu * 1000) / n).toFixed(0)} us, PostgreSQL ${((pgCpu * 1000) / n).toFixed(0)} us, the members ${((clientCpu * 1000) / n).toFixed(0)} us; close -> result at ${got.length}/${n} clients ` +
        `p50 ${pct(got, 50).toFixed(1)} ms p99 ${pct(got, 99).toFixed(1)} ms (close answered after ${closeMs.toFixed(1)} ms; ${status})`);
    }
    results.push({ form: spreadMs ? `${form}, within 1 s` : `${form}, at once`, n, ...Object.fromEntries(Object.entries(per).map(([k, v]) => [k, median(v)])) });
  }
  members.stop();
  measureFloor();
}

const best = Math.max(...Object.values(floor).map(median));
if (SERVER_CPUS !== undefined || CLIENT_CPUS !== undefined) console.log(`\nphonghop and PostgreSQL on CPUs ${SERVER_CPUS ?? 'any'}, the clients and pgbench on CPUs ${CLIENT_CPUS ?? 'any'}`);
console.log(`\nload average at the end: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; runs per figure: ${RUNS} (medians)`);
console.log(`pgbench, one-row INSERT per transaction, durable (median of ${floor[1].length} measurements of ${PGBENCH_S} s): ` +
  Object.entries(floor).map(([c, v]) => `${c} clients ${median(v).toFixed(0)} tps`).join(', '));
console.log('| form | members | ballots/s | ratio to pgbench best | cast->recorded p50 | p99 | max | CPU per ballot: server / PostgreSQL / clients | close->result p50 | p99 | max (all clients) |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of results) {
  const spread = r.form.endsWith('within 1 s');
  console.log(`| ${r.form} | ${r.n} | ${spread ? '(paced)' : r.rate.toFixed(0)} | ${spread ? '' : (r.rate / best).toFixed(2)} | ${r.p50.toFixed(1)} ms | ${r.p99.toFixed(1)} ms | ${r.max.toFixed(1)} ms | ` +
    `${r.cpu.toFixed(0)} / ${r.pgCpu.toFixed(0)} / ${r.clientCpu.toFixed(0)} us | ${r.closeP50.toFixed(1)} ms | ${r.closeP99.toFixed(1)} ms | ${r.closeMax.toFixed(1)} ms |`);
}
// BENCH_LOG_DEBUG=1: the server logs at debug level, and its lines on ballot batches are shown.
if (process.env.BENCH_LOG_DEBUG) console.log(server.log.split('\n').filter((l) => /batch of/.test(l)).join('\n'));
await server.destroy();
pg.destroy();
