// The public read of a public meeting without signing in (GET /api/v1/public/meetings/{id}), what
// a closed meeting, a closed item and a closed sitting keep from it, the speaker's title in floor
// events, and hall screens bound to a site by a token of the secretariat (docs/api.yaml,
// docs/live-protocol.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MeetingWorld } from './meeting-fixtures.mjs';
import { openSocket, sourceDir, waitFor } from '../common/harness.mjs';

let w;
const pub = (id) => `/api/v1/public/meetings/${id}`;

before(async () => {
  w = await MeetingWorld.start();
});
after(async () => {
  await w?.stop();
});

function pdf() {
  return Buffer.concat([Buffer.from(`%PDF-1.7\n% public ${Date.now()}\n`), crypto.randomBytes(2000)]);
}
async function document(id, query) {
  const qs = new URLSearchParams({ name: `tai-lieu-${crypto.randomUUID()}.pdf`, ...query }).toString();
  const r = await w.actors.secretariat.request('POST', `/api/v1/meetings/${id}/documents?${qs}`,
    { body: pdf(), headers: { 'content-type': 'application/octet-stream' } });
  assert.equal(r.status, 201, r.text);
  const rel = await w.actors.secretariat.post(`/api/v1/documents/${r.data.document.id}/release`, {});
  assert.equal(rel.status, 200, rel.text);
  return r.data.document.id;
}
async function checkIn(id, who) {
  const r = await w.actors[who].post(`/api/v1/meetings/${id}/attendance/check-in`, { mode: 'online' });
  assert.ok(r.status === 200 || r.status === 201, r.text);
}
async function namedVote(id, item, title, ballots) {
  const chair = w.actors.chair;
  let r = await chair.post(`/api/v1/meetings/${id}/polls`, { title, subject: 'motion', form: 'named', agenda_item_id: item });
  assert.equal(r.status, 201, r.text);
  const poll = r.data.poll.id;
  r = await chair.post(`/api/v1/meetings/${id}/polls/${poll}/open`, {});
  assert.equal(r.status, 200, r.text);
  for (const [who, choice] of ballots) {
    const b = await w.actors[who].post(`/api/v1/meetings/${id}/polls/${poll}/ballots`, { choice, idempotency_key: crypto.randomUUID() });
    assert.ok(b.status === 200 || b.status === 201, b.text);
  }
  r = await chair.post(`/api/v1/meetings/${id}/polls/${poll}/close`, {});
  assert.equal(r.status, 200, r.text);
  return poll;
}

test('a public meeting reads without signing in: the agenda built as a draft, sittings, body, last_seq', async () => {
  const m = await w.meeting({ status: 'scheduled', title: 'Kỳ họp công khai' });
  const anon = w.actors.anonymous;
  const r = await anon.get(pub(m.id));
  assert.equal(r.status, 200, r.text);
  const v = r.data;
  assert.equal(v.meeting.title, 'Kỳ họp công khai');
  assert.equal(v.meeting.status, 'scheduled');
  assert.equal(v.meeting.location, 'Hội trường chính');
  assert.equal(v.meeting.body.name, 'Hội đồng nhân dân tỉnh Sơn Hà');
  assert.deepEqual(v.agenda.map((i) => i.title), ['Khai mạc', 'Thảo luận']);
  assert.equal(v.sittings.length, 1);
  assert.equal(v.speaker, null);
  assert.deepEqual(v.polls, []);
  assert.equal(v.last_seq, Number(w.sql(`SELECT event_seq FROM meetings WHERE id = ${m.id}`)));
  // Nothing of the members' business.
  for (const key of ['my_invitation', 'invitations', 'agenda_version', 'term_id']) assert.ok(!(key in v) && !(key in v.meeting), key);

  // Caching for a page watched by many: a strong ETag and a short max-age; a repeat is 304.
  assert.match(r.headers.get('etag'), /^"[0-9a-f]{32}"$/);
  assert.equal(r.headers.get('cache-control'), 'public, max-age=5');
  const again = await anon.get(pub(m.id), { headers: { 'if-none-match': r.headers.get('etag') } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
  // A change makes a new ETag.
  await w.actors.secretariat.request('PATCH', `/api/v1/meetings/${m.id}`, { json: { location: 'Hội trường B' } });
  const changed = await anon.get(pub(m.id), { headers: { 'if-none-match': r.headers.get('etag') } });
  assert.equal(changed.status, 200);
  assert.equal(changed.data.meeting.location, 'Hội trường B');
  // A signed-in member reads the same public view.
  assert.equal((await w.actors.member.get(pub(m.id))).data.meeting.id, m.id);
});

test('a closed-door meeting, a draft and a missing meeting are one and the same 404', async () => {
  const closed = await w.meeting({ status: 'open', isPublic: false, title: 'Họp kín về nhân sự' });
  const draft = await w.meeting({ status: 'draft', title: 'Dự thảo bí mật' });
  const answers = [];
  for (const id of [closed.id, draft.id, 999999]) {
    const r = await w.actors.anonymous.get(pub(id));
    assert.equal(r.status, 404);
    assert.equal(r.data.error.code, 'not_found');
    answers.push(r.data.error.message.replace(/\d+/, 'N'));
    assert.ok(!r.text.includes('nhân sự') && !r.text.includes('bí mật'));
  }
  assert.equal(new Set(answers).size, 1, 'the answers tell nothing apart');
  // Not even for a member of the body: the public read is the public's.
  assert.equal((await w.actors.member.get(pub(closed.id))).status, 404);
});

test('every GET route of docs/api.yaml, anonymously, leaks nothing of a closed-door meeting', async () => {
  const secret = 'Họp kín về kỷ luật cán bộ';
  const m = await w.meeting({ status: 'open', isPublic: false, title: secret });
  const doc = await document(m.id, { title: 'Hồ sơ kỷ luật', public: 'false' });
  const before = await w.snapshot();
  const yaml = fs.readFileSync(path.join(sourceDir, 'docs', 'api.yaml'), 'utf8');
  const paths = [...yaml.matchAll(/^ {2}(\/api\/v1\/[^:]+):\n((?: {4}.*\n|\n)*)/gm)]
    .filter(([, , body]) => /^ {4}get:/m.test(body)).map(([, p]) => p);
  assert.ok(paths.length > 20, `${paths.length} GET routes found`);
  for (const p of paths) {
    let n = 0;
    const url = p.replace(/\{[^}]+\}/g, () => (n++ === 0 ? (/documents|consultations/.test(p) ? doc : m.id) : 1));
    const r = await w.actors.anonymous.get(url);
    assert.ok([401, 404, 400].includes(r.status) || (r.status === 200 && !r.text.includes(secret)),
      `${url}: ${r.status} ${r.text.slice(0, 200)}`);
    assert.ok(!r.text.includes(secret) && !r.text.includes('Hồ sơ kỷ luật'), `${url} leaks`);
  }
  assert.equal(await w.snapshot(), before, 'anonymous reads changed nothing');
  // The live feed refuses the public too.
  const ws = await w.actors.anonymous.websocket();
  ws.sendJson({ type: 'subscribe', id: 1, meeting_id: m.id });
  const e = await ws.next((x) => x.type === 'error');
  assert.equal(e.code, 'forbidden');
  ws.close();
});

test('closed items and sittings show their title only; public results carry the law\'s wording and named choices', async () => {
  const m = await w.meeting({ status: 'open', title: 'Kỳ họp thường lệ' });
  const [open, closed] = m.items;
  const chair = w.actors.chair;
  // The second item is closed (họp kín); a third sits in a closed sitting.
  let r = await chair.post(`/api/v1/meetings/${m.id}/agenda/${closed}/visibility`, { is_public: false });
  assert.equal(r.status, 200, r.text);
  const s2 = await w.actors.secretariat.post(`/api/v1/meetings/${m.id}/sittings`, { title: 'Phiên chiều (kín)', is_public: false });
  assert.equal(s2.status, 201, s2.text);
  const v0 = (await w.actors.secretariat.get(`/api/v1/meetings/${m.id}/agenda`)).data.agenda_version;
  r = await w.actors.secretariat.post(`/api/v1/meetings/${m.id}/agenda`, { agenda_version: v0, title: 'Miễn nhiệm', sitting_id: s2.data.sitting.id });
  assert.equal(r.status, 201, r.text);
  const third = r.data.item_id;

  const publicDoc = await document(m.id, { title: 'Tờ trình công khai', public: 'true', agenda_item: open });
  await document(m.id, { title: 'Tờ trình mục kín', public: 'true', agenda_item: closed });
  await document(m.id, { title: 'Báo cáo nội bộ', public: 'false', agenda_item: open });

  for (const who of ['chair', 'member', 'member2']) await checkIn(m.id, who);
  const pollOpen = await namedVote(m.id, open, 'Thông qua chương trình', [['chair', 'for'], ['member', 'for'], ['member2', 'against']]);
  const pollClosed = await namedVote(m.id, closed, 'Biểu quyết mục kín', [['chair', 'for']]);
  const pollSitting = await namedVote(m.id, third, 'Biểu quyết phiên kín', [['chair', 'for']]);

  // The floor while the closed item is current: not public.
  r = await chair.post(`/api/v1/meetings/${m.id}/agenda/current`, { item_id: closed });
  assert.equal(r.status, 200, r.text);
  r = await w.actors.member.post(`/api/v1/meetings/${m.id}/floor/requests`, { kind: 'speech' });
  assert.equal(r.status, 201, r.text);
  r = await chair.post(`/api/v1/meetings/${m.id}/floor/grant`, {});
  assert.equal(r.status, 200, r.text);

  let v = (await w.actors.anonymous.get(pub(m.id))).data;
  assert.deepEqual(v.agenda.map((i) => [i.title, i.is_public]),
    [['Khai mạc', true], ['Thảo luận', false], ['Miễn nhiệm', true]]);
  assert.equal(v.sittings.find((s) => s.title === 'Phiên chiều (kín)').is_public, false);
  assert.deepEqual(v.documents.map((d) => d.title), ['Tờ trình công khai']);
  assert.equal(v.documents[0].id, publicDoc);
  assert.equal(v.speaker, null, 'no speaker shown during a closed item');
  assert.deepEqual(v.polls.map((p) => p.id), [pollOpen]);
  const p = v.polls[0];
  assert.equal(p.state, 'closed');
  assert.equal(p.passed, false, '2 of 50 is not more than half of all members');
  assert.ok(p.wording.vi.some((l) => /tán thành/.test(l)), p.wording.vi.join('\n'));
  assert.ok(p.wording.en.length > 0);
  assert.deepEqual(p.named.filter((x) => x.choice).map((x) => [x.user_id, x.choice, x.choice_vi]).sort(),
    [[w.actors.chair.userId, 'for', 'tán thành'], [w.actors.member.userId, 'for', 'tán thành'], [w.actors.member2.userId, 'against', 'không tán thành']].sort());
  assert.equal(p.named.length, 50, 'the whole roster, those who did not vote included');
  // The public document's bytes, without signing in; the others are 404 alike.
  const content = await w.actors.anonymous.get(`/api/v1/public/documents/${publicDoc}/content`);
  assert.equal(content.status, 200);
  assert.equal(content.headers.get('cache-control'), 'public, max-age=300');
  assert.equal(content.headers.get('etag'), `"${v.documents[0].sha256}"`);
  const all = (await w.actors.secretariat.get(`/api/v1/meetings/${m.id}/documents`)).data.documents;
  for (const d of all.filter((x) => x.id !== publicDoc)) {
    assert.equal((await w.actors.anonymous.get(`/api/v1/public/documents/${d.id}/content`)).status, 404, d.title);
  }
  assert.equal(w.sql(`SELECT count(*) FROM document_receipts WHERE document_id = ${publicDoc}`), '0', 'no receipt for the public');
  const body = JSON.stringify(v);
  for (const s of ['Tờ trình mục kín', 'Báo cáo nội bộ', 'Biểu quyết mục kín', 'Biểu quyết phiên kín']) assert.ok(!body.includes(s), s);

  // The events agree: the closed item's floor and votes never reached the public.
  const events = w.events(m.id);
  for (const e of events) {
    if (e.kind.startsWith('floor.')) assert.equal(e.is_public, false, `${e.seq} ${e.kind}`);
    if (e.kind.startsWith('vote.') && [pollClosed, pollSitting].includes(e.payload.poll_id)) assert.equal(e.is_public, false, `${e.seq} ${e.kind}`);
    if (e.kind === 'vote.closed' && e.payload.poll_id === pollOpen) assert.equal(e.is_public, true);
  }
  const released = events.filter((e) => e.kind === 'document.released');
  assert.deepEqual(released.map((e) => [e.payload.title, e.is_public]),
    [['Tờ trình công khai', true], ['Tờ trình mục kín', false], ['Báo cáo nội bộ', false]]);
  // The speaker's title is in the turn.
  const granted = events.find((e) => e.kind === 'floor.granted');
  assert.equal(granted.payload.title, w.sql(`SELECT title FROM users WHERE id = ${w.actors.member.userId}`));
  assert.equal(granted.payload.full_name, w.sql(`SELECT full_name FROM users WHERE id = ${w.actors.member.userId}`));

  // Back on the public item, the speaker shows with name and title.
  r = await chair.post(`/api/v1/meetings/${m.id}/floor/revoke`, {});
  assert.equal(r.status, 200, r.text);
  r = await chair.post(`/api/v1/meetings/${m.id}/agenda/current`, { item_id: open });
  assert.equal(r.status, 200, r.text);
  r = await w.actors.member2.post(`/api/v1/meetings/${m.id}/floor/requests`, { kind: 'question' });
  assert.equal(r.status, 201, r.text);
  r = await chair.post(`/api/v1/meetings/${m.id}/floor/grant`, {});
  assert.equal(r.status, 200, r.text);
  v = (await w.actors.anonymous.get(pub(m.id))).data;
  assert.equal(v.meeting.current_item_id, open);
  assert.equal(v.speaker.user_id, w.actors.member2.userId);
  assert.equal(v.speaker.kind, 'question');
  assert.equal(v.speaker.title, w.sql(`SELECT title FROM users WHERE id = ${w.actors.member2.userId}`));
  assert.ok(!('request_id' in v.speaker));
  const last = w.events(m.id).filter((e) => e.kind === 'floor.granted').at(-1);
  assert.equal(last.is_public, true);
  assert.equal(last.payload.title, v.speaker.title);

  // A public client on /ws follows from last_seq and sees the next turn live.
  const ws = await w.actors.anonymous.websocket();
  ws.sendJson({ type: 'subscribe', id: 1, meeting_id: m.id, after_seq: v.last_seq });
  const sub = await ws.next((x) => x.type === 'subscribed');
  assert.equal(sub.access, 'public');
  await chair.post(`/api/v1/meetings/${m.id}/floor/revoke`, {});
  const ended = await ws.next((x) => x.type === 'event' && x.kind === 'floor.ended');
  assert.equal(ended.payload.title, v.speaker.title);
  ws.close();
});

test('hall screens: issued by the secretariat for a site, bound on /ws, joined as the site, revoked', async () => {
  const m = await w.meeting({ status: 'open', isPublic: false, title: 'Họp kín có điểm cầu' });
  const url = `/api/v1/meetings/${m.id}/screens`;
  const sec = w.actors.secretariat;
  // Who may issue, and what is checked.
  assert.equal((await w.actors.anonymous.post(url, { site_id: w.remoteHall })).status, 401);
  assert.equal((await w.actors.member.post(url, { site_id: w.remoteHall })).status, 403);
  assert.equal((await w.actors.chair.post(url, { site_id: w.remoteHall })).status, 403);
  const otherSite = Number(w.sql(`SELECT min(id) FROM sites WHERE body_id <> ${w.council}`)) || 999999;
  const before = await w.snapshot();
  for (const [body, re] of [
    [{}, /missing field 'site_id'/],
    [{ site_id: otherSite }, /has no site/],
    [{ site_id: w.remoteHall, hours: 0 }, /field 'hours' must be from 1 to 72/],
    [{ site_id: w.remoteHall, hours: 73 }, /field 'hours' must be from 1 to 72/],
    [{ site_id: w.remoteHall, label: 'x'.repeat(201) }, /field 'label' too long/],
    [{ site_id: w.remoteHall, colour: 'red' }, /colour/],
  ]) {
    const r = await sec.post(url, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.data.error.message, re);
  }
  assert.equal(await w.snapshot(), before, 'refusals stored nothing');

  const issued = await sec.post(url, { site_id: w.remoteHall, hours: 2, label: 'Màn hình hội trường xã' });
  assert.equal(issued.status, 201, issued.text);
  assert.equal(issued.headers.get('cache-control'), 'no-store');
  const { token, screen } = issued.data;
  assert.match(token, /^[A-Za-z0-9_-]{40,}$/);
  assert.equal(screen.site_id, w.remoteHall);
  assert.equal(screen.active, true);
  assert.ok(Date.parse(screen.expires_at) - Date.now() > 1.9 * 3600e3);
  const list = await sec.get(url);
  assert.equal(list.data.screens.length, 1);
  assert.ok(!list.text.includes(token), 'the token is shown once, never listed');
  assert.equal(w.sql(`SELECT count(*) FROM site_screens WHERE token_hash = sha256('${token}'::bytea)`), '1');
  assert.ok(w.journal(m.id).some((j) => j.kind === 'screen.issued'));

  // The screen reads its meeting (closed to the public) with the token, and only with it.
  const anon = w.actors.anonymous;
  assert.equal((await anon.get('/api/v1/screen')).status, 401);
  assert.equal((await anon.get('/api/v1/screen', { headers: { authorization: `Bearer ${'nope'}` } })).status, 401);
  const view = await anon.get('/api/v1/screen', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(view.status, 200, view.text);
  assert.equal(view.data.meeting.title, 'Họp kín có điểm cầu');
  assert.equal(view.data.screen.site_id, w.remoteHall);
  assert.deepEqual(view.data.agenda.map((i) => i.title), ['Khai mạc', 'Thảo luận']);
  assert.equal(view.headers.get('cache-control'), 'private, no-cache');

  // On /ws: bound, it follows its meeting's hall events, not its members' business.
  const ws = await openSocket(w.server.url.replace(/^http/, 'ws') + '/ws');
  ws.on('message', (d) => process.env.DBG && console.log('WS', d.toString().slice(0, 200)));
  ws.sendJson({ type: 'screen.auth', id: 1, token: 'wrong' });
  assert.equal((await ws.next((x) => x.type === 'error')).code, 'screen_token');
  ws.sendJson({ type: 'screen.auth', id: 2, token });
  const bound = await ws.next((x) => x.type === 'screen.bound');
  assert.equal(bound.meeting_id, m.id);
  assert.equal(bound.site_id, w.remoteHall);
  ws.sendJson({ type: 'subscribe', id: 3, meeting_id: m.id, after_seq: view.data.last_seq });
  assert.equal((await ws.next((x) => x.type === 'subscribed')).access, 'screen');
  await checkIn(m.id, 'member');
  let fr = await w.actors.member.post(`/api/v1/meetings/${m.id}/floor/requests`, { kind: 'speech' });
  assert.equal(fr.status, 201, fr.text);
  fr = await w.actors.chair.post(`/api/v1/meetings/${m.id}/floor/grant`, {});
  assert.equal(fr.status, 200, fr.text);
  const granted = await ws.next((x) => x.type === 'event' && x.kind === 'floor.granted');
  assert.equal(granted.payload.user_id, w.actors.member.userId);
  assert.equal(typeof granted.payload.title, 'string');
  await sec.post(`/api/v1/meetings/${m.id}/invitations`, { user_id: w.actors.other.userId });
  const invSeq = w.events(m.id).find((e) => e.kind === 'invitation.added' && e.seq > granted.seq).seq;
  const inv = await ws.next((x) => x.type === 'event' && x.seq === invSeq);
  assert.equal(inv.kind, 'hidden', 'invitations stay with the readers');
  // Another closed meeting is still refused to it.
  const other = await w.meeting({ status: 'open', isPublic: false });
  ws.sendJson({ type: 'subscribe', id: 4, meeting_id: other.id });
  assert.equal((await ws.next((x) => x.type === 'error' && x.ref === 4)).code, 'forbidden');
  // It joins the media as its site, not as anyone signed in.
  ws.sendJson({ type: 'media.join', id: 5, meeting_id: m.id });
  const joined = await ws.next((x) => x.ref === 5 || x.id === 5);
  assert.equal(joined.type, 'media.joined', JSON.stringify(joined));
  assert.equal(joined.role, 'site');

  // Revoked: the connection closes at once and the token reads nothing any more.
  const rev = await sec.post(`${url}/${screen.id}/revoke`, {});
  assert.equal(rev.status, 200, rev.text);
  assert.equal(rev.data.screen.active, false);
  const closed = await ws.closed;
  assert.equal(closed.code, 4001);
  assert.equal((await anon.get('/api/v1/screen', { headers: { authorization: `Bearer ${token}` } })).status, 401);
  assert.equal((await sec.post(`${url}/${screen.id}/revoke`, {})).status, 200, 'revoking again is harmless');
  assert.equal(w.journal(m.id).filter((j) => j.kind === 'screen.revoked').length, 1);
  assert.equal((await sec.post(`${url}/999999/revoke`, {})).status, 404);
  // An expired token is refused like a revoked one.
  const late = await sec.post(url, { site_id: w.mainHall, hours: 1 });
  w.sql(`UPDATE site_screens SET created_at = now() - interval '3 hours', expires_at = now() - interval '1 second' WHERE id = ${late.data.screen.id}`);
  assert.equal((await anon.get('/api/v1/screen', { headers: { authorization: `Bearer ${late.data.token}` } })).status, 401);
  await waitFor(async () => (await sec.get(url)).data.screens.every((s) => !s.active), { what: 'both inactive' });
});
