/*
 * A meeting's video and sound: WebRTC with phonghop's media server, signaled over the live
 * socket (media.* messages).
 *
 * Each participant has two peer connections to the server: one it publishes its camera and
 * microphone on (our offer, the server's answer) and one it receives everyone on (the server's
 * offers, our answers; the server sends a new offer whenever someone starts or stops publishing).
 * The floor is enforced by the server, not here: a microphone reaches the sitting only while its
 * owner holds the floor or the chair opened every microphone, so every tablet simply publishes.
 *
 *   media.join {meeting_id}            -> media.joined {participant_id, ice_servers, peers}
 *   media.publish {sdp: offer}         -> media.answer {sdp}
 *   media.subscribe {}                 -> media.subscribed; then media.offer {offer_id, sdp}
 *   media.answer {offer_id, sdp}       -> media.answered
 *   media.candidate {connection, candidate}  (ours, trickled after the first exchange)
 *   media.peers {peers}                (who is in the media and what they send; a hall camera's
 *                                      state in Peer.camera)
 *   media.program {state, message}     (the public live stream's pipeline failed: chairs and staff)
 *
 * Our SDP goes out once ICE gathering has finished (or after a short wait), so it carries our
 * candidates; later ones are trickled. A received stream's id is "p<participant id>" (the
 * server's a=msid), and a person's participant id is their user id.
 *
 * Keeping the media up (docs/media-signaling.md):
 *   - A closed WebSocket takes the participant out of the media on the server, so after a
 *     reconnect an ICE restart would name connections the server no longer has: the session
 *     joins again and negotiates both connections afresh, and sends its views again.
 *   - A peer connection that fails (or stays disconnected) while the WebSocket is up is an ICE
 *     problem: the publishing connection restarts ICE itself (a new offer with new credentials,
 *     media.publish), the receiving one asks the server (media.ice_restart, then a new offer). If
 *     the server answers that it has no such participant or connection (not_joined,
 *     no_connection, not_found), the session joins again instead.
 *   - media.left {reason: "replaced"}: the same person joined from another device; this one
 *     stops and says so rather than fighting for the seat.
 *   - media.view: the size each publisher is shown at (lib/media-view.ts), so that the SFU sends
 *     the smallest simulcast layer that covers it.
 *
 * Everything that touches the browser (RTCPeerConnection, getUserMedia) is injected, so tests
 * drive a session with fakes.
 */
import { get, writable, type Readable } from 'svelte/store';
import { LiveRequestError, type ConnectionState } from './live';
import { ViewTracker, type ViewChange } from './media-view';

export type MediaStatus = 'idle' | 'joining' | 'joined' | 'unavailable' | 'failed' | 'replaced';

/** What the session needs of the live connection. */
export interface MediaLive {
  request(message: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>;
  send(message: Record<string, unknown>): boolean;
  onMessage(handler: (message: Record<string, unknown>) => void): () => void;
  readonly state: Readable<ConnectionState>;
}

/** The part of RTCPeerConnection the session uses. */
export interface PeerLike {
  iceGatheringState: RTCIceGatheringState;
  localDescription: RTCSessionDescriptionInit | null;
  onicecandidate: ((event: { candidate: { candidate: string } | null }) => void) | null;
  onicegatheringstatechange: (() => void) | null;
  ontrack: ((event: { track: MediaStreamTrack; streams: readonly MediaStream[] }) => void) | null;
  addTransceiver(track: MediaStreamTrack, init: RTCRtpTransceiverInit): unknown;
  createOffer(): Promise<RTCSessionDescriptionInit>;
  createAnswer(): Promise<RTCSessionDescriptionInit>;
  setLocalDescription(description: RTCSessionDescriptionInit): Promise<void>;
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>;
  close(): void;
  /** ICE and DTLS together; absent in old browsers (then no restart is attempted). */
  connectionState?: RTCPeerConnectionState;
  onconnectionstatechange?: (() => void) | null;
  restartIce?(): void;
}

export interface MediaDeps {
  live: MediaLive;
  createPeer: (config: RTCConfiguration) => PeerLike;
  getUserMedia: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  /** How long to wait for ICE gathering before sending SDP anyway. */
  gatherTimeoutMs?: number;
  /** How long a connection may stay "disconnected" before ICE is restarted. */
  disconnectedGraceMs?: number;
}

/** Answers to a restart that mean the server has forgotten this participant: join again. */
const FORGOTTEN = new Set(['not_joined', 'no_connection', 'not_found']);

export interface MediaPeer {
  participant_id: number;
  user_id: number | null;
  site_id: number | null;
  name: string;
  role: string;
  publishing: { audio: boolean; video: boolean };
  connected?: boolean;
  /** A hall camera the server pulls (RTSP); absent for everyone else. */
  camera?: 'connecting' | 'playing' | 'reconnecting';
}

/** The public live stream's last trouble (media.program): restarting goes on, stopped does not. */
export interface ProgramState {
  state: 'restarting' | 'stopped';
  message: string;
  /** When this page learned it (Date.now()). */
  at: number;
}

/** "p6" -> 6: the participant a received stream belongs to. */
export function participantOfStream(streamId: string): number | null {
  const match = /^p(\d+)$/.exec(streamId);
  return match === null ? null : Number(match[1]);
}

/** The camera a tablet sends: modest, since remote halls have little bandwidth. */
export const CAMERA_CONSTRAINTS: MediaStreamConstraints = {
  audio: { echoCancellation: true, noiseSuppression: true },
  video: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 20, max: 25 } },
};

/**
 * The camera goes out as three simulcast layers (a quarter, half and the whole of 640x360), so
 * that the media server can send each viewer the smallest that covers the tile it shows
 * (media.view): a remote hall on a thin line gets the grid's thumbnails small and only the
 * speaker large.
 */
export const SIMULCAST_LAYERS: readonly RTCRtpEncodingParameters[] = [
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 120_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 350_000 },
  { rid: 'f', scaleResolutionDownBy: 1, maxBitrate: 900_000 },
];

export class MediaSession {
  private readonly statusStore = writable<MediaStatus>('idle');
  private readonly streamsStore = writable<ReadonlyMap<number, MediaStream>>(new Map());
  private readonly localStore = writable<MediaStream | null>(null);
  private readonly peersStore = writable<MediaPeer[]>([]);
  private readonly cameraErrorStore = writable<string | null>(null);
  private readonly programStore = writable<ProgramState | null>(null);

  /** joining, joined; unavailable: the server runs without media; failed: see the console. */
  readonly status: Readable<MediaStatus> = { subscribe: this.statusStore.subscribe };
  /** Received streams by participant id. */
  readonly streams: Readable<ReadonlyMap<number, MediaStream>> = { subscribe: this.streamsStore.subscribe };
  /** Our own camera, for the preview. */
  readonly local: Readable<MediaStream | null> = { subscribe: this.localStore.subscribe };
  readonly peers: Readable<MediaPeer[]> = { subscribe: this.peersStore.subscribe };
  /** Why the camera or microphone could not be used (the browser's error name). */
  readonly cameraError: Readable<string | null> = { subscribe: this.cameraErrorStore.subscribe };
  /** The live stream's last reported trouble, null while none was reported (chairs and staff). */
  readonly program: Readable<ProgramState | null> = { subscribe: this.programStore.subscribe };

  private running = false;
  private generation = 0;
  private publishPeer: PeerLike | null = null;
  private receivePeer: PeerLike | null = null;
  private iceServers: RTCIceServer[] = [];
  /** Server offers are answered one at a time, in order. */
  private offers: Promise<void> = Promise.resolve();
  /** Peers whose SDP has gone to the server: their later candidates are trickled. */
  private readonly sent = new WeakSet<PeerLike>();
  private offMessage: (() => void) | null = null;
  private offState: (() => void) | null = null;
  private wasOpen = false;
  private liveOpen = false;
  private readonly views = new ViewTracker();
  /** A restart under way, per connection: one at a time. */
  private readonly restarting = new Set<'publish' | 'subscribe'>();
  private readonly graceTimers = new Map<PeerLike, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly meetingId: number,
    private readonly deps: MediaDeps,
    /** publish: send our camera; watch: only follow who is there (no pictures received). */
    private readonly options: { publish: boolean; watch?: boolean },
  ) {}

  /** Joins the meeting's media and stays joined (across reconnects) until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.offMessage = this.deps.live.onMessage((message) => this.handleMessage(message));
    this.offState = this.deps.live.state.subscribe((state) => {
      this.liveOpen = state === 'open';
      // Replaced by another device: this one stays out until the page starts it again.
      if (state === 'open' && !this.wasOpen && get(this.statusStore) !== 'replaced') void this.join();
      this.wasOpen = state === 'open';
    });
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.generation++;
    this.offMessage?.();
    this.offState?.();
    this.offMessage = this.offState = null;
    this.deps.live.send({ type: 'media.leave', meeting_id: this.meetingId });
    this.closePeers();
    const local = get(this.localStore);
    for (const track of local?.getTracks() ?? []) track.stop();
    this.localStore.set(null);
    this.statusStore.set('idle');
  }

  /** (Re)joins: a new generation; anything still running for an older one stops at its next step. */
  private async join(): Promise<void> {
    const generation = ++this.generation;
    const current = () => this.running && generation === this.generation;
    this.closePeers();
    this.statusStore.set('joining');
    try {
      const joined = await this.deps.live.request({ type: 'media.join', meeting_id: this.meetingId });
      if (!current()) return;
      this.iceServers = Array.isArray(joined['ice_servers']) ? (joined['ice_servers'] as RTCIceServer[]) : [];
      this.setPeers(joined['peers']);
      this.statusStore.set('joined');
      if (this.options.watch) return;
      // Receive first: what others say matters more than being seen.
      this.receivePeer = this.newPeer('subscribe');
      this.receivePeer.ontrack = (event) => this.addTrack(event.streams);
      await this.deps.live.request({ type: 'media.subscribe', meeting_id: this.meetingId });
      if (!current()) return;
      // The server starts every view unlimited: say again what this screen shows.
      for (const change of this.views.resend()) this.sendView(change);
      if (this.options.publish) await this.publish(current);
    } catch (err) {
      if (!current()) return;
      if (err instanceof LiveRequestError && err.code === 'media_unavailable') {
        this.statusStore.set('unavailable');
        return;
      }
      console.warn('media: joining failed', err);
      // A connection that dropped meanwhile rejoins when it is back (the state subscription).
      this.statusStore.set(err instanceof LiveRequestError && err.code === 'connection_lost' ? 'joining' : 'failed');
    }
  }

  private async publish(current: () => boolean): Promise<void> {
    let local = get(this.localStore);
    if (local === null) {
      try {
        local = await this.deps.getUserMedia(CAMERA_CONSTRAINTS);
        this.cameraErrorStore.set(null);
      } catch (err) {
        this.cameraErrorStore.set(err instanceof Error ? err.name || 'Error' : 'Error');
        return;
      }
      if (!current()) {
        for (const track of local.getTracks()) track.stop();
        return;
      }
      this.localStore.set(local);
    }
    const peer = (this.publishPeer = this.newPeer('publish'));
    for (const track of local.getTracks()) {
      const init: RTCRtpTransceiverInit = { direction: 'sendonly', streams: [local] };
      if (track.kind === 'video') init.sendEncodings = [...SIMULCAST_LAYERS];
      peer.addTransceiver(track, init);
    }
    const offer = await peer.createOffer();
    await peer.setLocalDescription(offer);
    const sdp = await this.gatheredSdp(peer);
    if (!current()) return;
    this.sent.add(peer);
    const answer = await this.deps.live.request({ type: 'media.publish', meeting_id: this.meetingId, sdp });
    if (!current()) return;
    await peer.setRemoteDescription({ type: 'answer', sdp: String(answer['sdp'] ?? '') });
  }

  private handleMessage(message: Record<string, unknown>): void {
    if (message['meeting_id'] !== this.meetingId) return;
    if (message['type'] === 'media.offer') {
      const offerId = message['offer_id'];
      const sdp = message['sdp'];
      if (typeof offerId !== 'number' || typeof sdp !== 'string') return;
      const generation = this.generation;
      this.offers = this.offers.then(() => this.answerOffer(generation, offerId, sdp)).catch((err: unknown) => {
        console.warn('media: answering an offer failed', err);
      });
    } else if (message['type'] === 'media.peers') {
      this.setPeers(message['peers']);
    } else if (message['type'] === 'media.program') {
      const state = message['state'];
      if (state !== 'restarting' && state !== 'stopped') return;
      const text = message['message'];
      this.programStore.set({ state, message: typeof text === 'string' ? text : '', at: Date.now() });
    } else if (message['type'] === 'media.left' && message['reason'] === 'replaced') {
      // The same person joined from another device: that one has the seat now.
      this.generation++;
      this.closePeers();
      this.statusStore.set('replaced');
    }
  }

  /**
   * A video element shows `publisher` at width x height CSS pixels (0 x 0: no longer). The
   * server hears of it when the rounded size changes (lib/media-view.ts).
   */
  setView(publisher: number, element: unknown, width: number, height: number): void {
    const change = this.views.set(publisher, element, width, height);
    if (change !== null) this.sendView(change);
  }

  removeView(publisher: number, element: unknown): void {
    const change = this.views.remove(publisher, element);
    if (change !== null) this.sendView(change);
  }

  private sendView(change: ViewChange): void {
    if (!this.running || get(this.statusStore) !== 'joined') return;
    this.deps.live.send({
      type: 'media.view',
      meeting_id: this.meetingId,
      publisher: change.publisher,
      width: change.width,
      height: change.height,
    });
  }

  /** Watches a peer connection: a failure while the WebSocket is up restarts its ICE. */
  private watch(peer: PeerLike, connection: 'publish' | 'subscribe'): void {
    if (!('connectionState' in peer)) return;
    peer.onconnectionstatechange = () => {
      const current = connection === 'publish' ? this.publishPeer : this.receivePeer;
      if (peer !== current) return;
      const state = peer.connectionState;
      const timer = this.graceTimers.get(peer);
      if (timer !== undefined) {
        clearTimeout(timer);
        this.graceTimers.delete(peer);
      }
      if (state === 'failed') void this.restart(connection);
      else if (state === 'disconnected') {
        this.graceTimers.set(
          peer,
          setTimeout(() => {
            this.graceTimers.delete(peer);
            if (peer.connectionState === 'disconnected') void this.restart(connection);
          }, this.deps.disconnectedGraceMs ?? 5000),
        );
      }
    };
  }

  /**
   * Restarts ICE on one connection, or joins again when the server no longer knows it. Nothing
   * is tried while the WebSocket is down: its return brings a rejoin of its own.
   */
  private async restart(connection: 'publish' | 'subscribe'): Promise<void> {
    if (!this.running || !this.liveOpen || this.restarting.has(connection)) return;
    if (get(this.statusStore) !== 'joined') return;
    const generation = this.generation;
    this.restarting.add(connection);
    try {
      if (connection === 'subscribe') {
        await this.deps.live.request({ type: 'media.ice_restart', meeting_id: this.meetingId, connection: 'subscribe' });
        return; // the server's new offer follows, answered like any other
      }
      const peer = this.publishPeer;
      if (peer === null) return;
      peer.restartIce?.();
      const offer = await peer.createOffer();
      await peer.setLocalDescription(offer);
      const sdp = await this.gatheredSdp(peer);
      if (generation !== this.generation || peer !== this.publishPeer) return;
      const answer = await this.deps.live.request({ type: 'media.publish', meeting_id: this.meetingId, sdp });
      if (generation !== this.generation || peer !== this.publishPeer) return;
      await peer.setRemoteDescription({ type: 'answer', sdp: String(answer['sdp'] ?? '') });
    } catch (err) {
      if (generation !== this.generation) return;
      if (err instanceof LiveRequestError && FORGOTTEN.has(err.code)) {
        // The server forgot this participant: a restart would name what it no longer has.
        void this.join();
        return;
      }
      console.warn(`media: restarting ICE of the ${connection} connection failed`, err);
    } finally {
      this.restarting.delete(connection);
    }
  }

  private async answerOffer(generation: number, offerId: number, sdp: string): Promise<void> {
    const peer = this.receivePeer;
    if (peer === null || generation !== this.generation) return;
    await peer.setRemoteDescription({ type: 'offer', sdp });
    const answer = await peer.createAnswer();
    await peer.setLocalDescription(answer);
    const ours = await this.gatheredSdp(peer);
    if (generation !== this.generation) return;
    this.sent.add(peer);
    await this.deps.live.request({ type: 'media.answer', meeting_id: this.meetingId, offer_id: offerId, sdp: ours });
  }

  private newPeer(connection: 'publish' | 'subscribe'): PeerLike {
    const peer = this.deps.createPeer({ iceServers: this.iceServers, bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
    this.watch(peer, connection);
    peer.onicecandidate = (event) => {
      // Candidates found after our SDP went out are trickled; the ones before are in it.
      if (!this.sent.has(peer)) return;
      this.deps.live.send({
        type: 'media.candidate',
        meeting_id: this.meetingId,
        connection,
        candidate: event.candidate ? event.candidate.candidate : null,
      });
    };
    return peer;
  }

  /** Our SDP once gathering has finished, or what we have after the timeout. */
  private gatheredSdp(peer: PeerLike): Promise<string> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        peer.onicegatheringstatechange = null;
        resolve(peer.localDescription?.sdp ?? '');
      };
      const timer = setTimeout(done, this.deps.gatherTimeoutMs ?? 2500);
      if (peer.iceGatheringState === 'complete') done();
      else
        peer.onicegatheringstatechange = () => {
          if (peer.iceGatheringState === 'complete') done();
        };
    });
  }

  private addTrack(streams: readonly MediaStream[]): void {
    for (const stream of streams) {
      const participant = participantOfStream(stream.id);
      if (participant === null) continue;
      const next = new Map(get(this.streamsStore));
      next.set(participant, stream);
      this.streamsStore.set(next);
      stream.onremovetrack = () => {
        if (stream.getTracks().length > 0) return;
        const after = new Map(get(this.streamsStore));
        if (after.get(participant) === stream) after.delete(participant);
        this.streamsStore.set(after);
      };
    }
  }

  private setPeers(value: unknown): void {
    if (!Array.isArray(value)) return;
    const peers = value as MediaPeer[];
    this.peersStore.set(peers);
    this.views.keepOnly(new Set(peers.map((p) => p.participant_id)));
    // A participant no longer publishing (or gone) has no picture.
    const publishing = new Set(peers.filter((p) => p.publishing?.audio || p.publishing?.video).map((p) => p.participant_id));
    const streams = get(this.streamsStore);
    if ([...streams.keys()].some((id) => !publishing.has(id))) {
      this.streamsStore.set(new Map([...streams].filter(([id]) => publishing.has(id))));
    }
  }

  private closePeers(): void {
    for (const timer of this.graceTimers.values()) clearTimeout(timer);
    this.graceTimers.clear();
    this.restarting.clear();
    this.publishPeer?.close();
    this.receivePeer?.close();
    this.publishPeer = this.receivePeer = null;
    this.offers = Promise.resolve();
    this.streamsStore.set(new Map());
  }
}

/** A session in this browser, over the page's live connection. */
export function browserMediaSession(meetingId: number, live: MediaLive, publish: boolean, watch = false): MediaSession {
  return new MediaSession(
    meetingId,
    {
      live,
      createPeer: (config) => new RTCPeerConnection(config) as unknown as PeerLike,
      getUserMedia: (constraints) => {
        const devices = globalThis.navigator?.mediaDevices;
        if (devices === undefined) return Promise.reject(new DOMException('no media devices', 'NotFoundError'));
        return devices.getUserMedia(constraints);
      },
    },
    { publish, watch },
  );
}
