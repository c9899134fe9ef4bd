// A GStreamer webrtcbin client (tests/integration/media-peer/webrtcbin-peer.c) in a meeting's
// media through phonghop's /ws. The test relays between the server's WebSocket and the client's
// stdin/stdout (one JSON object a line), as a browser's script would.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { buildDir } from './harness.mjs';

export const peerBin = path.join(buildDir, 'tests', 'integration', 'media-peer', 'webrtcbin-peer');

// Signs @username in on @server, opens /ws and joins the media of meeting @meeting with a new
// client. The client's offers go to media.publish and the answers back to it, its candidates to
// media.candidate; what it reports as an error, or a request refused, collects in p.errors and
// its stderr in p.stderr. With `receive`, the server's offers for the receiving connection are
// relayed to it and its answers to media.answer, and p.rx() asks it what it has received.
// `onMessage(m, p)` is given every message the server sends on /ws (parsed), from before the join.
// What the client is sent once it has exited is dropped. Returns p: send(msg) to the client, ask(msg) over /ws (resolves to the reply), exited (a
// promise), id (its participant id), proc, c (the HTTP client), ws.
export async function startWebrtcbinPeer(server, meeting, username, { receive = false, onMessage } = {}) {
  const c = server.client();
  assert.equal((await c.login(username)).status, 200);
  const ws = await c.websocket();
  await ws.next((m) => m.type === 'welcome');
  const proc = spawn(peerBin, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const p = { username, c, ws, proc, stderr: '', stats: null, errors: [] };
  proc.stderr.on('data', (d) => { p.stderr += d.toString(); });
  p.exited = new Promise((resolve) => proc.on('exit', resolve));
  p.send = (msg) => { if (proc.exitCode === null) proc.stdin.write(`${JSON.stringify(msg)}\n`); };
  let nextId = 1;
  p.ask = (msg) => {
    const id = nextId++;
    ws.sendJson({ meeting_id: meeting, ...msg, id });
    return ws.next((m) => m.id === id || m.ref === id, 10000);
  };
  // From the client to the server; a request that fails (the server gone) is an error too.
  readline.createInterface({ input: proc.stdout }).on('line', async (line) => {
    const m = JSON.parse(line);
    try {
      if (m.type === 'offer') {
        const r = await p.ask({ type: 'media.publish', sdp: m.sdp });
        if (r.type === 'media.answer') p.send({ type: 'answer', sdp: r.sdp });
        else p.errors.push(r);
      } else if (m.type === 'answer') {
        const r = await p.ask({ type: 'media.answer', offer_id: m.offer_id, sdp: m.sdp });
        if (r.type !== 'media.answered') p.errors.push(r);
      } else if (m.type === 'candidate') {
        ws.sendJson({ type: 'media.candidate', meeting_id: meeting, connection: m.connection, candidate: m.candidate });
      } else if (m.type === 'stats') {
        p.stats = m.rx;
        p.statsWaiter?.(m.rx);
      } else if (m.type === 'error') {
        p.errors.push(m);
      }
    } catch (e) { p.errors.push(String(e)); }
  });
  if (receive || onMessage) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString());
      // From the server to the client: its offers for the receiving connection.
      if (receive && m.type === 'media.offer') p.send({ type: 'offer', offer_id: m.offer_id, sdp: m.sdp });
      onMessage?.(m, p);
    });
  }
  if (receive) p.rx = () => new Promise((resolve) => { p.statsWaiter = resolve; p.send({ type: 'stats' }); });
  const joined = await p.ask({ type: 'media.join' });
  assert.equal(joined.type, 'media.joined', JSON.stringify(joined));
  p.id = joined.participant_id;
  return p;
}
