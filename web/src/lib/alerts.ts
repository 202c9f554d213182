// How a person learns that the timer ended when they chose to: a soft
// two-note chime (Web Audio, nothing to download) and a system notification.

let audio: AudioContext | null = null;

function context(): AudioContext | null {
  if (typeof AudioContext === 'undefined') return null;
  audio ??= new AudioContext();
  if (audio.state === 'suspended') void audio.resume();
  return audio;
}

/** primeAudio unlocks sound from a click, so a later chime is allowed to play. */
export function primeAudio(): void {
  context();
}

export function chime(): void {
  const ctx = context();
  if (!ctx) return;
  const start = ctx.currentTime + 0.05;
  [523.25, 783.99].forEach((freq, i) => {
    const t = start + i * 0.38;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, t);
    gain.gain.exponentialRampToValueAtTime(0.12, t + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 1.4);
    osc.connect(gain).connect(ctx.destination);
    osc.start(t);
    osc.stop(t + 1.5);
  });
}

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

/** askNotificationPermission must run from a click. */
export async function askNotificationPermission(): Promise<NotificationPermission> {
  if (!notificationsSupported()) return 'denied';
  if (Notification.permission !== 'default') return Notification.permission;
  return Notification.requestPermission();
}

export async function notify(title: string, body: string): Promise<void> {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  const options: NotificationOptions = { body, icon: '/icons/icon-192.png', tag: 'bd-timer' };
  try {
    // Through the service worker where there is one: Android allows only that.
    const reg = await navigator.serviceWorker?.getRegistration();
    if (reg) {
      await reg.showNotification(title, options);
      return;
    }
    new Notification(title, options);
  } catch {
    // A notification is a nicety; the chime and the screen still say it.
  }
}
