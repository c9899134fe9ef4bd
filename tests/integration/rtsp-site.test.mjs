// A hall's IP camera as a site of a meeting: a local RTSP server
// (tests/integration/media-gst/rtsp-test-server.c, gst-rtsp-server: H.264 Constrained Baseline
// and G.711 mu-law audio, as many hall cameras send) is the camera of a site invited to an open
// meeting; phonghop pulls it and publishes it into the meeting's media room. A webrtcbin client
// (the chair) receives it through /ws like any site and decodes its H.264. Asserted: the camera
// URL is checked with a clear message (scheme, host, port, length, characters; never echoing
// the password); the site's video reaches and decodes at the subscriber; its PCMU audio, which
// browsers get as Opus, reaches the subscriber once the microphones are open, the transcoding
// logged once per connection; media.peers shows the camera's state; killing the camera server
// shows "reconnecting" and restarting it brings the video back in the same stream; /metrics
// counts it (video passed through, audio transcoded).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { Postgres, Server, buildDir, freePort, sleep, waitFor } from '../common/harness.mjs';
import { startWebrtcbinPeer } from '../common/webrtcbin-peer.mjs';

const rtspBin = path.join(buildDir, 'tests', 'integration', 'media-gst', 'rtsp-test-server');
const SITE_BASE = 2 ** 40;

let pg, db, server, meeting, council, site, rtspPort, camera, admin;
const users = {};
const peers = [];

const sql = (text) => pg.psql(db.name, text).trim();

function startCamera() {
  const proc = spawn(rtspBin, [String(rtspPort), 'baseline', 'pcmu'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.exited = new Promise((resolve) => proc.on('exit', resolve));
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('the RTSP test server did not start')), 20000);
    readline.createInterface({ input: proc.stdout }).on('line', (l) => {
      if (l.includes('ready')) { clearTimeout(t); resolve(proc); }
    });
  });
}

async function stopCamera() {
  camera.kill('SIGKILL');
  await camera.exited;
}

// The chair's webrtcbin client, receiving; p.peers is the last media.peers.
async function startPeer(username) {
  const p = await startWebrtcbinPeer(server, meeting, username, {
    receive: true,
    onMessage: (m, peer) => { if (m.type === 'media.peers') peer.peers = m.peers; },
  });
  peers.push(p);
  return p;
}

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db, config: { media: { addresses: '127.0.0.1', live_height: 0 } } });
  for (const line of sql('SELECT username, id FROM users').split('\n')) {
    const [n, id] = line.split('|');
    users[n] = Number(id);
  }
  council = Number(sql("SELECT id FROM bodies WHERE name = 'Hội đồng nhân dân tỉnh Sơn Hà'"));
  meeting = Number(sql(`INSERT INTO meetings (body_id, title, kind, status, starts_at, location, is_public, opened_at)
    VALUES (${council}, 'Phiên họp có điểm cầu camera', 'regular', 'open', now(), 'Trực tuyến', false, now()) RETURNING id`).split('\n')[0]);
  sql(`INSERT INTO attendance_events (meeting_id, user_id, kind, mode, by_user_id) VALUES (${meeting}, ${users.chutich}, 'check_in', 'online', ${users.chutich})`);
  rtspPort = await freePort();
  camera = await startCamera();
  admin = server.client();
  assert.equal((await admin.login('quantri')).status, 200);
});

after(async () => {
  const stopped = await server?.stop();
  for (const p of peers) {
    p.send({ type: 'quit' });
    const t = setTimeout(() => p.proc.kill('SIGKILL'), 5000);
    await p.exited;
    clearTimeout(t);
    p.ws.close();
  }
  if (camera && camera.exitCode === null) await stopCamera();
  await server?.destroy();
  pg?.destroy();
  assert.deepEqual(stopped, { code: 0, signal: null }, server?.log.slice(-4000));
});

test('a camera URL is checked, with a message that says what is wrong', async () => {
  const cases = [
    ['http://cam.example/live', /must start with rtsp:\/\/, rtsps:\/\/ or rtspt:\/\//],
    ['rtsp://', /no host/],
    ['rtsp://:554/live', /no host/],
    ['rtsp://cam.example:99999/live', /port must be a number from 1 to 65535/],
    ['rtsp://cam.example:0/live', /port must be a number from 1 to 65535/],
    ['rtsp://cam example/live', /space, a control character or a non-ASCII character at byte 11/],
    ['rtsp://hội-trường/live', /non-ASCII/],
    ['rtsp://cam_1;rm/live', /is not a host name or an IPv4 address/],
    ['rtsp://[zz::1]/live', /is not an IPv6 address/],
    ['rtsp://user:s3cret@-cam/live', /is not a host name/],
    [`rtsp://cam.example/${'a'.repeat(1000)}`, /too long: 1019 bytes, limit 1000/],
    [42, /must be a string/],
  ];
  for (const [url, message] of cases) {
    const r = await admin.post(`/api/v1/bodies/${council}/sites`, { name: 'Thử', kind: 'remote_hall', rtsp_url: url });
    assert.equal(r.status, 400, `${url}: ${r.text}`);
    assert.equal(r.data.error.code, 'invalid_field');
    assert.match(r.data.error.message, /field 'rtsp_url'/);
    assert.match(r.data.error.message, message, String(url));
    assert.ok(!r.text.includes('s3cret'), 'the password is never echoed');
  }
  assert.equal(sql("SELECT count(*) FROM sites WHERE name = 'Thử'"), '0', 'nothing stored');
  for (const [i, url] of ['rtsp://192.0.2.7:554/stream1', 'rtsps://cam.hoi-truong.example/a?b=c', 'rtspt://[2001:db8::7]:8554/x'].entries()) {
    const r = await admin.post(`/api/v1/bodies/${council}/sites`, { name: `Hội trường ${i}`, kind: 'remote_hall', rtsp_url: url });
    assert.equal(r.status, 201, `${url}: ${r.text}`);
  }
});

test('the hall camera is published as a site: a subscriber decodes it; it reconnects', async () => {
  // The site with its camera (credentials in the URL are kept but never shown).
  let r = await admin.post(`/api/v1/bodies/${council}/sites`, { name: 'Hội trường huyện Tân Lập', kind: 'remote_hall' });
  assert.equal(r.status, 201, r.text);
  site = r.data.site.id;
  assert.equal(r.data.site.has_camera, false);
  r = await admin.request('PATCH', `/api/v1/bodies/${council}/sites/${site}`, { json: { rtsp_url: 'rtsp://nope:99999/' } });
  assert.equal(r.status, 400);
  r = await admin.request('PATCH', `/api/v1/bodies/${council}/sites/${site + 1000}`, { json: { rtsp_url: null } });
  assert.equal(r.status, 404);
  sql(`INSERT INTO invitations (meeting_id, kind, site_id) VALUES (${meeting}, 'site', ${site})`);
  r = await admin.request('PATCH', `/api/v1/bodies/${council}/sites/${site}`,
    { json: { rtsp_url: `rtsp://camera:secret@127.0.0.1:${rtspPort}/cam` } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.site.has_camera, true);
  assert.equal(r.data.site.camera, `rtsp://127.0.0.1:${rtspPort}/cam`);
  const listed = await admin.get(`/api/v1/bodies/${council}/sites`);
  assert.equal(listed.data.sites.find((s) => s.id === site).has_camera, true);
  assert.ok(!listed.text.includes('secret'));

  const chair = await startPeer('chutich');
  assert.equal((await chair.ask({ type: 'media.subscribe' })).type, 'media.subscribed');
  const id = SITE_BASE + site;
  const first = await waitFor(async () => {
    const rx = await chair.rx();
    return rx[id]?.decoded > 20 && rx[id];
  }, { timeoutMs: 45000, intervalMs: 500, what: { toString: () => `the camera decoded at the chair (${JSON.stringify(chair.errors)}) ${server.log.slice(-2500)}` } });
  const shown = chair.peers.find((x) => x.participant_id === id);
  assert.equal(shown.role, 'site');
  assert.equal(shown.site_id, site);
  assert.equal(shown.camera, 'playing');
  assert.equal(shown.publishing.video, true);
  assert.equal(shown.connected, true);

  // Its G.711 audio, transcoded to Opus, reaches the chair once every microphone is open (a
  // hall is heard like a member: the floor gates it).
  const transcodings = () => server.log.split('camera: transcoding PCMU audio to Opus').length - 1;
  assert.equal((await chair.c.post(`/api/v1/meetings/${meeting}/floor/microphones`, { open: true })).status, 200);
  const heard = (await chair.rx())[id]?.audio ?? 0;
  await waitFor(async () => (await chair.rx())[id]?.audio > heard + 25,
    { timeoutMs: 15000, intervalMs: 500, what: { toString: () => `the camera's audio at the chair (${JSON.stringify(chair.peers)} ${server.log.slice(-2500)})` } });
  assert.equal(chair.peers.find((x) => x.participant_id === id).publishing.audio, true);
  assert.equal(transcodings(), 1, 'the transcoding is logged once per connection');
  assert.ok(!server.log.includes('audio is not published'));

  // The camera goes away: the chair sees "reconnecting"; it comes back: the video flows again.
  await stopCamera();
  await waitFor(() => chair.peers.find((x) => x.participant_id === id)?.camera === 'reconnecting',
    { timeoutMs: 15000, what: 'reconnecting' });
  await sleep(1000);
  const paused = (await chair.rx())[id].decoded;
  camera = await startCamera();
  const back = await waitFor(async () => {
    const rx = await chair.rx();
    return rx[id]?.decoded > paused + 20 && rx[id];
  }, { timeoutMs: 45000, intervalMs: 500, what: { toString: () => `the camera back (${server.log.slice(-2500)})` } });
  assert.ok(back.decoded > first.decoded);
  await waitFor(() => transcodings() === 2, { timeoutMs: 5000, what: 'the transcoding logged for the new connection' });
  assert.equal(chair.peers.find((x) => x.participant_id === id).camera, 'playing');
  const m = await server.client().get('/metrics');
  assert.match(m.text, new RegExp(`phonghop_camera_playing\\{meeting="${meeting}",site="${site}"\\} 1`));
  assert.match(m.text, new RegExp(`phonghop_camera_reconnects_total\\{meeting="${meeting}",site="${site}"\\} [1-9]`));
  assert.match(m.text, new RegExp(`phonghop_camera_packets_total\\{meeting="${meeting}",site="${site}"\\} [1-9]`));
  assert.match(m.text, new RegExp(`phonghop_camera_transcoding\\{meeting="${meeting}",site="${site}"\\} 0`));
  assert.match(m.text, new RegExp(`phonghop_camera_audio_transcoding\\{meeting="${meeting}",site="${site}"\\} 1`));

  // The camera is taken off the site: it leaves the meeting's media.
  r = await admin.request('PATCH', `/api/v1/bodies/${council}/sites/${site}`, { json: { rtsp_url: null } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.data.site.has_camera, false);
  await waitFor(() => !chair.peers.some((x) => x.participant_id === id), { timeoutMs: 10000, what: 'the camera gone' });

  // ... and put back: it joins again, and the server stops cleanly with it running (after()).
  r = await admin.request('PATCH', `/api/v1/bodies/${council}/sites/${site}`, { json: { rtsp_url: `rtsp://127.0.0.1:${rtspPort}/cam` } });
  assert.equal(r.status, 200, r.text);
  await waitFor(() => chair.peers.find((x) => x.participant_id === id)?.camera === 'playing', { timeoutMs: 15000, what: 'the camera back on the site' });
});
