// The live WebSocket: who is connected, ping, bad messages and their limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Postgres, Server, openSocket } from '../common/harness.mjs';

let pg, server;

before(async () => {
  pg = new Postgres();
  server = await Server.start({ db: pg.createDatabase(), config: { server: { max_ws_message_bytes: 4096 } } });
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
  ws.close();
});
