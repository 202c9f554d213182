// A scripted stand-in for the browser WebSocket, for tests.
import type { SocketLike } from './client';

export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  static last(): FakeSocket {
    const s = FakeSocket.all[FakeSocket.all.length - 1];
    if (!s) throw new Error('no socket was opened');
    return s;
  }

  onopen: (() => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onerror: (() => void) | null = null;
  sent: Array<{ event: string; data: Record<string, unknown>; ref?: string }> = [];
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.closed = true;
  }

  // Test side.
  open(): void {
    this.onopen?.();
  }

  receive(event: string, data: Record<string, unknown>, ref?: string): void {
    this.onmessage?.({ data: JSON.stringify({ event, data, ...(ref ? { ref } : {}) }) });
  }

  drop(code = 1006): void {
    this.onclose?.({ code });
  }

  /** lastSent returns the last frame sent with this event name. */
  lastSent(event: string) {
    const f = [...this.sent].reverse().find((x) => x.event === event);
    if (!f) throw new Error(`no ${event} was sent`);
    return f;
  }
}
