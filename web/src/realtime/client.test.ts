import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotConnectedError, RealtimeClient, SocketError } from './client';
import { FakeSocket } from './fake-socket';

function client(now = () => Date.now()) {
  const events: Array<[string, Record<string, unknown>]> = [];
  const c = new RealtimeClient({
    url: () => 'ws://test/ws',
    create: (url) => new FakeSocket(url),
    random: () => 1,
    now,
  });
  c.onEvent = (e, d) => events.push([e, d]);
  return { c, events };
}

describe('RealtimeClient', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('opens one socket, and start is idempotent', () => {
    const { c } = client();
    c.start();
    c.start();
    expect(FakeSocket.all).toHaveLength(1);
    expect(c.state.value).toBe('connecting');
    FakeSocket.last().open();
    expect(c.state.value).toBe('open');
  });

  it('pairs a reply with its request by ref and applies it before resolving', async () => {
    const { c, events } = client();
    c.start();
    const ws = FakeSocket.last();
    ws.open();
    const reply = c.request('join-room', { roomId: 'r1' });
    const sent = ws.lastSent('join-room');
    expect(sent.data).toEqual({ roomId: 'r1' });
    expect(sent.ref).toBeTruthy();
    ws.receive('room-joined', { room: { id: 'r1' }, serverTime: 1 }, sent.ref);
    expect(events.map((e) => e[0])).toEqual(['room-joined']);
    await expect(reply).resolves.toMatchObject({ event: 'room-joined' });
  });

  it('rejects a request answered by an error frame, with its code and field errors', async () => {
    const { c, events } = client();
    c.start();
    const ws = FakeSocket.last();
    ws.open();
    const reply = c.request('start-focus-session', { roomId: 'r1', goals: ['x'.repeat(300)] });
    ws.receive('error', { code: 'invalid', message: 'Bad goal', errors: [{ field: 'goals.0', message: 'Too long' }] }, ws.lastSent('start-focus-session').ref);
    const err = await reply.catch((e) => e);
    expect(err).toBeInstanceOf(SocketError);
    expect(err.code).toBe('invalid');
    expect(err.errors).toEqual([{ field: 'goals.0', message: 'Too long' }]);
    expect(events).toEqual([]); // the error went to the caller only
  });

  it('refuses requests while not connected and fails pending ones on a drop', async () => {
    const { c } = client();
    await expect(c.request('leave-room', { roomId: 'r1' })).rejects.toBeInstanceOf(NotConnectedError);
    c.start();
    FakeSocket.last().open();
    const pending = c.request('leave-room', { roomId: 'r1' });
    FakeSocket.last().drop();
    await expect(pending).rejects.toBeInstanceOf(NotConnectedError);
  });

  it('times a request out', async () => {
    const { c } = client();
    c.start();
    FakeSocket.last().open();
    const pending = c.request('pause-timer', { roomId: 'r1' });
    vi.advanceTimersByTime(10_001);
    await expect(pending).rejects.toMatchObject({ code: 'timeout' });
  });

  it('reconnects with growing delays and runs onOpen each time', () => {
    const { c } = client();
    const opened = vi.fn();
    c.onOpen = opened;
    c.start();
    FakeSocket.last().open();
    expect(opened).toHaveBeenCalledTimes(1);

    FakeSocket.last().drop(1012);
    expect(c.state.value).toBe('reconnecting');
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2); // attempt 0: 500 ms

    FakeSocket.last().drop(); // failed to connect
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3); // attempt 1: 1000 ms
    expect(c.state.value).toBe('reconnecting');

    FakeSocket.last().open();
    expect(c.state.value).toBe('open');
    expect(opened).toHaveBeenCalledTimes(2);
  });

  it('resets the backoff after a connection that stayed up', () => {
    let t = 0;
    const { c } = client(() => t);
    c.start();
    for (let i = 0; i < 4; i++) {
      FakeSocket.last().drop();
      vi.runOnlyPendingTimers();
    }
    FakeSocket.last().open();
    t += 60_000;
    FakeSocket.last().drop();
    const before = FakeSocket.all.length;
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(before + 1);
  });

  it('does not reconnect after 4401 and reports the sign-out', () => {
    const { c } = client();
    const signedOut = vi.fn();
    c.onSignedOut = signedOut;
    c.start();
    FakeSocket.last().open();
    FakeSocket.last().drop(4401);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(signedOut).toHaveBeenCalledOnce();
    expect(c.state.value).toBe('closed');
  });

  it('wake retries at once instead of waiting out the backoff', () => {
    const { c } = client();
    c.start();
    FakeSocket.last().drop();
    FakeSocket.last().onopen?.(); // a late event from the dead socket changes nothing
    c.wake();
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2); // the pending retry was cancelled
  });

  it('stop closes for good and ignores the old socket afterwards', () => {
    const { c } = client();
    c.start();
    const ws = FakeSocket.last();
    ws.open();
    c.stop();
    expect(ws.closed).toBe(true);
    ws.drop(1000);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(c.state.value).toBe('closed');
  });

  it('feeds serverTime to the clock, with the round trip for replies', () => {
    let t = 1_000;
    const { c } = client(() => t);
    c.start();
    const ws = FakeSocket.last();
    ws.open();
    void c.request('join-room', { roomId: 'r1' });
    t = 1_020; // 20 ms round trip; server clock is 5000 ms ahead
    ws.receive('room-joined', { serverTime: 6_010 }, ws.lastSent('join-room').ref);
    expect(Math.abs(c.clock.offset - 5_000)).toBeLessThanOrEqual(10);
  });

  it('send needs no reply, and its errors go to onSendError, not onEvent', () => {
    const { c, events } = client();
    const failed: Array<[string, Record<string, unknown>]> = [];
    c.onSendError = (e, d) => failed.push([e, d]);
    expect(c.send('rtc-ice', { roomId: 'r1', to: 'b', candidate: null })).toBe(false); // not connected
    c.start();
    const ws = FakeSocket.last();
    ws.open();
    expect(c.send('rtc-offer', { roomId: 'r1', to: 'b', sdp: 'v=0' })).toBe(true);
    const sent = ws.lastSent('rtc-offer');
    expect(sent.ref).toMatch(/^s/);
    ws.receive('error', { code: 'invalid', message: 'too big' }, sent.ref);
    expect(failed).toEqual([['rtc-offer', { code: 'invalid', message: 'too big' }]]);
    expect(events).toEqual([]);
    // Relayed signalling arrives as ordinary events.
    ws.receive('rtc-answer', { roomId: 'r1', from: 'b', sdp: 'v=0' });
    expect(events.map(([e]) => e)).toEqual(['rtc-answer']);
  });

  it('ignores frames that are not protocol frames', () => {
    const { c, events } = client();
    c.start();
    const ws = FakeSocket.last();
    ws.open();
    ws.onmessage?.({ data: 'not json' });
    ws.onmessage?.({ data: '{"data":{}}' });
    expect(events).toEqual([]);
  });
});
