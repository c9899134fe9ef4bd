// The live WebSocket: who is connected, ping, bad messages and their limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO_PASSWORD, Postgres, Server, openSocket, sleep } from '../common/harness.mjs';

let pg, db, server;

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db, config: { server: { max_ws_message_bytes: 4096, max_ws_queue_bytes: 16384 } } });
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
});

test('a signed-in client is welcomed by name; ping gets pong', async () => {
  const c = server.client();
  await c.login('daibieu07');
  const ws = await c.websocket();
  const welcome = await ws.next((m) => m.type === 'welcome');
  assert.equal(welcome.user.username, 'daibieu07');
  ws.sendJson({ type: 'ping', id: 41 });
  const pong = await ws.next((m) => m.type === 'pong');
  assert.equal(pong.id, 41);
  ws.close();
});

test('a client without a session is a public client', async () => {
  const ws = await server.client().websocket();
  const welcome = await ws.next((m) => m.type === 'welcome');
  assert.equal(welcome.user, null);
  ws.close();
});

test('bad messages get errors naming what was wrong, and the connection stays', async () => {
  const ws = await server.client().websocket();
  await ws.next((m) => m.type === 'welcome');
  ws.send('{not json');
  assert.match((await ws.next((m) => m.type === 'error')).message, /malformed JSON/);
  ws.send('[1]');
  assert.match((await ws.next((m) => m.type === 'error')).message, /expected a JSON object/);
  ws.sendJson({ id: 3 });
  const e3 = await ws.next((m) => m.type === 'error');
  assert.equal(e3.ref, 3);
  assert.match(e3.message, /missing string field 'type'/);
  ws.sendJson({ type: 'fly', id: 4 });
  const e4 = await ws.next((m) => m.type === 'error');
  assert.equal(e4.code, 'unknown_type');
  ws.send('['.repeat(100) + ']'.repeat(100));
  assert.match((await ws.next((m) => m.type === 'error')).message, /nested too deeply/);
  ws.sendJson({ type: 'ping', id: 5 });
  assert.equal((await ws.next((m) => m.type === 'pong')).id, 5);
  ws.close();
});

test('an oversized message closes the connection with 1009', async () => {
  const ws = await server.client().websocket();
  await ws.next((m) => m.type === 'welcome');
  ws.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(8000) }));
  const { code } = await ws.closed;
  assert.equal(code, 1009);
});

test('binary frames are refused', async () => {
  const ws = await server.client().websocket();
  await ws.next((m) => m.type === 'welcome');
  ws.send(Buffer.from([1, 2, 3]));
  const { code } = await ws.closed;
  assert.equal(code, 1003);
});

test('a WebSocket from another site, or on another path, is refused', async () => {
  await assert.rejects(openSocket(server.url.replace('http', 'ws') + '/ws', { headers: { origin: 'https://evil.example' } }));
  await assert.rejects(openSocket(server.url.replace('http', 'ws') + '/other', {}));
  const ok = await openSocket(server.url.replace('http', 'ws') + '/ws', { headers: { origin: server.url } });
  ok.close();
});

test('metrics count WebSocket connections', async () => {
  const ws = await server.client().websocket();
  await ws.next((m) => m.type === 'welcome');
  const r = await server.client().get('/metrics');
  assert.match(r.text, /phonghop_connections\{kind="websocket"\} [1-9]/);
  // Writes the server had to ask for again (its watchdog): none in normal operation.
  assert.match(r.text, /^phonghop_websocket_write_stalls_total 0$/m);
  assert.match(r.text, /^phonghop_http_write_stalls_total 0$/m);
  ws.close();
});

// A client that stops reading: the server writes what the socket takes, queues up to
// max_ws_queue_bytes more, then drops the queue and closes with 1008 rather than grow; the
// others are served as before.
test('a client that cannot keep up is disconnected with 1008, and nobody else is', async () => {
  const slowDrops = async () => Number((await server.client().get('/metrics')).text.match(/^phonghop_websocket_slow_disconnects_total (\d+)$/m)[1]);
  // A client that does not read fills its socket: that is not a write the server failed to make.
  const stalls = async () => Number((await server.client().get('/metrics')).text.match(/^phonghop_websocket_write_stalls_total (\d+)$/m)[1]);
  const stallsBefore = await stalls();
  const before = await slowDrops();
  const other = await server.client().websocket();
  await other.next((m) => m.type === 'welcome');
  const slow = await server.client().websocket();
  await slow.next((m) => m.type === 'welcome');
  slow.pause(); // reads nothing from here on
  const id = 'x'.repeat(3900); // each pong carries it back: about 4 KB
  let sent = 0;
  for (let batch = 0; batch < 100 && (await slowDrops()) === before; batch++) {
    for (let i = 0; i < 50; i++, sent++) slow.sendJson({ type: 'ping', id });
    await sleep(50);
  }
  assert.equal(await slowDrops(), before + 1, `not disconnected after ${sent} pings of 4 KB`);
  // The other client still gets its answers.
  other.sendJson({ type: 'ping', id: 7 });
  assert.equal((await other.next((m) => m.type === 'pong')).id, 7);
  // What the kernel held arrives, then the close: nothing of the dropped queue.
  slow.resume();
  const { code, reason } = await slow.closed;
  assert.equal(code, 1008);
  assert.equal(reason, 'too slow');
  other.close();
  assert.equal(await stalls(), stallsBefore, 'the slow client was counted as a write the server failed to make');
});

// A signed-in connection lives only as long as its session.
async function signedInSocket(username) {
  const c = server.client();
  assert.equal((await c.login(username)).status, 200);
  const ws = await c.websocket();
  const welcome = await ws.next((m) => m.type === 'welcome');
  assert.equal(welcome.user.username, username);
  return { c, ws };
}

async function assertSessionEnded(ws, timeoutMs = 5000) {
  const err = await ws.next((m) => m.type === 'error', timeoutMs);
  assert.equal(err.code, 'session_ended');
  assert.match(err.message, /sign in again/);
  const { code, reason } = await ws.closed;
  assert.equal(code, 4401);
  assert.equal(reason, 'session ended');
}

test('signing out closes that session\'s WebSocket with 4401, and only that one', async () => {
  const { c, ws } = await signedInSocket('daibieu11');
  const other = await signedInSocket('daibieu11'); // the same member on a second tablet
  assert.equal((await c.post('/api/v1/auth/logout', {})).status, 204);
  await assertSessionEnded(ws);
  other.ws.sendJson({ type: 'ping', id: 1 });
  assert.equal((await other.ws.next((m) => m.type === 'pong')).id, 1);
  other.ws.close();
});

test('a password change closes the WebSockets of the member\'s other sessions', async () => {
  const { ws } = await signedInSocket('daibieu12');
  const b = server.client();
  await b.login('daibieu12');
  const r = await b.post('/api/v1/session/password', { current_password: DEMO_PASSWORD, new_password: 'Mật khẩu mới của đại biểu 12' });
  assert.equal(r.status, 204);
  await assertSessionEnded(ws);
});

test('an expired session\'s WebSocket refuses the next message and closes', async () => {
  const c = server.client();
  assert.equal((await c.login('daibieu13')).status, 200);
  pg.psql(db.name, "UPDATE sessions SET expires_at = now() + interval '2 seconds' WHERE user_id = (SELECT id FROM users WHERE username = 'daibieu13')");
  const ws = await c.websocket();
  assert.equal((await ws.next((m) => m.type === 'welcome')).user.username, 'daibieu13');
  ws.sendJson({ type: 'ping', id: 2 });
  assert.equal((await ws.next((m) => m.type === 'pong')).id, 2);
  await sleep(2200);
  ws.sendJson({ type: 'ping', id: 3 });
  const first = await ws.next(() => true);
  assert.equal(first.type, 'error', 'the message after the end is refused, not answered');
  assert.equal(first.code, 'session_ended');
  const { code } = await ws.closed;
  assert.equal(code, 4401);
});

test('a session revoked in the database (phonghop-admin, another node) loses its WebSocket', async () => {
  const { ws } = await signedInSocket('daibieu14');
  const t0 = Date.now();
  pg.psql(db.name, "DELETE FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'daibieu14')");
  await assertSessionEnded(ws, 12000);
  assert.ok(Date.now() - t0 <= 11000, 'closed within the check interval (10 s)');
});
