// A slow database never freezes the live WebSocket; a database that goes away is reported and
// reconnected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Postgres, Server, sleep, waitFor } from '../common/harness.mjs';

let pg, server, db;

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db });
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
});

test('a slow database does not freeze WebSocket traffic', async () => {
  const c = server.client();
  await c.login('daibieu11');
  const ws = await c.websocket();
  await ws.next((m) => m.type === 'welcome');

  // Another session holds an exclusive lock on sessions for 4 s: every API call that checks a
  // session waits on it, and so do all the pool's workers.
  const locker = pg.psqlSession(db.name);
  locker.stdin.write('BEGIN; LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(4); COMMIT;\n');
  locker.stdin.end();
  await sleep(300);
  const started = Date.now();
  const slowCalls = Array.from({ length: 6 }, () => c.get('/api/v1/session'));

  const rtts = [];
  for (let i = 0; i < 20; i++) {
    const t0 = Date.now();
    ws.sendJson({ type: 'ping', id: i });
    await ws.next((m) => m.type === 'pong' && m.id === i);
    rtts.push(Date.now() - t0);
    await sleep(100);
  }
  const waited = await Promise.all(slowCalls);
  const apiMs = Date.now() - started;
  rtts.sort((a, b) => a - b);
  assert.ok(apiMs > 2500, `the API calls did wait on the lock (${apiMs} ms)`);
  assert.ok(rtts[rtts.length - 1] < 250, `WebSocket round trips while the database was blocked: max ${rtts[rtts.length - 1]} ms`);
  for (const r of waited) assert.equal(r.status, 200);
  ws.close();
});

test('the database goes away: /healthz says so, calls get 503, and it reconnects by itself', async () => {
  const c = server.client();
  await c.login('daibieu12');
  pg.stop('immediate');
  try {
    const down = await waitFor(async () => {
      const r = await server.client().get('/healthz');
      return r.status === 503 ? r : null;
    }, { timeoutMs: 10000, what: '/healthz to report the database down' });
    assert.equal(down.data.database, 'down');
    const call = await c.get('/api/v1/session');
    assert.equal(call.status, 503);
    assert.equal(call.data.error.code, 'database_unavailable');
    assert.match(call.data.error.message, /try again/);
    const metrics = await server.client().get('/metrics');
    assert.match(metrics.text, /phonghop_database_up 0/);
  } finally {
    pg.start();
  }
  await waitFor(async () => (await server.client().get('/healthz')).status === 200,
    { timeoutMs: 20000, what: '/healthz to recover' });
  const again = await c.get('/api/v1/session');
  assert.equal(again.status, 200, 'the session survived the restart');
});
