// The draft minutes (biên bản) of the demo meeting as a PDF: Vietnamese text that pdftotext reads
// back exactly, made from the record (attendance, agenda, speakers), for the secretariat, the
// chair and administrators only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server } from '../common/harness.mjs';

let pg, db, server, meeting;
const users = {};
const clients = {};

const sql = (text) => pg.psql(db.name, text).trim();

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db });
  for (const line of sql('SELECT username, id FROM users').split('\n')) {
    const [name, id] = line.split('|');
    users[name] = Number(id);
  }
  for (const [role, username] of Object.entries({
    admin: 'quantri', secretariat: 'vanphong', chair: 'chutich', member: 'daibieu03', member2: 'daibieu05',
    guest: 'khachmoi', other: 'uyvien02',
  })) {
    const c = server.client();
    assert.equal((await c.login(username)).status, 200);
    clients[role] = c;
  }
  clients.anonymous = server.client();
  meeting = Number(sql("SELECT id FROM meetings WHERE title LIKE 'Kỳ họp thứ Năm%'"));
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
});

// The PDF as bytes (the JSON client would decode it as text).
async function fetchPdf(who) {
  const c = clients[who];
  const res = await fetch(`${server.url}/api/v1/meetings/${meeting}/minutes.pdf`,
    { headers: c.cookies.size ? { cookie: c.cookieHeader() } : {} });
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

function pdfText(bytes) {
  const file = path.join(server.stateDir, `minutes-${process.hrtime.bigint()}.pdf`);
  fs.writeFileSync(file, bytes);
  const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString('utf8');
  fs.rmSync(file);
  return text.replace(/\s+/g, ' ');
}

test('the minutes of the demo meeting render Vietnamese text from the record', async () => {
  // The session opens, three members check in, two turns at the floor (one of a guest).
  const open = await clients.chair.post(`/api/v1/meetings/${meeting}/open`, {});
  assert.equal(open.status, 200, open.text);
  for (const who of ['chair', 'member', 'member2']) {
    const r = await clients[who].post(`/api/v1/meetings/${meeting}/attendance/check-in`, { mode: 'online' });
    assert.equal(r.status, 200, `${who} checks in: ${r.text}`);
  }
  const req = await clients.member.post(`/api/v1/meetings/${meeting}/floor/requests`, { kind: 'speech' });
  assert.equal(req.status, 201, req.text);
  assert.equal((await clients.chair.post(`/api/v1/meetings/${meeting}/floor/grant`, {})).status, 200);
  assert.equal((await clients.member.post(`/api/v1/meetings/${meeting}/floor/finish`)).status, 200);
  assert.equal((await clients.chair.post(`/api/v1/meetings/${meeting}/floor/give`,
    { user_id: users.khachmoi, kind: 'answer' })).status, 200);

  const t0 = Date.now();
  const r = await fetchPdf('secretariat');
  const ms = Date.now() - t0;
  assert.equal(r.status, 200, r.body.toString());
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.match(r.headers.get('content-disposition'), new RegExp(`bien-ban-${meeting}\\.pdf`));
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.body.subarray(0, 5).toString(), '%PDF-');
  const text = pdfText(r.body);
  assert.equal(text, text.normalize('NFC'), 'the text layer is precomposed');

  const name = (u) => sql(`SELECT full_name FROM users WHERE username = '${u}'`);
  const wanted = [
    'Hội đồng nhân dân', // the body's name in running text
    'HỘI ĐỒNG NHÂN DÂN TỈNH SƠN HÀ',
    'CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM',
    'Độc lập - Tự do - Hạnh phúc',
    'BIÊN BẢN',
    sql(`SELECT title FROM meetings WHERE id = ${meeting}`),
    sql(`SELECT location FROM meetings WHERE id = ${meeting}`),
    'có mặt: 3/50 đại biểu',
    name('chutich'), name('daibieu03'), name('daibieu05'),
    ...sql(`SELECT title FROM agenda_items WHERE meeting_id = ${meeting} AND parent_id IS NULL ORDER BY position`).split('\n'),
    `${name('daibieu03')}, Đại biểu HĐND tỉnh: Phát biểu, từ`,
    `${name('khachmoi')}, Giám đốc Sở Tài chính (khách mời): Trả lời chất vấn, từ`,
    'đang phát biểu',
    'Khách mời (1)',
    'Chưa có kết quả biểu quyết.',
    'THƯ KÝ', 'CHỦ TỌA', `Chủ tọa: ${name('chutich')}.`,
    'Trang 1/',
  ];
  for (const w of wanted) assert.ok(text.includes(w), `the minutes say "${w}":\n${text}`);
  assert.match(text, /Đại biểu vắng mặt \(47\)/);
  assert.ok(ms < 5000, `the minutes took ${ms} ms`);
});

test('who may fetch the minutes', async () => {
  const want = { admin: 200, secretariat: 200, chair: 200, member: 403, guest: 403, other: 403, anonymous: 401 };
  for (const [role, status] of Object.entries(want)) {
    const r = await fetchPdf(role);
    assert.equal(r.status, status, `minutes as ${role}`);
    if (status !== 200) assert.match(r.headers.get('content-type'), /application\/json/);
  }
  const none = await fetch(`${server.url}/api/v1/meetings/999999/minutes.pdf`, { headers: { cookie: clients.chair.cookieHeader() } });
  assert.equal(none.status, 404);
});

test('renders run off the main loop, a few at a time: each caller gets the PDF or a 503 to retry', async () => {
  const results = await Promise.all(Array.from({ length: 8 }, () => fetchPdf('chair')));
  for (const r of results) {
    assert.ok(r.status === 200 || r.status === 503, `status ${r.status}`);
    if (r.status === 200) assert.equal(r.body.subarray(0, 5).toString(), '%PDF-');
    else assert.equal(r.headers.get('retry-after'), '2');
  }
  assert.ok(results.some((r) => r.status === 200));
  // The main loop answered everything meanwhile.
  assert.equal((await clients.chair.get('/healthz')).status, 200);
});
