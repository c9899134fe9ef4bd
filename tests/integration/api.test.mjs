// The HTTP API: sign-in, sessions, CSRF, throttling, roles, input limits, static files, metrics.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Postgres, Server, DEMO_PASSWORD } from '../common/harness.mjs';

let pg, server;

before(async () => {
  pg = new Postgres();
  server = await Server.start({
    db: pg.createDatabase(),
    config: { auth: { max_failures_per_account: 3, max_failures_per_address: 6, lockout_seconds: 30 } },
  });
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
});

test('healthz answers 200 while the database answers', async () => {
  const r = await server.client().get('/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.data.status, 'ok');
  assert.equal(r.data.database, 'up');
});

test('a demo login returns a session with an HttpOnly SameSite=Strict cookie', async () => {
  const c = server.client();
  const r = await c.login('chutich');
  assert.equal(r.status, 200);
  assert.equal(r.data.user.username, 'chutich');
  assert.equal(r.data.user.full_name, 'Nguyễn Văn Thành');
  assert.ok(r.data.csrf_token.length >= 32);
  const cookie = r.setCookies.find((s) => s.startsWith('phonghop_session='));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.doesNotMatch(cookie, /Secure/); // plain HTTP on loopback
  const body = r.data.memberships.find((m) => m.body_name === 'Hội đồng nhân dân tỉnh Sơn Hà');
  assert.deepEqual(body.roles, ['chair', 'member']);

  const s = await c.get('/api/v1/session');
  assert.equal(s.status, 200);
  assert.equal(s.data.user.id, r.data.user.id);
  assert.equal(s.data.csrf_token, r.data.csrf_token);
});

test('logout needs the CSRF token and ends the session', async () => {
  const c = server.client();
  await c.login('daibieu10');
  const noToken = await c.request('POST', '/api/v1/auth/logout', { csrf: false });
  assert.equal(noToken.status, 403);
  assert.equal(noToken.data.error.code, 'csrf');
  assert.equal((await c.get('/api/v1/session')).status, 200, 'a refused logout changes nothing');
  const ok = await c.request('POST', '/api/v1/auth/logout');
  assert.equal(ok.status, 204);
  const after = await c.get('/api/v1/session');
  assert.equal(after.status, 401);
  assert.equal(after.data.error.code, 'unauthenticated');
});

test('a cross-site request is refused', async () => {
  const r = await server.client().post('/api/v1/auth/login', { username: 'chutich', password: DEMO_PASSWORD },
    { headers: { origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
  assert.equal(r.data.error.code, 'cross_site');
});

test('wrong passwords past the throttle get 429 with "try again in N s", even with the right one', async () => {
  const c = server.client();
  for (let i = 0; i < 2; i++) {
    const r = await c.login('daibieu20', 'wrong-password');
    assert.equal(r.status, 401);
    assert.equal(r.data.error.code, 'invalid_credentials');
  }
  const third = await c.login('daibieu20', 'wrong-password');
  assert.equal(third.status, 429);
  const right = await c.login('daibieu20');
  assert.equal(right.status, 429, 'a locked account is refused before the password is checked');
  assert.match(right.data.error.message, /for this account: try again in \d+ s/);
  const wait = Number(right.headers.get('retry-after'));
  assert.ok(wait > 0 && wait <= 30, `Retry-After ${wait}`);
  // Other accounts are not locked by it.
  assert.equal((await server.client().login('daibieu21')).status, 200);
});

test('an address that keeps failing is throttled across accounts', async () => {
  // Earlier tests spent 3 failures from this address; 3 more reach the limit of 6.
  const c = server.client();
  let last;
  for (let i = 0; i < 4; i++) last = await c.login(`daibieu3${i}`, 'wrong-password');
  assert.equal(last.status, 429);
  assert.match(last.data.error.message, /from this address: try again in \d+ s/);
  pg.psql(server.config.database.url.match(/dbname=(\S+)/)[1], "DELETE FROM login_throttle");
});

test('unknown users cost a failure but do not reveal themselves', async () => {
  const r = await server.client().login('nobody-here', 'whatever-password');
  assert.equal(r.status, 401);
  assert.equal(r.data.error.message, 'wrong username or password');
});

test('bad input gets a clear error and the right status', async () => {
  const c = server.client();
  const cases = [
    [{ body: '{"username":', headers: { 'content-type': 'application/json' } }, 400, 'malformed_json', /malformed JSON/],
    [{ body: '[1,2]', headers: { 'content-type': 'application/json' } }, 400, 'malformed_json', /expected a JSON object/],
    [{ body: '['.repeat(5000), headers: { 'content-type': 'application/json' } }, 400, 'malformed_json', /nested too deeply/],
    [{ body: 'username=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415, 'unsupported_media_type', /application\/json/],
    [{ body: JSON.stringify({ username: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'content-type': 'application/json' } }, 413, 'too_large', /too large: \d+ bytes, limit 1048576/],
    [{ json: { username: 42, password: 'x' } }, 400, 'invalid_field', /'username' must be a string/],
    [{ json: { password: 'x' } }, 400, 'missing_field', /'username'/],
  ];
  for (const [opts, status, code, message] of cases) {
    const r = await c.request('POST', '/api/v1/auth/login', opts);
    assert.equal(r.status, status, `${JSON.stringify(opts).slice(0, 60)} -> ${r.text.slice(0, 200)}`);
    assert.equal(r.data.error.code, code);
    assert.match(r.data.error.message, message);
  }
  const unknown = await c.get('/api/v1/no-such-thing');
  assert.equal(unknown.status, 404);
  assert.match(unknown.data.error.message, /no API route/);
  const method = await c.request('DELETE', '/api/v1/session');
  assert.equal(method.status, 405);
  const v2 = await c.get('/api/v2/anything');
  assert.equal(v2.status, 404);
  const badId = await c.get('/api/v1/bodies/abc');
  assert.equal(badId.status, 404);
});

test('every call is authorised by role in the body', async () => {
  const member = server.client(); await member.login('daibieu03');
  const guest = server.client(); await guest.login('khachmoi');
  const sec = server.client(); await sec.login('vanphong');
  const sysadmin = server.client(); await sysadmin.login('quantri');
  const anon = server.client();

  const bodies = (await sysadmin.get('/api/v1/bodies')).data.bodies;
  assert.equal(bodies.length, 3, 'the system administrator sees every body');
  const council = bodies.find((b) => b.level === 'province' && b.kind === 'council').id;
  const committee = bodies.find((b) => b.kind === 'committee').id;

  const mine = (await member.get('/api/v1/bodies')).data.bodies;
  assert.deepEqual(mine.map((b) => b.id), [council]);
  assert.deepEqual(mine[0].roles, ['member']);

  assert.equal((await anon.get(`/api/v1/bodies/${council}`)).status, 401);
  assert.equal((await member.get(`/api/v1/bodies/${council}`)).status, 200);
  assert.equal((await member.get(`/api/v1/bodies/${committee}`)).status, 403);
  const roster = await member.get(`/api/v1/bodies/${council}/members`);
  assert.equal(roster.status, 200);
  assert.equal(roster.data.members.filter((m) => m.roles.split(',').includes('member')).length, 50);
  const g = await guest.get(`/api/v1/bodies/${council}/members`);
  assert.equal(g.status, 403);
  assert.match(g.data.error.message, /needs the role admin, secretariat, chair or member/);
  assert.equal((await guest.get(`/api/v1/bodies/${council}`)).status, 200);
  assert.equal((await sec.get(`/api/v1/bodies/${council}/sites`)).data.sites.length, 3);
  assert.equal((await member.get('/api/v1/bodies/999999')).status, 404);

  const meetings = (await member.get(`/api/v1/bodies/${council}/meetings`)).data.meetings;
  assert.equal(meetings.length, 1);
  const m = await member.get(`/api/v1/meetings/${meetings[0].id}`);
  assert.equal(m.status, 200);
  assert.ok(m.data.agenda.length >= 5);
  assert.equal((await server.client().get(`/api/v1/meetings/${meetings[0].id}`)).status, 401);
  const other = server.client(); await other.login('uyvien02');
  assert.equal((await other.get(`/api/v1/meetings/${meetings[0].id}`)).status, 403);

  // Creating a body: only the system administrator, and a refusal stores nothing.
  const newBody = { name: 'Hội đồng nhân dân xã Thử Nghiệm', kind: 'council', level: 'commune' };
  const refused = await sec.post('/api/v1/bodies', newBody);
  assert.equal(refused.status, 403);
  assert.equal((await sysadmin.get('/api/v1/bodies')).data.bodies.length, 3, 'nothing was created');
  const created = await sysadmin.post('/api/v1/bodies', newBody);
  assert.equal(created.status, 201);
  assert.equal(created.data.body.name, newBody.name);
  const again = await sysadmin.post('/api/v1/bodies', newBody);
  assert.equal(again.status, 409);
  const bad = await sysadmin.post('/api/v1/bodies', { ...newBody, name: 'X', level: 'country' });
  assert.equal(bad.status, 400);
  assert.match(bad.data.error.message, /'level' must be/);
});

test('a user changes their password; other sessions end', async () => {
  const a = server.client(); await a.login('daibieu40');
  const b = server.client(); await b.login('daibieu40');
  const weak = await a.post('/api/v1/session/password', { current_password: DEMO_PASSWORD, new_password: 'short' });
  assert.equal(weak.status, 400);
  assert.match(weak.data.error.message, /too short/);
  const wrong = await a.post('/api/v1/session/password', { current_password: 'nope-nope', new_password: 'a-new-long-password' });
  assert.equal(wrong.status, 403);
  const ok = await a.post('/api/v1/session/password', { current_password: DEMO_PASSWORD, new_password: 'a-new-long-password' });
  assert.equal(ok.status, 204);
  assert.equal((await a.get('/api/v1/session')).status, 200);
  assert.equal((await b.get('/api/v1/session')).status, 401);
  assert.equal((await server.client().login('daibieu40', 'a-new-long-password')).status, 200);
});

test('metrics are in Prometheus text format', async () => {
  const r = await server.client().get('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/plain; version=0.0.4/);
  for (const name of ['phonghop_uptime_seconds', 'phonghop_connections{kind="http"}', 'phonghop_connections{kind="websocket"}',
    'phonghop_http_responses_total{status="200"}', 'phonghop_http_responses_total{status="401"}',
    'phonghop_database_up 1', 'phonghop_database_job_seconds_bucket{le="+Inf"}', 'phonghop_database_job_seconds_count']) {
    assert.ok(r.text.includes(name), `metrics lack ${name}`);
  }
  for (const line of r.text.split('\n').filter((l) => l && !l.startsWith('#'))) {
    assert.match(line, /^[a-z_]+(\{[a-z_]+="[^"]*"\})? [0-9.e+-]+$/, line);
  }
});
