// The meeting's journal: read page by page and re-verified by the reader, verified by the server
// and by phonghop-admin; append-only in the database, and an attacker who goes around that (as
// the database superuser) is caught at exactly the entry they altered.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Postgres, Server, admin } from '../common/harness.mjs';

let pg, db, server, council;
const users = {};
const clients = {};

const sql = (text) => pg.psql(db.name, text).trim();

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db });
  council = Number(sql("SELECT id FROM bodies WHERE name = 'Hội đồng nhân dân tỉnh Sơn Hà'"));
  for (const line of sql('SELECT username, id FROM users').split('\n')) {
    const [name, id] = line.split('|');
    users[name] = Number(id);
  }
  for (const [role, username] of Object.entries({
    admin: 'quantri', secretariat: 'vanphong', chair: 'chutich', member: 'daibieu07', guest: 'khachmoi', other: 'uyvien02',
  })) {
    const c = server.client();
    assert.equal((await c.login(username)).status, 200);
    clients[role] = c;
  }
  clients.anonymous = server.client();
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
});

// An open meeting with `turns` finished turns at the floor: 2 journal entries each.
async function meetingWithJournal(turns) {
  const m = Number(sql(`INSERT INTO meetings (body_id, title, kind, status, starts_at, is_public, opened_at)
    VALUES (${council}, 'Phiên họp thử về biên bản điện tử', 'regular', 'open', now(), true, now()) RETURNING id`).split('\n')[0]);
  sql(`INSERT INTO invitations (meeting_id, kind, user_id) VALUES (${m}, 'guest', ${users.khachmoi})`);
  const speakers = ['daibieu11', 'daibieu12', 'daibieu13', 'khachmoi'];
  for (let i = 0; i < turns; i++) {
    const give = await clients.chair.post(`/api/v1/meetings/${m}/floor/give`,
      { user_id: users[speakers[i % speakers.length]], kind: i % 2 ? 'answer' : 'speech' });
    assert.equal(give.status, 200, give.text);
    assert.equal((await clients.chair.post(`/api/v1/meetings/${m}/floor/finish`)).status, 200);
  }
  return m;
}

// h_i = SHA-256(h_{i-1} || canonical entry i), h_0 = 32 zero bytes (server/domain/journal.h).
function chain(entries, prev = Buffer.alloc(32)) {
  let h = prev;
  for (const e of entries) {
    h = crypto.createHash('sha256').update(h).update(Buffer.from(e.entry, 'utf8')).digest();
    assert.equal(h.toString('hex'), e.hash, `entry ${e.seq} verifies in the reader's own hands`);
  }
  return h;
}

function tamper(statement) {
  sql(`ALTER TABLE meeting_journal DISABLE TRIGGER USER; ${statement}; ALTER TABLE meeting_journal ENABLE TRIGGER USER`);
}

test('members read the journal page by page and can recompute the chain themselves', async () => {
  const m = await meetingWithJournal(3);
  const all = [];
  let after = 0;
  let pages = 0;
  for (;;) {
    const r = await clients.member.get(`/api/v1/meetings/${m}/journal?after=${after}&limit=4`);
    assert.equal(r.status, 200, r.text);
    pages++;
    all.push(...r.data.entries);
    if (r.data.next_after === null) break;
    after = r.data.next_after;
  }
  assert.equal(pages, 2);
  assert.deepEqual(all.map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(all.map((e) => e.kind), ['floor.granted', 'floor.ended', 'floor.granted', 'floor.ended', 'floor.granted', 'floor.ended']);
  assert.equal(all[0].actor, `user:${users.chutich}`);
  const first = JSON.parse(all[0].entry);
  assert.equal(first.meeting_id, m);
  assert.equal(first.payload.full_name, sql("SELECT full_name FROM users WHERE username = 'daibieu11'"));
  assert.equal(first.payload.user_id, users.daibieu11);
  const head = chain(all);
  const last = await clients.member.get(`/api/v1/meetings/${m}/journal?after=6`);
  assert.deepEqual(last.data.entries, []);
  assert.equal(last.data.head_seq, 6);
  assert.equal(last.data.head_hash, head.toString('hex'));

  const bad = await clients.member.get(`/api/v1/meetings/${m}/journal?limit=0`);
  assert.equal(bad.status, 400);
  assert.match(bad.data.error.message, /'limit' must be an integer from 1 to 1000/);
});

test('who may read and verify the journal', async () => {
  const m = await meetingWithJournal(1);
  const want = { admin: 200, secretariat: 200, chair: 200, member: 200, guest: 403, other: 403, anonymous: 401 };
  for (const path of [`/api/v1/meetings/${m}/journal`, `/api/v1/meetings/${m}/journal/verify`]) {
    for (const [role, status] of Object.entries(want)) {
      const r = await clients[role].get(path);
      assert.equal(r.status, status, `${path} as ${role}: ${r.text}`);
    }
  }
  // Members see a meeting's journal once it is no longer a draft.
  sql(`UPDATE meetings SET status = 'draft' WHERE id = ${m}`);
  assert.equal((await clients.member.get(`/api/v1/meetings/${m}/journal`)).status, 403);
  assert.equal((await clients.secretariat.get(`/api/v1/meetings/${m}/journal`)).status, 200);
  assert.equal((await clients.member.get('/api/v1/meetings/999999/journal/verify')).status, 404);
});

test('an intact journal verifies, through the API and phonghop-admin', async () => {
  const m = await meetingWithJournal(2);
  const r = await clients.member.get(`/api/v1/meetings/${m}/journal/verify`);
  assert.equal(r.status, 200);
  const entries = (await clients.member.get(`/api/v1/meetings/${m}/journal`)).data.entries;
  assert.deepEqual(r.data, { meeting_id: m, valid: true, entries: 4, first_bad_seq: null, reason: null, head_hash: entries[3].hash });
  const a = admin(server.configPath, ['verify-journal', String(m)]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout.trim(), `meeting ${m}: journal verified: 4 entries, head hash ${entries[3].hash}`);

  const empty = Number(sql(`INSERT INTO meetings (body_id, title, kind) VALUES (${council}, 'Trống', 'regular') RETURNING id`).split('\n')[0]);
  assert.equal(admin(server.configPath, ['verify-journal', String(empty)]).stdout.trim(), `meeting ${empty}: the journal is empty`);
  const usage = admin(server.configPath, ['verify-journal', 'abc']);
  assert.equal(usage.status, 2);
  const none = admin(server.configPath, ['verify-journal', '999999']);
  assert.equal(none.status, 1);
  assert.match(none.stderr, /no meeting 999999/);
});

test('the journal is append-only: UPDATE and DELETE are refused by the database', async () => {
  const m = await meetingWithJournal(1);
  assert.throws(() => sql(`UPDATE meeting_journal SET kind = 'x' WHERE meeting_id = ${m} AND seq = 1`), /append-only: UPDATE refused/);
  assert.throws(() => sql(`DELETE FROM meeting_journal WHERE meeting_id = ${m}`), /append-only: DELETE refused/);
  assert.equal(sql(`SELECT count(*) FROM meeting_journal WHERE meeting_id = ${m}`), '2');
});

test('altering any row with SQL makes verification fail at that entry', async () => {
  const cases = [
    {
      what: 'its entry text (a name in the payload)',
      alter: (m) => `UPDATE meeting_journal SET entry = replace(entry, '"kind":"answer"', '"kind":"speech"') WHERE meeting_id = ${m} AND seq = 4`,
      seq: 4, reason: /its hash does not match SHA-256\(previous hash \|\| entry\)/,
    },
    {
      what: 'its hash',
      alter: (m) => `UPDATE meeting_journal SET hash = sha256('forged'::bytea) WHERE meeting_id = ${m} AND seq = 5`,
      seq: 5, reason: /its hash does not match/,
    },
    {
      what: 'its kind',
      alter: (m) => `UPDATE meeting_journal SET kind = 'floor.ended' WHERE meeting_id = ${m} AND seq = 3`,
      seq: 3, reason: /its kind column differs from the entry/,
    },
    {
      what: 'its entry, re-hashed by the attacker (the next entry no longer chains)',
      alter: (m) => `UPDATE meeting_journal SET entry = replace(entry, '"reason":"finished"', '"reason":"revoked"'),
        hash = sha256((SELECT hash FROM meeting_journal WHERE meeting_id = ${m} AND seq = 1) ||
                      convert_to(replace(entry, '"reason":"finished"', '"reason":"revoked"'), 'UTF8'))
        WHERE meeting_id = ${m} AND seq = 2`,
      seq: 3, reason: /its hash does not match/,
    },
  ];
  for (const c of cases) {
    const m = await meetingWithJournal(3);
    tamper(c.alter(m));
    const r = await clients.member.get(`/api/v1/meetings/${m}/journal/verify`);
    assert.equal(r.status, 200);
    assert.equal(r.data.valid, false, c.what);
    assert.equal(r.data.first_bad_seq, c.seq, `${c.what}: the API names entry ${c.seq}`);
    assert.match(r.data.reason, c.reason);
    assert.equal(r.data.head_hash, null);
    const a = admin(server.configPath, ['verify-journal', String(m)]);
    assert.equal(a.status, 1, `${c.what}: phonghop-admin fails`);
    assert.match(a.stderr, new RegExp(`meeting ${m}: entry ${c.seq}: `), `${c.what}: phonghop-admin names entry ${c.seq}`);
    assert.match(a.stderr, c.reason);
  }
});
