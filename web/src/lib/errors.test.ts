import { describe, expect, it } from 'vitest';
import { apiPattern, type ClientError, createReporter, ENDPOINT, installErrorReporting, routePattern } from './errors';

describe('routePattern', () => {
  it.each([
    ['/', '/'],
    ['/lobby', '/lobby'],
    ['/room/30741bcd-3e2a-4c1a-9a0e-2d4c6b8a1f3e', '/room/:id'],
    ['/room/a%20b', '/room/:id'],
    ['/weird path', '/'],
  ])('%s', (path, want) => expect(routePattern(path)).toBe(want));
});

describe('apiPattern', () => {
  it('drops ids and queries', () => {
    expect(apiPattern('/api/rooms/30741bcd-3e2a-4c1a-9a0e-2d4c6b8a1f3e/join?x=secret')).toBe('/api/rooms/:id/join');
    expect(apiPattern('/api/sessions/12/complete')).toBe('/api/sessions/:id/complete');
  });
});

describe('createReporter', () => {
  it('sends each distinct error once and at most max a page', () => {
    const sent: ClientError[] = [];
    const report = createReporter((e) => sent.push(e), 3);
    expect(report({ kind: 'error', message: 'A' })).toBe(true);
    expect(report({ kind: 'error', message: 'A' })).toBe(false);
    report({ kind: 'api', message: 'A' });
    report({ kind: 'error', message: 'B', stack: 'x'.repeat(10000) });
    report({ kind: 'error', message: 'C' });
    expect(sent.map((e) => e.message)).toEqual(['A', 'A', 'B']);
    expect(sent[2]?.stack).toHaveLength(6000);
  });
});

// A window of its own: an EventTarget with location and fetch.
function fakeWindow(answer: (url: string) => Response | Error) {
  const target = new EventTarget();
  const posted: ClientError[] = [];
  const win = Object.assign(target, {
    location: new URL('https://focus.example.org/room/30741bcd-3e2a-4c1a-9a0e-2d4c6b8a1f3e'),
    fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = String(input);
      if (url === ENDPOINT) {
        posted.push(JSON.parse(String(init?.body)));
        return new Response(null, { status: 204 });
      }
      const a = answer(url);
      if (a instanceof Error) throw a;
      return a;
    },
  });
  return { win: win as unknown as Window & typeof globalThis, posted };
}

describe('installErrorReporting', () => {
  it('reports uncaught errors, rejections and failed API requests, once each', async () => {
    const { win, posted } = fakeWindow((url) =>
      url.includes('broken') ? new Response('{}', { status: 502 }) : url.includes('offline') ? new TypeError('Failed to fetch') : new Response('{}'),
    );
    installErrorReporting(win);

    const err = new Error('boom');
    const ev = Object.assign(new Event('error'), { error: err, message: 'boom' });
    win.dispatchEvent(ev);
    win.dispatchEvent(ev); // the same error again: not sent twice
    win.dispatchEvent(Object.assign(new Event('unhandledrejection'), { reason: new TypeError('x is undefined') }));
    await win.fetch('/api/rooms');
    expect((await win.fetch('/api/rooms/30741bcd-3e2a-4c1a-9a0e-2d4c6b8a1f3e/broken?t=secret', { method: 'post' })).status).toBe(502);
    await expect(win.fetch('/api/offline')).rejects.toThrow('Failed to fetch');
    // The fake fetch records each POST as it is made, so all are in.

    expect(posted).toEqual([
      { kind: 'error', message: 'Error: boom', stack: err.stack, route: '/room/:id' },
      { kind: 'unhandledrejection', message: 'TypeError: x is undefined', stack: expect.any(String), route: '/room/:id' },
      { kind: 'api', message: 'POST /api/rooms/:id/broken answered 502', route: '/room/:id' },
      { kind: 'api', message: 'GET /api/offline got no answer', route: '/room/:id' },
    ]);
    expect(JSON.stringify(posted)).not.toContain('secret');
  });
});
