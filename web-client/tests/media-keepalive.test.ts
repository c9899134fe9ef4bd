/* Keeping a member's media up: layer hints (media.view), ICE restarts while the WebSocket is up,
 * a rejoin when the server forgot the participant or the WebSocket came back, and a seat taken
 * by another device. Fake server, fake peers. */
import { describe, expect, it } from 'vitest';
import { get, writable } from 'svelte/store';
import type { ConnectionState } from '../src/lib/live';
import { LiveRequestError } from '../src/lib/live';
import { MediaSession, type MediaLive, type PeerLike } from '../src/lib/media';
import { ViewTracker, viewStep } from '../src/lib/media-view';

class Peer implements PeerLike {
  iceGatheringState: RTCIceGatheringState = 'complete';
  localDescription: RTCSessionDescriptionInit | null = null;
  onicecandidate: PeerLike['onicecandidate'] = null;
  onicegatheringstatechange: (() => void) | null = null;
  ontrack: PeerLike['ontrack'] = null;
  connectionState: RTCPeerConnectionState = 'new';
  onconnectionstatechange: (() => void) | null = null;
  restarts = 0;
  offers = 0;
  closed = false;
  remote: RTCSessionDescriptionInit | null = null;
  constructor(readonly name: string) {}
  addTransceiver() {}
  async createOffer() {
    this.offers++;
    return { type: 'offer' as const, sdp: `offer-${this.offers}-of-${this.name}${this.restarts > 0 ? '-icerestart' : ''}` };
  }
  async createAnswer() {
    return { type: 'answer' as const, sdp: `answer-of-${this.name}` };
  }
  async setLocalDescription(d: RTCSessionDescriptionInit) {
    this.localDescription = d;
  }
  async setRemoteDescription(d: RTCSessionDescriptionInit) {
    this.remote = d;
  }
  restartIce() {
    this.restarts++;
  }
  close() {
    this.closed = true;
  }
  become(state: RTCPeerConnectionState) {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }
}

function setup(refuse: Record<string, string> = {}) {
  const state = writable<ConnectionState>('open');
  const requests: Record<string, unknown>[] = [];
  const sent: Record<string, unknown>[] = [];
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
      const type = String(m['type']);
      if (refuse[type]) throw new LiveRequestError(refuse[type], 'refused');
      if (type === 'media.join') return { participant_id: 6, ice_servers: [], peers: [] };
      if (type === 'media.publish') return { sdp: 'server-answer' };
      return {};
    },
  };
  const peers: Peer[] = [];
  const camera = { id: 'local', getTracks: () => [] } as unknown as MediaStream;
  const session = new MediaSession(
    7,
    {
      live,
      createPeer: () => {
        const peer = new Peer(peers.length % 2 === 0 ? 'receiver' : 'publisher');
        peers.push(peer);
        return peer;
      },
      getUserMedia: async () => camera,
      gatherTimeoutMs: 50,
      disconnectedGraceMs: 20,
    },
    { publish: true },
  );
  const deliver = (m: Record<string, unknown>) => {
    for (const h of [...handlers]) h(m);
  };
  return { state, requests, sent, peers, session, deliver, refuse };
}

const settle = async (ms = 0) => {
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
};

const types = (list: Record<string, unknown>[]) => list.map((m) => m['type']);

describe('layer hints (media.view)', () => {
  it('rounds a view up to the layer steps; nothing shown is 0 x 0', () => {
    expect(viewStep(300, 170)).toEqual({ width: 320, height: 180 });
    expect(viewStep(321, 100)).toEqual({ width: 640, height: 360 });
    expect(viewStep(1000, 600)).toEqual({ width: 1280, height: 720 });
    expect(viewStep(4000, 3000)).toEqual({ width: 1920, height: 1080 });
    expect(viewStep(0, 300)).toEqual({ width: 0, height: 0 });
  });

  it('reports the largest element per publisher, only when its step changes', () => {
    const views = new ViewTracker();
    const grid = {};
    const large = {};
    expect(views.set(9, grid, 300, 170)).toEqual({ publisher: 9, width: 320, height: 180 });
    expect(views.set(9, grid, 310, 174)).toBeNull(); // the same step: nothing to say
    // The speaker moves to the large tile: the large one counts while both exist.
    expect(views.set(9, large, 1200, 675)).toEqual({ publisher: 9, width: 1280, height: 720 });
    expect(views.remove(9, grid)).toBeNull();
    expect(views.remove(9, large)).toEqual({ publisher: 9, width: 0, height: 0 });
    expect(views.remove(9, large)).toBeNull();
    // After a rejoin everything goes again, hidden ones as 0 x 0.
    views.set(4, grid, 600, 338);
    expect(views.resend()).toEqual([
      { publisher: 9, width: 0, height: 0 },
      { publisher: 4, width: 640, height: 360 },
    ]);
    views.keepOnly(new Set([4])); // 9 left the media and is shown nowhere: forgotten
    expect(views.resend()).toEqual([{ publisher: 4, width: 640, height: 360 }]);
    views.keepOnly(new Set()); // 4 is still on screen: kept
    expect(views.view(4)).toEqual({ width: 640, height: 360 });
  });

  it('the session sends views once joined, and all of them again after a rejoin', async () => {
    const { session, sent, state } = setup();
    const tile = {};
    session.setView(12, tile, 600, 338); // before joining: kept, not sent
    expect(types(sent)).not.toContain('media.view');
    session.start();
    await settle();
    expect(sent.filter((m) => m['type'] === 'media.view')).toEqual([{ type: 'media.view', meeting_id: 7, publisher: 12, width: 640, height: 360 }]);
    session.setView(12, tile, 1800, 1000);
    expect(sent.at(-1)).toEqual({ type: 'media.view', meeting_id: 7, publisher: 12, width: 1920, height: 1080 });
    state.set('reconnecting');
    state.set('open');
    await settle();
    expect(sent.filter((m) => m['type'] === 'media.view').at(-1)).toEqual({ type: 'media.view', meeting_id: 7, publisher: 12, width: 1920, height: 1080 });
    session.stop();
  });
});

describe('keeping the media up', () => {
  it('a failed publishing connection restarts ICE on the same connection with a new offer', async () => {
    const { session, requests, peers } = setup();
    session.start();
    await settle();
    const publisher = peers[1] as Peer;
    publisher.become('failed');
    await settle();
    expect(publisher.restarts).toBe(1);
    expect(requests.at(-1)).toEqual({ type: 'media.publish', meeting_id: 7, sdp: 'offer-2-of-publisher-icerestart' });
    expect(publisher.remote).toEqual({ type: 'answer', sdp: 'server-answer' });
    expect(peers).toHaveLength(2); // no new connections
    session.stop();
  });

  it('a receiving connection that stays disconnected asks the server to restart its ICE', async () => {
    const { session, requests, peers } = setup();
    session.start();
    await settle();
    const receiver = peers[0] as Peer;
    receiver.become('disconnected');
    receiver.become('connected'); // came back by itself: nothing to do
    await settle(40);
    expect(types(requests)).not.toContain('media.ice_restart');
    receiver.become('disconnected');
    await settle(40);
    expect(requests.at(-1)).toEqual({ type: 'media.ice_restart', meeting_id: 7, connection: 'subscribe' });
    session.stop();
  });

  it('when the server has forgotten the participant, it joins again instead', async () => {
    const { session, requests, peers, refuse } = setup();
    session.start();
    await settle();
    refuse['media.ice_restart'] = 'not_joined';
    (peers[0] as Peer).become('failed');
    delete refuse['media.ice_restart'];
    await settle();
    expect(types(requests)).toEqual([
      'media.join', 'media.subscribe', 'media.publish',
      'media.ice_restart',
      'media.join', 'media.subscribe', 'media.publish',
    ]);
    expect(peers.slice(0, 2).every((p) => p.closed)).toBe(true);
    session.stop();
  });

  it('nothing is restarted while the WebSocket is down; its return is a rejoin, not a stale restart', async () => {
    const { session, requests, peers, state } = setup();
    session.start();
    await settle();
    state.set('reconnecting');
    (peers[1] as Peer).become('failed');
    (peers[0] as Peer).become('failed');
    await settle();
    expect(types(requests)).toEqual(['media.join', 'media.subscribe', 'media.publish']);
    state.set('open');
    await settle();
    // The old connections' late failures change nothing either.
    (peers[1] as Peer).become('failed');
    await settle();
    expect(types(requests)).toEqual(['media.join', 'media.subscribe', 'media.publish', 'media.join', 'media.subscribe', 'media.publish']);
    session.stop();
  });

  it('replaced by another device: this one stops and stays out', async () => {
    const { session, requests, peers, deliver, state } = setup();
    session.start();
    await settle();
    deliver({ type: 'media.left', meeting_id: 7, reason: 'replaced' });
    expect(get(session.status)).toBe('replaced');
    expect(peers.every((p) => p.closed)).toBe(true);
    state.set('reconnecting');
    state.set('open');
    await settle();
    expect(types(requests).filter((t) => t === 'media.join')).toHaveLength(1);
    session.stop();
  });
});
