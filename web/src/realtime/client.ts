// RealtimeClient is the tab's one WebSocket to /ws (docs/protocol.md): it
// reconnects with exponential backoff and jitter, except after close codes
// 4401 (signed out) and 4403 (banned); it pairs replies with requests by `ref`; and it feeds
// every frame's serverTime to the clock-offset estimate.
import { signal } from '@preact/signals';
import type { FieldError } from '../lib/types';
import { backoffDelay } from './backoff';
import { Clock } from './clock';

/** SocketLike is the part of the browser WebSocket this client uses. */
export interface SocketLike {
  onopen: (() => void) | null;
  onclose: ((ev: { code: number; reason?: string }) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

// Frame payloads are checked where they are used (state/room.ts).
export type Data = Record<string, any>;

export interface Reply {
  event: string;
  data: Data;
}

/** SocketError is an `error` frame answering a request, or a request that timed out. */
export class SocketError extends Error {
  readonly code: string;
  readonly errors: FieldError[];

  constructor(data: Data) {
    super(typeof data.message === 'string' ? data.message : 'Something went wrong.');
    this.name = 'SocketError';
    this.code = typeof data.code === 'string' ? data.code : 'unknown';
    this.errors = Array.isArray(data.errors) ? data.errors : [];
  }
}

/**
 * NotConnectedError rejects a request made, or pending, while the socket is
 * down. Such a request is not queued, so the message says it was not saved
 * (the socket itself keeps trying to reconnect).
 */
export class NotConnectedError extends Error {
  constructor() {
    super("You're not connected right now, so that wasn't saved. Try again once you're back.");
    this.name = 'NotConnectedError';
  }
}

const CLOSE_SIGNED_OUT = 4401;
const CLOSE_BANNED = 4403;
/** A connection that stayed up this long resets the backoff. */
const STABLE_MS = 10_000;

interface Pending {
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
  sentAt: number;
  timer: ReturnType<typeof setTimeout>;
}

export interface ClientOptions {
  url: () => string;
  create?: (url: string) => SocketLike;
  random?: () => number;
  now?: () => number;
  requestTimeoutMs?: number;
}

export class RealtimeClient {
  readonly state = signal<ConnectionState>('idle');
  readonly clock = new Clock();
  /** onEvent gets every server frame except errors that answered a request. */
  onEvent: (event: string, data: Data) => void = () => {};
  /** onOpen runs on every (re)connection, before any frame arrives. */
  onOpen: () => void = () => {};
  /** onSignedOut runs when the server ends the session (close 4401). */
  onSignedOut: () => void = () => {};
  /** onBanned runs when the server closes the socket because the person is banned (close 4403; the close reason is the ban's). */
  onBanned: (reason: string) => void = () => {};
  /** onSendError gets the `error` answering a send() (rtc-* signalling: no reply on success). */
  onSendError: (event: string, data: Data) => void = () => {};

  private ws: SocketLike | null = null;
  private stopped = true;
  private attempt = 0;
  private openedAt: number | null = null;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;
  /** Events of recent send()s by ref, to say which one an error answers. */
  private readonly sends = new Map<string, string>();
  private readonly pending = new Map<string, Pending>();
  private readonly create: (url: string) => SocketLike;
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly timeout: number;

  constructor(private readonly opts: ClientOptions) {
    this.create = opts.create ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.timeout = opts.requestTimeoutMs ?? 10_000;
  }

  /** start opens the socket unless it is already open or opening. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.connect();
  }

  /** stop closes the socket for good (sign out) until the next start. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retry);
    const ws = this.ws;
    this.ws = null;
    ws?.close(1000);
    this.failPending();
    this.state.value = 'closed';
  }

  /** wake retries at once while waiting to reconnect (the network came back, the tab became visible). */
  wake(): void {
    if (this.stopped || this.ws || this.state.value !== 'reconnecting') return;
    clearTimeout(this.retry);
    this.connect();
  }

  /** request sends an event with a ref and resolves with the server's reply. */
  request(event: string, data: Data): Promise<Reply> {
    const ws = this.ws;
    if (!ws || this.state.value !== 'open') return Promise.reject(new NotConnectedError());
    const ref = String(++this.seq);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new SocketError({ code: 'timeout', message: "The server didn't answer. Please try again." }));
      }, this.timeout);
      this.pending.set(ref, { resolve, reject, sentAt: this.now(), timer });
      ws.send(JSON.stringify({ event, data, ref }));
    });
  }

  /**
   * send sends an event that gets no reply on success (rtc-* signalling).
   * Its ref starts with "s", and an error answering it goes to onSendError,
   * not onEvent. It returns false when the socket is down.
   */
  send(event: string, data: Data): boolean {
    const ws = this.ws;
    if (!ws || this.state.value !== 'open') return false;
    const ref = `s${++this.seq}`;
    this.sends.set(ref, event);
    if (this.sends.size > 256) this.sends.delete(this.sends.keys().next().value!);
    ws.send(JSON.stringify({ event, data, ref }));
    return true;
  }

  private connect(): void {
    this.openedAt = null;
    if (this.state.value !== 'reconnecting') this.state.value = 'connecting';
    const ws = this.create(this.opts.url());
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.openedAt = this.now();
      this.state.value = 'open';
      this.onOpen();
    };
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.receive(ev.data);
    };
    ws.onerror = () => {}; // a close event always follows
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.failPending();
      if (this.stopped) return;
      if (ev.code === CLOSE_SIGNED_OUT) {
        this.stopped = true;
        this.state.value = 'closed';
        this.onSignedOut();
        return;
      }
      if (ev.code === CLOSE_BANNED) {
        this.stopped = true;
        this.state.value = 'closed';
        this.onBanned(ev.reason ?? '');
        return;
      }
      if (this.openedAt !== null && this.now() - this.openedAt >= STABLE_MS) this.attempt = 0;
      this.state.value = 'reconnecting';
      this.retry = setTimeout(() => this.connect(), backoffDelay(this.attempt++, this.random));
    };
  }

  private receive(raw: unknown): void {
    let frame: { event?: unknown; data?: unknown; ref?: unknown };
    try {
      frame = JSON.parse(String(raw));
    } catch {
      return;
    }
    if (!frame || typeof frame.event !== 'string') return;
    const data: Data = frame.data && typeof frame.data === 'object' ? (frame.data as Data) : {};
    const ref = typeof frame.ref === 'string' && frame.ref ? frame.ref : undefined;
    const pending = ref ? this.pending.get(ref) : undefined;
    if (typeof data.serverTime === 'number') this.clock.observe(data.serverTime, this.now(), pending?.sentAt);
    if (pending) {
      this.pending.delete(ref!);
      clearTimeout(pending.timer);
    }
    if (pending && frame.event === 'error') {
      pending.reject(new SocketError(data));
      return;
    }
    if (!pending && ref?.startsWith('s') && frame.event === 'error') {
      const event = this.sends.get(ref) ?? '';
      this.sends.delete(ref);
      this.onSendError(event, data);
      return;
    }
    // State first, so that code awaiting the reply sees it applied.
    this.onEvent(frame.event, data);
    pending?.resolve({ event: frame.event, data });
  }

  private failPending(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new NotConnectedError());
    }
    this.pending.clear();
  }
}
