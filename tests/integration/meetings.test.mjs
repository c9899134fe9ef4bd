// Meetings through the API: lifecycle, agenda and its concurrent edits, the current item,
// invitations with RSVP and notifications, attendance and the quorum, closed meetings and
// corrections, terms and the dated roster, and the record (numbered events, hash-chained journal).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { MeetingWorld } from './meeting-fixtures.mjs';

let w;

before(async () => {
  w = await MeetingWorld.start();
});

after(async () => {
  await w?.stop();
});

const api = (m) => `/api/v1/meetings/${m}`;

test('lifecycle: draft → scheduled → open → closed → archived; wrong steps are refused', async () => {
  const { secretariat: sec, chair, member } = w.actors;
  const created = await sec.post(`/api/v1/bodies/${w.council}/meetings`, { title: 'Kỳ họp bất thường', kind: 'extraordinary' });
  assert.equal(created.status, 201, created.text);
  const m = created.data.meeting;
  assert.equal(m.status, 'draft');
  assert.equal(m.is_public, true);
  assert.equal(m.starts_at, null);

  // Members do not see a draft; those who prepare it do.
  assert.equal((await member.get(api(m.id))).status, 403);
  assert.ok(!(await member.get(`/api/v1/bodies/${w.council}/meetings`)).data.meetings.some((x) => x.id === m.id));
  assert.ok((await sec.get(`/api/v1/bodies/${w.council}/meetings`)).data.meetings.some((x) => x.id === m.id));

  let r = await chair.post(`${api(m.id)}/open`);
  assert.equal(r.status, 409);
  assert.equal(r.data.error.code, 'invalid_transition');
  assert.equal(r.data.error.message, 'meeting is a draft: schedule it before opening it');
  r = await sec.post(`${api(m.id)}/schedule`);
  assert.equal(r.status, 409);
  assert.match(r.data.error.message, /no start time: set starts_at/);

  r = await sec.request('PATCH', api(m.id), { json: { starts_at: '2026-10-01T08:00:00+07:00', location: 'Hội trường chính' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.meeting.starts_at, '2026-10-01T01:00:00Z');
  r = await sec.post(`${api(m.id)}/schedule`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.meeting.status, 'scheduled');
  assert.equal((await member.get(api(m.id))).status, 200, 'a scheduled meeting is shown to members');

  assert.equal((await sec.post(`${api(m.id)}/open`)).status, 403, 'the chair opens, not the secretariat');
  r = await chair.post(`${api(m.id)}/open`);
  assert.equal(r.status, 200);
  assert.equal(r.data.meeting.status, 'open');
  assert.ok(r.data.meeting.opened_at);
  r = await sec.post(`${api(m.id)}/archive`);
  assert.equal(r.status, 409);
  assert.equal(r.data.error.message, 'meeting is open: only a closed meeting is archived');
  r = await chair.post(`${api(m.id)}/close`);
  assert.equal(r.status, 200);
  assert.equal(r.data.meeting.status, 'closed');
  r = await chair.post(`${api(m.id)}/open`);
  assert.equal(r.status, 409);
  assert.equal(r.data.error.code, 'meeting_closed');
  assert.equal(r.data.error.message, 'meeting is closed: add a correction instead');
  r = await sec.post(`${api(m.id)}/archive`);
  assert.equal(r.status, 200);
  assert.equal(r.data.meeting.status, 'archived');

  const statuses = w.journal(m.id).filter((e) => e.kind === 'meeting.status').map((e) => JSON.parse(e.entry).payload);
  assert.deepEqual(statuses.map((p) => `${p.from}>${p.to}`), ['draft>scheduled', 'scheduled>open', 'open>closed', 'closed>archived']);
  const actor = w.journal(m.id).find((e) => e.kind === 'meeting.status').actor;
  assert.equal(actor, `user:${sec.userId}`);
});

test('a scheduled meeting may be postponed back to draft, and invitees are told', async () => {
  const { secretariat: sec, member } = w.actors;
  const { id } = await w.meeting({ status: 'scheduled' });
  const r = await sec.post(`${api(id)}/unschedule`);
  assert.equal(r.status, 200);
  assert.equal(r.data.meeting.status, 'draft');
  const n = (await member.get('/api/v1/notifications')).data.notifications.filter((x) => x.meeting_id === id);
  assert.deepEqual(n.map((x) => x.kind), ['meeting.postponed', 'invitation']);
  assert.match(n[0].text, /^Hoãn cuộc họp: /);
});

test('a closed meeting refuses every edit; corrections are dated entries instead', async () => {
  const { secretariat: sec, chair, member } = w.actors;
  const open = await w.meeting({ status: 'open' });
  let r = await sec.post(`${api(open.id)}/corrections`, { text: 'Sửa lỗi chính tả' });
  assert.equal(r.status, 409);
  assert.equal(r.data.error.code, 'wrong_state');
  assert.match(r.data.error.message, /edit it directly/);

  const { id, items } = await w.meeting({ status: 'closed' });
  const before = await w.snapshot();
  const v = (await sec.get(`${api(id)}/agenda`)).data.agenda_version;
  const refused = [
    await sec.request('PATCH', api(id), { json: { title: 'Tên khác' } }),
    await sec.post(`${api(id)}/agenda`, { agenda_version: v, title: 'Mục mới' }),
    await sec.request('PATCH', `${api(id)}/agenda/${items[0]}`, { json: { agenda_version: v, title: 'Khác' } }),
    await sec.request('DELETE', `${api(id)}/agenda/${items[0]}?agenda_version=${v}`),
    await sec.request('PUT', `${api(id)}/agenda/order`, { json: { agenda_version: v, order: [...items].reverse() } }),
    await chair.post(`${api(id)}/agenda/${items[0]}/visibility`, { is_public: false }),
    await sec.post(`${api(id)}/invitations`, { site_id: w.mainHall }),
    await sec.post(`${api(id)}/sittings`, { title: 'Phiên chiều' }),
    await member.post(`${api(id)}/attendance/check-in`, { mode: 'online' }),
    await sec.post(`${api(id)}/attendance/${member.userId}/check-out`),
    await member.post(`${api(id)}/rsvp`, { rsvp: 'declined' }),
    await sec.post(`${api(id)}/unschedule`),
  ];
  for (const x of refused) {
    assert.equal(x.status, 409, x.text);
    assert.equal(x.data.error.code, 'meeting_closed');
    assert.equal(x.data.error.message, 'meeting is closed: add a correction instead');
  }
  assert.equal(await w.snapshot(), before, 'nothing changed');

  r = await sec.post(`${api(id)}/corrections`, { text: 'Mục 2: đại biểu Trần Văn An phát biểu lúc 9h15, không phải 9h05.', agenda_item_id: items[1] });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.correction.agenda_item_id, items[1]);
  assert.match(r.data.correction.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  r = await chair.post(`${api(id)}/corrections`, { text: 'Bổ sung: kết luận của chủ tọa.' });
  assert.equal(r.status, 201);
  assert.equal((await member.post(`${api(id)}/corrections`, { text: 'x' })).status, 403);
  const list = await member.get(`${api(id)}/corrections`);
  assert.equal(list.status, 200);
  assert.equal(list.data.corrections.length, 2);
  assert.equal(w.journal(id).filter((e) => e.kind === 'correction.added').length, 2);
  assert.throws(() => w.sql(`UPDATE meeting_corrections SET text = 'khác' WHERE meeting_id = ${id}`), /append-only/);
  r = await sec.post(`${api(id)}/corrections`, { text: 'x', agenda_item_id: 999999 });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /field 'agenda_item_id'/);
});

test('agenda: items and sub-items, edits with versions, numbering, removal', async () => {
  const { secretariat: sec, member } = w.actors;
  const { id, items: [a, b] } = await w.meeting({ status: 'draft' });
  let doc = (await sec.get(`${api(id)}/agenda`)).data;
  assert.equal(doc.agenda_version, 3);
  assert.deepEqual(doc.items.map((i) => i.number), ['1', '2']);

  let r = await sec.post(`${api(id)}/agenda`, { agenda_version: 3, title: 'Tờ trình số 12', parent_id: b, presenter: 'UBND tỉnh', planned_minutes: 20 });
  assert.equal(r.status, 201, r.text);
  const b1 = r.data.item_id;
  assert.equal(r.data.agenda_version, 4);
  assert.equal(r.data.item.number, '2.1');
  r = await sec.post(`${api(id)}/agenda`, { agenda_version: 4, title: 'Báo cáo thẩm tra', parent_id: b });
  const b2 = r.data.item_id;
  assert.deepEqual(r.data.items.map((i) => [i.id, i.number]), [[a, '1'], [b, '2'], [b1, '2.1'], [b2, '2.2']]);

  // A stale edit is refused, whatever it edits.
  r = await sec.post(`${api(id)}/agenda`, { agenda_version: 4, title: 'Muộn' });
  assert.equal(r.status, 409);
  assert.equal(r.data.error.code, 'conflict');
  assert.match(r.data.error.message, /^the agenda was changed by someone else: reload/);

  r = await sec.request('PATCH', `${api(id)}/agenda/${b1}`, { json: { agenda_version: 5, title: 'Tờ trình số 12/TTr-UBND', planned_minutes: null, is_public: false } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.item.title, 'Tờ trình số 12/TTr-UBND');
  assert.equal(r.data.item.planned_minutes, null);
  assert.equal(r.data.item.is_public, false);

  // Two levels only; an item with sub-items stays at the top.
  r = await sec.post(`${api(id)}/agenda`, { agenda_version: 6, title: 'Quá sâu', parent_id: b1 });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /^field 'parent_id': item \d+ is a sub-item/);
  r = await sec.request('PATCH', `${api(id)}/agenda/${b}`, { json: { agenda_version: 6, parent_id: a } });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /has sub-items of its own/);
  // Moving b2 to the top puts it last and renumbers b's sub-items.
  r = await sec.request('PATCH', `${api(id)}/agenda/${b2}`, { json: { agenda_version: 6, parent_id: null } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.data.items.map((i) => [i.id, i.number]), [[a, '1'], [b, '2'], [b1, '2.1'], [b2, '3']]);

  r = await sec.request('DELETE', `${api(id)}/agenda/${b}?agenda_version=7`);
  assert.equal(r.status, 409);
  assert.equal(r.data.error.code, 'not_empty');
  r = await sec.request('DELETE', `${api(id)}/agenda/${a}`);
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /agenda_version/);
  r = await sec.request('DELETE', `${api(id)}/agenda/${a}?agenda_version=7`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.data.items.map((i) => [i.id, i.number]), [[b, '1'], [b1, '1.1'], [b2, '2']]);
  assert.equal((await sec.request('DELETE', `${api(id)}/agenda/${a}?agenda_version=8`)).status, 404);

  // Bad input names the field.
  const bad = [
    [{ agenda_version: 8 }, /missing field 'title'/],
    [{ title: 'x' }, /missing field 'agenda_version'/],
    [{ agenda_version: 8, title: 'x', planned_minutes: 0 }, /field 'planned_minutes' must be from 1 to 1440/],
    [{ agenda_version: 8, title: 'x', sitting_id: 999999 }, /field 'sitting_id'/],
    [{ agenda_version: 8, title: 'x', colour: 'red' }, /unknown field 'colour'/],
    [{ agenda_version: 8, title: 'x'.repeat(1001) }, /field 'title' too long/],
    [{ agenda_version: 8, title: 'x', is_public: 'yes' }, /field 'is_public' must be true or false/],
  ];
  for (const [body, message] of bad) {
    const x = await sec.post(`${api(id)}/agenda`, body);
    assert.equal(x.status, 400, `${JSON.stringify(body).slice(0, 80)}: ${x.text}`);
    assert.match(x.data.error.message, message);
  }
  assert.equal((await member.get(`${api(id)}/agenda`)).status, 403, 'a draft agenda is not shown to members');

  const changes = w.journal(id).filter((e) => e.kind === 'agenda.changed').map((e) => JSON.parse(e.entry).payload.change);
  assert.deepEqual(changes, ['added', 'added', 'added', 'added', 'updated', 'updated', 'removed']);
  const last = w.events(id).filter((e) => e.kind === 'agenda.changed').at(-1);
  assert.equal(last.payload.agenda_version, 8);
  assert.equal(last.payload.items.length, 3);
});

test('two secretaries reorder the agenda at once: one wins, the other gets a conflict', async () => {
  const { secretariat: one, secretariat2: two } = w.actors;
  const { id, items: [a, b] } = await w.meeting({ status: 'scheduled' });
  const v0 = (await one.get(`${api(id)}/agenda`)).data.agenda_version;
  const c = (await one.post(`${api(id)}/agenda`, { agenda_version: v0, title: 'Bế mạc' })).data.item_id;
  for (let round = 0; round < 5; round++) {
    const v = (await one.get(`${api(id)}/agenda`)).data.agenda_version;
    const orderOne = [c, a, b];
    const orderTwo = [b, c, a];
    const [r1, r2] = await Promise.all([
      one.request('PUT', `${api(id)}/agenda/order`, { json: { agenda_version: v, order: orderOne } }),
      two.request('PUT', `${api(id)}/agenda/order`, { json: { agenda_version: v, order: orderTwo.map((x) => ({ id: x })) } }),
    ]);
    const statuses = [r1.status, r2.status].sort();
    assert.deepEqual(statuses, [200, 409], `${r1.text} / ${r2.text}`);
    const [winner, loser, order] = r1.status === 200 ? [r1, r2, orderOne] : [r2, r1, orderTwo];
    assert.equal(loser.data.error.code, 'conflict');
    assert.match(loser.data.error.message, /^the agenda was changed by someone else: reload/);
    assert.equal(winner.data.agenda_version, v + 1);
    const stored = await one.get(`${api(id)}/agenda`);
    assert.equal(stored.data.agenda_version, v + 1, 'only the winner changed the version');
    assert.deepEqual(stored.data.items.map((i) => i.id), order, "the stored order is the winner's");
    assert.deepEqual(stored.data.items.map((i) => i.number), ['1', '2', '3']);
    const inDb = w.sql(`SELECT string_agg(id::text, ',' ORDER BY position) FROM agenda_items WHERE meeting_id = ${id}`);
    assert.equal(inDb, order.join(','));
  }
  const reorders = w.journal(id).filter((e) => e.kind === 'agenda.changed' && JSON.parse(e.entry).payload.change === 'reordered');
  assert.equal(reorders.length, 5, 'only the winners are journaled');

  // Reorders that break the rules are refused with the field named.
  const v = (await one.get(`${api(id)}/agenda`)).data.agenda_version;
  const bad = [
    [[a, b], /^field 'order': item \d+ is missing: list every item once$/],
    [[a, b, c, a], /^field 'order': item \d+ is listed twice$/],
    [[a, b, 424242], /^field 'order': item 424242 is not on this agenda$/],
    [[a, { id: b, parent_id: a }, { id: c, parent_id: b }], /sub-items have none of their own/],
    [[a, 'b', c], /element 1 must be an item id/],
    [[a, { id: b, parent: a }, c], /may have only 'id' and 'parent_id'/],
  ];
  for (const [order, message] of bad) {
    const r = await one.request('PUT', `${api(id)}/agenda/order`, { json: { agenda_version: v, order } });
    assert.equal(r.status, 400, r.text);
    assert.match(r.data.error.message, message);
  }
  // Moving items under another in a reorder.
  const r = await two.request('PUT', `${api(id)}/agenda/order`, { json: { agenda_version: v, order: [a, { id: c, parent_id: a }, b] } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.data.items.map((i) => [i.id, i.number]), [[a, '1'], [c, '1.1'], [b, '2']]);
});

test('the chair sets the current item while the meeting is open and marks items closed', async () => {
  const { secretariat: sec, chair, member } = w.actors;
  const other = await w.meeting({ status: 'open' });
  const { id, items: [a, b] } = await w.meeting({ status: 'scheduled' });
  let r = await chair.post(`${api(id)}/agenda/current`, { item_id: a });
  assert.equal(r.status, 409);
  assert.equal(r.data.error.code, 'wrong_state');
  await chair.post(`${api(id)}/open`);
  r = await chair.post(`${api(id)}/agenda/current`, { item_id: a });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.data, { meeting_id: id, item_id: a, previous_item_id: null });
  r = await chair.post(`${api(id)}/agenda/current`, { item_id: b });
  assert.equal(r.data.previous_item_id, a);
  assert.equal((await member.get(`${api(id)}/agenda`)).data.current_item_id, b);
  assert.equal((await sec.post(`${api(id)}/agenda/current`, { item_id: a })).status, 403);
  r = await chair.post(`${api(id)}/agenda/current`, { item_id: other.items[0] });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /field 'item_id': meeting \d+ has no agenda item/);
  r = await chair.post(`${api(id)}/agenda/current`, {});
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /missing field 'item_id'/);

  // The current item cannot be removed under the chair's feet.
  const v = (await sec.get(`${api(id)}/agenda`)).data.agenda_version;
  r = await sec.request('DELETE', `${api(id)}/agenda/${b}?agenda_version=${v}`);
  assert.equal(r.status, 409);
  assert.equal(r.data.error.code, 'current_item');

  // Họp kín: the chair closes an item; it is an agenda change, so a stale edit then conflicts.
  r = await chair.post(`${api(id)}/agenda/${b}/visibility`, { is_public: false });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.agenda_version, v + 1);
  assert.equal(r.data.items.find((i) => i.id === b).is_public, false);
  r = await sec.request('PATCH', `${api(id)}/agenda/${a}`, { json: { agenda_version: v, presenter: 'Thư ký' } });
  assert.equal(r.status, 409);

  const current = w.events(id).filter((e) => e.kind === 'agenda.current');
  assert.equal(current.length, 2);
  assert.ok(current.every((e) => e.is_public), 'a public meeting announces its current item publicly');
  assert.equal(w.journal(id).filter((e) => e.kind === 'agenda.current').length, 2);

  r = await chair.post(`${api(id)}/close`);
  assert.equal(r.data.meeting.current_item_id, null, 'a closed meeting has no current item');
});

test('invitations with RSVP become notifications when the meeting is scheduled', async () => {
  const { secretariat: sec, member, member2, guest, admin } = w.actors;
  const created = await sec.post(`/api/v1/bodies/${w.council}/meetings`, {
    title: 'Phiên họp chuyên đề về ngân sách', kind: 'thematic', starts_at: '2026-11-02T08:00:00+07:00', location: 'Hội trường chính',
  });
  const id = created.data.meeting.id;
  let r = await sec.post(`${api(id)}/invitations`, { all_members: true });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.invitations.length, 50);
  assert.ok(r.data.invitations.every((i) => i.kind === 'member' && i.rsvp === 'pending' && i.notified_at === null));
  r = await sec.post(`${api(id)}/invitations`, { all_members: true });
  assert.equal(r.data.invitations.length, 0, 'inviting everyone again adds nobody');
  r = await sec.post(`${api(id)}/invitations`, { user_id: sec.userId });
  assert.equal(r.data.invitations[0].kind, 'staff');
  r = await sec.post(`${api(id)}/invitations`, { user_id: guest.userId });
  assert.equal(r.data.invitations[0].kind, 'guest');
  assert.equal((await sec.post(`${api(id)}/invitations`, { user_id: guest.userId })).status, 409);
  r = await sec.post(`${api(id)}/invitations`, { site_id: w.remoteHall });
  assert.equal(r.status, 201);
  assert.equal(r.data.invitations[0].kind, 'site');
  assert.ok(r.data.invitations[0].site_name);
  // An official of the committee is invited as a guest of the council.
  const official = w.userId('uyvien09');
  r = await sec.post(`${api(id)}/invitations`, { user_id: official });
  assert.equal(r.data.invitations[0].kind, 'guest');
  assert.equal(w.sql(`SELECT role FROM memberships WHERE body_id = ${w.council} AND user_id = ${official}`), 'guest');
  for (const [body, message] of [
    [{}, /exactly one of 'user_id', 'site_id' or 'all_members'/],
    [{ user_id: 1, site_id: w.mainHall }, /exactly one of/],
    [{ user_id: 999999 }, /field 'user_id': no user 999999/],
    [{ site_id: 999999 }, /field 'site_id': body \d+ has no site 999999/],
    [{ all_members: 'yes' }, /field 'all_members' must be true or false/],
  ]) {
    const x = await sec.post(`${api(id)}/invitations`, body);
    assert.equal(x.status, 400, x.text);
    assert.match(x.data.error.message, message);
  }

  // Nobody is told while it is a draft, and nobody may answer yet.
  assert.equal(w.sql(`SELECT count(*) FROM notifications WHERE meeting_id = ${id}`), '0');
  r = await member.post(`${api(id)}/rsvp`, { rsvp: 'accepted' });
  assert.equal(r.status, 409);
  assert.match(r.data.error.message, /invitations have not been sent/);

  const unreadBefore = (await member.get('/api/v1/notifications')).data.unread;
  assert.equal((await sec.post(`${api(id)}/schedule`)).status, 200);
  assert.equal(w.sql(`SELECT count(*) FROM notifications WHERE meeting_id = ${id} AND kind = 'invitation'`), '53');
  assert.equal(w.sql(`SELECT count(*) FROM invitations WHERE meeting_id = ${id} AND notified_at IS NULL`), '0');
  let n = await member.get('/api/v1/notifications?unread=true');
  assert.equal(n.status, 200);
  assert.equal(n.data.unread, unreadBefore + 1);
  const mine = n.data.notifications.find((x) => x.meeting_id === id);
  assert.equal(mine.kind, 'invitation');
  assert.equal(mine.text, 'Giấy mời: Phiên họp chuyên đề về ngân sách, 08h00 ngày 02/11/2026, tại Hội trường chính');
  assert.equal(mine.payload.meeting_id, id);
  assert.equal(mine.read, false);

  r = await member.post(`${api(id)}/rsvp`, { rsvp: 'accepted', note: 'Tôi sẽ dự tại hội trường' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.invitation.rsvp, 'accepted');
  assert.equal(r.data.invitation.rsvp_note, 'Tôi sẽ dự tại hội trường');
  r = await guest.post(`${api(id)}/rsvp`, { rsvp: 'declined' });
  assert.equal(r.status, 200);
  r = await member2.post(`${api(id)}/rsvp`, { rsvp: 'maybe' });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /field 'rsvp' must be one of accepted, declined, pending/);
  r = await admin.post(`${api(id)}/rsvp`, { rsvp: 'accepted' });
  assert.equal(r.status, 403);
  assert.equal(r.data.error.code, 'not_invited');
  // The secretariat records a site's answer, taken by telephone.
  const site = (await sec.get(`${api(id)}/invitations`)).data.invitations.find((i) => i.kind === 'site');
  r = await sec.request('PATCH', `${api(id)}/invitations/${site.id}`, { json: { rsvp: 'accepted', note: 'điện thoại' } });
  assert.equal(r.status, 200);
  const rsvps = w.events(id).filter((e) => e.kind === 'invitation.rsvp').map((e) => e.payload);
  assert.deepEqual(rsvps.map((p) => p.rsvp), ['accepted', 'declined', 'accepted']);
  assert.equal(rsvps[0].user_id, member.userId);
  assert.equal(rsvps[2].site_id, w.remoteHall);
  assert.ok(w.events(id).filter((e) => e.kind.startsWith('invitation.')).every((e) => !e.is_public));

  // Invited later: told at once. A changed time: every invitee is told.
  r = await sec.post(`${api(id)}/invitations`, { user_id: w.userId('uyvien03') });
  assert.ok(r.data.invitations[0].notified_at);
  r = await sec.request('PATCH', api(id), { json: { starts_at: '2026-11-02T13:30:00+07:00' } });
  assert.equal(r.status, 200);
  n = await member.get('/api/v1/notifications?unread=true');
  const changed = n.data.notifications.find((x) => x.meeting_id === id && x.kind === 'meeting.changed');
  assert.match(changed.text, /^Thay đổi lịch họp: .*13h30 ngày 02\/11\/2026/);
  r = await sec.request('PATCH', api(id), { json: { title: 'Phiên họp chuyên đề về ngân sách năm 2027' } });
  assert.equal(w.sql(`SELECT count(*) FROM notifications WHERE meeting_id = ${id} AND kind = 'meeting.changed' AND user_id = ${member.userId}`), '1',
    'a new title alone does not notify again');

  // Reading notifications.
  assert.equal((await member.post(`/api/v1/notifications/${changed.id}/read`)).status, 204);
  assert.equal((await member2.post(`/api/v1/notifications/${changed.id}/read`)).status, 404, "someone else's notification");
  n = await member.get('/api/v1/notifications');
  assert.equal(n.data.notifications.find((x) => x.id === changed.id).read, true);
  assert.equal((await member.get('/api/v1/notifications?unread=maybe')).status, 400);
  r = await member.post('/api/v1/notifications/read-all');
  assert.equal(r.status, 200);
  assert.ok(r.data.marked >= 1);
  assert.equal((await member.get('/api/v1/notifications')).data.unread, 0);

  // Removing an invitation.
  const inv = (await sec.get(`${api(id)}/invitations`)).data.invitations.find((i) => i.user_id === member2.userId);
  assert.equal((await sec.request('DELETE', `${api(id)}/invitations/${inv.id}`)).status, 204);
  assert.equal((await sec.request('DELETE', `${api(id)}/invitations/${inv.id}`)).status, 404);
  assert.equal((await member2.post(`${api(id)}/rsvp`, { rsvp: 'accepted' })).status, 403);
});

test('guests see only the meetings they are invited to', async () => {
  const { guest, secretariat: sec } = w.actors;
  const invited = await w.meeting({ status: 'scheduled' });
  const not = await w.meeting({ status: 'scheduled', invite: false });
  assert.equal((await guest.get(api(invited.id))).status, 200);
  assert.equal((await guest.get(api(invited.id))).data.my_invitation.kind, 'guest');
  const r = await guest.get(api(not.id));
  assert.equal(r.status, 403);
  assert.match(r.data.error.message, /guests see only the meetings they are invited to/);
  for (const p of ['agenda', 'attendance', 'sittings', 'corrections']) {
    assert.equal((await guest.get(`${api(not.id)}/${p}`)).status, 403, p);
    assert.equal((await guest.get(`${api(invited.id)}/${p}`)).status, 200, p);
  }
  const list = (await guest.get(`/api/v1/bodies/${w.council}/meetings`)).data.meetings.map((m) => m.id);
  assert.ok(list.includes(invited.id));
  assert.ok(!list.includes(not.id));
  assert.ok((await sec.get(`/api/v1/bodies/${w.council}/meetings`)).data.meetings.some((m) => m.id === not.id));
});

test('attendance: members check in and out, the secretariat for them, against the quorum', async () => {
  const { secretariat: sec, member, chair, guest } = w.actors;
  const { id } = await w.meeting({ status: 'scheduled' });
  let r = await member.post(`${api(id)}/attendance/check-in`, { mode: 'hall', site_id: w.mainHall });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.change, 'checked_in');
  assert.equal(r.data.present, 1);
  assert.equal(r.data.total, 50);
  assert.deepEqual(r.data.quorum, { numerator: 2, denominator: 3, text: '2/3', needed: 34, met: false });
  // A tablet that checks in again changes nothing and records nothing.
  const events = w.sql(`SELECT count(*) FROM attendance_events WHERE meeting_id = ${id}`);
  r = await member.post(`${api(id)}/attendance/check-in`, { mode: 'hall', site_id: w.mainHall });
  assert.equal(r.data.change, 'none');
  assert.equal(w.sql(`SELECT count(*) FROM attendance_events WHERE meeting_id = ${id}`), events);
  r = await member.post(`${api(id)}/attendance/check-in`, { mode: 'remote_site', site_id: w.remoteHall });
  assert.equal(r.data.change, 'moved');
  assert.equal(r.data.present, 1);
  r = await member.post(`${api(id)}/attendance/check-out`);
  assert.equal(r.data.change, 'checked_out');
  assert.equal(r.data.present, 0);
  r = await member.post(`${api(id)}/attendance/check-out`);
  assert.equal(r.data.change, 'none');

  // The secretariat checks 33 members in: one short of two thirds of 50.
  const roster = w.sql(`SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM memberships WHERE body_id = ${w.council} AND role = 'member'`).split(',').map(Number);
  for (const u of roster.slice(0, 33)) {
    r = await sec.post(`${api(id)}/attendance/${u}/check-in`, { mode: 'online' });
    assert.equal(r.status, 200, r.text);
  }
  assert.equal(r.data.present, 33);
  assert.equal(r.data.quorum.met, false);
  r = await sec.post(`${api(id)}/attendance/${roster[33]}/check-in`, { mode: 'hall', site_id: w.mainHall });
  assert.equal(r.data.present, 34);
  assert.equal(r.data.quorum.met, true);
  assert.equal(r.data.by_user_id, sec.userId);

  const a = await chair.get(`${api(id)}/attendance`);
  assert.equal(a.status, 200);
  assert.equal(a.data.present, 34);
  assert.equal(a.data.online, 33);
  assert.equal(a.data.sites.find((s) => s.site_id === w.mainHall).present, 1);
  assert.equal(a.data.members.length, 50);
  assert.equal(a.data.members.filter((m) => m.present).length, 34);
  assert.equal((await guest.get(`${api(id)}/attendance`)).status, 200, 'an invited guest sees the count');

  // The quorum is data of the body: a half is 25 of 50.
  assert.equal((await sec.request('PATCH', `/api/v1/bodies/${w.council}`, { json: { quorum: '1/2' } })).status, 403);
  r = await w.actors.admin.request('PATCH', `/api/v1/bodies/${w.council}`, { json: { quorum: '1/2' } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.body.quorum, '1/2');
  assert.equal((await chair.get(`${api(id)}/attendance`)).data.quorum.needed, 25);
  for (const [q, message] of [['2/0', /field 'quorum'/], ['3/2', /field 'quorum'/], ['0/3', /no quorum/], ['abc', /field 'quorum'/]]) {
    const x = await w.actors.admin.request('PATCH', `/api/v1/bodies/${w.council}`, { json: { quorum: q } });
    assert.equal(x.status, 400, `${q}: ${x.text}`);
    assert.match(x.data.error.message, message);
  }
  await w.actors.admin.request('PATCH', `/api/v1/bodies/${w.council}`, { json: { quorum: '2/3' } });

  // Bad input names the field.
  for (const [body, status, message] of [
    [{}, 400, /missing field 'mode'/],
    [{ mode: 'bus' }, 400, /field 'mode' must be one of hall, remote_site, online/],
    [{ mode: 'hall' }, 400, /missing field 'site_id'/],
    [{ mode: 'online', site_id: w.mainHall }, 400, /field 'site_id': a member alone online is at no site/],
    [{ mode: 'hall', site_id: w.remoteHall }, 400, /is a remote hall, not the place of mode 'hall'/],
    [{ mode: 'remote_site', site_id: 999999 }, 400, /field 'site_id': body \d+ has no site 999999/],
    [{ mode: 'online', by: 1 }, 400, /unknown field 'by'/],
  ]) {
    const x = await member.post(`${api(id)}/attendance/check-in`, body);
    assert.equal(x.status, status, x.text);
    assert.match(x.data.error.message, message);
  }
  r = await sec.post(`${api(id)}/attendance/${guest.userId}/check-in`, { mode: 'online' });
  assert.equal(r.status, 404);
  assert.match(r.data.error.message, /only members on the roster check in/);

  // Every change is in the journal and announced with the live count.
  const journaled = w.journal(id).filter((e) => e.kind === 'attendance.changed');
  assert.equal(journaled.length, 3 + 34);
  assert.equal(journaled.at(-1).actor, `user:${sec.userId}`);
  const announced = w.events(id).filter((e) => e.kind === 'attendance.changed');
  assert.equal(announced.length, 37);
  assert.deepEqual(Object.keys(announced.at(-1).payload).sort(),
    ['by_user_id', 'change', 'mode', 'present', 'quorum', 'site_id', 'total', 'user_id']);
  assert.equal(announced.at(-1).payload.quorum.met, true);
  assert.equal(w.sql(`SELECT count(*) FROM attendance_current WHERE meeting_id = ${id} AND present`), '34');
  assert.throws(() => w.sql(`DELETE FROM attendance_events WHERE meeting_id = ${id}`), /append-only/);

  // Draft meetings take no check-in.
  const draft = await w.meeting({ status: 'draft' });
  r = await chair.post(`${api(draft.id)}/attendance/check-in`, { mode: 'online' });
  assert.equal(r.status, 409);
  assert.equal(r.data.error.message, 'meeting is a draft: check-in starts once it is scheduled');
});

test("the meeting's events are stored with consecutive numbers and its journal verifies", async () => {
  const { secretariat: sec, chair, member } = w.actors;
  const { id, items } = await w.meeting({ status: 'open' });
  await member.post(`${api(id)}/attendance/check-in`, { mode: 'online' });
  await chair.post(`${api(id)}/agenda/current`, { item_id: items[0] });
  const v = (await sec.get(`${api(id)}/agenda`)).data.agenda_version;
  await sec.request('PUT', `${api(id)}/agenda/order`, { json: { agenda_version: v, order: [...items].reverse() } });
  await chair.post(`${api(id)}/close`);

  const events = w.events(id);
  assert.deepEqual(events.map((e) => e.seq), events.map((_, i) => i + 1));
  assert.equal(Number(w.sql(`SELECT event_seq FROM meetings WHERE id = ${id}`)), events.length);
  const kinds = new Set(events.map((e) => e.kind));
  for (const k of ['meeting.created', 'agenda.changed', 'sitting.changed', 'invitation.added', 'meeting.status',
    'attendance.changed', 'agenda.current']) assert.ok(kinds.has(k), k);
  // Public meeting: its public face is public; the rest goes to those who may read the meeting.
  assert.ok(events.filter((e) => e.kind === 'attendance.changed').every((e) => e.is_public && e.audience === null));
  const { admin, guest, other } = w.actors;
  const created = events.find((e) => e.kind === 'meeting.created');
  assert.equal(created.is_public, false, 'a draft is not public');
  assert.ok(created.audience.includes(sec.userId) && created.audience.includes(chair.userId) && created.audience.includes(admin.userId));
  assert.ok(!created.audience.includes(member.userId), "a draft's events reach no member");
  assert.ok(!created.audience.includes(guest.userId));
  const invited = events.filter((e) => e.kind === 'invitation.added');
  assert.ok(invited.every((e) => !e.is_public));
  // The first invitations went out while a draft (staff only); the guest's made them a reader.
  assert.ok(!invited[0].audience.includes(member.userId));
  assert.ok(!invited.at(-1).audience.includes(other.userId));
  const uninvitedGuest = await w.meeting({ status: 'scheduled', invite: false });
  await sec.post(`${api(uninvitedGuest.id)}/invitations`, { site_id: w.mainHall });
  const siteEvent = w.events(uninvitedGuest.id).filter((e) => e.kind === 'invitation.added').at(-1);
  assert.ok(siteEvent.audience.includes(member.userId), 'members of a scheduled meeting see its invitations');
  assert.ok(!siteEvent.audience.includes(guest.userId), 'an uninvited guest does not');

  // The chain: h_i = SHA-256(h_{i-1} || entry_i), h_0 = 32 zero bytes.
  const journal = w.journal(id);
  assert.deepEqual(journal.map((e) => e.seq), journal.map((_, i) => i + 1));
  let prev = Buffer.alloc(32);
  for (const e of journal) {
    const h = createHash('sha256').update(prev).update(Buffer.from(e.entry, 'utf8')).digest();
    assert.equal(h.toString('hex'), e.hash, `entry ${e.seq}`);
    prev = h;
  }
  const journaledKinds = new Set(journal.map((e) => e.kind));
  for (const k of ['meeting.status', 'agenda.changed', 'attendance.changed', 'agenda.current']) assert.ok(journaledKinds.has(k), k);

  // A closed, non-public meeting announces nothing publicly.
  const closedDoor = await w.meeting({ status: 'open', isPublic: false });
  await member.post(`${api(closedDoor.id)}/attendance/check-in`, { mode: 'online' });
  assert.ok(w.events(closedDoor.id).every((e) => !e.is_public));
});

test('terms, sites and the roster with dated changes', async () => {
  const { admin, secretariat: sec, member, guest } = w.actors;
  let r = await sec.post(`/api/v1/bodies/${w.council}/terms`, { name: 'Khóa XI (2026-2031)', starts_on: '2026-03-01', ends_on: '2031-02-28', seats: 50 });
  assert.equal(r.status, 201, r.text);
  const term = r.data.term.id;
  assert.equal(r.data.term.starts_on, '2026-03-01');
  assert.equal((await sec.post(`/api/v1/bodies/${w.council}/terms`, { name: 'Khóa XI (2026-2031)', starts_on: '2026-03-01' })).status, 409);
  for (const [body, message] of [
    [{ name: 'x', starts_on: '2026-02-30' }, /field 'starts_on' must be a date like 2026-07-01/],
    [{ name: 'x', starts_on: '2026-03-01', ends_on: '2026-01-01' }, /field 'ends_on' must be after 'starts_on'/],
    [{ starts_on: '2026-03-01' }, /missing field 'name'/],
    [{ name: 'x', starts_on: '1.3.2026' }, /field 'starts_on'/],
  ]) {
    const x = await sec.post(`/api/v1/bodies/${w.council}/terms`, body);
    assert.equal(x.status, 400, x.text);
    assert.match(x.data.error.message, message);
  }
  assert.equal((await guest.get(`/api/v1/bodies/${w.council}/terms`)).data.terms.length, 1);
  r = await sec.post(`/api/v1/bodies/${w.council}/meetings`, { title: 'Kỳ họp thứ nhất', kind: 'first_of_term', term_id: term });
  assert.equal(r.status, 201);
  assert.equal(r.data.meeting.term_id, term);
  r = await sec.post(`/api/v1/bodies/${w.council}/meetings`, { title: 'x', kind: 'regular', term_id: 999999 });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /field 'term_id'/);

  r = await admin.post(`/api/v1/bodies/${w.council}/sites`, { name: 'Điểm cầu xã Mới', kind: 'remote_hall' });
  assert.equal(r.status, 201, r.text);
  assert.equal((await admin.post(`/api/v1/bodies/${w.council}/sites`, { name: 'Điểm cầu xã Mới', kind: 'remote_hall' })).status, 409);
  assert.equal((await sec.post(`/api/v1/bodies/${w.council}/sites`, { name: 'Khác', kind: 'remote_hall' })).status, 403);
  r = await admin.post(`/api/v1/bodies/${w.council}/sites`, { name: 'Y', kind: 'remote_hall', rtsp_url: 'http://cam' });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /field 'rtsp_url'/);

  // A member resigns: dated, with a reason; the roster and the quorum's denominator follow.
  const leaving = w.userId('daibieu48');
  const today = w.sql('SELECT current_date::text');
  r = await sec.post(`/api/v1/bodies/${w.council}/roster/changes`, { user_id: leaving, change: 'left', effective_on: today, reason: 'Xin thôi làm đại biểu', term_id: term });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.data.change.change, 'left');
  assert.equal(r.data.change.reason, 'Xin thôi làm đại biểu');
  let roster = await member.get(`/api/v1/bodies/${w.council}/roster`);
  assert.equal(roster.data.total, 49);
  assert.equal(roster.data.quorum, '2/3');
  assert.ok(!roster.data.members.some((m) => m.user_id === leaving));
  r = await sec.post(`/api/v1/bodies/${w.council}/roster/changes`, { user_id: leaving, change: 'left', effective_on: today, reason: 'again' });
  assert.equal(r.status, 409);
  r = await sec.post(`/api/v1/bodies/${w.council}/roster/changes`, { user_id: leaving, change: 'joined', effective_on: '2099-01-01', reason: 'bầu cử bổ sung' });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /field 'effective_on'.*future/);
  r = await sec.post(`/api/v1/bodies/${w.council}/roster/changes`, { user_id: leaving, change: 'joined', effective_on: today, reason: 'Bầu cử bổ sung' });
  assert.equal(r.status, 201);
  roster = await member.get(`/api/v1/bodies/${w.council}/roster`);
  assert.equal(roster.data.total, 50);
  assert.equal(roster.data.members.find((m) => m.user_id === leaving).joined_on, today);
  const history = (await member.get(`/api/v1/bodies/${w.council}/roster/changes`)).data.changes.filter((c) => c.user_id === leaving);
  assert.deepEqual(history.map((c) => c.change), ['joined', 'left', 'joined']);
  assert.equal(history[0].reason, 'added to the roster', 'the demo roster got its history from the membership');
  for (const [body, message] of [
    [{ user_id: leaving, change: 'moved', effective_on: today, reason: 'x' }, /field 'change' must be one of joined, left/],
    [{ user_id: leaving, change: 'left', effective_on: today }, /missing field 'reason'/],
    [{ user_id: 999999, change: 'joined', effective_on: today, reason: 'x' }, /field 'user_id': no user/],
  ]) {
    const x = await sec.post(`/api/v1/bodies/${w.council}/roster/changes`, body);
    assert.equal(x.status, 400, x.text);
    assert.match(x.data.error.message, message);
  }
  assert.throws(() => w.sql(`DELETE FROM roster_changes WHERE user_id = ${leaving}`), /append-only/);
  assert.equal((await guest.get(`/api/v1/bodies/${w.council}/roster`)).status, 403);
});

test('meeting input is validated with the field named', async () => {
  const { secretariat: sec } = w.actors;
  const cases = [
    [{ kind: 'regular' }, /missing field 'title'/],
    [{ title: 'x' }, /missing field 'kind'/],
    [{ title: 'x', kind: 'party' }, /field 'kind' must be one of regular, extraordinary, first_of_term, thematic, interpellation/],
    [{ title: 'x', kind: 'regular', starts_at: '2026-07-01 08:00' }, /field 'starts_at' must be a date and time with its offset/],
    [{ title: 'x', kind: 'regular', starts_at: '2026-07-01T08:00:00' }, /field 'starts_at' must be a date and time with its offset/],
    [{ title: 'x', kind: 'regular', is_public: 1 }, /field 'is_public' must be true or false/],
    [{ title: 'x', kind: 'regular', location: 5 }, /field 'location' must be a string/],
    [{ title: ' ', kind: 'regular' }, /field 'title' must not be empty/],
    [{ title: 'x', kind: 'regular', status: 'open' }, /unknown field 'status'/],
  ];
  const count = w.sql('SELECT count(*) FROM meetings');
  for (const [body, message] of cases) {
    const r = await sec.post(`/api/v1/bodies/${w.council}/meetings`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.data.error.message, message);
  }
  assert.equal(w.sql('SELECT count(*) FROM meetings'), count);
  const { id } = await w.meeting({ status: 'draft' });
  let r = await sec.request('PATCH', api(id), { json: {} });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /nothing to change/);
  r = await sec.request('PATCH', `${api(id)}/sittings/999999`, { json: { title: 'x' } });
  assert.equal(r.status, 404);
  r = await sec.post(`${api(id)}/schedule`, { now: true });
  assert.equal(r.status, 400);
  assert.match(r.data.error.message, /unknown field 'now'/);
});

test('the demo session has invitations, with notifications, for every member and the secretariat', async () => {
  const { secretariat: sec, member, guest } = w.actors;
  const demo = (await member.get(`/api/v1/bodies/${w.council}/meetings`)).data.meetings.find((m) => m.kind === 'thematic' && m.title.startsWith('Kỳ họp thứ Năm'));
  const inv = (await sec.get(`${api(demo.id)}/invitations`)).data.invitations;
  assert.equal(inv.filter((i) => i.kind === 'member').length, 50);
  assert.deepEqual(inv.filter((i) => i.kind === 'staff').map((i) => i.user_id), [sec.userId]);
  assert.ok(inv.every((i) => i.notified_at));
  const mine = (await member.get(`${api(demo.id)}`)).data.my_invitation;
  assert.equal(mine.kind, 'member');
  const n = (await member.get('/api/v1/notifications')).data.notifications.find((x) => x.meeting_id === demo.id);
  assert.match(n.text, /^Giấy mời: Kỳ họp thứ Năm/);
  assert.equal((await guest.get(api(demo.id))).status, 403, 'the guest is not invited to it');
});
