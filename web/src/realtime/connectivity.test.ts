import { signal } from '@preact/signals';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NotConnectedError, RealtimeClient, type ConnectionState } from './client';
import { BANNER, SCREEN, connectionProblem, probeServer, retryUntilReachable, watchNetwork, type Problem } from './connectivity';
import { FakeSocket } from './fake-socket';

describe('connectionProblem', () => {
  const cases: Array<[ConnectionState, boolean, Problem | null]> = [
    ['idle', true, null],
    ['connecting', true, null],
    ['open', true, null],
    ['reconnecting', true, 'unreachable'], // online, but the server does not answer
    ['closed', true, null], // signed out: nothing to reconnect
    ['idle', false, 'offline'],
    ['connecting', false, 'offline'],
    ['open', false, 'offline'], // the socket has not noticed yet; the device has
    ['reconnecting', false, 'offline'],
    ['closed', false, null],
  ];
  it.each(cases)('socket %s, online %s: %s', (state, online, want) => {
    expect(connectionProblem(state, online)).toBe(want);
  });
});

describe('texts', () => {
  it('say offline only when the device is offline', () => {
    for (const t of [BANNER.offline.title, SCREEN.offline.title]) expect(t).toMatch(/offline/i);
    for (const t of [BANNER.unreachable.title, BANNER.unreachable.detail, SCREEN.unreachable.title, SCREEN.unreachable.body]) {
      expect(t).not.toMatch(/offline|check your connection/i);
    }
    expect(BANNER.unreachable.title).toBe("Can't reach Body Double right now.");
    expect(BANNER.unreachable.detail).toContain('Reconnecting…');
    expect(SCREEN.unreachable.body).toContain('Retrying…');
  });

  it('promise nothing the client does not do: a request while down is refused, and the texts say so', async () => {
    const c = new RealtimeClient({ url: () => 'ws://test/ws', create: (u) => new FakeSocket(u) });
    const err = await c.request('update-presence', { status: 'away' }).catch((e) => e);
    expect(err).toBeInstanceOf(NotConnectedError);
    expect(err.message).toMatch(/wasn't saved/);
    for (const p of ['offline', 'unreachable'] as const) expect(BANNER[p].detail).toMatch(/won't be saved/);
  });
});

describe('the banner follows the socket', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('reports unreachable while the socket retries, offline while the device is, and clears on reconnect', () => {
    const c = new RealtimeClient({ url: () => 'ws://test/ws', create: (u) => new FakeSocket(u), random: () => 1 });
    const online = signal(true);
    const banner = () => connectionProblem(c.state.value, online.value);

    c.start();
    FakeSocket.last().open();
    expect(banner()).toBeNull();

    FakeSocket.last().drop(); // the server went away
    expect(banner()).toBe('unreachable');
    vi.advanceTimersByTime(500); // first backoff (random 1: the whole 500 ms)
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.last().drop(); // refused: still down
    expect(banner()).toBe('unreachable');

    online.value = false; // and now the device lost its network
    expect(banner()).toBe('offline');
    online.value = true;
    expect(banner()).toBe('unreachable');

    c.wake(); // main.tsx does this on 'online'
    FakeSocket.last().open();
    expect(banner()).toBeNull();
  });
});

describe('watchNetwork', () => {
  it('follows the online and offline events', () => {
    const target = new EventTarget();
    let onLine = false;
    const out = signal(true);
    const unwatch = watchNetwork(target, () => onLine, out);
    expect(out.value).toBe(false);
    onLine = true;
    target.dispatchEvent(new Event('online'));
    expect(out.value).toBe(true);
    onLine = false;
    target.dispatchEvent(new Event('offline'));
    expect(out.value).toBe(false);
    unwatch();
    onLine = true;
    target.dispatchEvent(new Event('online'));
    expect(out.value).toBe(false);
  });
});

describe('retryUntilReachable', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function setup(answers: boolean[], onLine = true) {
    const events = new EventTarget();
    const state = { onLine, probes: 0, reached: 0 };
    const r = retryUntilReachable({
      probe: async () => answers[state.probes++] ?? false,
      onReachable: () => state.reached++,
      isOnline: () => state.onLine,
      events,
      random: () => 1,
      baseMs: 1000,
    });
    return { r, events, state };
  }

  it('probes with a growing backoff until the server answers, then starts the app once', async () => {
    const { state } = setup([false, false, true]);
    expect(state.probes).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(state.probes).toBe(1);
    await vi.advanceTimersByTimeAsync(1999); // the second wait is twice the first
    expect(state.probes).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(state.probes).toBe(2);
    await vi.advanceTimersByTimeAsync(4000);
    expect(state.probes).toBe(3);
    expect(state.reached).toBe(1);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(state.probes).toBe(3); // stopped once reached
    expect(state.reached).toBe(1);
  });

  it('while offline waits for the online event, then probes at once', async () => {
    const { events, state } = setup([true], false);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(state.probes).toBe(0);
    state.onLine = true;
    events.dispatchEvent(new Event('online'));
    await vi.advanceTimersByTimeAsync(0);
    expect(state.probes).toBe(1);
    expect(state.reached).toBe(1);
  });

  it('"Try again" probes at once, and stop ends the retries', async () => {
    const { r, state } = setup([false, false]);
    r.now();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.probes).toBe(1);
    r.stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(state.probes).toBe(1);
    expect(state.reached).toBe(0);
  });
});

describe('probeServer', () => {
  const cases: Array<[string, () => Promise<Response>, boolean]> = [
    ['signed in', async () => new Response('{}', { status: 200 }), true],
    ['signed out is an answer too', async () => new Response('{}', { status: 401 }), true],
    ['a proxy in front of a stopped server', async () => new Response('', { status: 502 }), false],
    ['no answer', async () => Promise.reject(new TypeError('Failed to fetch')), false],
  ];
  it.each(cases)('%s', async (_, answer, want) => {
    const seen: string[] = [];
    const fetchFn = ((url: string) => {
      seen.push(url);
      return answer();
    }) as unknown as typeof fetch;
    expect(await probeServer(fetchFn)).toBe(want);
    expect(seen).toEqual(['/api/auth/session']);
  });
});
