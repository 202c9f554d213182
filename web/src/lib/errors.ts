// Error reporting of the app itself: uncaught errors, unhandled promise
// rejections and failed API requests (5xx, or no answer) are posted to the
// server's POST /api/client-errors, which forwards them to the operator's
// Sentry project. No third-party script: the Content-Security-Policy
// stays 'self' only. Each distinct error is sent once, and at most
// MAX_REPORTS a page load; the server scrubs and rate-limits them too.

export interface ClientError {
  kind: 'error' | 'unhandledrejection' | 'api';
  message: string;
  stack?: string;
  route?: string;
}

export const ENDPOINT = '/api/client-errors';
export const MAX_REPORTS = 10;

const MAX_MESSAGE = 1000;
const MAX_STACK = 6000;

/** The app's route pattern of a path: ids become :id, never sent as they are. */
export function routePattern(pathname: string): string {
  const p = pathname
    .split('/')
    .map((seg, i) => (i > 1 && seg !== '' ? ':id' : seg))
    .join('/');
  return /^\/[A-Za-z0-9/:_-]*$/.test(p) ? p : '/';
}

/** An API path with its ids as :id and no query: "/api/rooms/:id/join". */
export function apiPattern(url: string): string {
  const path = url.split(/[?#]/)[0] ?? url;
  return path.replace(/\/[0-9a-f]{8}-[0-9a-f-]{27,}/gi, '/:id').replace(/\/\d+(?=\/|$)/g, '/:id');
}

/**
 * A reporter: deduplicates (kind and message), caps at max per page load,
 * trims fields to the server's limits, and hands each report to send.
 */
export function createReporter(send: (e: ClientError) => void, max = MAX_REPORTS) {
  const seen = new Set<string>();
  return (e: ClientError): boolean => {
    const key = e.kind + '\u0000' + e.message;
    if (seen.size >= max || seen.has(key) || e.message.trim() === '') return false;
    seen.add(key);
    const out: ClientError = { kind: e.kind, message: e.message.slice(0, MAX_MESSAGE) };
    if (e.stack) out.stack = e.stack.slice(0, MAX_STACK);
    if (e.route) out.route = e.route;
    try {
      send(out);
    } catch {
      // Reporting must never break the page.
    }
    return true;
  };
}

function describe(reason: unknown): { message: string; stack?: string } {
  if (reason instanceof Error) return { message: `${reason.name}: ${reason.message}`, stack: reason.stack };
  return { message: typeof reason === 'string' ? reason : 'Non-error rejection' };
}

type Fetch = typeof fetch;

/**
 * Installs the listeners on win (window in the app) and wraps its fetch so
 * that failed /api/ requests are reported. Returns the reporter (tests).
 */
export function installErrorReporting(win: Window & typeof globalThis = window) {
  const realFetch: Fetch = win.fetch.bind(win);
  const route = () => routePattern(win.location.pathname);
  const report = createReporter((e) => {
    void realFetch(ENDPOINT, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(e),
      credentials: 'same-origin',
      keepalive: true,
    }).catch(() => {});
  });

  win.addEventListener('error', (ev: ErrorEvent) => {
    const d = describe(ev.error ?? ev.message);
    report({ kind: 'error', ...d, route: route() });
  });
  win.addEventListener('unhandledrejection', (ev: PromiseRejectionEvent) => {
    report({ kind: 'unhandledrejection', ...describe(ev.reason), route: route() });
  });

  win.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.pathname : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const api = new URL(url, win.location.href);
    const watched = api.origin === win.location.origin && api.pathname.startsWith('/api/') && api.pathname !== ENDPOINT;
    try {
      const res = await realFetch(input, init);
      if (watched && res.status >= 500) {
        report({ kind: 'api', message: `${method} ${apiPattern(api.pathname)} answered ${res.status}`, route: route() });
      }
      return res;
    } catch (err) {
      if (watched && !(err instanceof DOMException && err.name === 'AbortError')) {
        report({ kind: 'api', message: `${method} ${apiPattern(api.pathname)} got no answer`, route: route() });
      }
      throw err;
    }
  };
  return report;
}
