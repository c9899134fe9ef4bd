// Live events over /ws: subscribe with the last number seen, replay of what was missed, fan-out,
// visibility (public, members, an audience), and catching up after a disconnection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Postgres, Server, sleep, waitFor } from '../common/harness.mjs';

let pg, db, server, meetingId, closedMeetingId;

// Appends events the way the server's record does: numbered under the meeting row's lock, then
// announced; each call is one transaction.
function appendEvents(meeting, n, { kind = 'test.tick', isPublic = true, audience = null } = {}) {
  const aud = audience ? `'{${audience.join(',')}}'::bigint[]` : 'NULL';
  pg.psql(db.name, `DO $$ DECLARE s bigint; BEGIN FOR i IN 1..${n} LOOP
      UPDATE meetings SET event_seq = event_seq + 1 WHERE id = ${meeting} RETURNING event_seq INTO s;
      INSERT INTO meeting_events (meeting_id, seq, kind, payload, is_public, audience)
        VALUES (${meeting}, s, '${kind}', jsonb_build_object('n', s), ${isPublic}, ${aud});
      PERFORM pg_notify('phonghop_events', ${meeting} || ':' || s);
    END LOOP; END $$`);
}

function userId(username) {
  return Number(pg.psql(db.name, `SELECT id FROM users WHERE username = '${username}'`).trim());
}

function currentSeq(meeting) {
  return Number(pg.psql(db.name, `SELECT event_seq FROM meetings WHERE id = ${meeting}`).trim() || 0);
}

// A signed-in (or public, username null) client following a meeting from afterSeq (default: now).
async function subscriber(username, meeting, afterSeq = currentSeq(meeting)) {
  const c = server.client();
  if (username) await c.login(username);
  const ws = await c.websocket();
  await ws.next((m) => m.type === 'welcome');
  const events = [];
  ws.on('message', (d) => { const m = JSON.parse(d.toString()); if (m.type === 'event') events.push(m); });
  ws.sendJson({ type: 'subscribe', id: 1, meeting_id: meeting, after_seq: afterSeq });
  const sub = await ws.next((m) => m.type === 'subscribed' || m.type === 'error');
  return { ws, events, sub, client: c };
}

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db });
  meetingId = Number(pg.psql(db.name, 'SELECT min(id) FROM meetings').trim());
  const body = pg.psql(db.name, `SELECT body_id FROM meetings WHERE id = ${meetingId}`).trim();
  closedMeetingId = Number(pg.psql(db.name, `INSERT INTO meetings (body_id, title, kind, status, is_public)
    VALUES (${body}, 'Phiên họp kín', 'regular', 'scheduled', false) RETURNING id`).split('\n')[0]);
});

after(async () => {
  await server?.destroy();
  pg?.destroy();
});

test('a subscriber receives every event in order, and a late one replays what it missed', async () => {
  const a = await subscriber('daibieu01', meetingId, 0);
  assert.equal(a.sub.type, 'subscribed');
  assert.equal(a.sub.access, 'member');
  const start = a.sub.last_seq;
  appendEvents(meetingId, 5);
  await waitFor(() => a.events.length === 5, { what: '5 events' });
  assert.deepEqual(a.events.map((e) => e.seq), [1, 2, 3, 4, 5].map((i) => start + i));
  assert.equal(a.events[0].kind, 'test.tick');
  assert.equal(a.events[0].payload.n, start + 1);
  assert.match(a.events[0].at, /^\d{4}-\d\d-\d\dT/);

  const b = await subscriber('daibieu02', meetingId, start + 2);
  assert.deepEqual(b.events.map((e) => e.seq), [3, 4, 5].map((i) => start + i));
  assert.equal(b.sub.last_seq, start + 5);
  a.ws.close(); b.ws.close();
});

test('a tablet away for 30 s while 100 changes happen catches up exactly', async () => {
  // The chair runs the sitting through the API: every change is a real, recorded event.
  const chair = server.client();
  assert.equal((await chair.login('chutich')).status, 200);
  const opened = await chair.post(`/api/v1/meetings/${meetingId}/open`, {});
  assert.ok([200, 409].includes(opened.status), opened.text);
  const items = (await chair.get(`/api/v1/meetings/${meetingId}`)).data.agenda.map((i) => i.id);
  assert.ok(items.length >= 2);
  let turn = 0;
  const change = async () => {
    const r = await chair.post(`/api/v1/meetings/${meetingId}/agenda/current`, { item_id: items[turn++ % items.length] });
    assert.equal(r.status, 200, r.text);
  };

  const stay = await subscriber('daibieu03', meetingId);
  const away = await subscriber('daibieu04', meetingId);
  const first = stay.sub.last_seq;
  for (let i = 0; i < 3; i++) await change();
  await waitFor(() => away.events.length >= 3 && stay.events.length === away.events.length, { what: 'first events' });
  const lastSeen = away.events[away.events.length - 1].seq;
  away.ws.terminate(); // the Wi-Fi drops: no close handshake
  const t0 = Date.now();
  for (let i = 0; i < 10; i++) {
    for (let k = 0; k < 10; k++) await change();
    await sleep(2500);
  }
  while (Date.now() - t0 < 30000) await sleep(200);
  const back = await subscriber('daibieu04', meetingId, lastSeen);
  await change(); // and the sitting goes on after the reconnection
  const finalSeq = currentSeq(meetingId);
  await waitFor(() => stay.events.length && stay.events[stay.events.length - 1].seq === finalSeq &&
    back.events.length && back.events[back.events.length - 1].seq === finalSeq, { timeoutMs: 20000, what: 'all events' });
  const seen = [...away.events, ...back.events].map((e) => e.seq);
  const stayed = stay.events.map((e) => e.seq);
  assert.ok(stayed.length >= 104, `${stayed.length} events`);
  assert.deepEqual(seen, stayed, 'same events, same order');
  assert.equal(new Set(seen).size, seen.length, 'no event twice');
  assert.deepEqual(stayed, Array.from({ length: finalSeq - first }, (_, i) => first + 1 + i), 'none missing');
  const stateOf = (evs) => evs.map((e) => JSON.stringify([e.seq, e.kind, e.payload])).join('|');
  assert.equal(stateOf([...away.events, ...back.events]), stateOf(stay.events));
  // The state both tablets show is the same: the last current item.
  const lastCurrent = (evs) => evs.filter((e) => e.kind === 'agenda.current').pop().payload.item_id;
  assert.equal(lastCurrent(back.events), lastCurrent(stay.events));
  stay.ws.close(); back.ws.close();
});

test('an event for an audience reaches only that audience; the others see a numbered gap filler', async () => {
  const inAud = await subscriber('daibieu05', meetingId);
  const outAud = await subscriber('daibieu06', meetingId);
  appendEvents(meetingId, 1, { kind: 'document.released', isPublic: false, audience: [userId('daibieu05'), userId('vanphong')] });
  await waitFor(() => inAud.events.length === 1 && outAud.events.length === 1, { what: 'the event' });
  assert.equal(inAud.events[0].kind, 'document.released');
  assert.equal(outAud.events[0].kind, 'hidden');
  assert.equal(outAud.events[0].seq, inAud.events[0].seq);
  assert.equal(outAud.events[0].payload, undefined);
  assert.ok(!JSON.stringify(outAud.events[0]).includes('document'));
  inAud.ws.close(); outAud.ws.close();
});

test('the public follows public meetings and sees public events only', async () => {
  const pub = await subscriber(null, meetingId);
  assert.equal(pub.sub.type, 'subscribed');
  assert.equal(pub.sub.access, 'public');
  appendEvents(meetingId, 1, { kind: 'agenda.current', isPublic: true });
  appendEvents(meetingId, 1, { kind: 'attendance.changed', isPublic: false });
  await waitFor(() => pub.events.length === 2, { what: 'two events' });
  assert.equal(pub.events[0].kind, 'agenda.current');
  assert.equal(pub.events[1].kind, 'hidden');
  pub.ws.close();

  const refused = await subscriber(null, closedMeetingId);
  assert.equal(refused.sub.type, 'error');
  assert.equal(refused.sub.code, 'forbidden');
  const other = await subscriber('uyvien03', closedMeetingId);
  assert.equal(other.sub.code, 'forbidden');
  const none = await subscriber('daibieu07', 999999);
  assert.equal(none.sub.code, 'not_found');
  const member = await subscriber('daibieu07', closedMeetingId);
  assert.equal(member.sub.type, 'subscribed');
  // A draft is the secretariat's: members may not follow it yet.
  const draft = Number(pg.psql(db.name, `INSERT INTO meetings (body_id, title, kind, is_public)
    SELECT body_id, 'Dự thảo', 'regular', true FROM meetings WHERE id = ${meetingId} RETURNING id`).split('\n')[0]);
  const early = await subscriber('daibieu07', draft);
  assert.equal(early.sub.code, 'forbidden');
  const staff = await subscriber('vanphong', draft);
  assert.equal(staff.sub.type, 'subscribed');
  for (const s of [refused, other, none, member, early, staff]) s.ws.close();
});

test('bad subscriptions are refused with a clear error', async () => {
  const c = server.client();
  await c.login('daibieu08');
  const ws = await c.websocket();
  await ws.next((m) => m.type === 'welcome');
  ws.sendJson({ type: 'subscribe', id: 9 });
  let e = await ws.next((m) => m.type === 'error');
  assert.equal(e.ref, 9);
  assert.match(e.message, /meeting_id/);
  ws.sendJson({ type: 'subscribe', meeting_id: meetingId, after_seq: -1 });
  e = await ws.next((m) => m.type === 'error');
  assert.match(e.message, /after_seq/);
  ws.sendJson({ type: 'subscribe', meeting_id: 'x' });
  e = await ws.next((m) => m.type === 'error');
  assert.equal(e.code, 'malformed');
  ws.sendJson({ type: 'unsubscribe', meeting_id: meetingId });
  assert.equal((await ws.next((m) => m.type === 'unsubscribed')).meeting_id, meetingId);
  ws.close();
});

test('after the database restarts, events still arrive', async () => {
  const a = await subscriber('daibieu09', meetingId);
  pg.stop('fast');
  pg.start();
  await waitFor(async () => (await server.client().get('/healthz')).status === 200, { timeoutMs: 20000, what: 'health' });
  await sleep(1000);
  appendEvents(meetingId, 2);
  await waitFor(() => a.events.length === 2, { timeoutMs: 20000, what: 'events after the restart' });
  assert.equal(a.events[1].seq, a.events[0].seq + 1);
  a.ws.close();
});
