// Test harness: a real PostgreSQL cluster in a temporary directory, the real phonghop binary on a
// free port, and small HTTP/WebSocket clients. Used by tests/integration and tests/e2e.
//
// Environment: PHONGHOP_TEST_BUILD_DIR (the meson build directory; default ../../build).
import { spawn, execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const here = path.dirname(fileURLToPath(import.meta.url));
export const sourceDir = path.resolve(here, '..', '..');
export const buildDir = path.resolve(process.env.PHONGHOP_TEST_BUILD_DIR || path.join(sourceDir, 'build'));
export const phonghopBin = path.join(buildDir, 'server', 'phonghop');
export const adminBin = path.join(buildDir, 'server', 'phonghop-admin');
export const DEMO_PASSWORD = 'phonghop-demo';

const isRoot = process.getuid && process.getuid() === 0;
const dbUser = 'phonghop';

export function pgBindir() {
  const base = '/usr/lib/postgresql';
  const versions = fs.readdirSync(base).filter((v) => /^\d+$/.test(v)).sort((a, b) => b - a);
  return path.join(base, versions[0], 'bin');
}

function asDbUser(cmd, args, opts = {}) {
  const [c, a] = isRoot ? ['runuser', ['-u', dbUser, '--', cmd, ...args]] : [cmd, args];
  return execFileSync(c, a, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
}

export function tmpDir(prefix = 'phonghop-test-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function rmrf(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
}

// A PostgreSQL cluster of its own, Unix socket only.
export class Postgres {
  constructor() {
    this.dir = tmpDir('phonghop-pg-');
    this.data = path.join(this.dir, 'data');
    this.sock = path.join(this.dir, 'sock');
    fs.mkdirSync(this.sock);
    if (isRoot) execFileSync('chown', ['-R', `${dbUser}:`, this.dir]);
    const bin = pgBindir();
    this.bin = bin;
    asDbUser(path.join(bin, 'initdb'), ['-D', this.data, '-U', dbUser, '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
    this.start();
    this.dbCount = 0;
  }
  start() {
    asDbUser(path.join(this.bin, 'pg_ctl'), ['-D', this.data, '-w', '-t', '60', '-l', path.join(this.dir, 'log'),
      '-o', `-c listen_addresses='' -c unix_socket_directories='${this.sock}' -c fsync=off`, 'start']);
  }
  stop(mode = 'fast') {
    asDbUser(path.join(this.bin, 'pg_ctl'), ['-D', this.data, '-w', '-m', mode, 'stop']);
  }
  // Runs SQL through psql and returns its text output.
  psql(db, sql) {
    return asDbUser('psql', ['-h', this.sock, '-U', dbUser, '-d', db, '-v', 'ON_ERROR_STOP=1', '-At', '-c', sql]);
  }
  // A spawned psql session fed from stdin (for holding locks).
  psqlSession(db) {
    const [c, a] = isRoot ? ['runuser', ['-u', dbUser, '--', 'psql', '-h', this.sock, '-U', dbUser, '-d', db, '-v', 'ON_ERROR_STOP=1', '-At']]
      : ['psql', ['-h', this.sock, '-U', dbUser, '-d', db, '-At']];
    return spawn(c, a, { stdio: ['pipe', 'pipe', 'pipe'] });
  }
  createDatabase() {
    const name = `phonghop_test_${process.pid}_${++this.dbCount}`;
    this.psql('postgres', `CREATE DATABASE ${name}`);
    return { name, url: `host=${this.sock} dbname=${name} user=${dbUser}` };
  }
  destroy() {
    try { this.stop('immediate'); } catch { /* already stopped */ }
    rmrf(this.dir);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function iniText(config) {
  let out = '';
  for (const [group, keys] of Object.entries(config)) {
    out += `[${group}]\n`;
    for (const [k, v] of Object.entries(keys)) out += `${k} = ${v}\n`;
  }
  return out;
}

// Runs phonghop-admin with a config; returns { status, stdout, stderr }.
export function admin(configPath, args, opts = {}) {
  const r = spawnSync(adminBin, ['--config', configPath, ...args], { encoding: 'utf8', timeout: 120000, ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A running phonghop. config: { group: { key: value } } merged over the test defaults.
export class Server {
  static async start({ db, config = {}, env = {}, demo = true, stateDir } = {}) {
    const s = new Server();
    s.stateDir = stateDir || tmpDir('phonghop-state-');
    s.port = await freePort();
    const merged = {
      server: { listen: '127.0.0.1', port: s.port, state_dir: s.stateDir, ...(config.server || {}) },
      database: { ...(db ? { url: db.url } : {}), connections: 4, ...(config.database || {}) },
      log: { level: 'info', ...(config.log || {}) },
    };
    for (const [g, keys] of Object.entries(config)) if (!merged[g]) merged[g] = keys;
    s.configPath = path.join(s.stateDir, 'phonghop.conf');
    fs.writeFileSync(s.configPath, iniText(merged));
    s.config = merged;
    if (demo) {
      const r = admin(s.configPath, ['load-demo']);
      if (r.status !== 0) throw new Error(`load-demo failed: ${r.stderr}`);
    }
    await s.spawn(env);
    return s;
  }

  async spawn(env = {}) {
    this.log = '';
    this.proc = spawn(phonghopBin, ['--config', this.configPath], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    const scheme = this.config.tls ? 'https' : 'http';
    this.url = `${scheme}://127.0.0.1:${this.port}`;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`phonghop did not start:\n${this.log}`)), 60000);
      const onData = (d) => {
        this.log += d.toString();
        if (this.log.includes('listening on')) { clearTimeout(timer); resolve(); }
      };
      this.proc.stderr.on('data', onData);
      this.proc.stdout.on('data', (d) => { this.log += d.toString(); });
      this.exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`phonghop exited (${code}):\n${this.log}`)); });
    });
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc || this.proc.exitCode !== null) return this.exited;
    this.proc.kill(signal);
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15000);
    const r = await this.exited;
    clearTimeout(timer);
    freshFetchPool();
    // A clean stop that was not clean: what the server said last (a sanitizer's report, say)
    // goes to the test's log.
    if (signal === 'SIGTERM' && r.code !== 0) process.stderr.write(`phonghop exited with ${JSON.stringify(r)} after SIGTERM; the end of its log:\n${this.log.slice(-12000)}\n`);
    return r;
  }

  async destroy() {
    await this.stop();
    // An embedded cluster stops with the server; make sure after a SIGKILL too.
    const data = path.join(this.stateDir, 'pgdata');
    if (fs.existsSync(path.join(data, 'postmaster.pid'))) {
      try { asDbUser(path.join(pgBindir(), 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']); } catch { /* not running */ }
    }
    rmrf(this.stateDir);
  }

  // fetch with a cookie jar of one session: client = this.client()
  client() {
    return new Client(this.url, this);
  }
}

// How long one request may wait for its answer before the test fails naming it (a server that
// stopped answering would otherwise hold the test until its suite's timeout, saying nothing).
const REQUEST_TIMEOUT_MS = 120000;

// fetch keeps connections alive in one pool shared by every Client. After the server has gone (a
// test stops or kills it), a request sent on one of its pooled connections fails with ECONNRESET,
// and only reads are asked again (below): a POST right after a restart failed that way. So a
// stopped server's connections are left behind: what follows gets a pool of its own, and the old
// one closes once what it still carries is done.
function freshFetchPool() {
  const key = Symbol.for('undici.globalDispatcher.1');
  const old = globalThis[key];
  if (!old) return;
  globalThis[key] = new old.constructor();
  old.close().catch(() => {});
}

export class Client {
  // server, when given, is a Server whose log a request that times out shows.
  constructor(base, server = null) {
    this.base = base;
    this.server = server;
    this.cookies = new Map();
    this.csrf = null;
  }
  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  async request(method, p, { json, body, headers = {}, csrf = true } = {}) {
    const h = { ...headers };
    if (this.cookies.size) h.cookie = this.cookieHeader();
    if (json !== undefined) {
      h['content-type'] = 'application/json';
      body = JSON.stringify(json);
    }
    if (csrf && this.csrf && method !== 'GET' && method !== 'HEAD') h['x-auth-token'] = this.csrf;
    const once = () => fetch(this.base + p, { method, headers: h, body, redirect: 'manual', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const timedOut = (e) => {
      if (e.name !== 'TimeoutError') return e;
      const log = this.server?.log ? `; the end of the server's log:\n${this.server.log.slice(-6000)}` : '';
      return new Error(`${method} ${p}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s${log}`);
    };
    let res;
    try {
      res = await once();
    } catch (e) {
      // A test that kills the server (SIGKILL) leaves fetch's pooled connection to it behind;
      // a read reused on it fails once. Reads are asked again, on a new connection.
      if (method !== 'GET' || !['ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE'].includes(e.cause?.code)) throw timedOut(e);
      res = await once().catch((e2) => { throw timedOut(e2); });
    }
    const setCookies = res.headers.getSetCookie ? res.headers.getSetCookie() : [res.headers.get('set-cookie')].filter(Boolean);
    for (const c of setCookies) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const k = pair.slice(0, i).trim(); const v = pair.slice(i + 1).trim();
      if (v) this.cookies.set(k, v); else this.cookies.delete(k);
    }
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    return { status: res.status, headers: res.headers, text, data, setCookies };
  }
  get(p, o) { return this.request('GET', p, o); }
  post(p, json, o = {}) { return this.request('POST', p, { json, ...o }); }
  async login(username, password = DEMO_PASSWORD) {
    const r = await this.post('/api/v1/auth/login', { username, password });
    if (r.status === 200) this.csrf = r.data.csrf_token;
    return r;
  }
  // A WebSocket to /ws carrying this client's cookie.
  websocket(opts = {}) {
    const url = this.base.replace(/^http/, 'ws') + '/ws';
    const headers = { ...(opts.headers || {}) };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    return openSocket(url, { headers, rejectUnauthorized: false });
  }
}

// Opens a WebSocket and collects its messages; resolves when open.
export function openSocket(url, options) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const inbox = [];
    const waiters = [];
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      inbox.push(msg);
      for (const w of [...waiters]) if (w.pred(msg)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(msg); }
    });
    ws.next = (pred = () => true, timeoutMs = 5000) => {
      const found = inbox.find(pred);
      if (found) { inbox.splice(inbox.indexOf(found), 1); return Promise.resolve(found); }
      return new Promise((res, rej) => {
        const w = { pred, resolve: (m) => { clearTimeout(t); inbox.splice(inbox.indexOf(m), 1); res(m); } };
        const t = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); rej(new Error('timed out waiting for a message')); }, timeoutMs);
        waiters.push(w);
      });
    };
    ws.sendJson = (o) => ws.send(JSON.stringify(o));
    ws.closed = new Promise((res) => ws.on('close', (code, reason) => res({ code, reason: reason.toString() })));
    ws.on('open', () => resolve(ws));
    ws.on('error', reject);
    ws.on('unexpected-response', (req, res) => reject(new Error(`WebSocket refused: HTTP ${res.statusCode}`)));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns truthy or the time runs out.
export async function waitFor(fn, { timeoutMs = 15000, intervalMs = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let last;
  while (Date.now() < end) {
    try { last = await fn(); if (last) return last; } catch (e) { last = e; }
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last && last.message ? last.message : JSON.stringify(last)})`);
}
