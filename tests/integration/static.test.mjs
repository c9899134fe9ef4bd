// The web client's files: caching headers, client routes, ranges, and nothing outside the root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, tmpDir, rmrf } from '../common/harness.mjs';

let pg, server, root;

before(async () => {
  root = tmpDir('phonghop-web-');
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><html lang="vi"><title>phonghop</title></html>');
  fs.writeFileSync(path.join(root, 'assets', 'app-abc123.js'), 'console.log("xin chào");\n'.repeat(100));
  fs.writeFileSync(path.join(root, '.hidden'), 'secret');
  pg = new Postgres();
  server = await Server.start({ db: pg.createDatabase(), demo: false, config: { server: { web_root: root } } });
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
  rmrf(root);
});

test('index.html is revalidated, hashed assets are immutable', async () => {
  const c = server.client();
  const index = await c.get('/');
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /text\/html/);
  assert.equal(index.headers.get('cache-control'), 'no-cache');
  const etag = index.headers.get('etag');
  assert.ok(etag);
  const again = await c.get('/', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  const asset = await c.get('/assets/app-abc123.js');
  assert.equal(asset.status, 200);
  assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(asset.headers.get('content-type'), /javascript/);
  assert.equal(asset.headers.get('x-content-type-options'), 'nosniff');
});

test('client routes get index.html; missing files get 404', async () => {
  const c = server.client();
  const route = await c.get('/meetings/12');
  assert.equal(route.status, 200);
  assert.match(route.text, /phonghop/);
  assert.equal((await c.get('/assets/missing.js')).status, 404);
});

test('ranges are served', async () => {
  const c = server.client();
  const r = await c.get('/assets/app-abc123.js', { headers: { range: 'bytes=0-9' } });
  assert.equal(r.status, 206);
  assert.equal(r.text, 'console.lo');
  assert.match(r.headers.get('content-range'), /^bytes 0-9\/\d+$/);
  const bad = await c.get('/assets/app-abc123.js', { headers: { range: 'bytes=999999-' } });
  assert.equal(bad.status, 416);
});

test('nothing outside the web root or hidden can be named', async () => {
  const c = server.client();
  for (const p of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/.hidden', '/assets/../.hidden', '//etc/passwd']) {
    const r = await c.get(p);
    assert.notEqual(r.text, 'secret', p);
    assert.ok(!r.text.includes('root:'), p);
  }
  const post = await c.request('POST', '/index.html', { body: 'x', headers: { 'content-type': 'text/plain' } });
  assert.equal(post.status, 405);
});
