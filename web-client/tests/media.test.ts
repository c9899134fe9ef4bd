/* The meeting's WebRTC signaling as the tablet does it, with a fake server and fake peers. */
import { describe, expect, it } from 'vitest';
import { get, writable } from 'svelte/store';
import type { ConnectionState } from '../src/lib/live';
import { LiveRequestError } from '../src/lib/live';
import { MediaSession, participantOfStream, type MediaLive, type PeerLike } from '../src/lib/media';

class FakePeer implements PeerLike {
  iceGatheringState: RTCIceGatheringState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remote: RTCSessionDescriptionInit | null = null;
  onicecandidate: ((event: { candidate: { candidate: string } | null }) => void) | null = null;
  onicegatheringstatechange: (() => void) | null = null;
  ontrack: ((event: { track: MediaStreamTrack; streams: readonly MediaStream[] }) => void) | null = null;
  transceivers: { track: unknown; init: RTCRtpTransceiverInit }[] = [];
  closed = false;
  constructor(readonly name: string) {}
  addTransceiver(track: MediaStreamTrack, init: RTCRtpTransceiverInit) {
    this.transceivers.push({ track, init });
  }
  async createOffer() {
    return { type: 'offer' as const, sdp: `offer-of-${this.name}` };
  }
  async createAnswer() {
    return { type: 'answer' as const, sdp: `answer-of-${this.name}` };
  }
  async setLocalDescription(d: RTCSessionDescriptionInit) {
    this.localDescription = { ...d, sdp: `${d.sdp}+candidates` };
    // Gathering finishes a moment later, with a candidate found before the SDP went out.
    queueMicrotask(() => {
      this.onicecandidate?.({ candidate: { candidate: 'candidate:early' } });
      this.iceGatheringState = 'complete';
      this.onicegatheringstatechange?.();
    });
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit) {
    this.remote = d;
  }
  close() {
    this.closed = true;
  }
}

/** A fake server on the other end of the live connection. */
function fakeLive(options: { unavailable?: boolean } = {}) {
  const state = writable<ConnectionState>('open');
  const sent: Record<string, unknown>[] = [];
  const requests: Record<string, unknown>[] = [];
  const handlers = new Set<(m: Record<string, unknown>) => void>();
  const live: MediaLive = {
    state,
    send: (m) => {
      sent.push(m);
      return true;
    },
    onMessage: (h) => {
      handlers.add(h);
      return () => handlers.delete(h);
    },
    request: async (m) => {
      requests.push(m);
      switch (m['type']) {
        case 'media.join':
          if (options.unavailable) throw new LiveRequestError('media_unavailable', 'this server runs without media');
          return { type: 'media.joined', participant_id: 6, ice_servers: [{ urls: 'turn:turn.example' }], peers: [] };
        case 'media.subscribe':
          return { type: 'media.subscribed' };
        case 'media.publish':
          return { type: 'media.answer', sdp: 'server-answer' };
        case 'media.answer':
          return { type: 'media.answered', offer_id: m['offer_id'] };
        default:
          throw new Error(`unexpected ${String(m['type'])}`);
      }
    },
  };
  const deliver = (m: Record<string, unknown>) => {
    for (const h of [...handlers]) h(m);
  };
  return { live, state, sent, requests, deliver };
}

class FakeTrack {
  stopped = false;
  constructor(readonly kind: string) {}
  stop() {
    this.stopped = true;
  }
}

class FakeStream {
  onremovetrack: (() => void) | null = null;
  constructor(
    readonly id: string,
    private tracks: FakeTrack[] = [new FakeTrack('audio'), new FakeTrack('video')],
  ) {}
  getTracks() {
    return this.tracks;
  }
  removeAll() {
    this.tracks = [];
    this.onremovetrack?.();
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

function setup(options: { unavailable?: boolean; publish?: boolean; camera?: 'ok' | 'denied' } = {}) {
  const server = fakeLive(options);
  const peers: FakePeer[] = [];
  const camera = new FakeStream('local');
  const session = new MediaSession(
    7,
    {
      live: server.live,
      createPeer: () => {
        const peer = new FakePeer(peers.length === 0 ? 'receiver' : 'publisher');
        peers.push(peer);
        return peer;
      },
      getUserMedia: async () => {
        if (options.camera === 'denied') throw new DOMException('denied', 'NotAllowedError');
        return camera as unknown as MediaStream;
      },
      gatherTimeoutMs: 1000,
    },
    { publish: options.publish ?? true },
  );
  return { ...server, peers, camera, session };
}

describe('joining a meeting\'s media', () => {
  it('joins, receives, then publishes the camera with its candidates in the offer', async () => {
    const { session, requests, peers, sent, camera } = setup();
    session.start();
    await settle();
    expect(requests.map((r) => r['type'])).toEqual(['media.join', 'media.subscribe', 'media.publish']);
    expect(get(session.status)).toBe('joined');
    const publisher = peers[1] as FakePeer;
    expect(publisher.transceivers.map((t) => t.init.direction)).toEqual(['sendonly', 'sendonly']);
    // The camera in three simulcast layers, the microphone as it is.
    expect(publisher.transceivers.map((t) => (t.init.sendEncodings ?? []).map((e) => e.rid))).toEqual([[], ['q', 'h', 'f']]);
    expect(requests[2]).toEqual({ type: 'media.publish', meeting_id: 7, sdp: 'offer-of-publisher+candidates' });
    expect(publisher.remote).toEqual({ type: 'answer', sdp: 'server-answer' });
    expect(get(session.local)).toBe(camera);
    // The candidate found before the offer went out is in it, not trickled; later ones are.
    expect(sent.filter((m) => m['type'] === 'media.candidate')).toEqual([]);
    publisher.onicecandidate?.({ candidate: { candidate: 'candidate:late' } });
    publisher.onicecandidate?.({ candidate: null });
    expect(sent.filter((m) => m['type'] === 'media.candidate')).toEqual([
      { type: 'media.candidate', meeting_id: 7, connection: 'publish', candidate: 'candidate:late' },
      { type: 'media.candidate', meeting_id: 7, connection: 'publish', candidate: null },
    ]);
  });

  it('answers each of the server\'s offers in turn, naming the offer', async () => {
    const { session, requests, peers, deliver } = setup({ publish: false });
    session.start();
    await settle();
    deliver({ type: 'media.offer', meeting_id: 7, offer_id: 1, sdp: 'server-offer-1' });
    deliver({ type: 'media.offer', meeting_id: 7, offer_id: 2, sdp: 'server-offer-2' });
    deliver({ type: 'media.offer', meeting_id: 99, offer_id: 3, sdp: 'another meeting' });
    await settle();
    const answers = requests.filter((r) => r['type'] === 'media.answer');
    expect(answers).toEqual([
      { type: 'media.answer', meeting_id: 7, offer_id: 1, sdp: 'answer-of-receiver+candidates' },
      { type: 'media.answer', meeting_id: 7, offer_id: 2, sdp: 'answer-of-receiver+candidates' },
    ]);
    expect((peers[0] as FakePeer).remote).toEqual({ type: 'offer', sdp: 'server-offer-2' });
  });

  it('a received stream belongs to the participant its id names; it goes when they stop publishing', async () => {
    const { session, peers, deliver } = setup({ publish: false });
    session.start();
    await settle();
    const stream = new FakeStream('p12');
    (peers[0] as FakePeer).ontrack?.({ track: {} as MediaStreamTrack, streams: [stream as unknown as MediaStream] });
    expect([...get(session.streams).keys()]).toEqual([12]);
    const publishing = { participant_id: 12, user_id: 12, site_id: null, name: 'A', role: 'member', publishing: { audio: true, video: true } };
    deliver({ type: 'media.peers', meeting_id: 7, peers: [publishing] });
    expect([...get(session.streams).keys()]).toEqual([12]);
    deliver({ type: 'media.peers', meeting_id: 7, peers: [{ ...publishing, publishing: { audio: false, video: false } }] });
    expect([...get(session.streams).keys()]).toEqual([]);
    (peers[0] as FakePeer).ontrack?.({ track: {} as MediaStreamTrack, streams: [stream as unknown as MediaStream] });
    stream.removeAll();
    expect(get(session.streams).size).toBe(0);
    expect(participantOfStream('p7')).toBe(7);
    expect(participantOfStream('local')).toBeNull();
  });

  it('joins again, and negotiates afresh, after the live connection comes back', async () => {
    const { session, requests, peers, state } = setup();
    session.start();
    await settle();
    state.set('reconnecting');
    state.set('open');
    await settle();
    expect(requests.map((r) => r['type'])).toEqual([
      'media.join', 'media.subscribe', 'media.publish',
      'media.join', 'media.subscribe', 'media.publish',
    ]);
    expect(peers.slice(0, 2).every((p) => p.closed)).toBe(true);
    expect(peers).toHaveLength(4);
  });

  it('a server without media, a camera refused, and leaving', async () => {
    const none = setup({ unavailable: true });
    none.session.start();
    await settle();
    expect(get(none.session.status)).toBe('unavailable');

    const denied = setup({ camera: 'denied' });
    denied.session.start();
    await settle();
    expect(get(denied.session.cameraError)).toBe('NotAllowedError');
    expect(denied.requests.map((r) => r['type'])).toEqual(['media.join', 'media.subscribe']);
    expect(get(denied.session.status)).toBe('joined');

    const { session, sent, camera, peers } = setup();
    session.start();
    await settle();
    session.stop();
    expect(sent.at(-1)).toEqual({ type: 'media.leave', meeting_id: 7 });
    expect(camera.getTracks().every((track) => track.stopped)).toBe(true);
    expect(peers.every((p) => p.closed)).toBe(true);
    expect(get(session.status)).toBe('idle');
  });
});

describe('watching (the chair console: the live stream and the hall cameras)', () => {
  it('joins without receiving or publishing, and keeps media.program and the cameras', async () => {
    const { live, requests, deliver } = fakeLive();
    const peers: FakePeer[] = [];
    const session = new MediaSession(
      7,
      {
        live,
        createPeer: () => {
          const peer = new FakePeer(`peer${peers.length}`);
          peers.push(peer);
          return peer;
        },
        getUserMedia: async () => {
          throw new Error('no camera asked for');
        },
        gatherTimeoutMs: 10,
      },
      { publish: false, watch: true },
    );
    session.start();
    await settle();
    expect(requests.map((r) => r['type'])).toEqual(['media.join']);
    expect(peers).toHaveLength(0);
    expect(get(session.status)).toBe('joined');

    const camera = { participant_id: 1099511627779, user_id: null, site_id: 3, name: 'Hội trường xã A', role: 'site', publishing: { audio: false, video: true }, camera: 'reconnecting' };
    deliver({ type: 'media.peers', meeting_id: 7, peers: [camera] });
    expect(get(session.peers)[0]?.camera).toBe('reconnecting');

    deliver({ type: 'media.program', meeting_id: 8, state: 'stopped', message: 'another meeting' });
    expect(get(session.program)).toBeNull();
    deliver({ type: 'media.program', meeting_id: 7, state: 'exploded', message: 'unknown states are ignored' });
    expect(get(session.program)).toBeNull();
    deliver({ type: 'media.program', meeting_id: 7, state: 'restarting', message: 'x264enc: error' });
    expect(get(session.program)).toMatchObject({ state: 'restarting', message: 'x264enc: error' });
    deliver({ type: 'media.program', meeting_id: 7, state: 'stopped' });
    expect(get(session.program)).toMatchObject({ state: 'stopped', message: '' });
    session.stop();
  });
});
