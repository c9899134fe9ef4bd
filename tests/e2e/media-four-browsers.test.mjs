// Four real browsers in one meeting's media, through phonghop's /ws signaling: headless Chromium
// with the fake camera and microphone, on loopback only (run inside `unshare -n` with lo up:
// tests/e2e/netns-run.sh; the server gathers on [media] addresses = 127.0.0.1).
//
// The chair publishes a three-layer simulcast; three members publish one layer. Every browser
// receives every other. Asserted from each browser's own getStats(): video frames decoded rising
// for every pair; the chair heard by all; a member without the floor not heard (audio bytes at
// the receivers stay flat) until the chair gives them the floor, then heard within a second, and
// not heard again once it is revoked; a small view gets the lowest layer and a large one the
// highest; one member leaves and joins again; one restarts ICE on its publishing connection.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, tmpDir, rmrf, sleep, waitFor } from '../common/harness.mjs';
import { launchSignedIn } from './browser.mjs';

const PEOPLE = { chair: 'chutich', m1: 'daibieu03', m2: 'daibieu04', m3: 'daibieu05' };

let pg, db, server, meeting;
const users = {};
const browsers = {}; // name -> { ctx, page, dir, pid }
const chairApi = { client: null };
const timings = {};
let diagnosis = '';

const sql = (text) => pg.psql(db.name, text).trim();

async function evaluate(name, fn, arg) {
  return browsers[name].page.evaluate(fn, arg);
}

const summary = (name) => evaluate(name, () => window.ph.summary());
const others = (name) => Object.keys(PEOPLE).filter((n) => n !== name);

// What every browser receives now: { receiver: { publisher name: {...} } }.
async function snapshot() {
  const out = {};
  const names = Object.keys(browsers);
  const all = await Promise.all(names.map((name) => summary(name)));
  names.forEach((name, i) => {
    out[name] = {};
    for (const other of others(name)) out[name][other] = all[i].receiving[browsers[other].pid] || { audioBytes: 0, videoBytes: 0, framesDecoded: 0, frameWidth: 0 };
  });
  return out;
}

// On a failure: what each browser receives and logged, and the server's last media lines.
async function explain(error) {
  const lines = [diagnosis];
  try {
    lines.push(`snapshot: ${JSON.stringify(await snapshot())}`);
    for (const name of Object.keys(browsers)) {
      lines.push(`${name} (${browsers[name].pid}): ${JSON.stringify(await evaluate(name, async () =>
        ({ log: window.ph.log, offers: window.ph.offers, sub: window.ph.sub?.connectionState, pub: window.ph.pub?.connectionState,
          receiving: await window.ph.debugReceiving() })))}`);
    }
  } catch (e) { lines.push(`(${e.message})`); }
  lines.push(...server.log.split('\n').filter((l) => /phonghop-media/.test(l) && !/nack|rtcp|NACK/.test(l)).slice(-60));
  error.message += `\n${lines.join('\n')}`;
  throw error;
}

// A steady tone for the fake microphone (Chromium's own beeps once a second, too seldom for the
// active speaker's smoothed level): 2 s of 440 Hz at about -10 dBFS, 48 kHz mono, looped.
function toneWav(file) {
  const rate = 48000, n = rate * 2;
  const buf = Buffer.alloc(44 + n * 2);
  buf.write('RIFF', 0); buf.writeUInt32LE(36 + n * 2, 4); buf.write('WAVE', 8);
  buf.write('fmt ', 12); buf.writeUInt32LE(16, 16); buf.writeUInt16LE(1, 20); buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24); buf.writeUInt32LE(rate * 2, 28); buf.writeUInt16LE(2, 32); buf.writeUInt16LE(16, 34);
  buf.write('data', 36); buf.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) buf.writeInt16LE(Math.round(10000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  fs.writeFileSync(file, buf);
  return file;
}

async function launch(name) {
  const dir = tmpDir('phonghop-chromium-');
  const { ctx, page } = await launchSignedIn(server.url, dir, PEOPLE[name],
    [`--use-file-for-fake-audio-capture=${toneWav(path.join(dir, 'tone.wav'))}`]);
  browsers[name] = { ctx, page, dir };
}

// Joins, publishes and receives everyone.
async function enter(name) {
  const simulcast = name === 'chair';
  const r = await evaluate(name, async ([m, simulcast]) => {
    if (!window.ph) {
      window.ph = new window.PhMedia(m);
      await window.ph.connect();
    }
    const joined = await window.ph.join();
    await window.ph.publish(simulcast ? { width: 960, height: 540, simulcast: true } : { width: 480, height: 270 });
    await window.ph.subscribe();
    return joined;
  }, [meeting, simulcast]);
  browsers[name].pid = r.participant_id;
  return r;
}

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db, config: { media: { addresses: '127.0.0.1', stats_interval_ms: 500 }, log: { level: process.env.E2E_DEBUG ? 'debug' : 'info' } },
    env: process.env.E2E_DEBUG ? { G_MESSAGES_DEBUG: 'phonghop-media' } : {} });
  for (const line of sql('SELECT username, id FROM users').split('\n')) {
    const [n, id] = line.split('|');
    users[n] = Number(id);
  }
  const council = Number(sql("SELECT id FROM bodies WHERE name = 'Hội đồng nhân dân tỉnh Sơn Hà'"));
  meeting = Number(sql(`INSERT INTO meetings (body_id, title, kind, status, starts_at, location, is_public, opened_at)
    VALUES (${council}, 'Phiên họp trực tuyến thử', 'regular', 'open', now(), 'Trực tuyến', true, now()) RETURNING id`).split('\n')[0]);
  for (const username of Object.values(PEOPLE)) {
    sql(`INSERT INTO attendance_events (meeting_id, user_id, kind, mode, by_user_id)
         VALUES (${meeting}, ${users[username]}, 'check_in', 'online', ${users[username]})`);
  }
  chairApi.client = server.client();
  assert.equal((await chairApi.client.login('chutich')).status, 200);
  for (const name of Object.keys(PEOPLE)) await launch(name);
});

after(async () => {
  for (const b of Object.values(browsers)) {
    await b.ctx.close().catch(() => {});
    rmrf(b.dir);
  }
  console.log(`timings: ${JSON.stringify(timings)}`);
  const stopped = await server?.stop();
  const bad = (server?.log || '').split('\n').filter((l) => /CRITICAL|-WARNING|ERROR:|Sanitizer|runtime error/.test(l));
  await server?.destroy();
  pg?.destroy();
  assert.deepEqual(bad, [], 'the server logged no warnings');
  assert.deepEqual(stopped, { code: 0, signal: null }, 'the server stopped cleanly');
});

test('four browsers: each decodes every other\'s video; the chair is heard by all, members without the floor by nobody', async () => {
  const t0 = Date.now();
  for (const name of Object.keys(PEOPLE)) await enter(name);
  const joinedMs = Date.now() - t0;
  // Every pair decodes frames.
  await waitFor(async () => {
    const s = await snapshot();
    return Object.keys(s).every((a) => others(a).every((b) => s[a][b].framesDecoded > 0));
  }, { timeoutMs: 45000, intervalMs: 250, what: 'video of every other browser in each browser' });
  timings.join_to_all_video_ms = Date.now() - t0;
  timings.four_joins_ms = joinedMs;
  // ... and keeps decoding: frames rise for all twelve pairs.
  const first = await snapshot();
  await sleep(2500);
  const second = await snapshot();
  for (const a of Object.keys(second)) {
    for (const b of others(a)) {
      assert.ok(second[a][b].framesDecoded > first[a][b].framesDecoded,
        `${a} decodes ${b}'s video: ${first[a][b].framesDecoded} -> ${second[a][b].framesDecoded}`);
      if (b === 'chair') {
        assert.ok(second[a][b].audioBytes > first[a][b].audioBytes, `${a} hears the chair`);
      } else {
        assert.equal(second[a][b].audioBytes, first[a][b].audioBytes, `${a} does not hear ${b} (no floor)`);
      }
    }
  }
  for (const b of ['m1', 'm2', 'm3']) {
    for (const a of others(b)) assert.equal(second[a][b].audioBytes, 0, `${b}'s audio never reached ${a}`);
  }
  // The only open microphone is the chair's: the active speaker each browser was told of, in
  // media.joined (if it was already speaking) or in media.speaking since.
  for (const name of others('chair')) {
    const told = await evaluate(name, () => {
      const events = window.ph.events.filter((m) => m.type === 'media.speaking');
      return events.length ? events[events.length - 1].participant_id : window.ph.joinedSpeaker;
    });
    assert.equal(told, browsers.chair.pid, `${name} is told the chair speaks`);
  }
  // Everyone is told who publishes what.
  const peers = await evaluate('m1', () => window.ph.peers);
  assert.equal(peers.length, 4);
  const chairPeer = peers.find((p) => p.participant_id === browsers.chair.pid);
  assert.deepEqual(chairPeer.publishing, { audio: true, video: true, layers: 3 });
  assert.ok(peers.every((p) => p.connected), JSON.stringify(peers));
});

test('the floor: a member is heard within a second of the grant, and not after the revoke', async () => {
  const before = await snapshot();
  await sleep(1000);
  const still = await snapshot();
  for (const a of others('m2')) assert.equal(still[a].m2.audioBytes, before[a].m2.audioBytes, `${a} does not hear m2 yet`);

  // The time the floor message reaches a browser, on that browser's clock.
  await evaluate('m1', () => { window.floorAt = null; window.ph.on((m) => m.type === 'media.floor' && m.participant_id !== null, () => { window.floorAt = window.floorAt || Date.now(); }); });
  const asked = Date.now();
  const r = await chairApi.client.post(`/api/v1/meetings/${meeting}/floor/give`, { user_id: users[PEOPLE.m2], kind: 'speech' });
  assert.equal(r.status, 200, r.text);
  const granted = Date.now();
  timings.grant_request_ms = granted - asked;
  await waitFor(async () => {
    const s = await snapshot();
    return others('m2').every((a) => s[a].m2.audioBytes > still[a].m2.audioBytes);
  }, { timeoutMs: 1000, intervalMs: 50, what: 'm2 heard by the three others within 1 s of the grant' });
  timings.grant_to_audio_at_all_ms = Date.now() - granted;
  timings.request_to_media_floor_ms = (await evaluate('m1', () => window.floorAt)) - asked;
  // Every client was told who holds the floor.
  for (const name of Object.keys(PEOPLE)) {
    const floor = await evaluate(name, () => window.ph.floor);
    assert.equal(floor.participant_id, browsers.m2.pid, name);
    assert.equal(floor.user_id, users[PEOPLE.m2], name);
  }
  // m3 still is not heard.
  const mid = await snapshot();
  await sleep(1000);
  const later = await snapshot();
  for (const a of others('m3')) assert.equal(later[a].m3.audioBytes, mid[a].m3.audioBytes, `${a} does not hear m3`);
  for (const a of others('m2')) assert.ok(later[a].m2.audioBytes > mid[a].m2.audioBytes, `${a} hears m2`);

  assert.equal((await chairApi.client.post(`/api/v1/meetings/${meeting}/floor/revoke`)).status, 200);
  await waitFor(async () => (await evaluate('m1', () => window.ph.floor)).participant_id === null, { what: 'media.floor after the revoke' });
  await sleep(300); // packets already on the way
  const closed = await snapshot();
  await sleep(1500);
  const after2 = await snapshot();
  for (const a of others('m2')) assert.equal(after2[a].m2.audioBytes, closed[a].m2.audioBytes, `${a} no longer hears m2`);
});

test('simulcast: a small view gets the lowest layer, a large view the highest', async () => {
  const chair = browsers.chair.pid;
  assert.equal((await evaluate('m1', ([p]) => window.ph.view(p, 240, 135), [chair])).type, 'media.viewed');
  assert.equal((await evaluate('m2', ([p]) => window.ph.view(p, 960, 540), [chair])).type, 'media.viewed');
  // m2 shows the others small: its largest view is the chair's (what media.stats reports).
  for (const other of ['m1', 'm3']) {
    assert.equal((await evaluate('m2', ([p]) => window.ph.view(p, 240, 135), [browsers[other].pid])).type, 'media.viewed');
  }
  const t0 = Date.now();
  let layers;
  const s = await waitFor(async () => {
    const pub = await evaluate('chair', () => window.ph.publishSummary());
    layers = Object.fromEntries(pub.layers.map((l) => [l.rid, l.frameWidth || 0]));
    const small = (await summary('m1')).receiving[chair];
    const large = (await summary('m2')).receiving[chair];
    return layers.f > 0 && small && large && small.frameWidth === layers.q && large.frameWidth === layers.f && { small, large };
  }, { timeoutMs: 60000, intervalMs: 500, what: 'the chair\'s lowest layer at m1 and highest at m2' });
  timings.simulcast_layers_ms = Date.now() - t0;
  assert.ok(s.small.frameWidth < s.large.frameWidth, JSON.stringify({ layers, s }));
  assert.equal(s.large.frameWidth, 960);
  // The chair's media.stats say the same: layer 0 to m1, the top layer to m2.
  await waitFor(async () => {
    const stats = await evaluate('chair', () => {
      window.ph.events = window.ph.events.filter((m) => m.type !== 'media.stats');
      return window.ph.next((m) => m.type === 'media.stats', 5000);
    });
    const layerOf = (pid) => stats.peers.find((p) => p.participant_id === pid)?.layer;
    diagnosis = `stats layers: ${JSON.stringify(stats.peers.map((p) => [p.participant_id, p.layer, p.estimate_bps, p.tx_bitrate_bps]))}`;
    return layerOf(browsers.m1.pid) === 0 && layerOf(browsers.m2.pid) === 2;
  }, { timeoutMs: 10000, what: 'media.stats to the chair: layer 0 to m1, layer 2 to m2' }).catch(explain);
  // Both keep decoding.
  const a = await snapshot();
  await sleep(1500);
  const b = await snapshot();
  assert.ok(b.m1.chair.framesDecoded > a.m1.chair.framesDecoded);
  assert.ok(b.m2.chair.framesDecoded > a.m2.chair.framesDecoded);
});

// An ICE restart keeps the connection's DTLS session and tracks (RFC 8445 §9): only the ICE
// credentials and candidates change, and media goes on over the new pair.
test('ICE restart of a publishing connection: its video keeps reaching the others', async () => {
  const r = await evaluate('m1', () => window.ph.restartPublishIce().then((x) => x.type, (e) => `error: ${e.message}`));
  assert.equal(r, 'media.answer');
  const t0 = Date.now();
  // Past the server's connect timeout (10 s), so a connection that did not really restart
  // would have been dropped by then.
  await sleep(12000);
  const a = await snapshot();
  await sleep(2000);
  const b = await snapshot();
  for (const other of others('m1')) {
    assert.ok(b[other].m1.framesDecoded > a[other].m1.framesDecoded,
      `${other} still decodes m1 after its ICE restart: ${a[other].m1.framesDecoded} -> ${b[other].m1.framesDecoded}`);
  }
  timings.ice_restart_checked_ms = Date.now() - t0;
});

test('ICE restart of a receiving connection (asked of the server): it keeps receiving everyone', async () => {
  const before = await evaluate('m2', () => window.ph.sub.remoteDescription.sdp.match(/a=ice-ufrag:(\S+)/)[1]);
  const r = await evaluate('m2', () => window.ph.restartSubscribeIce().then((x) => x.type, (e) => `error: ${e.message}`));
  assert.equal(r, 'media.ice_restarting');
  await waitFor(async () => (await evaluate('m2', () => window.ph.sub.signalingState)) === 'stable', { what: 'the restart offer answered' });
  const after = await evaluate('m2', () => window.ph.sub.remoteDescription.sdp.match(/a=ice-ufrag:(\S+)/)[1]);
  assert.notEqual(after, before, 'new ICE credentials of the server');
  const t0 = Date.now();
  await sleep(12000); // past the connect timeout: the restarted pair is the one in use
  const a = await snapshot();
  await sleep(2000);
  const b = await snapshot();
  for (const other of others('m2')) {
    assert.ok(b.m2[other].framesDecoded > a.m2[other].framesDecoded,
      `m2 still decodes ${other} after its receiving ICE restart: ${a.m2[other].framesDecoded} -> ${b.m2[other].framesDecoded}`);
  }
  timings.receiving_ice_restart_checked_ms = Date.now() - t0;
});

// A section of a receiver's connection that is wanted again (its publisher left and joined
// again, or published on a new connection) gets a new SSRC, so the receiver's SRTP replay window
// starts afresh with the new stream (RFC 3711 §3.3.2): these two check it.
test('a member leaves and joins again: seen and seeing again', async () => {
  const left = await evaluate('m3', () => window.ph.leave());
  assert.equal(left.type, 'media.left');
  await waitFor(async () => (await evaluate('chair', () => window.ph.peers)).every((p) => p.participant_id !== browsers.m3.pid),
    { what: 'm3 gone from media.peers' });
  await sleep(1000);
  const gone = await snapshot();
  await sleep(1500);
  const stillGone = await snapshot();
  for (const a of others('m3')) assert.equal(stillGone[a].m3.framesDecoded, gone[a].m3.framesDecoded, `${a} no longer receives m3`);

  const t0 = Date.now();
  await enter('m3');
  // Frames rise again in both directions (a receiver's counters may restart with the track).
  let last = await snapshot();
  await waitFor(async () => {
    const s = await snapshot();
    const rising = others('m3').every((a) => s[a].m3.framesDecoded > last[a].m3.framesDecoded) &&
      others('m3').every((b) => s.m3[b].framesDecoded > last.m3[b].framesDecoded);
    last = s;
    return rising;
  }, { timeoutMs: 30000, intervalMs: 500, what: 'm3 seen by all and seeing all again' }).catch(explain);
  timings.rejoin_to_video_ms = Date.now() - t0;
});

test('a publisher replaces its connection with a new one: its video keeps reaching the others', async () => {
  const r = await evaluate('m2', () => window.ph.republish({ width: 480, height: 270 }).then(() => 'ok', (e) => `error: ${e.message}`));
  assert.equal(r, 'ok');
  const t0 = Date.now();
  let last = await snapshot();
  await waitFor(async () => {
    const s = await snapshot();
    const rising = others('m2').every((a) => s[a].m2.framesDecoded > last[a].m2.framesDecoded);
    last = s;
    return rising;
  }, { timeoutMs: 20000, intervalMs: 1000, what: 'm2 seen by all on its new connection' }).catch(explain);
  timings.republish_to_video_ms = Date.now() - t0;
  // Past the server's connect timeout: the new connection is the one in use, not a dying one.
  await sleep(11000);
  const a = await snapshot();
  await sleep(1500);
  const b = await snapshot();
  for (const other of others('m2')) assert.ok(b[other].m2.framesDecoded > a[other].m2.framesDecoded, `${other} decodes m2`);
});
