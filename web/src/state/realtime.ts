// The tab's one realtime connection (main.tsx wakes it when the network or
// the tab comes back).
import { RealtimeClient } from '../realtime/client';

export const rt = new RealtimeClient({
  url: () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
});
