// Benchmark (prints figures, never fails on them): 200 tablets fetch a 50 MB agenda packet at
// once from phonghop, and the same file from nginx (Debian's package, a private configuration on
// 127.0.0.1) on the same machine in the same run. For each: aggregate throughput, p50/p90/p99
// time for a tablet to have the whole file, and for phonghop its resident memory before and at
// its peak during the fetches (sampled every 20 ms from /proc).
//
//   PHONGHOP_TEST_BUILD_DIR=build node tests/bench/documents-download.mjs [CLIENTS] [MB] [ROUNDS]
//
// phonghop serves the document through its API as a member would (session cookie, access check
// and read receipt in a database job per request); nginx serves the file from the document store
// directly. Both answer plain HTTP/1.1 on loopback; the load client is bench-fetch (one thread,
// epoll) for both.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, buildDir, freePort, tmpDir, rmrf, sleep } from '../common/harness.mjs';

const CLIENTS = Number(process.argv[2] || 200);
const MB = Number(process.argv[3] || 50);
const ROUNDS = Number(process.argv[4] || 3);
const fetcher = path.join(buildDir, 'tests', 'bench', 'bench-fetch');

function nginxBinary() {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (fs.existsSync(p)) return p;
  throw new Error('nginx is not installed (deploy/install-deps installs it)');
}

function rssOf(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(s.match(/VmRSS:\s+(\d+)/)[1]) * 1024;
}

function run(port, target, cookie) {
  const args = ['127.0.0.1', String(port), target, String(CLIENTS)];
  if (cookie) args.push(cookie);
  const r = spawnSync(fetcher, args, { encoding: 'utf8', timeout: 600000 });
  if (!r.stdout) throw new Error(`bench-fetch: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// Runs fn while sampling pid's RSS; returns [result, peak RSS].
async function sampled(pid, fn) {
  let peak = rssOf(pid);
  const timer = setInterval(() => { try { peak = Math.max(peak, rssOf(pid)); } catch { /* gone */ } }, 20);
  try {
    const result = await new Promise((resolve, reject) => setImmediate(() => { try { resolve(fn()); } catch (e) { reject(e); } }));
    return [result, peak];
  } finally {
    clearInterval(timer);
  }
}

const pg = new Postgres();
let server, nginx, nginxDir;
try {
  server = await Server.start({
    db: pg.createDatabase(),
    config: { server: { profile: 'isolated' }, documents: { max_upload_bytes: (MB + 1) * 1048576 }, log: { level: 'message' } },
  });
  const sec = server.client();
  await sec.login('vanphong');
  const bodies = (await sec.get('/api/v1/bodies')).data.bodies;
  const council = bodies.find((b) => b.level === 'province' && b.kind === 'council').id;
  const meeting = (await sec.get(`/api/v1/bodies/${council}/meetings`)).data.meetings[0].id;
  const packet = Buffer.concat([Buffer.from('%PDF-1.7\n'), crypto.randomBytes(MB * 1048576 - 9)]);
  const rssIdle = rssOf(server.proc.pid);
  const up = await sec.request('POST', `/api/v1/meetings/${meeting}/documents?name=tap-tai-lieu.pdf`,
    { body: packet, headers: { 'content-type': 'application/pdf' } });
  if (up.status !== 201) throw new Error(`upload: ${up.status} ${up.text}`);
  const doc = up.data.document;
  const rel = await sec.post(`/api/v1/documents/${doc.id}/release`, {});
  if (rel.status !== 200) throw new Error(`release: ${rel.text}`);
  const member = server.client();
  await member.login('daibieu03');
  const hex = doc.versions[0].sha256;

  nginxDir = tmpDir('phonghop-nginx-');
  const nginxPort = await freePort();
  const conf = path.join(nginxDir, 'nginx.conf');
  // As root, nginx's workers would drop to an account that cannot read the state directory.
  const user = process.getuid && process.getuid() === 0 ? 'user root root;\n' : '';
  fs.writeFileSync(conf, `${user}worker_processes auto;
pid ${nginxDir}/nginx.pid;
error_log ${nginxDir}/error.log warn;
daemon off;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 60;
  client_body_temp_path ${nginxDir}/body;
  proxy_temp_path ${nginxDir}/proxy;
  fastcgi_temp_path ${nginxDir}/fastcgi;
  uwsgi_temp_path ${nginxDir}/uwsgi;
  scgi_temp_path ${nginxDir}/scgi;
  server {
    listen 127.0.0.1:${nginxPort};
    root ${path.join(server.stateDir, 'documents', 'sha256')};
    default_type application/pdf;
  }
}
`);
  nginx = spawn(nginxBinary(), ['-c', conf, '-p', nginxDir], { stdio: 'ignore' });
  await sleep(500);

  const target = `/api/v1/documents/${doc.id}/content`;
  const nginxTarget = `/${hex.slice(0, 2)}/${hex.slice(2, 4)}/${hex}`;
  // Warm the page cache and both servers once.
  run(server.port, target, member.cookieHeader());
  run(nginxPort, nginxTarget);
  const rssBefore = rssOf(server.proc.pid);

  const results = { phonghop: [], nginx: [] };
  let rssPeak = rssBefore;
  for (let i = 0; i < ROUNDS; i++) {
    const [p, peak] = await sampled(server.proc.pid, () => run(server.port, target, member.cookieHeader()));
    rssPeak = Math.max(rssPeak, peak);
    results.phonghop.push(p);
    results.nginx.push(run(nginxPort, nginxTarget));
  }
  const best = (rs) => rs.reduce((a, b) => (b.mib_per_s > a.mib_per_s ? b : a));
  const median = (rs, k) => rs.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rs.length / 2)];
  const mib = (b) => (b / 1048576).toFixed(1);
  console.log(`${CLIENTS} clients x ${MB} MiB, ${ROUNDS} rounds, ${spawnSync('nproc').stdout.toString().trim()} CPUs, ` +
    `nginx ${spawnSync(nginxBinary(), ['-v'], { encoding: 'utf8' }).stderr.trim().replace('nginx version: ', '')}`);
  for (const [name, rs] of Object.entries(results)) {
    for (const r of rs) console.log(`  ${name.padEnd(8)} ${JSON.stringify(r)}`);
    console.log(`  ${name.padEnd(8)} median: ${median(rs, 'mib_per_s')} MiB/s, p50 ${median(rs, 'p50_ms')} ms, p99 ${median(rs, 'p99_ms')} ms; ` +
      `best ${best(rs).mib_per_s} MiB/s`);
  }
  const ratio = median(results.phonghop, 'mib_per_s') / median(results.nginx, 'mib_per_s');
  console.log(`  phonghop/nginx throughput (medians): ${ratio.toFixed(2)}`);
  console.log(`  phonghop RSS: idle ${mib(rssIdle)} MiB, after the upload ${mib(rssBefore)} MiB, peak during the fetches ${mib(rssPeak)} MiB`);
  const failed = [...results.phonghop, ...results.nginx].reduce((a, r) => a + r.failed, 0);
  if (failed) console.log(`  failed fetches: ${failed}`);
} finally {
  if (nginx) { nginx.kill('SIGQUIT'); await sleep(300); }
  if (nginxDir) rmrf(nginxDir);
  await server?.destroy();
  pg.destroy();
}
