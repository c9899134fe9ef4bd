// Start-up and shutdown: configuration errors, a port in use, the embedded database, a database
// newer than the binary, clean shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Postgres, Server, phonghopBin, tmpDir, rmrf } from '../common/harness.mjs';

function runWith(confText, env = {}) {
  const dir = tmpDir();
  const conf = path.join(dir, 'phonghop.conf');
  fs.writeFileSync(conf, confText);
  const r = spawnSync(phonghopBin, ['--config', conf, '--check-config'], { encoding: 'utf8', env: { ...process.env, ...env } });
  rmrf(dir);
  return { ...r, conf };
}

test('--version prints the version', () => {
  const r = spawnSync(phonghopBin, ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^phonghop \d+\.\d+\.\d+/);
});

test('a wrong key, value or type stops start-up naming the file, the key and what is expected', () => {
  const cases = [
    ['[server]\nprot = 80\n', /phonghop\.conf: unknown key 'prot' in \[server\] \(known: listen, port/],
    ['[srever]\nport = 80\n', /unknown group \[srever\]/],
    ['[server]\nport = eighty\n', /\[server\] port: expected an integer from 1 to 65535, got 'eighty'/],
    ['[server]\nport = 70000\n', /\[server\] port: expected an integer from 1 to 65535/],
    ['[log]\nlevel = loud\n', /\[log\] level: expected one of error, warning/],
    ['[server]\nprofile = online\n', /\[server\] profile: expected 'internet' or 'isolated'/],
    ['[tls]\ncertificate = /x.pem\n', /certificate and private_key must be set together/],
    ['[server]\nstate_dir = relative/path\n', /state_dir: expected an absolute path/],
    ['this is not ini\n', /phonghop\.conf/],
  ];
  for (const [text, message] of cases) {
    const r = runWith(text);
    assert.equal(r.status, 2, text);
    assert.match(r.stderr, message, text);
  }
  assert.equal(runWith('[server]\nport = 8080\n').status, 0);
});

test('environment overrides are checked like the file', () => {
  assert.equal(runWith('', { PHONGHOP_SERVER_PORT: '9090' }).status, 0);
  const bad = runWith('', { PHONGHOP_SERVER_PORT: 'x' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /environment PHONGHOP_SERVER_PORT: \[server\] port: expected an integer/);
  const unknown = runWith('', { PHONGHOP_SERVER_PROT: '1' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown variable PHONGHOP_SERVER_PROT/);
});

test('a port already in use is named in the error', async () => {
  const pg = new Postgres();
  const blocker = net.createServer();
  await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
  const port = blocker.address().port;
  try {
    await assert.rejects(
      Server.start({ db: pg.createDatabase(), demo: false, config: { server: { port } } }),
      (e) => /cannot listen on 127\.0\.0\.1 port \d+: Address already in use/.test(e.message));
  } finally {
    blocker.close();
    pg.destroy();
  }
});

test('with no database URL, the embedded cluster is created, used and stopped with the server', async () => {
  const server = await Server.start({});
  try {
    const data = path.join(server.stateDir, 'pgdata');
    assert.ok(fs.existsSync(path.join(data, 'PG_VERSION')), 'a cluster was created in the state directory');
    const r = await server.client().get('/healthz');
    assert.equal(r.status, 200);
    assert.equal((await server.client().login('chutich')).status, 200);
    const { code } = await server.stop('SIGTERM');
    assert.equal(code, 0);
    assert.match(server.log, /phonghop stopped/);
    assert.ok(!fs.existsSync(path.join(data, 'postmaster.pid')), 'the embedded database was stopped');
    // A second start reuses the cluster and its data.
    await server.spawn();
    assert.equal((await server.client().login('chutich')).status, 200);
  } finally {
    await server.destroy();
  }
});

test('SIGINT also shuts down cleanly, closing WebSockets with "going away"', async () => {
  const pg = new Postgres();
  const server = await Server.start({ db: pg.createDatabase(), demo: false });
  try {
    const ws = await server.client().websocket();
    await ws.next((m) => m.type === 'welcome');
    server.proc.kill('SIGINT');
    const { code } = await ws.closed;
    assert.equal(code, 1001);
    assert.equal((await server.exited).code, 0);
  } finally {
    await server.destroy();
    pg.destroy();
  }
});

test('a database newer than the binary is refused with a clear message', async () => {
  const pg = new Postgres();
  const db = pg.createDatabase();
  const server = await Server.start({ db, demo: false });
  await server.stop();
  pg.psql(db.name, "INSERT INTO schema_migrations (version, name) VALUES (9999, '9999-from-the-future.sql')");
  try {
    await assert.rejects(server.spawn(), (e) => /9999/.test(e.message) && /upgrade phonghop/i.test(e.message));
  } finally {
    await server.destroy();
    pg.destroy();
  }
});
