// The session's record on video, end to end with real media: a GStreamer webrtcbin client
// (tests/integration/media-peer/webrtcbin-peer.c) signed in as the chair publishes VP8 and Opus
// through /ws into a meeting the chair opens, so the server records it ([media] record_meetings,
// on by default). While it records, the chair moves through the agenda (a public item, then a
// closed one: họp kín, then the public one again), gives and revokes the floor and opens and
// closes a vote; then closes the meeting.
// Asserted: every file was listed, closed with its size and SHA-256, and plays (GstDiscoverer:
// the codec, a duration within a second of the time it covers, the audio as long as the time the
// client published); the marks are listed with offsets in order; the closed part is a restricted
// part, and the files and marks it covers are withheld from an invited guest (403 on the file)
// but given to a member; a public file downloads with its SHA-256 and ranges; /metrics and the
// chair's media.recording messages show the recording. Then a second meeting is recorded and
// the server is killed (SIGKILL) mid-recording: at the next start the files it left open are
// read to their end, hashed and listed as recovered (and they play), the recording is marked
// interrupted, the scan is kept and logged, and the meeting, still open, is recorded again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Postgres, Server, buildDir, sleep, waitFor } from '../common/harness.mjs';
import { startWebrtcbinPeer } from '../common/webrtcbin-peer.mjs';

const discoverBin = path.join(buildDir, 'tests', 'integration', 'media-peer', 'gst-discover');

let pg, db, server;
const users = {};
const peers = [];
const sql = (text) => pg.psql(db.name, text).trim();
const sha256 = (buf) => crypto.createHash('sha256').update(buf).digest('hex');

function discover(files) {
  const r = spawnSync(discoverBin, files, { encoding: 'utf8' });
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// One webrtcbin client signed in as @username, joined to @meeting's media, publishing;
// p.recording collects the media.recording messages it is sent.
async function startPeer(username, meeting) {
  const recording = [];
  const p = await startWebrtcbinPeer(server, meeting, username, {
    onMessage: (m) => { if (m.type === 'media.recording') recording.push(m); },
  });
  p.recording = recording;
  peers.push(p);
  p.send({ type: 'publish' });
  return p;
}

async function stopPeer(p) {
  p.send({ type: 'quit' });
  const t = setTimeout(() => p.proc.kill('SIGKILL'), 5000);
  await p.exited;
  clearTimeout(t);
  p.ws.close();
  peers.splice(peers.indexOf(p), 1);
}

function newMeeting(title, isPublic = true) {
  const council = Number(sql("SELECT id FROM bodies WHERE name = 'Hội đồng nhân dân tỉnh Sơn Hà'"));
  const m = Number(sql(`INSERT INTO meetings (body_id, title, kind, status, starts_at, location, is_public)
    VALUES (${council}, '${title}', 'regular', 'scheduled', now(), 'Hội trường', ${isPublic}) RETURNING id`).split('\n')[0]);
  for (const u of ['chutich', 'daibieu03']) {
    sql(`INSERT INTO attendance_events (meeting_id, user_id, kind, mode, by_user_id) VALUES (${m}, ${users[u]}, 'check_in', 'online', ${users[u]})`);
  }
  sql(`INSERT INTO invitations (meeting_id, kind, user_id) VALUES (${m}, 'guest', ${users.khachmoi})`);
  return m;
}

before(async () => {
  pg = new Postgres();
  db = pg.createDatabase();
  server = await Server.start({
    db,
    config: { media: { addresses: '127.0.0.1', recording_segment_seconds: '10', recording_min_free_mb: '0' } },
  });
  for (const line of sql('SELECT username, id FROM users').split('\n')) {
    const [n, id] = line.split('|');
    users[n] = Number(id);
  }
});

after(async () => {
  if (process.env.PHONGHOP_TEST_SHOW_LOG) console.log(server?.log);
  for (const p of [...peers]) await stopPeer(p);
  await server?.destroy();
  pg?.destroy();
});

test('a meeting is recorded from opening to closing: files play, marks and closed parts listed, the closed part withheld from a guest', async () => {
  const meeting = newMeeting('Phiên họp được ghi hình');
  const items = sql(`INSERT INTO agenda_items (meeting_id, position, title, is_public) VALUES
    (${meeting}, 1, 'Tờ trình về kế hoạch đầu tư công', true),
    (${meeting}, 2, 'Công tác cán bộ (họp kín)', false) RETURNING id`).split('\n').map(Number);
  const chairClient = server.client();
  await chairClient.login('chutich');
  const secretariat = server.client();
  await secretariat.login('vanphong');
  const member = server.client();
  await member.login('daibieu03');
  const guest = server.client();
  await guest.login('khachmoi');
  const api = `/api/v1/meetings/${meeting}`;

  // Not open yet: nothing to start.
  assert.equal((await chairClient.post(`${api}/recording/start`, {})).status, 409);
  assert.equal((await guest.post(`${api}/recording/start`, {})).status, 403);

  let r = await chairClient.post(`${api}/open`, {});
  assert.equal(r.status, 200, r.text);
  const openedAt = Date.now();
  const chair = await startPeer('chutich', meeting);
  const publishedAt = Date.now();
  // Both of the chair's tracks are being written.
  await waitFor(async () => {
    const res = await chairClient.get(`${api}/recordings`);
    assert.equal(res.status, 200, res.text);
    const l = res.data;
    return l.recordings.length === 1 && l.segments.filter((s) => s.participant_id === chair.id).length >= 2;
  }, { timeoutMs: 20000, intervalMs: 300, what: `the chair's files listed (${JSON.stringify(chair.errors)})` });
  // The chair's media flows from some moment between the publish and the files listed (ICE and
  // DTLS take seconds on a loaded machine, more under a sanitizer).
  const listedAt = Date.now();

  r = await chairClient.post(`${api}/agenda/current`, { item_id: items[0] });
  assert.equal(r.status, 200, r.text);
  r = await chairClient.post(`${api}/floor/give`, { user_id: users.daibieu03, kind: 'speech' });
  assert.equal(r.status, 200, r.text);
  await sleep(1000);
  r = await chairClient.post(`${api}/floor/revoke`, {});
  assert.equal(r.status, 200, r.text);
  r = await secretariat.post(`${api}/polls`, { title: 'Thông qua kế hoạch đầu tư công', subject: 'motion', form: 'named' });
  assert.equal(r.status, 201, r.text);
  const poll = r.data.poll.id;
  assert.equal((await chairClient.post(`${api}/polls/${poll}/open`, {})).status, 200);
  await sleep(500);
  assert.equal((await chairClient.post(`${api}/polls/${poll}/close`, {})).status, 200);

  // /metrics while recording.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /^phonghop_recordings_active 1$/m);
  assert.match(metrics, new RegExp(`^phonghop_recording_bytes_written\\{meeting="${meeting}"\\} [1-9]`, 'm'));
  assert.match(metrics, new RegExp(`^phonghop_recording_tracks\\{meeting="${meeting}"\\} 2$`, 'm'));

  // The closed item, from about 13 s into the recording (and not before the chair's first files
  // are complete, so that some of them are wholly public however late the media began), for 4 s;
  // then the public one again.
  await waitFor(() => Date.now() - publishedAt > 13000, { timeoutMs: 20000, what: 'time' });
  await waitFor(async () => (await chairClient.get(`${api}/recordings`)).data.segments
    .some((s) => s.participant_id === chair.id && s.seq === 0 && s.state === 'complete'),
  { timeoutMs: 20000, intervalMs: 200, what: "the chair's first file complete" });
  r = await chairClient.post(`${api}/agenda/current`, { item_id: items[1] });
  assert.equal(r.status, 200, r.text);
  await sleep(4000);
  r = await chairClient.post(`${api}/agenda/current`, { item_id: items[0] });
  assert.equal(r.status, 200, r.text);
  await sleep(3000);
  const closedAt = Date.now();
  const publishedMs = closedAt - publishedAt;
  r = await chairClient.post(`${api}/close`, {});
  assert.equal(r.status, 200, r.text);

  // Closing stops the recording: every file closed, hashed, listed.
  const list = await waitFor(async () => {
    const l = (await member.get(`${api}/recordings`)).data;
    return l.recordings[0].state === 'stopped' && l.segments.every((s) => s.state !== 'open') && l;
  }, { timeoutMs: 20000, intervalMs: 300, what: 'the recording stopped' });
  assert.deepEqual(chair.errors, []);
  const rec = list.recordings[0];
  assert.equal(rec.started_by, null);
  assert.equal(rec.last_error, '');
  const mine = list.segments.filter((s) => s.participant_id === chair.id);
  for (const s of mine) {
    assert.equal(s.state, 'complete', JSON.stringify(s));
    assert.match(s.sha256, /^[0-9a-f]{64}$/);
    assert.equal(s.user_id, users.chutich);
    assert.ok(s.duration_ms > 0);
  }
  const audio = mine.filter((s) => s.kind === 'audio');
  const video = mine.filter((s) => s.kind === 'video');
  assert.ok(audio.length >= 2, `audio cut in 10-second files: ${JSON.stringify(audio)}`);
  assert.ok(video.length >= 1);
  assert.deepEqual(audio.map((s) => s.seq), audio.map((_, i) => i));

  // Every file plays, with the right codec and a duration within a second of what it covers.
  const paths = sql(`SELECT path FROM recording_segments WHERE recording_id = ${rec.id} ORDER BY id`).split('\n');
  const found = discover(paths);
  const byPath = new Map(found.map((f) => [f.path, f]));
  let audioMs = 0;
  for (const s of mine) {
    const p = sql(`SELECT path FROM recording_segments WHERE id = ${s.id}`);
    const f = byPath.get(p);
    assert.ok(f?.ok, JSON.stringify(f));
    assert.ok(f.caps.includes(s.kind === 'audio' ? 'audio/x-opus' : 'video/x-vp8'), JSON.stringify(f));
    assert.ok(Math.abs(f.duration_ms - s.duration_ms) < 1000, `${p}: ${f.duration_ms} ms played, ${s.duration_ms} ms listed`);
    assert.equal(sha256(fs.readFileSync(p)), s.sha256);
    if (s.kind === 'audio') audioMs += f.duration_ms;
  }
  // The chair (always heard) published until the close: the audio covers that time.
  assert.ok(audioMs > closedAt - listedAt - 2000 && audioMs < publishedMs + 2000,
    `audio ${audioMs} ms, published ${publishedMs} ms, listed ${closedAt - listedAt} ms before the close`);

  // The program (the composite the public stream shows) is kept with the recording: files of
  // participant 0, H.264 and AAC in one Matroska file each, cut like the others, closed and
  // hashed before the recording ended, covering the meeting from about its opening to its close.
  const program = list.segments.filter((s) => s.participant_id === 0);
  assert.ok(program.length >= 2, `the program cut in 10-second files: ${JSON.stringify(program)}; ` +
    `the server said of it: ${server.log.split('\n').filter((l) => /program|composite|gst/i.test(l)).slice(-30).join('\n')}`);
  assert.deepEqual(program.map((s) => s.seq), program.map((_, i) => i));
  let programMs = 0;
  for (const s of program) {
    assert.equal(s.track, 'program');
    assert.equal(s.kind, 'video');
    assert.equal(s.codec, 'h264+aac');
    assert.equal(s.state, 'complete', `${JSON.stringify(s)}; the server said of it: ` +
      server.log.split('\n').filter((l) => /program|composite|gst|stopp/i.test(l)).slice(-30).join('\n'));
    assert.equal(s.user_id, null);
    assert.equal(s.site_id, null);
    const p = sql(`SELECT path FROM recording_segments WHERE id = ${s.id}`);
    assert.match(path.basename(p), new RegExp(`^program-m${meeting}-.*\\.mkv$`));
    const f = byPath.get(p);
    assert.ok(f?.ok, JSON.stringify(f));
    assert.ok(f.caps.includes('video/x-h264') && f.caps.includes('audio/mpeg'), JSON.stringify(f));
    assert.ok(Math.abs(f.duration_ms - s.duration_ms) < 1000, `${p}: ${f.duration_ms} ms played, ${s.duration_ms} ms listed`);
    assert.equal(sha256(fs.readFileSync(p)), s.sha256);
    programMs += f.duration_ms;
  }
  const openMs = closedAt - openedAt;
  assert.ok(programMs > openMs - 4000 && programMs < openMs + 2000,
    `program ${programMs} ms, the meeting open about ${openMs} ms`);

  // Marks, in order, with offsets from the recording's start.
  const kinds = list.marks.map((k) => k.kind);
  assert.deepEqual(kinds, ['agenda.current', 'floor.granted', 'floor.ended', 'vote.opened', 'vote.closed',
    'agenda.current', 'agenda.current'], JSON.stringify(list.marks));
  for (let i = 1; i < list.marks.length; i++) assert.ok(list.marks[i].offset_ms >= list.marks[i - 1].offset_ms);
  assert.equal(list.marks[0].label, 'Tờ trình về kế hoạch đầu tư công');
  assert.ok(list.marks[1].label.length > 0, 'the speaker is named');
  assert.equal(list.marks[3].label, 'Thông qua kế hoạch đầu tư công');
  assert.deepEqual(list.marks.map((k) => k.restricted), [false, false, false, false, false, true, false]);
  // The parts: before any item, the public item, the closed item (restricted), the public item.
  const closed = list.parts.filter((p) => p.restricted);
  assert.equal(closed.length, 1, JSON.stringify(list.parts));
  assert.equal(closed[0].agenda_item_id, items[1]);
  assert.ok(Math.abs(closed[0].duration_ms - 4000) < 1500, JSON.stringify(closed[0]));
  // A member sees the closed part; some of the chair's files are restricted, some are not.
  assert.equal(list.closed_parts_readable, true);
  assert.deepEqual(list.withheld, { segments: 0, marks: 0 });
  const restricted = mine.filter((s) => s.restricted);
  const open = mine.filter((s) => !s.restricted);
  assert.ok(restricted.length > 0 && open.length > 0, JSON.stringify(mine));

  // The guest, invited, reads the meeting but not its closed part.
  const g = (await guest.get(`${api}/recordings`)).data;
  assert.equal(g.closed_parts_readable, false);
  assert.equal(g.segments.some((s) => s.restricted), false);
  assert.equal(g.marks.some((k) => k.restricted), false);
  assert.equal(g.withheld.marks, 1);
  assert.ok(g.withheld.segments >= restricted.length);
  r = await guest.get(`${api}/recording-files/${restricted[0].id}`);
  assert.equal(r.status, 403, r.text);
  assert.match(r.data.error.message, /họp kín/);
  // The member may fetch it; the guest a public file, whole and in ranges.
  r = await member.get(`${api}/recording-files/${restricted[0].id}`);
  assert.equal(r.status, 200);
  const pub = open.find((s) => s.kind === 'audio');
  const whole = await fetch(`${server.url}${api}/recording-files/${pub.id}`, { headers: { cookie: guest.cookieHeader() } });
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('content-type'), 'audio/webm');
  assert.equal(whole.headers.get('x-content-sha256'), pub.sha256);
  assert.equal(whole.headers.get('etag'), `"${pub.sha256}"`);
  const bytes = Buffer.from(await whole.arrayBuffer());
  assert.equal(bytes.length, pub.size);
  assert.equal(sha256(bytes), pub.sha256);
  const part = await fetch(`${server.url}${api}/recording-files/${pub.id}`, { headers: { cookie: guest.cookieHeader(), range: 'bytes=100-199' } });
  assert.equal(part.status, 206);
  assert.deepEqual(Buffer.from(await part.arrayBuffer()), bytes.subarray(100, 200));
  // Someone of another body may not read the meeting at all; a file of another meeting is not found.
  const stranger = server.client();
  await stranger.login('uyvien02');
  assert.equal((await stranger.get(`${api}/recordings`)).status, 403);
  assert.equal((await member.get(`/api/v1/meetings/${meeting}/recording-files/999999`)).status, 404);

  // The meeting's own record says when it was recorded (journaled).
  assert.equal(sql(`SELECT string_agg(kind, ',' ORDER BY seq) FROM meeting_events WHERE meeting_id = ${meeting} AND kind LIKE 'recording.%'`),
    'recording.started,recording.stopped');
  assert.equal(sql(`SELECT count(*) FROM meeting_journal WHERE meeting_id = ${meeting} AND kind LIKE 'recording.%'`), '2');
  assert.equal(sql(`SELECT payload->>'files' FROM meeting_events WHERE meeting_id = ${meeting} AND kind = 'recording.stopped'`),
    String(list.segments.length));
  // A closed meeting is not recorded again.
  assert.equal((await chairClient.post(`${api}/recording/start`, {})).status, 409);

  // The chair followed the recording over /ws.
  assert.ok(chair.recording.some((m) => m.state === 'recording' && m.meeting_id === meeting && m.tracks === 2),
    JSON.stringify(chair.recording.slice(-3)));
  const after = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(after, /^phonghop_recordings_active 0$/m);
  assert.match(after, /^phonghop_recording_files_total [1-9]/m);
  await stopPeer(chair);
});

test('files a SIGKILL left open are recovered at the next start, and the open meeting is recorded again', async () => {
  // Not public: its program is kept for the archive only (no live stream).
  const meeting = newMeeting('Phiên họp bị gián đoạn', false);
  const chairClient = server.client();
  await chairClient.login('chutich');
  const api = `/api/v1/meetings/${meeting}`;
  assert.equal((await chairClient.post(`${api}/open`, {})).status, 200);
  const chair = await startPeer('chutich', meeting);
  await waitFor(async () => {
    const l = (await chairClient.get(`${api}/recordings`)).data;
    return l.segments.filter((s) => s.participant_id === chair.id).length >= 2;
  }, { timeoutMs: 20000, intervalMs: 300, what: 'the chair\'s files listed' });
  await sleep(5000);
  const killedAt = Date.now();
  assert.deepEqual(await server.stop('SIGKILL'), { code: null, signal: 'SIGKILL' });
  await stopPeer(chair);
  const left = sql(`SELECT s.id || '|' || s.path FROM recording_segments s JOIN recordings r ON r.id = s.recording_id
    WHERE r.meeting_id = ${meeting} AND s.state = 'open' ORDER BY s.id`).split('\n').filter(Boolean);
  assert.ok(left.length >= 3, 'the files being written are listed open');
  assert.equal(sql(`SELECT count(*) FROM recording_segments s JOIN recordings r ON r.id = s.recording_id
    WHERE r.meeting_id = ${meeting} AND s.state = 'open' AND s.participant_id = 0 AND s.track = 'program'`), '1',
  'the program\'s file is one of them');
  assert.ok(!fs.existsSync(path.join(server.stateDir, 'live', String(meeting), 'index.m3u8')), 'no live stream');

  await server.spawn();
  await waitFor(() => sql(`SELECT count(*) FROM recording_scans`) === '1', { timeoutMs: 30000, what: 'the scan' });
  const scan = sql('SELECT found || \'|\' || recovered || \'|\' || unplayable || \'|\' || missing || \'|\' || recordings FROM recording_scans');
  assert.equal(scan, `${left.length}|${left.length}|0|0|1`);
  await waitFor(() => /files left open by a stopped server: \d+ recovered/.test(server.log), { what: 'the scan logged' });
  for (const row of left) {
    const [id, p] = row.split('|');
    const [state, sha, size, durationMs] = sql(`SELECT state, sha256, size, (extract(epoch FROM ended_at - started_at) * 1000)::bigint
      FROM recording_segments WHERE id = ${id}`).split('|');
    assert.equal(state, 'recovered');
    const bytes = fs.readFileSync(p);
    assert.equal(Number(size), bytes.length);
    assert.equal(sha, sha256(bytes));
    const [f] = discover([p]);
    assert.ok(f.ok, JSON.stringify(f));
    // What was written before the kill plays; the listed end is where the content ends.
    assert.ok(Number(durationMs) > 3000, `${p}: ${durationMs} ms recovered`);
    assert.ok(Number(durationMs) <= killedAt - Number(sql(`SELECT (extract(epoch FROM started_at) * 1000)::bigint FROM recording_segments WHERE id = ${id}`)) + 1000);
  }
  const recs = (await (async () => { const c = server.client(); await c.login('chutich'); return c; })()).get(`${api}/recordings`);
  const l = (await recs).data;
  assert.equal(l.recordings[0].state, 'interrupted');
  assert.match(l.recordings[0].last_error, /stopped while recording/);
  // Still open: recorded again.
  await waitFor(() => sql(`SELECT count(*) FROM recordings WHERE meeting_id = ${meeting} AND state = 'recording'`) === '1',
    { timeoutMs: 15000, what: 'a new recording of the open meeting' });
  // The chair stops it, and starts it again: each a recording of its own, and a fact of the record.
  const chair2 = server.client();
  await chair2.login('chutich');
  let r = await chair2.post(`${api}/recording/stop`, {});
  assert.equal(r.status, 202, r.text);
  assert.deepEqual(r.data, { meeting_id: meeting, recording: 'stopping' });
  await waitFor(() => sql(`SELECT count(*) FROM recordings WHERE meeting_id = ${meeting} AND state = 'recording'`) === '0',
    { timeoutMs: 15000, what: 'the recording stopped' });
  r = await chair2.post(`${api}/recording/start`, {});
  assert.equal(r.status, 202, r.text);
  await waitFor(() => sql(`SELECT count(*) FROM recordings WHERE meeting_id = ${meeting} AND state = 'recording'`) === '1',
    { timeoutMs: 15000, what: 'started again' });
  assert.equal(sql(`SELECT started_by FROM recordings WHERE meeting_id = ${meeting} AND state = 'recording'`), String(users.chutich));
  await waitFor(() => sql(`SELECT count(*) FROM meeting_events WHERE meeting_id = ${meeting} AND kind = 'recording.stopped' AND (payload->>'by')::bigint = ${users.chutich}`) === '1',
    { what: 'who stopped it, on the record' });

  // A clean stop of the server (SIGTERM) stops the recording first: nothing is left open.
  const again = await startPeer('chutich', meeting);
  await waitFor(() => Number(sql(`SELECT count(*) FROM recording_segments s JOIN recordings r ON r.id = s.recording_id
    WHERE r.meeting_id = ${meeting} AND r.state = 'recording' AND s.state = 'open'`)) >= 2, { timeoutMs: 20000, what: 'files open' });
  await sleep(2000);
  assert.deepEqual(await server.stop('SIGTERM'), { code: 0, signal: null });
  await stopPeer(again);
  assert.equal(sql(`SELECT count(*) FROM recordings WHERE meeting_id = ${meeting} AND ended_at IS NULL`), '0');
  assert.equal(sql(`SELECT string_agg(DISTINCT s.state, ',') FROM recording_segments s JOIN recordings r ON r.id = s.recording_id
    WHERE r.id = (SELECT max(id) FROM recordings WHERE meeting_id = ${meeting})`), 'complete');
  assert.equal(sql(`SELECT state FROM recordings WHERE id = (SELECT max(id) FROM recordings WHERE meeting_id = ${meeting})`), 'stopped');
});
