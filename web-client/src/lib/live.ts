/*
 * The live connection: one WebSocket to `/ws` on the page's origin (wss: under https:), carrying
 * JSON text messages both ways. Sessions last hours and remote halls sit on uneven government
 * networks, so the connection is expected to break and this module's job is to mend it without
 * anyone touching the tablet:
 *
 *   - Reconnect on every loss, after a delay that starts at 0.5 s and doubles up to 15 s, with
 *     jitter (each delay is drawn between half and all of the nominal one) so that a hall full of
 *     tablets does not come back in the same instant after a server restart. The delay falls back
 *     to 0.5 s once a connection has proved itself by delivering a message.
 *   - Heartbeat: every 20 s send {"type":"ping","id":N}; the server answers {"type":"pong","id":N}.
 *     No pong within 10 s means the path is dead even if TCP has not noticed (a sleeping tablet,
 *     a NAT that forgot us): drop the socket and reconnect.
 *   - Meeting subscriptions: {"type":"subscribe","meeting_id":ID} asks for the meeting's events,
 *     each {"type":"event","meeting_id":ID,"seq":N,...} with seq increasing by one per meeting.
 *     The client remembers the last seq it delivered and, after a reconnect, subscribes again
 *     with "after_seq":LAST so the server can replay what was missed. An event with
 *     seq <= LAST is a duplicate (a replay overlapping what we had) and is dropped. An event
 *     with seq > LAST + 1 reveals a gap: the subscriber is told (onGap, typically to reload the
 *     meeting over HTTP), the event is held back, and the subscription asks for a replay by
 *     subscribing again with after_seq = LAST. If the replay does not begin within 10 s, the
 *     next event is accepted as the new baseline, so a server that cannot replay never stalls
 *     the stream.
 *   - The server greets each connection with {"type":"welcome","protocol":1,"user":{...}}, where
 *     user is null when the session cookie is missing or expired; that, or a close with code
 *     4401, means the server no longer accepts our session: no reconnect, the connection state
 *     becomes 'closed' and onUnauthenticated handlers run (the app goes back to the login).
 *   - After the replay the server says {"type":"subscribed","meeting_id":ID,"last_seq":N}: the
 *     subscriber is told it has caught up (onSynced). A last_seq lower than the after_seq we sent
 *     means the server's record is behind what we saw (a restored database): the client starts
 *     over from last_seq and tells the subscriber to reload (onGap).
 *   - Requests that expect an answer (vote.cast -> vote.recorded) carry a string "id"; the answer
 *     carries the same "id", an error carries it as "ref". request() turns that into a promise,
 *     rejected when the connection drops before the answer: the caller retries with the same
 *     idempotency key once it is back.
 *   - The browser saying it went offline (goOffline) drops the socket at once, instead of waiting
 *     for the heartbeat to notice, and the browser coming back online reconnects at once
 *     (checkNow). Either way the subscriptions resume with after_seq.
 *   - A public page (start({anonymous: true})) expects "user": null and keeps going with it.
 *   - Pongs carry the server's clock (server_time_ms): clockOffset is the server's time minus
 *     ours, for counting a speaker's remaining time down in the server's terms.
 *   - Any other message (welcome, {"type":"error","code",...}, kinds added later) goes to the
 *     onMessage handlers.
 *
 * Everything time-dependent uses the global setTimeout/setInterval and Date.now(), and the socket
 * comes from an injectable factory, so tests drive it with a fake socket and fake timers.
 * The state for the connection banner is a Svelte store; nothing here touches the DOM.
 */
import { writable, type Readable } from 'svelte/store';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** The part of the browser's WebSocket this module uses (a fake one in tests). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export type SocketFactory = (url: string) => SocketLike;

/** A meeting event as sent by the server; fields beyond these belong to the event's kind. */
export interface MeetingEvent {
  type: 'event';
  meeting_id: number;
  seq: number;
  [field: string]: unknown;
}

export interface GapInfo {
  meetingId: number;
  /** The seq we needed next. */
  expected: number;
  /** The seq that arrived instead. */
  received: number;
}

export interface SubscriptionHandlers {
  onEvent: (event: MeetingEvent) => void;
  /** Events were lost: what the subscriber shows may be stale. */
  onGap?: (gap: GapInfo) => void;
  /** The server sent everything up to lastSeq (after a subscribe or a resubscribe). */
  onSynced?: (lastSeq: number) => void;
}

/** A request over the live socket that failed: the server's error code, or one of ours. */
export class LiveRequestError extends Error {
  override readonly name = 'LiveRequestError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Codes of LiveRequestError that the client makes itself. */
export const LIVE_NOT_CONNECTED = 'not_connected';
export const LIVE_CONNECTION_LOST = 'connection_lost';
export const LIVE_TIMEOUT = 'timeout';

export interface Subscription {
  /** Stops this subscriber's deliveries; the last one out unsubscribes from the server. */
  cancel(): void;
}

export interface LiveOptions {
  /** Defaults to /ws on the page's origin. */
  url?: string;
  /** Defaults to the browser's WebSocket. */
  createSocket?: SocketFactory;
  /** Defaults to Math.random; in [0, 1). */
  random?: () => number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  heartbeatIntervalMs?: number;
  pongTimeoutMs?: number;
  resyncTimeoutMs?: number;
  requestTimeoutMs?: number;
}

interface PendingRequest {
  resolve: (answer: Record<string, unknown>) => void;
  reject: (error: LiveRequestError) => void;
  timer: ReturnType<typeof setTimeout>;
}

export const CLOSE_UNAUTHENTICATED = 4401;
/** Our own close code when we abandon a socket (heartbeat lost, stop()). */
export const CLOSE_CLIENT_GONE = 4000;
const WS_OPEN = 1;

/** `ws://host/ws` or `wss://host/ws` for the page at `loc`. */
export function liveUrl(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

/** Nominal delay before reconnect attempt `attempt` (0-based): 0.5 s, 1 s, 2 s, ... capped. */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

interface MeetingSubscription {
  meetingId: number;
  /** Last seq delivered, or null before the first event. */
  lastSeq: number | null;
  handlers: Set<SubscriptionHandlers>;
  /** Set while a replay after a gap is awaited. */
  resyncing: boolean;
  resyncTimer: ReturnType<typeof setTimeout> | null;
  /** After a failed resync, accept the next event whatever its seq. */
  acceptNext: boolean;
  /** The server's "subscribed" came for the last subscribe sent: the replay is over. */
  synced: boolean;
}

export class LiveConnection {
  private readonly url: string | null;
  private readonly createSocket: SocketFactory;
  private readonly random: () => number;
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly heartbeatIntervalMs: number;
  private readonly pongTimeoutMs: number;
  private readonly resyncTimeoutMs: number;
  private readonly requestTimeoutMs: number;

  private anonymous = false;
  /** A hall screen's token: sent as screen.auth on every connection, before any subscribe. */
  private screenToken: string | null = null;
  private screenWaiting = false;
  private readonly screenBoundStore = writable(false);
  /** True while this connection is bound to its hall screen (screen.bound answered). */
  readonly screenBound: Readable<boolean> = { subscribe: this.screenBoundStore.subscribe };
  private requestCounter = 0;
  private readonly pending = new Map<string, PendingRequest>();
  private pingSentAt = 0;
  private readonly clockOffsetStore = writable(0);
  private socket: SocketLike | null = null;
  private running = false;
  private everOpened = false;
  private attempt = 0;
  private provedThisConnection = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  private pingId = 0;
  private awaitedPong: number | null = null;
  private readonly subscriptions = new Map<number, MeetingSubscription>();
  private readonly messageHandlers = new Set<(message: Record<string, unknown>) => void>();
  private readonly unauthenticatedHandlers = new Set<() => void>();

  private readonly stateStore = writable<ConnectionState>('closed');
  private readonly retryAtStore = writable<number | null>(null);
  private currentState: ConnectionState = 'closed';

  /** For the banner: 'connecting' (first attempt), 'open', 'reconnecting', 'closed' (stopped). */
  readonly state: Readable<ConnectionState> = { subscribe: this.stateStore.subscribe };
  /** When the next reconnect attempt is due (Date.now() clock), or null if none is waiting. */
  readonly retryAt: Readable<number | null> = { subscribe: this.retryAtStore.subscribe };

  /** Server time minus our time, in ms, from the last pong (0 until one came). */
  readonly clockOffset: Readable<number> = { subscribe: this.clockOffsetStore.subscribe };

  /** Counters for diagnostics and tests. */
  readonly stats = { duplicates: 0, gaps: 0, malformed: 0, heldBack: 0, connects: 0 };

  constructor(options: LiveOptions = {}) {
    this.url = options.url ?? null;
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.random = options.random ?? Math.random;
    this.initialDelayMs = options.initialDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 15_000;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 20_000;
    this.pongTimeoutMs = options.pongTimeoutMs ?? 10_000;
    this.resyncTimeoutMs = options.resyncTimeoutMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 15_000;
  }

  get connectionState(): ConnectionState {
    return this.currentState;
  }

  /**
   * Opens the connection and keeps it open until stop(). Calling it again does nothing.
   * anonymous: a public page, for which the server's "user": null is expected, not an ending.
   */
  start(options: { anonymous?: boolean } = {}): void {
    if (this.running) return;
    this.anonymous = options.anonymous ?? false;
    this.running = true;
    this.everOpened = false;
    this.attempt = 0;
    this.setState('connecting');
    this.connect();
  }

  /** Closes the connection for good (logout). Subscriptions are kept for a later start(). */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.failPending(LIVE_CONNECTION_LOST, 'the connection was closed');
    this.clearReconnect();
    this.dropSocket('client stopped');
    for (const sub of this.subscriptions.values()) this.endResync(sub);
    this.setState('closed');
  }

  /**
   * The page became visible again or the browser came back online: if a reconnect is waiting,
   * try now; if connected, prove the path with a ping now rather than at the next beat.
   */
  checkNow(): void {
    if (!this.running) return;
    if (this.socket === null) {
      this.clearReconnect();
      this.connect();
    } else if (this.socket.readyState === WS_OPEN && this.awaitedPong === null) {
      this.sendPing();
    }
  }

  /**
   * The browser says the network is gone: drop the socket now (a socket can look open for
   * minutes on a dead network) and keep retrying with the usual backoff; checkNow() on the
   * browser's "online" retries at once.
   */
  goOffline(): void {
    if (!this.running || this.socket === null) return;
    this.dropSocket('offline');
    for (const sub of this.subscriptions.values()) this.endResync(sub);
    this.scheduleReconnect();
  }

  /**
   * Sends a message that the server answers (vote.cast): resolves with the answer that carries
   * the same "id", rejects with LiveRequestError (the server's error code; not_connected,
   * connection_lost or timeout). The message's own "id" is set here.
   */
  request(message: Record<string, unknown>, timeoutMs: number = this.requestTimeoutMs): Promise<Record<string, unknown>> {
    const requestId = `q${++this.requestCounter}`;
    return new Promise((resolve, reject) => {
      if (!this.send({ ...message, id: requestId })) {
        reject(new LiveRequestError(LIVE_NOT_CONNECTED, 'not connected to the server'));
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new LiveRequestError(LIVE_TIMEOUT, 'no answer from the server'));
      }, timeoutMs);
      this.pending.set(requestId, { resolve, reject, timer });
    });
  }

  /** Receives every parsed message that is not a pong or a meeting event. */
  onMessage(handler: (message: Record<string, unknown>) => void): () => void {
    this.messageHandlers.add(handler);
    return () => this.messageHandlers.delete(handler);
  }

  /** The server closed with 4401: the session is gone. */
  onUnauthenticated(handler: () => void): () => void {
    this.unauthenticatedHandlers.add(handler);
    return () => this.unauthenticatedHandlers.delete(handler);
  }

  /**
   * Follows a meeting's events. `afterSeq` is the seq the caller's snapshot already reflects, if
   * it knows one; otherwise the first event received becomes the baseline.
   */
  subscribe(meetingId: number, handlers: SubscriptionHandlers, afterSeq?: number): Subscription {
    let sub = this.subscriptions.get(meetingId);
    if (sub === undefined) {
      sub = {
        meetingId,
        lastSeq: afterSeq ?? null,
        handlers: new Set(),
        resyncing: false,
        resyncTimer: null,
        acceptNext: false,
        synced: false,
      };
      this.subscriptions.set(meetingId, sub);
      this.sendSubscribe(sub);
    }
    const entry = { ...handlers };
    sub.handlers.add(entry);
    if (sub.synced) {
      // Joining a subscription that has caught up already: say so, as the server would have.
      const joined = sub;
      queueMicrotask(() => {
        if (joined.synced && joined.handlers.has(entry) && joined.lastSeq !== null) entry.onSynced?.(joined.lastSeq);
      });
    }
    const owner = sub;
    return {
      cancel: () => {
        if (!owner.handlers.delete(entry) || owner.handlers.size > 0) return;
        this.endResync(owner);
        if (this.subscriptions.get(meetingId) === owner) {
          this.subscriptions.delete(meetingId);
          this.send({ type: 'unsubscribe', meeting_id: meetingId });
        }
      },
    };
  }

  /** The last seq delivered for a meeting, or null. */
  lastSeq(meetingId: number): number | null {
    return this.subscriptions.get(meetingId)?.lastSeq ?? null;
  }

  /** Sends a message if the socket is open; returns whether it was sent. */
  send(message: Record<string, unknown>): boolean {
    if (this.socket === null || this.socket.readyState !== WS_OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /* ---- connection lifecycle ---- */

  private connect(): void {
    this.retryAtStore.set(null);
    const url = this.url ?? liveUrl(window.location);
    let socket: SocketLike;
    try {
      socket = this.createSocket(url);
    } catch {
      // A malformed URL or a browser refusing: treat like a failed connection.
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.provedThisConnection = false;
    this.stats.connects++;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.handleOpen();
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.handleMessage(event.data);
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.handleLoss(event.code);
    };
    // An error is always followed by a close; the close decides.
    socket.onerror = () => {};
  }

  /**
   * Makes this connection a hall screen's (docs/live-protocol.md, "Hall screens"): every
   * connection first binds with the token and subscribes only once the server said screen.bound
   * (a subscribe before it would be refused for a closed meeting). null stops it.
   */
  setScreenToken(token: string | null): void {
    this.screenToken = token;
    this.screenBoundStore.set(false);
    if (token !== null && this.socket !== null && this.currentState === 'open') {
      this.screenWaiting = true;
      this.send({ type: 'screen.auth', token });
    }
  }

  private handleOpen(): void {
    this.everOpened = true;
    this.setState('open');
    this.startHeartbeat();
    this.screenBoundStore.set(false);
    if (this.screenToken !== null) {
      this.screenWaiting = true;
      this.send({ type: 'screen.auth', token: this.screenToken });
      return;
    }
    this.subscribeAll();
  }

  private subscribeAll(): void {
    for (const sub of this.subscriptions.values()) {
      this.endResync(sub);
      this.sendSubscribe(sub);
    }
  }

  private handleLoss(code: number): void {
    this.screenWaiting = false;
    this.screenBoundStore.set(false);
    for (const sub of this.subscriptions.values()) sub.synced = false;
    this.detachSocket();
    this.stopHeartbeat();
    this.failPending(LIVE_CONNECTION_LOST, 'the connection dropped before the answer');
    for (const sub of this.subscriptions.values()) this.endResync(sub);
    if (code === CLOSE_UNAUTHENTICATED) {
      this.sessionRejected();
      return;
    }
    this.scheduleReconnect();
  }

  /** The server does not know our session: reconnecting would not help. */
  private sessionRejected(): void {
    this.running = false;
    this.clearReconnect();
    this.dropSocket('session rejected');
    this.setState('closed');
    for (const handler of [...this.unauthenticatedHandlers]) handler();
  }

  private scheduleReconnect(): void {
    if (!this.running) return;
    this.setState(this.everOpened ? 'reconnecting' : 'connecting');
    const nominal = backoffDelay(this.attempt, this.initialDelayMs, this.maxDelayMs);
    const delay = Math.round(nominal / 2 + (this.random() * nominal) / 2);
    this.attempt++;
    this.retryAtStore.set(Date.now() + delay);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.running) this.connect();
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.retryAtStore.set(null);
  }

  /** Forget the socket without waiting for its close event, and close it. */
  private dropSocket(reason: string): void {
    for (const sub of this.subscriptions.values()) sub.synced = false;
    const socket = this.detachSocket();
    this.stopHeartbeat();
    this.failPending(LIVE_CONNECTION_LOST, 'the connection dropped before the answer');
    if (socket !== null) {
      try {
        socket.close(CLOSE_CLIENT_GONE, reason);
      } catch {
        /* already closing */
      }
    }
  }

  private detachSocket(): SocketLike | null {
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
    }
    return socket;
  }

  private failPending(code: string, message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const request of pending) {
      clearTimeout(request.timer);
      request.reject(new LiveRequestError(code, message));
    }
  }

  private setState(state: ConnectionState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.stateStore.set(state);
  }

  /* ---- heartbeat ---- */

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => this.sendPing(), this.heartbeatIntervalMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.heartbeatTimer = null;
    this.pongTimer = null;
    this.awaitedPong = null;
  }

  private sendPing(): void {
    if (this.awaitedPong !== null) return; // the pong timer is already running
    const id = ++this.pingId;
    if (!this.send({ type: 'ping', id })) return;
    this.awaitedPong = id;
    this.pingSentAt = Date.now();
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      this.dropSocket('heartbeat lost');
      this.scheduleReconnect();
    }, this.pongTimeoutMs);
  }

  private handlePong(id: unknown, serverTimeMs: unknown): void {
    if (id !== this.awaitedPong) return;
    this.awaitedPong = null;
    if (typeof serverTimeMs === 'number' && Number.isFinite(serverTimeMs)) {
      // The server read its clock about halfway through the round trip.
      const now = Date.now();
      this.clockOffsetStore.set(Math.round(serverTimeMs - (this.pingSentAt + now) / 2));
    }
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  /* ---- messages ---- */

  private handleMessage(data: unknown): void {
    let message: unknown;
    try {
      message = typeof data === 'string' ? JSON.parse(data) : null;
    } catch {
      message = null;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      this.stats.malformed++;
      return;
    }
    if (!this.provedThisConnection) {
      // The server talks to us: this connection works, so the next loss starts the backoff anew.
      this.provedThisConnection = true;
      this.attempt = 0;
    }
    const record = message as Record<string, unknown>;
    const answerTo = record['type'] === 'error' ? record['ref'] : record['id'];
    const pending = typeof answerTo === 'string' ? this.pending.get(answerTo) : undefined;
    if (pending !== undefined && typeof answerTo === 'string') {
      this.pending.delete(answerTo);
      clearTimeout(pending.timer);
      if (record['type'] === 'error') {
        const code = typeof record['code'] === 'string' ? record['code'] : 'error';
        pending.reject(new LiveRequestError(code, typeof record['message'] === 'string' ? record['message'] : code));
      } else {
        pending.resolve(record);
      }
      return;
    }
    if (record['type'] === 'pong') {
      this.handlePong(record['id'], record['server_time_ms']);
    } else if (record['type'] === 'event') {
      this.handleEvent(record);
    } else if (record['type'] === 'subscribed') {
      this.handleSubscribed(record);
      for (const handler of [...this.messageHandlers]) handler(record);
    } else if (record['type'] === 'screen.bound' || (this.screenWaiting && record['type'] === 'error' && record['code'] === 'screen_token')) {
      if (this.screenWaiting) {
        this.screenWaiting = false;
        this.screenBoundStore.set(record['type'] === 'screen.bound');
        this.subscribeAll();
      }
      for (const handler of [...this.messageHandlers]) handler(record);
    } else if (record['type'] === 'welcome' && record['user'] === null && !this.anonymous) {
      this.sessionRejected();
    } else {
      for (const handler of [...this.messageHandlers]) handler(record);
    }
  }

  private handleEvent(record: Record<string, unknown>): void {
    const meetingId = record['meeting_id'];
    const seq = record['seq'];
    if (typeof meetingId !== 'number' || typeof seq !== 'number' || !Number.isInteger(seq)) {
      this.stats.malformed++;
      return;
    }
    const sub = this.subscriptions.get(meetingId);
    if (sub === undefined) return; // late event after unsubscribe
    const event = record as MeetingEvent;

    if (sub.lastSeq !== null && seq <= sub.lastSeq) {
      this.stats.duplicates++;
      return;
    }
    if (sub.lastSeq !== null && seq > sub.lastSeq + 1 && !sub.acceptNext) {
      if (sub.resyncing) {
        this.stats.heldBack++;
        return;
      }
      this.stats.gaps++;
      this.stats.heldBack++;
      this.beginResync(sub);
      const gap: GapInfo = { meetingId, expected: sub.lastSeq + 1, received: seq };
      for (const handlers of [...sub.handlers]) handlers.onGap?.(gap);
      return;
    }
    this.endResync(sub);
    sub.acceptNext = false;
    sub.lastSeq = seq;
    for (const handlers of [...sub.handlers]) handlers.onEvent(event);
  }

  private sendSubscribe(sub: MeetingSubscription): void {
    sub.synced = false;
    // A hall screen subscribes once bound (subscribeAll); before that the server would refuse it.
    if (this.screenWaiting) return;
    const message: Record<string, unknown> = { type: 'subscribe', meeting_id: sub.meetingId };
    if (sub.lastSeq !== null) message['after_seq'] = sub.lastSeq;
    this.send(message);
  }

  /** The replay is over: the subscriber has everything up to last_seq. */
  private handleSubscribed(record: Record<string, unknown>): void {
    const meetingId = record['meeting_id'];
    const lastSeq = record['last_seq'];
    if (typeof meetingId !== 'number' || typeof lastSeq !== 'number') return;
    const sub = this.subscriptions.get(meetingId);
    if (sub === undefined) return;
    if (sub.lastSeq === null) {
      // Nothing was replayed (a meeting without events yet): numbering starts here.
      sub.lastSeq = lastSeq;
    } else if (lastSeq !== sub.lastSeq) {
      // Behind ours (a restored database) or ahead with nothing replayed in between: either way
      // what we show may be wrong. Follow the server's numbers from here and reload.
      const gap: GapInfo = { meetingId, expected: sub.lastSeq + 1, received: lastSeq };
      sub.lastSeq = lastSeq;
      this.endResync(sub);
      sub.acceptNext = false;
      this.stats.gaps++;
      for (const handlers of [...sub.handlers]) handlers.onGap?.(gap);
    }
    sub.synced = true;
    for (const handlers of [...sub.handlers]) handlers.onSynced?.(lastSeq);
  }

  private beginResync(sub: MeetingSubscription): void {
    sub.resyncing = true;
    this.sendSubscribe(sub);
    sub.resyncTimer = setTimeout(() => {
      sub.resyncTimer = null;
      sub.resyncing = false;
      sub.acceptNext = true;
    }, this.resyncTimeoutMs);
  }

  private endResync(sub: MeetingSubscription): void {
    if (sub.resyncTimer !== null) clearTimeout(sub.resyncTimer);
    sub.resyncTimer = null;
    sub.resyncing = false;
  }
}

/** The one live connection of the page. */
export const live = new LiveConnection();
