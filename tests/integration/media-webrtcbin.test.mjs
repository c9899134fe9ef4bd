// An independent WebRTC implementation through phonghop's /ws signaling: two GStreamer webrtcbin
// clients (tests/integration/media-peer/webrtcbin-peer.c), one signed in as the chair and one as a
// member, each publish a test pattern (VP8) and a tone (Opus) and receive each other, on 127.0.0.1.
// The test relays between /ws and each client's stdin/stdout, as a browser's script would.
// Asserted: each decodes the other's video; the member hears the chair; the chair does not hear
// the member until the chair gives them the floor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Postgres, Server, sleep, waitFor } from '../common/harness.mjs';
import { startWebrtcbinPeer } from '../common/webrtcbin-peer.mjs';

let pg, db, server, meeting;
const users = {};
const peers = [];

const sql = (text) => pg.psql(db.name, text).trim();

// One webrtcbin client signed in as @username, joined to the meeting's media.
async function startPeer(username) {
  const p = await startWebrtcbinPeer(server, meeting, username, { receive: true });
  peers.push(p);
  return p;
}

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({ db, config: { media: { addresses: '127.0.0.1' } } });
  for (const line of sql('SELECT username, id FROM users').split('\n')) {
    const [n, id] = line.split('|');
    users[n] = Number(id);
  }
  const council = Number(sql("SELECT id FROM bodies WHERE name = 'Hội đồng nhân dân tỉnh Sơn Hà'"));
  meeting = Number(sql(`INSERT INTO meetings (body_id, title, kind, status, starts_at, location, is_public, opened_at)
    VALUES (${council}, 'Phiên họp thử với webrtcbin', 'regular', 'open', now(), 'Trực tuyến', true, now()) RETURNING id`).split('\n')[0]);
  for (const u of ['chutich', 'daibieu03']) {
    sql(`INSERT INTO attendance_events (meeting_id, user_id, kind, mode, by_user_id) VALUES (${meeting}, ${users[u]}, 'check_in', 'online', ${users[u]})`);
  }
});

after(async () => {
  // The server stops while both clients are still connected and sending: the media engine, its
  // rooms and peers and any replies in flight are freed cleanly (an AddressSanitizer build
  // reports a leak here with a non-zero status).
  const stopped = await server?.stop();
  for (const p of peers) {
    p.send({ type: 'quit' });
    const t = setTimeout(() => p.proc.kill('SIGKILL'), 5000);
    await p.exited;
    clearTimeout(t);
    p.ws.close();
  }
  await server?.destroy();
  pg?.destroy();
  assert.deepEqual(stopped, { code: 0, signal: null }, server?.log.slice(-4000));
});

test('two webrtcbin clients publish and receive each other through /ws; the floor gates the member', async () => {
  const chair = await startPeer('chutich');
  const member = await startPeer('daibieu03');
  for (const p of [chair, member]) {
    p.send({ type: 'publish' });
    assert.equal((await p.ask({ type: 'media.subscribe' })).type, 'media.subscribed');
  }
  // Each decodes the other's video; the member hears the chair.
  const first = await waitFor(async () => {
    const [a, b] = [await chair.rx(), await member.rx()];
    return a[member.id]?.decoded > 10 && b[chair.id]?.decoded > 10 && b[chair.id]?.audio > 20 && { a, b };
  }, { timeoutMs: 30000, intervalMs: 500, what: `video both ways (${JSON.stringify({ errors: [...chair.errors, ...member.errors] })})` });
  assert.deepEqual(chair.errors, []);
  assert.deepEqual(member.errors, []);
  // The chair does not hear the member (no floor) ...
  await sleep(1000);
  const quiet = await chair.rx();
  assert.equal(quiet[member.id].audio ?? 0, first.a[member.id].audio ?? 0, 'no audio from the member without the floor');
  assert.ok(quiet[member.id].decoded > first.a[member.id].decoded, 'the member\'s video still flows');
  // ... until the chair gives them the floor.
  const r = await chair.c.post(`/api/v1/meetings/${meeting}/floor/give`, { user_id: users.daibieu03, kind: 'speech' });
  assert.equal(r.status, 200, r.text);
  await waitFor(async () => (await chair.rx())[member.id].audio > quiet[member.id].audio + 20,
    { timeoutMs: 3000, intervalMs: 100, what: 'the member heard after the grant' });
  // Both show up in media.peers as connected publishers of audio and video.
  let lastPeers;
  const listed = await chair.ws.next((m) => m.type === 'media.peers' && (lastPeers = m) && m.peers.length === 2 &&
    m.peers.every((x) => x.connected && x.publishing.audio && x.publishing.video && x.publishing.layers === 1))
    .catch((e) => { throw new Error(`${e.message}: ${JSON.stringify(lastPeers)}`); });
  assert.deepEqual(listed.peers.map((x) => x.role).sort(), ['chair', 'member']);
});
