// Documents: streamed uploads (limits, types by content, names, broken connections, stored once),
// classification by deployment profile, access lists and who hears about what, download with
// ETag/Range, read receipts, private notes, written consultations, and every route for every role.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Postgres, Server, sleep, waitFor } from '../common/harness.mjs';

const LIMIT = 16 * 1024 * 1024;
const CLASSIFIED_MESSAGE =
  'classified documents (Mật, Tối mật, Tuyệt mật) may not be stored on an Internet-connected deployment';

let pg, server, internet, db, meeting, council;
const users = {};
const clients = {};

// ---- files ----

const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');
let serial = 0;
// A PDF whose bytes differ from every other one made here.
function pdf(size = 4000) {
  const head = Buffer.from(`%PDF-1.7\n% phonghop test ${++serial} ${Date.now()}\n`);
  return Buffer.concat([head, crypto.randomBytes(Math.max(0, size - head.length))]);
}
// CRC-32 (IEEE) of a buffer, for ZIP entries (Debian 12's Node 18 has no zlib.crc32).
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
// A ZIP of stored (uncompressed) entries, first entry first.
function zip(entries) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const data = Buffer.from(text);
    const nameBuf = Buffer.from(name);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28); central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, data);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0); eocd.writeUInt16LE(entries.length, 8); eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12); eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}
const docx = () => zip([['[Content_Types].xml', '<Types/>'], ['_rels/.rels', '<r/>'], ['word/document.xml', `<w>${++serial}</w>`]]);
const xlsx = () => zip([['[Content_Types].xml', '<Types/>'], ['xl/workbook.xml', `<wb>${++serial}</wb>`]]);
const odt = () => zip([['mimetype', 'application/vnd.oasis.opendocument.text'], ['content.xml', `<o>${++serial}</o>`]]);
const png = () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), crypto.randomBytes(200)]);
const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), crypto.randomBytes(200)]);

// ---- the state on disk and in the database ----

function psql(sql) {
  return pg.psql(db.name, sql).trim();
}
function storedFiles(srv = server) {
  const root = path.join(srv.stateDir, 'documents', 'sha256');
  const out = [];
  const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name)) : out.push(path.join(d, e.name)); };
  if (fs.existsSync(root)) walk(root);
  return out;
}
const tmpFiles = (srv = server) => fs.readdirSync(path.join(srv.stateDir, 'documents', 'tmp'));
// Everything a refused call must leave as it was.
function snapshot() {
  return psql(`SELECT (SELECT count(*) FROM documents) || '/' || (SELECT count(*) FROM document_versions) || '/' ||
    (SELECT coalesce(sum(released_version), 0) FROM documents) || '/' || (SELECT count(*) FROM document_access) || '/' ||
    (SELECT count(*) FROM document_receipts) || '/' || (SELECT count(*) FROM document_notes) || '/' ||
    (SELECT coalesce(string_agg(md5(body), ',' ORDER BY document_id, user_id), '') FROM document_notes) || '/' ||
    (SELECT count(*) FROM consultations) || '/' || (SELECT count(*) FROM consultation_answers) || '/' ||
    (SELECT count(*) FROM meeting_events) || '/' || (SELECT count(*) FROM meeting_journal)`) +
    `|${storedFiles().length}|${tmpFiles().length}`;
}

// ---- requests ----

function upload(client, query, body, { to = `/api/v1/meetings/${meeting}/documents`, type = 'application/octet-stream' } = {}) {
  const qs = new URLSearchParams(query).toString();
  return client.request('POST', `${to}?${qs}`, { body, headers: { 'content-type': type } });
}
async function newDocument(query = {}, body = pdf()) {
  const r = await upload(clients.secretariat, { name: `tai-lieu-${++serial}.pdf`, ...query }, body);
  assert.equal(r.status, 201, r.text);
  return r.data.document;
}
async function release(docId) {
  const r = await clients.secretariat.post(`/api/v1/documents/${docId}/release`, {});
  assert.equal(r.status, 200, r.text);
  return r.data;
}

// A raw HTTP/1.1 request over a socket, for what fetch will not do (a Content-Length that lies,
// a connection cut mid-body). Resolves with the status line (or null) once the server answers or
// closes.
function rawRequest(srv, { method = 'POST', target, headers, body, destroyAfterBody = false }) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.on('error', () => { /* the server may reset a refused upload */ });
    sock.on('close', () => resolve(got || null));
    sock.on('connect', () => {
      const head = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n` +
        Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
      sock.write(head);
      if (body) sock.write(body);
      if (destroyAfterBody) setTimeout(() => sock.destroy(), 300);
      else setTimeout(() => sock.end(), 2000);
    });
    setTimeout(() => reject(new Error('raw request timed out')), 20000);
  });
}
function authHeaders(client) {
  return { cookie: client.cookieHeader(), 'x-auth-token': client.csrf };
}

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({
    db,
    config: { server: { profile: 'isolated' }, documents: { max_upload_bytes: LIMIT } },
  });
  internet = await Server.start({ db: pg.createDatabase(), config: { server: { profile: 'internet' } } });
  for (const [role, name] of Object.entries({
    admin: 'quantri', secretariat: 'vanphong', chair: 'chutich', member: 'daibieu03', member2: 'daibieu05',
    member3: 'daibieu07', guest: 'khachmoi', outsider: 'uyvien02',
  })) {
    clients[role] = server.client();
    const r = await clients[role].login(name);
    assert.equal(r.status, 200, r.text);
    users[role] = r.data.user.id;
  }
  clients.anon = server.client();
  const bodies = (await clients.admin.get('/api/v1/bodies')).data.bodies;
  council = bodies.find((b) => b.level === 'province' && b.kind === 'council').id;
  meeting = (await clients.secretariat.get(`/api/v1/bodies/${council}/meetings`)).data.meetings[0].id;
});

after(async () => {
  await server?.destroy();
  await internet?.destroy();
  pg?.destroy();
  // Under -Db_sanitize=address,undefined a report (a leak at exit included) fails the suite.
  for (const s of [server, internet]) {
    assert.doesNotMatch(s?.log || '', /AddressSanitizer|LeakSanitizer|runtime error:/, 'sanitizer report in the server log');
  }
});

const sanitized = (pid) => fs.readFileSync(`/proc/${pid}/maps`, 'utf8').includes('libasan');

test('an upload is stored under its SHA-256, typed by content, as version 1 of a draft', async () => {
  const agenda = Number(psql(`SELECT id FROM agenda_items WHERE meeting_id = ${meeting} ORDER BY position LIMIT 1 OFFSET 1`));
  const body = pdf(300000);
  const r = await upload(clients.secretariat,
    { name: 'Tờ trình số 12-TTr.pdf', kind: 'to_trinh', agenda_item: agenda, title: 'Tờ trình về mức chi hỗ trợ' }, body,
    { type: 'text/plain' });
  assert.equal(r.status, 201, r.text);
  const d = r.data.document;
  assert.equal(d.title, 'Tờ trình về mức chi hỗ trợ');
  assert.equal(d.kind, 'to_trinh');
  assert.equal(d.agenda_item_id, agenda);
  assert.equal(d.released_version, 0, 'a new document is a draft');
  assert.deepEqual(d.versions.map((v) => [v.version, v.sha256, v.size, v.media_type, v.file_name]),
    [[1, sha256(body), body.length, 'application/pdf', 'Tờ trình số 12-TTr.pdf']],
    'the type comes from the bytes, not from the Content-Type the client claimed');
  const hex = sha256(body);
  const file = path.join(server.stateDir, 'documents', 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
  assert.deepEqual(fs.readFileSync(file), body);
  assert.deepEqual(tmpFiles(), []);
  // A draft is the secretariat's: members neither see it nor hear of it.
  assert.equal((await clients.member.get(`/api/v1/documents/${d.id}`)).status, 403);
  assert.ok(!(await clients.member.get(`/api/v1/meetings/${meeting}/documents`)).data.documents.some((x) => x.id === d.id));
  const ev = psql(`SELECT audience FROM meeting_events WHERE kind = 'document.uploaded' AND (payload->>'document_id')::bigint = ${d.id}`);
  assert.ok(!ev.includes(String(users.member)) && ev.includes(String(users.secretariat)), ev);
});

test('every accepted type by its content; a refused one names what it is, and nothing is kept', async () => {
  for (const [make, type] of [[docx, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    [xlsx, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
    [odt, 'application/vnd.oasis.opendocument.text'], [png, 'image/png'], [jpeg, 'image/jpeg']]) {
    const r = await upload(clients.secretariat, { name: 'file.bin' }, make());
    assert.equal(r.status, 201, r.text);
    assert.equal(r.data.document.versions[0].media_type, type);
  }
  const before = snapshot();
  const refused = [
    [Buffer.from('GIF89a' + 'x'.repeat(100)), /this is a GIF image/],
    [zip([['readme.txt', 'hello']]), /a ZIP archive that is not a Word, Excel or OpenDocument text file/],
    [zip([['[Content_Types].xml', '<T/>'], ['ppt/presentation.xml', '<p/>']]), /PowerPoint presentation \(PPTX\)/],
    [Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)]), /legacy Word, Excel or PowerPoint/],
    [Buffer.concat([Buffer.from('\x7fELF'), crypto.randomBytes(500)]), /executable/],
    [Buffer.from('PK\x03\x04 then nothing like an archive'), /damaged or incomplete ZIP/],
    [Buffer.from('Just some text, not a document.\n'), /plain text/],
    [Buffer.alloc(0), /empty file/],
  ];
  for (const [body, message] of refused) {
    const r = await upload(clients.secretariat, { name: 'bao-cao.pdf' }, body, { type: 'application/pdf' });
    assert.equal(r.status, 415, r.text);
    assert.equal(r.data.error.code, 'unsupported_type');
    assert.match(r.data.error.message, message);
    assert.match(r.data.error.message, /must be PDF, DOCX, XLSX, ODT, PNG or JPEG/);
  }
  await waitFor(() => tmpFiles().length === 0, { what: 'temporary files to go' });
  assert.equal(snapshot(), before, 'a refused type leaves no row, no event and no file');
});

test('over the size limit: 413 at once from the announced length, nothing stored', async () => {
  const before = snapshot();
  const status = await rawRequest(server, {
    target: `/api/v1/meetings/${meeting}/documents?name=qua-lon.pdf`,
    headers: { ...authHeaders(clients.secretariat), 'content-type': 'application/pdf', 'content-length': LIMIT + 1 },
  });
  assert.match(status, /^HTTP\/1.1 413/);
  assert.match(status, /document too large: 16.0 MiB \(16777217 bytes\), limit 16.0 MiB \(16777216 bytes\)/);
  // Through fetch too, with the body actually sent.
  const r = await upload(clients.secretariat, { name: 'qua-lon-2.pdf' }, Buffer.concat([pdf(LIMIT + 10)]))
    .catch((e) => ({ status: 'connection closed', error: e }));
  if (r.status !== 'connection closed') assert.equal(r.status, 413);
  await sleep(300);
  assert.equal(snapshot(), before);
  assert.deepEqual(tmpFiles(), []);
});

test('a body that runs past the limit without announcing it is cut off at the limit', async (t) => {
  // Chunked transfer coding: no length up front, so the running total decides.
  const before = snapshot();
  const chunk = Buffer.alloc(1024 * 1024, 0x41);
  const parts = [Buffer.from('%PDF-1.4\n')];
  for (let i = 0; i < 18; i++) parts.push(chunk);
  const body = Buffer.concat(parts.map((p) => Buffer.concat([Buffer.from(p.length.toString(16) + '\r\n'), p, Buffer.from('\r\n')])).concat([Buffer.from('0\r\n\r\n')]));
  const status = await rawRequest(server, {
    target: `/api/v1/meetings/${meeting}/documents?name=chunked.pdf`,
    headers: { ...authHeaders(clients.secretariat), 'content-type': 'application/pdf', 'transfer-encoding': 'chunked' },
    body,
  });
  if (status && /^HTTP\/1.1 (400|411|501)/.test(status)) {
    t.skip(`chunked request bodies are not supported by this libwebsockets: ${status.split('\r\n')[0]}`);
    return;
  }
  assert.match(status || '', /^HTTP\/1.1 413/);
  await waitFor(() => tmpFiles().length === 0, { what: 'the partial upload to be deleted' });
  assert.equal(snapshot(), before);
});

test('a file named ../../etc/passwd is stored by its hash; the name is display text only', async () => {
  const passwdBefore = fs.statSync('/etc/passwd').mtimeMs;
  const body = pdf();
  const r = await upload(clients.secretariat, { name: '../../etc/passwd' }, body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.document.versions[0].file_name, 'passwd');
  const odd = await upload(clients.secretariat, { name: 'C:\\Users\\x\\..\\hop\u202Efdp.exe\u0007' }, pdf());
  assert.equal(odd.status, 201, odd.text);
  assert.equal(odd.data.document.versions[0].file_name, 'hopfdp.exe', 'path, controls and bidi overrides removed');
  assert.equal(fs.statSync('/etc/passwd').mtimeMs, passwdBefore);
  // Nothing anywhere in the state directory's documents but hash-named files.
  for (const f of storedFiles()) assert.match(path.basename(f), /^[0-9a-f]{64}$/);
  const all = fs.readdirSync(path.join(server.stateDir, 'documents'));
  assert.deepEqual(all.sort(), ['sha256', 'tmp']);
  assert.ok(!fs.existsSync(path.join(server.stateDir, 'etc')));
  const content = await clients.secretariat.get(`/api/v1/documents/${r.data.document.id}/content`);
  assert.equal(content.status, 200);
  assert.equal(content.headers.get('content-disposition'), 'inline; filename="passwd"; filename*=UTF-8\'\'passwd');
});

test('a connection broken mid-upload leaves no version and no temporary file', async () => {
  const before = snapshot();
  const name = `bi-ngat-${Date.now()}.pdf`;
  const part = Buffer.concat([Buffer.from('%PDF-1.5\n'), crypto.randomBytes(1024 * 1024)]);
  const seen = [];
  const watcher = setInterval(() => { const t = tmpFiles(); if (t.length) seen.push(...t); }, 20);
  await rawRequest(server, {
    target: `/api/v1/meetings/${meeting}/documents?name=${name}`,
    headers: { ...authHeaders(clients.secretariat), 'content-type': 'application/pdf', 'content-length': 10 * 1024 * 1024 },
    body: part,
    destroyAfterBody: true,
  });
  await waitFor(() => tmpFiles().length === 0, { what: 'the temporary file to be deleted' });
  await sleep(300);
  clearInterval(watcher);
  assert.ok(seen.length > 0, 'the upload was being written to a temporary file');
  assert.equal(psql(`SELECT count(*) FROM document_versions WHERE file_name = '${name}'`), '0');
  assert.equal(snapshot(), before);
  assert.equal((await clients.secretariat.get('/healthz')).status, 200, 'the server carries on');
});

test('the same file twice is stored once: two documents and a version share one file', async () => {
  const body = pdf(50000);
  const filesBefore = storedFiles().length;
  const a = await newDocument({}, body);
  const b = await newDocument({}, body);
  assert.notEqual(a.id, b.id);
  const v2 = await upload(clients.secretariat, { name: 'lan-2.pdf' }, body, { to: `/api/v1/documents/${a.id}/versions` });
  assert.equal(v2.status, 201, v2.text);
  assert.deepEqual(v2.data.document.versions.map((v) => v.version), [1, 2]);
  assert.equal(storedFiles().length, filesBefore + 1);
  assert.equal(psql(`SELECT count(*) FROM document_versions WHERE sha256 = decode('${sha256(body)}', 'hex')`), '3');
  assert.deepEqual(tmpFiles(), []);
});

test('an Internet-connected deployment refuses classified documents; an isolated one keeps them', async () => {
  const sec = internet.client();
  await sec.login('vanphong');
  const bodies = (await sec.get('/api/v1/bodies')).data.bodies;
  const m = (await sec.get(`/api/v1/bodies/${bodies.find((x) => x.level === 'province').id}/meetings`)).data.meetings[0].id;
  for (const classification of ['mat', 'toi_mat', 'tuyet_mat']) {
    const r = await sec.request('POST', `/api/v1/meetings/${m}/documents?name=mat.pdf&classification=${classification}`,
      { body: pdf(), headers: { 'content-type': 'application/pdf' } });
    assert.equal(r.status, 422, r.text);
    assert.equal(r.data.error.code, 'classified_refused');
    assert.equal(r.data.error.message, CLASSIFIED_MESSAGE);
  }
  assert.deepEqual(storedFiles(internet), []);
  assert.deepEqual(tmpFiles(internet), []);
  const ok = await sec.request('POST', `/api/v1/meetings/${m}/documents?name=thuong.pdf`,
    { body: pdf(), headers: { 'content-type': 'application/pdf' } });
  assert.equal(ok.status, 201, 'unclassified documents are fine there');

  const r = await upload(clients.secretariat, { name: 'mat.pdf', classification: 'toi_mat' }, pdf());
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.document.classification, 'toi_mat');
  const pub = await upload(clients.secretariat, { name: 'mat.pdf', classification: 'mat', public: 'true' }, pdf());
  assert.equal(pub.status, 400);
  assert.match(pub.data.error.message, /classified document \(Mật\) cannot be public/);
});

test('an access list: others get 403 and no event about the document reaches them', async () => {
  const doc = await newDocument({ classification: 'mat' });
  const access = await clients.secretariat.request('PUT', `/api/v1/documents/${doc.id}/access`,
    { json: { users: [users.member2], roles: ['chair'] } });
  assert.equal(access.status, 200, access.text);
  assert.equal(access.data.access.restricted, true);
  assert.deepEqual(access.data.access.users.map((u) => u.id), [users.member2]);
  const stranger = await clients.secretariat.request('PUT', `/api/v1/documents/${doc.id}/access`, { json: { users: [users.outsider] } });
  assert.equal(stranger.status, 400);
  assert.match(stranger.data.error.message, /has no role in body/);

  // Members follow the meeting live from before the release.
  const last = Number(psql(`SELECT event_seq FROM meetings WHERE id = ${meeting}`));
  const sockets = {};
  for (const who of ['member', 'member2']) {
    sockets[who] = await clients[who].websocket();
    await sockets[who].next((m) => m.type === 'welcome');
    sockets[who].sendJson({ type: 'subscribe', id: 1, meeting_id: meeting, after_seq: last });
    await sockets[who].next((m) => m.type === 'subscribed');
  }
  const rel = await release(doc.id);
  assert.equal(rel.document.released_version, 1);
  assert.match(rel.journal.hash, /^[0-9a-f]{64}$/);

  const row = psql(`SELECT seq || '|' || coalesce(array_to_string(audience, ','), 'ALL') || '|' || is_public
    FROM meeting_events WHERE kind = 'document.released' AND (payload->>'document_id')::bigint = ${doc.id}`);
  const [seq, audience, isPublic] = row.split('|');
  const aud = audience.split(',').map(Number);
  assert.ok(aud.includes(users.member2) && aud.includes(users.chair) && aud.includes(users.secretariat), row);
  assert.ok(!aud.includes(users.member) && !aud.includes(users.guest), `member ${users.member} must not be in ${row}`);
  assert.equal(isPublic, 'false');
  // Over /ws: the listed member gets the event, the other only a numbered stand-in.
  const seen = await sockets.member2.next((m) => m.type === 'event' && m.seq === Number(seq));
  assert.equal(seen.kind, 'document.released');
  assert.equal(seen.payload.sha256, doc.versions[0].sha256);
  assert.equal(seen.payload.title, undefined, 'a classified title stays out of the record');
  const hidden = await sockets.member.next((m) => m.type === 'event' && m.seq === Number(seq));
  assert.deepEqual(Object.keys(hidden).sort(), ['kind', 'meeting_id', 'seq', 'type']);
  assert.equal(hidden.kind, 'hidden');
  for (const s of Object.values(sockets)) s.close();
  // The listed member finds it in their notifications, without the classified title; the other
  // member finds nothing of it.
  const noticeOf = async (who) => (await clients[who].get('/api/v1/notifications')).data.notifications
    .filter((n) => n.kind === 'document.released' && n.payload.document_id === doc.id);
  const [listed] = await noticeOf('member2');
  assert.ok(listed, 'the listed member is notified');
  assert.match(listed.text, /^Tài liệu mới \(/);
  assert.ok(!listed.text.includes(doc.title), listed.text);
  assert.equal(listed.meeting_id, meeting);
  assert.deepEqual(await noticeOf('member'), []);

  // The journal holds the release with the document's SHA-256.
  const entry = psql(`SELECT entry FROM meeting_journal WHERE meeting_id = ${meeting} AND seq = ${rel.journal.seq}`);
  assert.match(entry, /document\.released/);
  assert.ok(entry.includes(doc.versions[0].sha256));

  const before = snapshot();
  for (const p of [`/api/v1/documents/${doc.id}`, `/api/v1/documents/${doc.id}/content`, `/api/v1/documents/${doc.id}/versions/1/content`,
    `/api/v1/documents/${doc.id}/note`, `/api/v1/documents/${doc.id}/consultations`]) {
    const r = await clients.member.get(p);
    assert.equal(r.status, 403, `${p}: ${r.text}`);
    assert.match(r.data.error.message, /restricted to the people on its access list/);
  }
  assert.equal((await clients.guest.get(`/api/v1/documents/${doc.id}/content`)).status, 403);
  assert.equal(snapshot(), before, 'a refused download records nothing');
  assert.ok(!(await clients.member.get(`/api/v1/meetings/${meeting}/documents`)).data.documents.some((x) => x.id === doc.id));
  assert.equal((await clients.member2.get(`/api/v1/documents/${doc.id}/content`)).status, 200);
  assert.equal((await clients.chair.get(`/api/v1/documents/${doc.id}/content`)).status, 200);
  const cls = await clients.member2.get(`/api/v1/documents/${doc.id}/content`);
  assert.equal(cls.headers.get('cache-control'), 'no-store', 'classified content is not kept by browsers');
});

test('download: ETag is the SHA-256, If-None-Match gives 304, one Range gives 206, a bad one 416', async () => {
  const body = pdf(100000);
  const doc = await newDocument({ title: 'Báo cáo thẩm tra' }, body);
  await release(doc.id);
  const c = clients.member;
  const full = await fetch(`${server.url}/api/v1/documents/${doc.id}/content`, { headers: { cookie: c.cookieHeader() } });
  assert.equal(full.status, 200);
  assert.deepEqual(Buffer.from(await full.arrayBuffer()), body);
  assert.equal(full.headers.get('etag'), `"${sha256(body)}"`);
  assert.equal(full.headers.get('accept-ranges'), 'bytes');
  assert.equal(full.headers.get('content-type'), 'application/pdf');
  const etag = full.headers.get('etag');
  const cached = await c.get(`/api/v1/documents/${doc.id}/content`, { headers: { 'if-none-match': etag } });
  assert.equal(cached.status, 304);
  assert.equal(cached.text, '');
  const part = await fetch(`${server.url}/api/v1/documents/${doc.id}/versions/1/content`,
    { headers: { cookie: c.cookieHeader(), range: 'bytes=1000-1999' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 1000-1999/${body.length}`);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), body.subarray(1000, 2000));
  assert.equal(part.headers.get('cache-control'), 'private, max-age=86400');
  const tail = await fetch(`${server.url}/api/v1/documents/${doc.id}/content`, { headers: { cookie: c.cookieHeader(), range: 'bytes=-10' } });
  assert.deepEqual(Buffer.from(await tail.arrayBuffer()), body.subarray(body.length - 10));
  const bad = await c.get(`/api/v1/documents/${doc.id}/content`, { headers: { range: `bytes=${body.length}-` } });
  assert.equal(bad.status, 416);
  assert.equal(bad.headers.get('content-range'), `bytes */${body.length}`);
  const stale = await fetch(`${server.url}/api/v1/documents/${doc.id}/content`,
    { headers: { cookie: c.cookieHeader(), range: 'bytes=0-9', 'if-range': '"0000"' } });
  assert.equal(stale.status, 200, 'If-Range with another ETag sends the whole file');
  await stale.arrayBuffer();
  const attach = await c.get(`/api/v1/documents/${doc.id}/content?download=1`);
  assert.match(attach.headers.get('content-disposition'), /^attachment; /);
  assert.equal((await c.get(`/api/v1/documents/${doc.id}/versions/2/content`)).status, 404);
  // A new version is the secretariat's until released; members keep getting version 1.
  const v2 = await upload(clients.secretariat, { name: 'v2.pdf' }, pdf(), { to: `/api/v1/documents/${doc.id}/versions` });
  assert.equal(v2.status, 201);
  assert.equal((await c.get(`/api/v1/documents/${doc.id}/content`)).headers.get('etag'), etag);
  assert.equal((await c.get(`/api/v1/documents/${doc.id}/versions/2/content`)).status, 404);
  const rel2 = await release(doc.id);
  assert.equal(rel2.document.released_version, 2);
  assert.notEqual((await c.get(`/api/v1/documents/${doc.id}/content`)).headers.get('etag'), etag);
  const again = await clients.secretariat.post(`/api/v1/documents/${doc.id}/release`, { version: 2 });
  assert.equal(again.status, 409);
});

test('a read receipt on the first open only, told to the secretariat only', async () => {
  const doc = await newDocument();
  await release(doc.id);
  const events = () => psql(`SELECT count(*) FROM meeting_events WHERE kind = 'document.opened' AND (payload->>'document_id')::bigint = ${doc.id}`);
  assert.equal((await clients.member.get(`/api/v1/documents/${doc.id}/content`)).status, 200);
  assert.equal((await clients.member.get(`/api/v1/documents/${doc.id}/content`, { headers: { range: 'bytes=0-1' } })).status, 206);
  assert.equal((await clients.member.get(`/api/v1/documents/${doc.id}/content`)).status, 200);
  assert.equal((await clients.secretariat.get(`/api/v1/documents/${doc.id}/content`)).status, 200);
  assert.equal(psql(`SELECT count(*) FROM document_receipts WHERE document_id = ${doc.id}`), '1');
  assert.equal(events(), '1');
  const aud = psql(`SELECT array_to_string(audience, ',') FROM meeting_events WHERE kind = 'document.opened' AND (payload->>'document_id')::bigint = ${doc.id}`).split(',').map(Number);
  assert.ok(aud.includes(users.secretariat) && !aud.includes(users.member) && !aud.includes(users.chair));
  const receipts = await clients.chair.get(`/api/v1/documents/${doc.id}/receipts`);
  assert.equal(receipts.status, 200);
  assert.equal(receipts.data.opened, 1);
  const mine = receipts.data.receipts.find((x) => x.user_id === users.member);
  assert.ok(mine.opened_at);
  assert.equal(receipts.data.receipts.find((x) => x.user_id === users.member2).opened_at, null, 'who has not read it yet');
  assert.equal((await clients.member.get(`/api/v1/documents/${doc.id}/receipts`)).status, 403);
  const list = (await clients.member.get(`/api/v1/meetings/${meeting}/documents`)).data.documents.find((x) => x.id === doc.id);
  assert.ok(list.opened_at);
});

test('private notes are the member\'s own', async () => {
  const doc = await newDocument();
  await release(doc.id);
  const put = await clients.member.request('PUT', `/api/v1/documents/${doc.id}/note`, { json: { text: 'Điều 3 cần làm rõ nguồn kinh phí.' } });
  assert.equal(put.status, 200, put.text);
  assert.equal((await clients.member.get(`/api/v1/documents/${doc.id}/note`)).data.note.text, 'Điều 3 cần làm rõ nguồn kinh phí.');
  for (const other of ['member2', 'chair', 'secretariat', 'admin']) {
    const r = await clients[other].get(`/api/v1/documents/${doc.id}/note`);
    assert.equal(r.status, 200);
    assert.equal(r.data.note.text, '', `${other} sees an empty note of their own`);
  }
  assert.equal(psql(`SELECT count(*) FROM meeting_events WHERE payload::text LIKE '%kinh phí%'`), '0', 'notes are never announced');
  const cleared = await clients.member.request('PUT', `/api/v1/documents/${doc.id}/note`, { json: { text: '' } });
  assert.equal(cleared.data.note.text, '');
  assert.equal(psql(`SELECT count(*) FROM document_notes WHERE document_id = ${doc.id}`), '0');
  const long = await clients.member.request('PUT', `/api/v1/documents/${doc.id}/note`, { json: { text: 'x'.repeat(20001) } });
  assert.equal(long.status, 400);
});

test('a written consultation: one answer per member, none after the deadline', async () => {
  const doc = await newDocument({ kind: 'du_thao_nghi_quyet' });
  const early = await clients.secretariat.post(`/api/v1/documents/${doc.id}/consultations`,
    { question: 'Q?', deadline: new Date(Date.now() + 60000).toISOString() });
  assert.equal(early.status, 409, 'members must be able to read the draft first');
  await release(doc.id);
  const past = await clients.secretariat.post(`/api/v1/documents/${doc.id}/consultations`, { question: 'Q?', deadline: '2020-01-01T00:00:00Z' });
  assert.equal(past.status, 400);
  const deadline = new Date(Date.now() + 4000);
  const c = await clients.secretariat.post(`/api/v1/documents/${doc.id}/consultations`,
    { question: 'Đồng chí có đồng ý với dự thảo Nghị quyết không?', deadline: deadline.toISOString() });
  assert.equal(c.status, 201, c.text);
  const id = c.data.consultation.id;
  assert.equal(c.data.consultation.open, true);
  // Every member is told, in their notifications, of the release and of the question's deadline;
  // the secretariat who asked is not.
  const notes = (await clients.member.get('/api/v1/notifications')).data.notifications;
  const released = notes.find((n) => n.kind === 'document.released' && n.payload.document_id === doc.id);
  assert.ok(released, JSON.stringify(notes));
  assert.match(released.text, /^Tài liệu mới «/);
  const asked = notes.find((n) => n.kind === 'consultation.opened' && n.payload.consultation_id === id);
  assert.ok(asked, JSON.stringify(notes));
  assert.match(asked.text, /^Xin ý kiến bằng văn bản, hạn \d\dh\d\d ngày \d\d\/\d\d\/\d{4}: /);
  assert.equal(asked.read_at ?? null, null);
  assert.ok(!(await clients.secretariat.get('/api/v1/notifications')).data.notifications
    .some((n) => n.kind === 'consultation.opened' && n.payload.consultation_id === id));
  const ans = await clients.member.post(`/api/v1/consultations/${id}/answer`, { choice: 'agree', comment: 'Nhất trí.' });
  assert.equal(ans.status, 201, ans.text);
  assert.equal(ans.data.consultation.my_answer.choice, 'agree');
  const before = snapshot();
  const twice = await clients.member.post(`/api/v1/consultations/${id}/answer`, { choice: 'disagree' });
  assert.equal(twice.status, 409);
  assert.equal(twice.data.error.code, 'already_answered');
  const bad = await clients.member2.post(`/api/v1/consultations/${id}/answer`, { choice: 'maybe' });
  assert.equal(bad.status, 400);
  const guest = await clients.guest.post(`/api/v1/consultations/${id}/answer`, { choice: 'agree' });
  assert.equal(guest.status, 403);
  const sec = await clients.secretariat.post(`/api/v1/consultations/${id}/answer`, { choice: 'agree' });
  assert.equal(sec.status, 403);
  assert.equal(snapshot(), before);
  assert.equal((await clients.chair.post(`/api/v1/consultations/${id}/answer`, { choice: 'other', comment: 'Đề nghị sửa Điều 2.' })).status, 201);
  await sleep(Math.max(0, deadline.getTime() - Date.now() + 300));
  const late = await clients.member2.post(`/api/v1/consultations/${id}/answer`, { choice: 'disagree' });
  assert.equal(late.status, 409);
  assert.equal(late.data.error.code, 'closed');
  // The database refuses a late answer by itself too.
  assert.throws(() => psql(`INSERT INTO consultation_answers (consultation_id, user_id, choice) VALUES (${id}, ${users.member3}, 'agree')`), /closed at its deadline/);
  assert.throws(() => psql(`UPDATE consultation_answers SET choice = 'disagree' WHERE consultation_id = ${id}`), /append-only/);
  const results = await clients.chair.get(`/api/v1/consultations/${id}/results`);
  assert.equal(results.status, 200);
  assert.deepEqual(results.data.counts, { agree: 1, disagree: 0, other: 1, not_answered: 48 });
  assert.equal(results.data.consultation.open, false);
  assert.equal(results.data.answers.find((a) => a.user_id === users.member).comment, 'Nhất trí.');
  assert.equal((await clients.member.get(`/api/v1/consultations/${id}/results`)).status, 403);
  const mine = await clients.member.get(`/api/v1/consultations/${id}`);
  assert.equal(mine.data.consultation.my_answer.comment, 'Nhất trí.');
});

test('every route, every role: the allowed succeed, the others get 403 and nothing changes', async () => {
  // A public document everyone with a role may open, so that only the route's roles decide.
  const doc = await newDocument({ public: 'true' });
  await release(doc.id);
  const cons = await clients.secretariat.post(`/api/v1/documents/${doc.id}/consultations`,
    { question: 'Ý kiến?', deadline: new Date(Date.now() + 3600000).toISOString() });
  assert.equal(cons.status, 201);
  const cid = cons.data.consultation.id;
  const ALL = ['admin', 'secretariat', 'chair', 'member', 'guest'];
  const MANAGERS = ['admin', 'secretariat'];
  const READERS = ['admin', 'secretariat', 'chair'];
  const D = `/api/v1/documents/${doc.id}`;
  const routes = [
    ['POST', `/api/v1/meetings/${meeting}/documents`, MANAGERS, 201, (c) => upload(c, { name: 'r.pdf' }, pdf())],
    ['GET', `/api/v1/meetings/${meeting}/documents`, ALL, 200],
    ['GET', D, ALL, 200],
    ['POST', `${D}/versions`, MANAGERS, 201, (c) => upload(c, { name: 'v.pdf' }, pdf(), { to: `${D}/versions` })],
    ['GET', `${D}/content`, ALL, 200],
    ['GET', `${D}/versions/1/content`, ALL, 200],
    ['POST', `${D}/release`, MANAGERS, 200, (c) => c.post(`${D}/release`, {}), async () => {
      // each release needs a version not yet released
      const v = await upload(clients.secretariat, { name: 'n.pdf' }, pdf(), { to: `${D}/versions` });
      assert.equal(v.status, 201);
    }],
    ['GET', `${D}/access`, MANAGERS, 200],
    ['PUT', `${D}/access`, MANAGERS, 200, (c) => c.request('PUT', `${D}/access`, { json: { users: [], roles: [] } })],
    ['GET', `${D}/receipts`, READERS, 200],
    ['GET', `${D}/note`, ALL, 200],
    ['PUT', `${D}/note`, ALL, 200, (c) => c.request('PUT', `${D}/note`, { json: { text: 'ghi chú' } })],
    ['POST', `${D}/consultations`, MANAGERS, 201,
      (c) => c.post(`${D}/consultations`, { question: 'Q', deadline: new Date(Date.now() + 3600000).toISOString() })],
    ['GET', `${D}/consultations`, ALL, 200],
    ['GET', `/api/v1/consultations/${cid}`, ALL, 200],
    ['POST', `/api/v1/consultations/${cid}/answer`, ['chair', 'member'], 201, (c) => c.post(`/api/v1/consultations/${cid}/answer`, { choice: 'agree' })],
    ['GET', `/api/v1/consultations/${cid}/results`, READERS, 200],
  ];
  const call = (c, [method, p, , , make]) => (make ? make(c) : c.request(method, p, method === 'GET' ? {} : { json: {} }));
  for (const route of routes) {
    const [method, p, allowed, okStatus, , prepare] = route;
    for (const role of [...ALL, 'outsider', 'anon']) {
      if (prepare) await prepare();
      const before = snapshot();
      const r = await call(clients[role], route);
      const label = `${method} ${p} as ${role}`;
      if (allowed.includes(role)) {
        assert.equal(r.status, okStatus, `${label}: ${r.text}`);
      } else {
        assert.equal(r.status, role === 'anon' ? 401 : 403, `${label}: ${r.text}`);
        if (role !== 'anon' && role !== 'outsider') assert.match(r.data.error.message, /needs the role/, label);
        await sleep(50);
        assert.equal(snapshot(), before, `${label} changed something`);
      }
    }
  }
  assert.equal((await clients.member.get('/api/v1/documents/999999')).status, 404);
  assert.equal((await clients.member.get('/api/v1/consultations/999999')).status, 404);
});

test('a new version refuses document metadata; an unknown agenda item is refused before the body', async () => {
  const doc = await newDocument();
  const r = await upload(clients.secretariat, { name: 'v.pdf', classification: 'mat' }, pdf(), { to: `/api/v1/documents/${doc.id}/versions` });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /a new version takes only 'name'/);
  const before = snapshot();
  const item = await upload(clients.secretariat, { name: 'x.pdf', agenda_item: 999999 }, pdf());
  assert.equal(item.status, 400);
  assert.match(item.data.error.message, /agenda item 999999 is not on the agenda/);
  const noName = await clients.secretariat.request('POST', `/api/v1/meetings/${meeting}/documents`, { body: pdf() });
  assert.equal(noName.status, 400);
  assert.match(noName.data.error.message, /missing query argument 'name'/);
  const csrf = await clients.secretariat.request('POST', `/api/v1/meetings/${meeting}/documents?name=x.pdf`, { body: pdf(), csrf: false });
  assert.equal(csrf.status, 403);
  assert.equal(csrf.data.error.code, 'csrf');
  const cross = await clients.secretariat.request('POST', `/api/v1/meetings/${meeting}/documents?name=x.pdf`,
    { body: pdf(), headers: { origin: 'https://evil.example' } });
  assert.equal(cross.status, 403);
  await waitFor(() => tmpFiles().length === 0, { what: 'temporary files to go' });
  assert.equal(snapshot(), before);
});

test('uploads run side by side and keep the server\'s memory bounded', async (t) => {
  const bounded = !sanitized(server.proc.pid); // AddressSanitizer keeps freed buffers in quarantine
  const rss = () => Number(fs.readFileSync(`/proc/${server.proc.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) * 1024;
  const before = rss();
  const bodies = Array.from({ length: 4 }, () => pdf(12 * 1024 * 1024));
  const results = await Promise.all(bodies.map((b, i) => upload(clients.secretariat, { name: `lon-${i}.pdf` }, b)));
  for (const [i, r] of results.entries()) {
    assert.equal(r.status, 201, r.text);
    assert.equal(r.data.document.versions[0].sha256, sha256(bodies[i]));
  }
  const grown = rss() - before;
  if (!bounded) {
    t.diagnostic(`memory not checked under AddressSanitizer (grew ${(grown / 1048576).toFixed(1)} MiB)`);
    return;
  }
  assert.ok(grown < 24 * 1024 * 1024, `48 MiB uploaded at once grew the server by ${(grown / 1048576).toFixed(1)} MiB`);
});
