// Media signaling over /ws without browsers: who may join a meeting's media and as what, every
// protocol error, leaving and being replaced, the floor reaching the media (media.floor after the
// chair's grant, media.muted after a mute), media.stats for the chair only, /metrics lines, and
// the [media] configuration keys (docs/media-signaling.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, phonghopBin, tmpDir, rmrf, waitFor } from '../common/harness.mjs';

let pg, db, server, council, otherBody, mainHall, foreignSite;
const users = {};
const clients = {};

const sql = (text) => pg.psql(db.name, text).trim();
const rows = (text) => sql(text).split('\n').filter(Boolean);

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db, config: { media: { addresses: '127.0.0.1', stats_interval_ms: 200, live_height: 0 } } });
  council = Number(sql("SELECT id FROM bodies WHERE name = 'Hội đồng nhân dân tỉnh Sơn Hà'"));
  otherBody = Number(sql("SELECT id FROM bodies WHERE kind = 'committee'"));
  mainHall = Number(sql(`SELECT id FROM sites WHERE body_id = ${council} AND kind = 'main_hall'`));
  foreignSite = Number(sql(`INSERT INTO sites (body_id, name) VALUES (${otherBody}, 'Phòng họp UBND') RETURNING id`).split('\n')[0]);
  for (const line of rows('SELECT username, id FROM users')) {
    const [name, id] = line.split('|');
    users[name] = Number(id);
  }
  for (const [role, username] of Object.entries({
    admin: 'quantri', secretariat: 'vanphong', chair: 'chutich', member: 'daibieu03', member2: 'daibieu04',
    guest: 'khachmoi', other: 'uyvien02',
  })) {
    const c = server.client();
    const r = await c.login(username);
    assert.equal(r.status, 200, `${username} signs in`);
    c.userId = r.data.user.id;
    clients[role] = c;
  }
  clients.anonymous = server.client();
});

after(async () => {
  // A clean stop: the media engine, its rooms and the replies in flight are freed (an
  // AddressSanitizer build reports leaks here with a non-zero status).
  const stopped = await server?.stop();
  await server?.destroy();
  pg?.destroy();
  assert.deepEqual(stopped, { code: 0, signal: null }, server?.log.slice(-4000));
});

function newMeeting({ status = 'open', body = council, inviteGuest = false, present = [] } = {}) {
  const id = Number(sql(`INSERT INTO meetings (body_id, title, kind, status, starts_at, location, is_public, opened_at)
    VALUES (${body}, 'Phiên họp thử về hình ảnh', 'regular', '${status}', now(), 'Hội trường', true,
    ${status === 'open' ? 'now()' : 'NULL'}) RETURNING id`).split('\n')[0]);
  if (inviteGuest) sql(`INSERT INTO invitations (meeting_id, kind, user_id) VALUES (${id}, 'guest', ${users.khachmoi})`);
  for (const name of present) {
    sql(`INSERT INTO attendance_events (meeting_id, user_id, kind, mode, by_user_id)
         VALUES (${id}, ${users[name]}, 'check_in', 'online', ${users[name]})`);
  }
  return id;
}

async function socket(who) {
  const ws = await clients[who].websocket();
  await ws.next((m) => m.type === 'welcome');
  return ws;
}

let nextId = 1;
// Sends a request and waits for its answer (the reply with its id, or the error naming it).
async function ask(ws, msg, timeoutMs = 5000) {
  const id = nextId++;
  ws.sendJson({ ...msg, id });
  return ws.next((m) => m.id === id || m.ref === id, timeoutMs);
}

async function join(who, meeting, extra = {}) {
  const ws = await socket(who);
  const r = await ask(ws, { type: 'media.join', meeting_id: meeting, ...extra });
  assert.equal(r.type, 'media.joined', JSON.stringify(r));
  ws.joined = r;
  return ws;
}

test('who joins a meeting\'s media, and as what', async () => {
  const m = newMeeting({ inviteGuest: true });
  const cases = [
    ['chair', 'chair'], ['member', 'member'], ['guest', 'guest'], ['secretariat', 'staff'], ['admin', 'staff'],
  ];
  const sockets = [];
  for (const [who, role] of cases) {
    const ws = await join(who, m);
    assert.equal(ws.joined.role, role, who);
    assert.equal(ws.joined.participant_id, clients[who].userId);
    assert.deepEqual(ws.joined.ice_servers, []);
    assert.deepEqual(ws.joined.floor, { participant_id: null, user_id: null, open_microphones: false });
    sockets.push(ws);
  }
  // Everyone is told who is in, in participant order, with what they publish.
  const last = sockets[0];
  const peers = await last.next((msg) => msg.type === 'media.peers' && msg.peers.length === cases.length);
  assert.deepEqual(peers.peers.map((p) => p.participant_id), cases.map(([who]) => clients[who].userId).sort((a, b) => a - b));
  const chairPeer = peers.peers.find((p) => p.participant_id === clients.chair.userId);
  assert.deepEqual(chairPeer, {
    participant_id: clients.chair.userId, user_id: clients.chair.userId, site_id: null, name: 'Nguyễn Văn Thành',
    role: 'chair', connected: false, publishing: { audio: false, video: false, layers: 0 }, muted: { audio: false, video: false },
  });

  // A site (hall) is joined by the body's staff; its participant id is 2^40 + the site id.
  const hall = await join('secretariat', m, { site_id: mainHall });
  assert.equal(hall.joined.role, 'site');
  assert.equal(hall.joined.participant_id, 2 ** 40 + mainHall);
  const withHall = await last.next((msg) => msg.type === 'media.peers' && msg.peers.some((p) => p.site_id === mainHall));
  assert.equal(withHall.peers.find((p) => p.site_id === mainHall).user_id, null);

  // Refusals.
  const refusals = [
    ['other', { meeting_id: m }, 'forbidden'],
    ['guest', { meeting_id: newMeeting() }, 'forbidden'], // not invited
    ['member', { meeting_id: m, site_id: mainHall }, 'forbidden'],
    ['secretariat', { meeting_id: m, site_id: foreignSite }, 'not_found'],
    ['member', { meeting_id: 99999999 }, 'not_found'],
    ['member', { meeting_id: newMeeting({ status: 'closed' }) }, 'meeting_state'],
    ['member', { meeting_id: newMeeting({ status: 'draft' }) }, 'meeting_state'],
    ['anonymous', { meeting_id: m }, 'unauthenticated'],
    ['member', {}, 'malformed'],
    ['member', { meeting_id: '5' }, 'malformed'],
    ['member', { meeting_id: m, site_id: -1 }, 'malformed'],
  ];
  for (const [who, body, code] of refusals) {
    const ws = await socket(who);
    const r = await ask(ws, { type: 'media.join', ...body });
    assert.equal(r.type, 'error', `${who} ${JSON.stringify(body)}`);
    assert.equal(r.code, code, `${who} ${JSON.stringify(body)}: ${r.message}`);
    ws.close();
  }
  for (const ws of [...sockets, hall]) ws.close();
});

test('a hall screen bound by its token joins as its site, whoever is signed in on the browser', async () => {
  const m = newMeeting();
  const remote = Number(sql(`SELECT min(id) FROM sites WHERE body_id = ${council} AND kind = 'remote_hall'`));
  const issued = await clients.secretariat.post(`/api/v1/meetings/${m}/screens`, { site_id: remote, hours: 1 });
  assert.equal(issued.status, 201, issued.text);
  // A member's browser bound as the screen: the screen's media is the site, not the member.
  for (const who of ['anonymous', 'member']) {
    const ws = await socket(who);
    const bound = await ask(ws, { type: 'screen.auth', token: issued.data.token });
    assert.equal(bound.type, 'screen.bound');
    // Naming another site is refused; its own, or none, joins as the site.
    const wrong = await ask(ws, { type: 'media.join', meeting_id: m, site_id: mainHall });
    assert.equal(wrong.code, 'forbidden');
    const r = await ask(ws, { type: 'media.join', meeting_id: m });
    assert.equal(r.type, 'media.joined', JSON.stringify(r));
    assert.equal(r.role, 'site');
    assert.equal(r.participant_id, 2 ** 40 + remote);
    // Another meeting's media: the screen counts for nothing there.
    const other = await socket(who);
    await ask(other, { type: 'screen.auth', token: issued.data.token });
    const elsewhere = await ask(other, { type: 'media.join', meeting_id: newMeeting() });
    if (who === 'anonymous') assert.equal(elsewhere.code, 'unauthenticated', JSON.stringify(elsewhere));
    else assert.equal(elsewhere.role, 'member', JSON.stringify(elsewhere));
    other.close();
    // Revoking closes the screen's connections.
    if (who === 'member') {
      await clients.secretariat.post(`/api/v1/meetings/${m}/screens/${issued.data.screen.id}/revoke`, {});
      assert.equal((await ws.closed).code, 4001);
    } else {
      ws.close();
    }
  }
});

test('protocol errors of the media messages', async () => {
  const m = newMeeting();
  const ws = await socket('member');
  // Before joining, every message but media.join is refused with not_joined.
  for (const type of ['media.leave', 'media.publish', 'media.subscribe', 'media.answer', 'media.candidate', 'media.view', 'media.ice_restart']) {
    const r = await ask(ws, { type, meeting_id: m, sdp: 'v=0' });
    assert.equal(r.code, 'not_joined', type);
    assert.equal(r.meeting_id, m);
  }
  assert.equal((await ask(ws, { type: 'media.publish' })).code, 'malformed');
  assert.equal((await ask(ws, { type: 'media.nonsense', meeting_id: m })).code, 'unknown_type');

  const joinedWs = await join('member', m);
  assert.equal((await ask(joinedWs, { type: 'media.join', meeting_id: m })).code, 'already_joined');
  assert.equal((await ask(joinedWs, { type: 'media.join', meeting_id: newMeeting() })).code, 'already_joined');
  const other = newMeeting();
  assert.equal((await ask(joinedWs, { type: 'media.publish', meeting_id: other, sdp: 'v=0' })).code, 'not_joined');

  const errors = [
    [{ type: 'media.publish', meeting_id: m }, 'malformed'],
    [{ type: 'media.publish', meeting_id: m, sdp: 42 }, 'malformed'],
    [{ type: 'media.publish', meeting_id: m, sdp: 'this is not SDP' }, 'sdp_rejected'],
    [{ type: 'media.publish', meeting_id: m, sdp: 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n' }, 'sdp_rejected'],
    [{ type: 'media.answer', meeting_id: m, sdp: 'v=0' }, 'malformed'],
    [{ type: 'media.answer', meeting_id: m, offer_id: 1, sdp: 'v=0' }, 'no_offer'],
    [{ type: 'media.subscribe', meeting_id: m, publishers: 'all' }, 'malformed'],
    [{ type: 'media.subscribe', meeting_id: m, publishers: [1, -2] }, 'malformed'],
    [{ type: 'media.subscribe', meeting_id: m, publishers: Array.from({ length: 65 }, (_, i) => i + 1) }, 'malformed'],
    [{ type: 'media.candidate', meeting_id: m, candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' }, 'malformed'],
    [{ type: 'media.candidate', meeting_id: m, connection: 'sideways', candidate: null }, 'malformed'],
    [{ type: 'media.candidate', meeting_id: m, connection: 'publish', candidate: 'x'.repeat(1025) }, 'malformed'],
    [{ type: 'media.view', meeting_id: m, publisher: clients.chair.userId, width: 320 }, 'malformed'],
    [{ type: 'media.view', meeting_id: m, publisher: clients.chair.userId, width: -1, height: 5 }, 'malformed'],
    [{ type: 'media.view', meeting_id: m, publisher: clients.chair.userId, width: 320, height: 180 }, 'not_found'],
    [{ type: 'media.ice_restart', meeting_id: m }, 'malformed'],
    [{ type: 'media.ice_restart', meeting_id: m, connection: 'publish' }, 'malformed'],
    [{ type: 'media.ice_restart', meeting_id: m, connection: 'subscribe' }, 'no_connection'],
  ];
  for (const [msg, code] of errors) {
    const r = await ask(joinedWs, msg);
    assert.equal(r.type, 'error', JSON.stringify(msg).slice(0, 200));
    assert.equal(r.code, code, `${JSON.stringify(msg).slice(0, 200)}: ${r.message}`);
    assert.ok(r.message.length > 10, r.message);
  }
  // A candidate for a connection that does not exist yet is dropped without a word; the end of
  // candidates too. The connection stays usable.
  joinedWs.sendJson({ type: 'media.candidate', meeting_id: m, connection: 'publish', candidate: 'candidate:1 1 udp 2130706431 127.0.0.1 9 typ host' });
  joinedWs.sendJson({ type: 'media.candidate', meeting_id: m, connection: 'subscribe', candidate: null });
  // Subscribing with nobody publishing yet: acknowledged, no offer (nothing to receive).
  assert.equal((await ask(joinedWs, { type: 'media.subscribe', meeting_id: m })).type, 'media.subscribed');
  await assert.rejects(joinedWs.next((x) => x.type === 'media.offer', 500));
  // Nothing received yet, so no receiving connection to restart.
  assert.equal((await ask(joinedWs, { type: 'media.ice_restart', meeting_id: m, connection: 'subscribe' })).code, 'no_connection');
  const left = await ask(joinedWs, { type: 'media.leave', meeting_id: m });
  assert.deepEqual({ type: left.type, reason: left.reason }, { type: 'media.left', reason: 'left' });
  assert.equal((await ask(joinedWs, { type: 'media.leave', meeting_id: m })).code, 'not_joined');
  // After leaving, joining again works.
  assert.equal((await ask(joinedWs, { type: 'media.join', meeting_id: m })).type, 'media.joined');
  ws.close();
  joinedWs.close();
});

test('a second connection of the same person replaces the first; a closed connection leaves', async () => {
  const m = newMeeting();
  const chair = await join('chair', m);
  const first = await join('member', m);
  const second = await join('member', m);
  const left = await first.next((x) => x.type === 'media.left');
  assert.equal(left.reason, 'replaced');
  assert.equal(left.meeting_id, m);
  // The first connection is out of the media: its messages are refused.
  assert.equal((await ask(first, { type: 'media.subscribe', meeting_id: m })).code, 'not_joined');
  const peers = await chair.next((x) => x.type === 'media.peers' && x.peers.length === 2);
  assert.deepEqual(peers.peers.map((p) => p.role).sort(), ['chair', 'member']);
  second.close();
  await chair.next((x) => x.type === 'media.peers' && x.peers.length === 1);
  first.close();
  chair.close();
});

test('the floor reaches the media: grant, revoke, open microphones, mute', async () => {
  const m = newMeeting({ present: ['chutich', 'daibieu03', 'daibieu04'] });
  // The floor is given before anyone joined: the room applies it when it is made.
  let r = await clients.chair.post(`/api/v1/meetings/${m}/floor/give`, { user_id: users.daibieu04, kind: 'speech' });
  assert.equal(r.status, 200, r.text);
  const chair = await join('chair', m);
  assert.deepEqual(chair.joined.floor, { participant_id: users.daibieu04, user_id: users.daibieu04, open_microphones: false });
  const applied = await chair.next((x) => x.type === 'media.floor');
  assert.deepEqual(applied, { type: 'media.floor', meeting_id: m, participant_id: users.daibieu04, user_id: users.daibieu04, open_microphones: false });
  const member = await join('member', m);

  // Each change is applied by the media worker and told to every participant, quickly.
  r = await clients.chair.post(`/api/v1/meetings/${m}/floor/revoke`);
  assert.equal(r.status, 200, r.text);
  let t0 = Date.now();
  for (const ws of [chair, member]) {
    const f = await ws.next((x) => x.type === 'media.floor' && x.participant_id === null);
    assert.equal(f.open_microphones, false);
  }
  r = await clients.chair.post(`/api/v1/meetings/${m}/floor/give`, { user_id: users.daibieu03, kind: 'speech' });
  assert.equal(r.status, 200, r.text);
  t0 = Date.now();
  const granted = await member.next((x) => x.type === 'media.floor' && x.participant_id === users.daibieu03);
  const grantMs = Date.now() - t0;
  assert.equal(granted.user_id, users.daibieu03);
  assert.ok(grantMs < 100, `media.floor ${grantMs} ms after the grant's answer`);

  r = await clients.chair.post(`/api/v1/meetings/${m}/floor/microphones`, { open: true });
  assert.equal(r.status, 200, r.text);
  await chair.next((x) => x.type === 'media.floor' && x.open_microphones === true);
  r = await clients.chair.post(`/api/v1/meetings/${m}/floor/microphones`, { open: false });
  await chair.next((x) => x.type === 'media.floor' && x.open_microphones === false);

  r = await clients.chair.post(`/api/v1/meetings/${m}/floor/mute`, { user_id: users.daibieu03, audio: true, video: true });
  assert.equal(r.status, 204, r.text);
  const muted = [];
  for (let i = 0; i < 2; i++) muted.push(await member.next((x) => x.type === 'media.muted'));
  assert.deepEqual(muted.map((x) => [x.participant_id, x.kind, x.muted]).sort(),
    [[users.daibieu03, 'audio', true], [users.daibieu03, 'video', true]]);
  await chair.next((x) => x.type === 'media.peers' || x.type === 'media.muted');
  // A mute holds across leaving and joining again.
  member.close();
  const again = await join('member', m);
  const self = again.joined.peers.find((p) => p.participant_id === users.daibieu03);
  assert.ok(self);
  await again.next((x) => x.type === 'media.muted' && x.kind === 'audio' && x.muted);
  r = await clients.chair.post(`/api/v1/meetings/${m}/floor/mute`, { user_id: users.daibieu03, audio: false, video: false });
  assert.equal(r.status, 204);
  await again.next((x) => x.type === 'media.muted' && x.kind === 'video' && !x.muted);
  again.close();
  chair.close();
});

test('a member speaking from a hall that joined as a site: the floor goes to the hall', async () => {
  const m = newMeeting();
  sql(`INSERT INTO attendance_events (meeting_id, user_id, kind, mode, site_id, by_user_id)
       VALUES (${m}, ${users.daibieu03}, 'check_in', 'hall', ${mainHall}, ${users.daibieu03})`);
  const chair = await join('chair', m);
  const hall = await join('secretariat', m, { site_id: mainHall });
  const r = await clients.chair.post(`/api/v1/meetings/${m}/floor/give`, { user_id: users.daibieu03, kind: 'speech' });
  assert.equal(r.status, 200, r.text);
  // First to the member, then (after the attendance lookup) to their hall.
  const f = await chair.next((x) => x.type === 'media.floor' && x.participant_id === 2 ** 40 + mainHall);
  assert.equal(f.user_id, users.daibieu03);
  // The hall leaves: the floor goes back to the member's own device.
  hall.close();
  await chair.next((x) => x.type === 'media.floor' && x.participant_id === users.daibieu03);
  chair.close();
});

test('a hall where the chair presides is heard like the chair; the other halls follow the floor', async () => {
  const m = newMeeting();
  const remote = Number(sql(`INSERT INTO sites (body_id, name) VALUES (${council}, 'Điểm cầu huyện Tân Châu') RETURNING id`).split('\n')[0]);
  const chair = await join('chair', m);
  // The chair's screen follows the meeting's events, as the web client does.
  const sub = await ask(chair, { type: 'subscribe', meeting_id: m, after_seq: 0 });
  assert.equal(sub.type, 'subscribed', JSON.stringify(sub));
  const hall = await join('secretariat', m, { site_id: mainHall });
  const other = await join('admin', m, { site_id: remote });
  const hallId = 2 ** 40 + mainHall, otherId = 2 ** 40 + remote;
  const open = (stats, id) => stats.peers.find((p) => p.participant_id === id)?.audio_open;
  // Nobody holds the floor and no chair is in a hall: both halls are closed.
  await chair.next((x) => x.type === 'media.stats' && open(x, hallId) === false && open(x, otherId) === false, 8000);

  // The secretariat checks the chair in at the main hall: the chair speaks into its microphones.
  let r = await clients.secretariat.post(`/api/v1/meetings/${m}/attendance/${clients.chair.userId}/check-in`,
    { mode: 'hall', site_id: mainHall });
  assert.equal(r.status, 200, r.text);
  await chair.next((x) => x.type === 'media.stats' && open(x, hallId) === true && open(x, otherId) === false, 8000);

  // A member in the remote hall gets the floor: that hall opens too, then closes with the turn.
  sql(`INSERT INTO attendance_events (meeting_id, user_id, kind, mode, site_id, by_user_id)
       VALUES (${m}, ${users.daibieu04}, 'check_in', 'remote_site', ${remote}, ${users.daibieu04})`);
  r = await clients.chair.post(`/api/v1/meetings/${m}/floor/give`, { user_id: users.daibieu04, kind: 'speech' });
  assert.equal(r.status, 200, r.text);
  await chair.next((x) => x.type === 'media.floor' && x.participant_id === otherId);
  await chair.next((x) => x.type === 'media.stats' && open(x, hallId) === true && open(x, otherId) === true, 8000);

  // The chair leaves the hall: it follows the floor like any other hall again.
  r = await clients.secretariat.post(`/api/v1/meetings/${m}/attendance/${clients.chair.userId}/check-out`, {});
  assert.equal(r.status, 200, r.text);
  await chair.next((x) => x.type === 'media.stats' && open(x, hallId) === false && open(x, otherId) === true, 8000);
  hall.close();
  other.close();
  chair.close();
});

test('media.stats reach the chair and staff only; /metrics has the media lines', async () => {
  const m = newMeeting();
  const chair = await join('chair', m);
  const member = await join('member', m);
  const stats = await chair.next((x) => x.type === 'media.stats', 5000);
  assert.equal(stats.meeting_id, m);
  assert.deepEqual(stats.peers.map((p) => p.participant_id).sort((a, b) => a - b), [users.chutich, users.daibieu03].sort((a, b) => a - b));
  const p = stats.peers.find((x) => x.participant_id === users.chutich);
  for (const key of ['rx_bitrate_bps', 'tx_bitrate_bps', 'rx_loss', 'tx_loss', 'rtt_ms', 'layer', 'connected', 'audio_open', 'estimate_bps']) {
    assert.ok(key in p, key);
  }
  assert.equal(p.audio_open, true, 'the chair is always heard');
  assert.equal(stats.peers.find((x) => x.participant_id === users.daibieu03).audio_open, false);
  assert.ok('forwarded' in stats.counters);
  await assert.rejects(member.next((x) => x.type === 'media.stats', 800));

  const metrics = await waitFor(async () => {
    const r = await fetch(`${server.url}/metrics`);
    const text = await r.text();
    return text.includes(`phonghop_media_peer_connected{meeting="${m}",participant="${users.daibieu03}"}`) && text;
  }, { what: 'the media lines on /metrics' });
  for (const line of [
    /^phonghop_media_workers \d+$/m,
    /^phonghop_media_rooms [1-9]\d*$/m,
    new RegExp(`^phonghop_media_peer_bitrate_bps\\{meeting="${m}",participant="${users.chutich}",direction="rx"\\} \\d+$`, 'm'),
    new RegExp(`^phonghop_media_peer_bitrate_bps\\{meeting="${m}",participant="${users.chutich}",direction="tx"\\} \\d+$`, 'm'),
    new RegExp(`^phonghop_media_peer_loss_ratio\\{meeting="${m}",participant="${users.chutich}",direction="rx"\\} [0-9.]+$`, 'm'),
    new RegExp(`^phonghop_media_peer_layer\\{meeting="${m}",participant="${users.chutich}",direction="tx"\\} -?\\d+$`, 'm'),
    new RegExp(`^phonghop_media_peer_audio_open\\{meeting="${m}",participant="${users.chutich}"\\} 1$`, 'm'),
    new RegExp(`^phonghop_media_forwarded_packets_total\\{meeting="${m}"\\} \\d+$`, 'm'),
    /^# TYPE phonghop_media_peer_rtt_seconds gauge$/m,
  ]) assert.match(metrics, line);
  chair.close();
  member.close();
  // Nobody left: the room is gone from /metrics.
  await waitFor(async () => !(await (await fetch(`${server.url}/metrics`)).text()).includes(`meeting="${m}"`), { what: 'the room to go' });
});

test('[media] configuration: errors name the key; --check-config reads the addresses', () => {
  const dir = tmpDir();
  try {
    const check = (text) => {
      const file = path.join(dir, 'c.conf');
      fs.writeFileSync(file, `[server]\nstate_dir = ${dir}\n[media]\n${text}\n`);
      return spawnSync(phonghopBin, ['--config', file, '--check-config'], { encoding: 'utf8' });
    };
    assert.equal(check('workers = 2\naddresses = 127.0.0.1, ::1\nport_min = 40000\nport_max = 40100').status, 0);
    assert.equal(check('turn_servers = turn:turn.example.org:3478?transport=udp\nturn_username = u\nturn_credential = p').status, 0);
    assert.equal(check('turn_servers = turns:turn.example.org:5349\nturn_secret = s3cret').status, 0);
    for (const [text, needle] of [
      ['addresses = 127.0.0.1, not an address!', '[media] addresses'],
      ['public_address = not-an-address', '[media] public_address'],
      ['port_min = 40000', '[media] port_min'],
      ['port_min = 50000\nport_max = 40000', '[media] port_min'],
      ['turn_servers = http://example.org', '[media] turn_servers'],
      ['turn_username = u', 'turn_username and turn_credential'],
      ['turn_secret = s\nturn_username = u\nturn_credential = p', 'turn_secret'],
      ['workers = -1', '[media] workers'],
      ['stats_interval_ms = 5', '[media] stats_interval_ms'],
      ['colour = blue', "unknown key 'colour' in [media]"],
    ]) {
      const r = check(text);
      assert.equal(r.status, 2, `${text}: ${r.stdout}${r.stderr}`);
      assert.ok(r.stderr.includes(needle), `${text}: ${r.stderr}`);
    }
  } finally {
    rmrf(dir);
  }
});
