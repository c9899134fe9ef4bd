// phonghop-admin: users, roles, passwords, roster import from CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, admin } from '../common/harness.mjs';

let pg, db, server;

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db, demo: false });
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
});

const count = (sql) => Number(pg.psql(db.name, sql).trim());

function csv(name, text) {
  const p = path.join(server.stateDir, name);
  fs.writeFileSync(p, text);
  return p;
}

test('create a body and users, grant roles, sign in', async () => {
  const body = admin(server.configPath, ['create-body', '--name', 'Hội đồng nhân dân xã Đông Hòa', '--kind', 'council', '--level', 'commune']);
  assert.equal(body.status, 0, body.stderr);
  const id = body.stdout.trim();
  const user = admin(server.configPath, ['create-user', '--username', 'thuky', '--full-name', 'Đỗ Thị Hồng', '--password', 'mot-mat-khau-dai']);
  assert.equal(user.status, 0, user.stderr);
  assert.equal(admin(server.configPath, ['grant', '--username', 'thuky', '--body', id, '--role', 'secretariat']).status, 0);
  const c = server.client();
  const r = await c.login('thuky', 'mot-mat-khau-dai');
  assert.equal(r.status, 200);
  assert.deepEqual(r.data.memberships[0].roles, ['secretariat']);

  const dup = admin(server.configPath, ['create-user', '--username', 'thuky', '--full-name', 'X']);
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /already exists/);
  const badKind = admin(server.configPath, ['create-body', '--name', 'X', '--kind', 'parliament', '--level', 'commune']);
  assert.equal(badKind.status, 2);
  assert.match(badKind.stderr, /--kind must be council or committee/);
  const unknown = admin(server.configPath, ['frobnicate']);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command 'frobnicate'/);
});

test('reset-password sets a new password and ends sessions', async () => {
  const c = server.client();
  assert.equal((await c.login('thuky', 'mot-mat-khau-dai')).status, 200);
  const r = admin(server.configPath, ['reset-password', '--username', 'thuky']);
  assert.equal(r.status, 0, r.stderr);
  const pw = r.stdout.match(/password: (\S+)/)[1];
  assert.equal((await c.get('/api/v1/session')).status, 401);
  assert.equal((await server.client().login('thuky', pw)).status, 200);
});

test('a roster CSV with Vietnamese names imports; a bad row imports nothing and names its line', async () => {
  const bodyId = admin(server.configPath, ['create-body', '--name', 'Hội đồng nhân dân xã Bình An', '--kind', 'council', '--level', 'commune']).stdout.trim();
  const users = count('SELECT count(*) FROM users');
  const memberships = count('SELECT count(*) FROM memberships');
  const bad = csv('bad.csv',
    '\uFEFFusername,full_name,title,role\n' +
    'binhan01,Nguyễn Thị Ánh Tuyết,Chủ tịch HĐND xã,chair+member\n' +
    'binhan02,"Trần Văn Đức, con",Đại biểu,member\n' +
    'binhan03,Lê Văn Bảy,Đại biểu,chairman\n');
  const r = admin(server.configPath, ['import-roster', '--body', bodyId, bad]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /line 4: column 'role': 'chairman' is not one of admin, secretariat, chair, member, guest/);
  assert.match(r.stderr, /nothing was imported/);
  assert.equal(count('SELECT count(*) FROM users'), users);
  assert.equal(count('SELECT count(*) FROM memberships'), memberships);

  for (const [text, message] of [
    ['username,full_name\nx1,Y\n', /no column 'role'/],
    ['username,full_name,role\nx1,"unclosed,member\n', /line 2: a quoted field is not closed/],
    ['username,full_name,role\nX Y,Tên,member\n', /line 2: column 'username'/],
    ['username,full_name,role\nab,Tên,member\nab,Tên,member\n', /line 3: column 'username': 'ab' appears twice/],
    ['username,full_name,role\nab,Tên\n', /line 2: 2 fields, but the header has 3/],
    ['username,full_name,role,shoe\nab,Tên,member,42\n', /unknown column 'shoe'/],
  ]) {
    const e = admin(server.configPath, ['import-roster', '--body', bodyId, csv('e.csv', text)]);
    assert.equal(e.status, 1, text);
    assert.match(e.stderr, message, text);
  }
  const latin1 = path.join(server.stateDir, 'latin1.csv');
  fs.writeFileSync(latin1, Buffer.from('username,full_name,role\nab,Nguy\xe9n,member\n', 'latin1'));
  const enc = admin(server.configPath, ['import-roster', '--body', bodyId, latin1]);
  assert.equal(enc.status, 1);
  assert.match(enc.stderr, /line 2: not UTF-8/);

  const good = csv('good.csv', fs.readFileSync(bad, 'utf8').replace('chairman', 'member') + 'binhan04,Phạm Thị Quỳnh,,member\r\n');
  const ok = admin(server.configPath, ['import-roster', '--body', bodyId, good]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /imported 4 rows/);
  assert.equal(count('SELECT count(*) FROM users') - users, 4);
  assert.equal(pg.psql(db.name, "SELECT full_name FROM users WHERE username = 'binhan02'").trim(), 'Trần Văn Đức, con');
  const pw = ok.stdout.match(/binhan01,(\S+)/)[1];
  const c = server.client();
  const r2 = await c.login('binhan01', pw);
  assert.equal(r2.status, 200);
  assert.deepEqual(r2.data.memberships[0].roles, ['chair', 'member']);
});

test('load-demo loads the demo data once', () => {
  const r = admin(server.configPath, ['load-demo']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /50 members/);
  assert.equal(count("SELECT count(*) FROM memberships m JOIN bodies b ON b.id = m.body_id WHERE b.name = 'Hội đồng nhân dân tỉnh Sơn Hà' AND m.role = 'member'"), 50);
  const again = admin(server.configPath, ['load-demo']);
  assert.equal(again.status, 0);
  assert.match(again.stdout, /already loaded/);
});
