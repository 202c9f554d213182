// Close code 4403 (banned) ends the socket for good, like 4401, and hands
// the ban's reason on.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient } from './client';
import { FakeSocket } from './fake-socket';

describe('RealtimeClient after a ban', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('does not reconnect after 4403 and reports the ban with its reason', () => {
    const c = new RealtimeClient({ url: () => 'ws://test/ws', create: (url) => new FakeSocket(url), random: () => 1 });
    const banned = vi.fn();
    const signedOut = vi.fn();
    c.onBanned = banned;
    c.onSignedOut = signedOut;
    c.start();
    FakeSocket.last().open();
    FakeSocket.last().onclose?.({ code: 4403, reason: 'spam' } as { code: number });
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(banned).toHaveBeenCalledExactlyOnceWith('spam');
    expect(signedOut).not.toHaveBeenCalled();
    expect(c.state.value).toBe('closed');
  });

  it('still reconnects after an ordinary drop', () => {
    const c = new RealtimeClient({ url: () => 'ws://test/ws', create: (url) => new FakeSocket(url), random: () => 1 });
    const banned = vi.fn();
    c.onBanned = banned;
    c.start();
    FakeSocket.last().open();
    FakeSocket.last().drop(1006);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all.length).toBeGreaterThan(1);
    expect(banned).not.toHaveBeenCalled();
  });
});
