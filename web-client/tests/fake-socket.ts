/* A stand-in for the browser's WebSocket: the test plays the server through it. */
import type { SocketLike } from '../src/lib/live';

export class FakeSocket implements SocketLike {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;

  readyState = FakeSocket.CONNECTING;
  readonly sent: string[] = [];
  closedBy: { code: number | undefined; reason: string | undefined } | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== FakeSocket.OPEN) throw new Error('send on a socket that is not open');
    this.sent.push(data);
  }

  /** The client closing; like a browser, the close event would come later (and is not needed). */
  close(code?: number, reason?: string): void {
    this.closedBy = { code, reason };
    this.readyState = FakeSocket.CLOSED;
  }

  /* ---- the server's side ---- */

  acceptConnection(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.({} as Event);
  }

  deliver(message: unknown): void {
    const data = typeof message === 'string' ? message : JSON.stringify(message);
    this.onmessage?.({ data } as MessageEvent);
  }

  /** The connection ends from the far side (1006: dropped without a close frame). */
  drop(code = 1006, reason = ''): void {
    this.readyState = FakeSocket.CLOSED;
    this.onerror?.({} as Event);
    this.onclose?.({ code, reason, wasClean: false } as CloseEvent);
  }

  /** Messages the client sent, parsed. */
  messages(): Record<string, unknown>[] {
    return this.sent.map((text) => JSON.parse(text) as Record<string, unknown>);
  }

  messagesOfType(type: string): Record<string, unknown>[] {
    return this.messages().filter((message) => message['type'] === type);
  }
}

/** A socket factory that records every socket it made. */
export function socketFactory(): { sockets: FakeSocket[]; create: (url: string) => FakeSocket; last: () => FakeSocket } {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    create: (url: string) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    last: () => {
      const socket = sockets[sockets.length - 1];
      if (socket === undefined) throw new Error('no socket was created');
      return socket;
    },
  };
}
