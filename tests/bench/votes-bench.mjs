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
//                                    [--server-cpus 0 --client-cpus 1]
//
// With --server-cpus and --client-cpus (taskset CPU lists), phonghop and PostgreSQL run on the
// first CPUs and the clients (this Node.js process, which plays every member, and pgbench) on the
// others, so that the clients' CPU does not come out of the server's.
//
// Uses PHONGHOP_TEST_BUILD_DIR (default build/).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, pgBindir, sleep } from '../common/harness.mjs';
import { sql1, makeSessions, sessionClient, sessionSocket, makeBody, checkIn, newKey, castWs, pct } from '../common/votes-fixture.mjs';

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
const server = await Server.start({ db, config: { database: { connections: 4 } } });
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

console.log(`phonghop pid ${server.proc.pid}`);
console.log(`load average at the start: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
const results = [];
measureFloor();
for (const n of SIZES) {
  const body = makeBody(pg, db, { name: `Hội đồng đo ${n}`, prefix: `b${n}x`, members: n });
  const sessions = makeSessions(pg, db, body.memberIds);
  checkIn(pg, db, body.meeting, body.memberIds);
  const chair = sessionClient(server, sessions[0]);
  const sockets = [];
  for (const s of sessions) sockets.push(await sessionSocket(server, s));
  // Every client follows the meeting, so the result has somewhere to go.
  const start = Number(sql1(pg, db, `SELECT event_seq FROM meetings WHERE id = ${body.meeting}`));
  for (const ws of sockets) ws.sendJson({ type: 'subscribe', meeting_id: body.meeting, after_seq: start });
  await Promise.all(sockets.map((ws) => ws.next((m) => m.type === 'subscribed', 30000)));
  const arrivals = new Map(); // poll id -> [ms]
  const lastKind = sockets.map(() => null);
  const closedSeen = sockets.map(() => new Set());
  sockets.forEach((ws, i) => ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    lastKind[i] = `${m.type}:${m.kind || m.code || ''}`;
    if (m.type === 'event' && m.kind === 'vote.closed') {
      closedSeen[i].add(m.payload.poll_id);
      const list = arrivals.get(m.payload.poll_id) || [];
      list.push(performance.now());
      arrivals.set(m.payload.poll_id, list);
    }
  }));
  sockets.forEach((ws, i) => ws.on('close', (code) => console.log(`  client ${i} closed (${code}); its last message: ${lastKind[i]}`)));
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
      const client0 = process.cpuUsage();
      const lat = [];
      const t0 = performance.now();
      const answers = await Promise.all(sockets.map(async (ws, i) => {
        if (spreadMs) await sleep((i / n) * spreadMs);
        const s = performance.now();
        const a = await castWs(ws, c.data.poll.id, i % 3 ? 'for' : 'against', newKey(), 60000);
        lat.push(performance.now() - s);
        return a;
      }));
      const wall = performance.now() - t0;
      const cpu = cpuMs(server.proc.pid) - cpu0;
      const pgCpu = pgCpuMs() - pg0;
      const clientUse = process.cpuUsage(client0);
      const clientCpu = (clientUse.user + clientUse.system) / 1000;
      const failed = answers.filter((a) => a.type !== 'vote.recorded').length;
      if (failed) console.log(`  ${failed} ballots not recorded: ${JSON.stringify(answers.find((a) => a.type !== 'vote.recorded'))}`);
      await sleep(300);
      const tc = performance.now();
      const closed = await chair.post(`${base}/${c.data.poll.id}/close`, {});
      const committed = performance.now();
      const deadline = Date.now() + 10000;
      while (Date.now() < deadline && (arrivals.get(c.data.poll.id) || []).length < n) await sleep(5);
      const got = (arrivals.get(c.data.poll.id) || []).map((t) => t - tc);
      if (got.length < n) {
        const missing = sockets.map((_, i) => i).filter((i) => !closedSeen[i].has(c.data.poll.id));
        console.log(`  the result did not reach clients ${missing.slice(0, 5).join(', ')}; their last messages: ${missing.slice(0, 5).map((i) => lastKind[i]).join(', ')}`);
      }
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
      per.commitToLast.push(Math.max(...got) - (committed - tc));
      console.log(`${form}${spreadMs ? ' within 1 s' : ''} ${n} run ${run + 1}: ${(n / (wall / 1000)).toFixed(0)} ballots/s, cast -> recorded p50 ${pct(lat, 50).toFixed(1)} ms ` +
        `p99 ${pct(lat, 99).toFixed(1)} ms; CPU per ballot: server ${((cpu * 1000) / n).toFixed(0)} us, PostgreSQL ${((pgCpu * 1000) / n).toFixed(0)} us, this client ${((clientCpu * 1000) / n).toFixed(0)} us; close -> result at ${got.length}/${n} clients ` +
        `p50 ${pct(got, 50).toFixed(1)} ms p99 ${pct(got, 99).toFixed(1)} ms (close answered after ${(committed - tc).toFixed(1)} ms; ${closed.status})`);
    }
    results.push({ form: spreadMs ? `${form}, within 1 s` : `${form}, at once`, n, ...Object.fromEntries(Object.entries(per).map(([k, v]) => [k, median(v)])) });
  }
  for (const ws of sockets) ws.terminate();
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
await server.destroy();
pg.destroy();
