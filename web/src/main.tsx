import { effect } from '@preact/signals';
import { render } from 'preact';
import { App } from './app';
import { applyDisplay } from './lib/display';
import { installErrorReporting } from './lib/errors';
import { listen } from './lib/router';
import { rt } from './state/realtime';
import { bootstrap } from './state/session';
import { prefs } from './state/user';
import './styles.css';

installErrorReporting(); // uncaught errors and failed API requests to /api/client-errors

effect(() => applyDisplay(prefs.value.accessibilitySettings));

// A lazy screen whose file is gone (a new version was deployed): load the new version.
addEventListener('vite:preloadError', () => location.reload());

// Reconnect at once, not at the end of the backoff, when the network or the tab comes back.
addEventListener('online', () => rt.wake());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') rt.wake();
});

// A page put in the back-forward cache (the person followed a link or typed
// an address) would keep its socket open, frozen, so the server would keep
// them seated where their screen no longer shows them: close it on the way
// out (their seat then gets the usual grace), and reconnect if they come back.
addEventListener('pagehide', () => rt.stop());
addEventListener('pageshow', (e) => {
  if (e.persisted) rt.start();
});

listen();
void bootstrap();
render(<App />, document.getElementById('app')!);
