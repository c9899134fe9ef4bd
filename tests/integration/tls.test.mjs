// TLS: HTTP/2 and HTTP/1.1 over TLS, Secure cookies, CSRF header under HTTP/2, WebSocket over TLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http2 from 'node:http2';
import https from 'node:https';
import path from 'node:path';
import { Postgres, Server, DEMO_PASSWORD, tmpDir, rmrf } from '../common/harness.mjs';

let pg, server, certDir;

before(async () => {
  certDir = tmpDir('phonghop-tls-');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', path.join(certDir, 'key.pem'), '-out', path.join(certDir, 'cert.pem'), '-days', '2',
    '-subj', '/CN=localhost'], { stdio: 'ignore' });
  pg = new Postgres();
  server = await Server.start({
    db: pg.createDatabase(),
    config: { tls: { certificate: path.join(certDir, 'cert.pem'), private_key: path.join(certDir, 'key.pem') } },
  });
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
  rmrf(certDir);
});

// A request without a body ends its stream with its headers, as browsers send it. (Node's client
// otherwise sends the end as an empty DATA frame after them; the server may have answered and
// closed the stream by then, when the answer needs no body (a 403, a 204), and libwebsockets 4.1
// answers a frame on a closed stream by ending the whole session: GOAWAY STREAM_CLOSED.)
function h2request(session, headers, body) {
  return new Promise((resolve, reject) => {
    const req = session.request(headers, body ? {} : { endStream: true });
    let data = '';
    let head;
    req.on('response', (h) => { head = h; });
    req.setEncoding('utf8');
    req.on('data', (d) => { data += d; });
    req.on('end', () => resolve({ headers: head, status: head[':status'], text: data }));
    req.on('error', reject);
    if (body) req.end(body);
  });
}

test('HTTP/2 over TLS: sign in, Secure cookie, CSRF-protected sign-out', async () => {
  const session = http2.connect(server.url, { rejectUnauthorized: false });
  try {
    const health = await h2request(session, { ':path': '/healthz' });
    assert.equal(health.status, 200);
    assert.equal(session.alpnProtocol, 'h2');
    const body = JSON.stringify({ username: 'chutich', password: DEMO_PASSWORD });
    // A body without a length is answered 411 on a session of its own: the answer ends the
    // stream, and a DATA frame the client still sends on it may make libwebsockets end the whole
    // session (GOAWAY STREAM_CLOSED), which would take the requests below with it.
    const bare = http2.connect(server.url, { rejectUnauthorized: false });
    bare.on('error', () => {}); // its GOAWAY, if any, is expected
    try {
      const noLength = await h2request(bare, { ':method': 'POST', ':path': '/api/v1/auth/login', 'content-type': 'application/json' }, body);
      assert.equal(noLength.status, 411);
      assert.match(noLength.text, /needs a Content-Length/);
    } finally {
      bare.close();
    }
    const login = await h2request(session, { ':method': 'POST', ':path': '/api/v1/auth/login', 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, body);
    assert.equal(login.status, 200, login.text);
    const cookie = [].concat(login.headers['set-cookie'])[0];
    assert.match(cookie, /; Secure/);
    assert.match(login.headers['strict-transport-security'], /max-age/);
    const token = cookie.split(';')[0];
    const csrf = JSON.parse(login.text).csrf_token;
    const me = await h2request(session, { ':path': '/api/v1/session', cookie: token });
    assert.equal(me.status, 200);
    const refused = await h2request(session, { ':method': 'POST', ':path': '/api/v1/auth/logout', cookie: token, 'content-length': 0 });
    assert.equal(refused.status, 403);
    const out = await h2request(session, { ':method': 'POST', ':path': '/api/v1/auth/logout', cookie: token, 'x-auth-token': csrf, 'content-length': 0 });
    assert.equal(out.status, 204);
  } finally {
    session.close();
  }
});

test('HTTP/1.1 over TLS still works', async () => {
  const status = await new Promise((resolve, reject) => {
    https.get(server.url + '/healthz', { rejectUnauthorized: false }, (res) => { res.resume(); resolve(res.statusCode); }).on('error', reject);
  });
  assert.equal(status, 200);
});

test('the WebSocket works over TLS', async () => {
  const ws = await server.client().websocket();
  const welcome = await ws.next((m) => m.type === 'welcome');
  assert.equal(welcome.type, 'welcome');
  ws.sendJson({ type: 'ping', id: 1 });
  assert.equal((await ws.next((m) => m.type === 'pong')).id, 1);
  ws.close();
});
