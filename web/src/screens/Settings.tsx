import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Dialog } from '../components/Dialog';
import { Field, FormError } from '../components/Field';
import { Link } from '../components/Link';
import { askNotificationPermission, chime, notificationsSupported } from '../lib/alerts';
import { ApiError, NetworkError } from '../lib/api';
import { highQuality } from '../media/quality';
import { CATEGORIES, CATEGORY_LABELS, type Preferences, type ReducedMotion, type Theme } from '../lib/types';
import { networkOnline, probeServer } from '../realtime/connectivity';
import { savePrefs, saveProfile, signOut } from '../state/session';
import { useTitle } from '../state/title';
import { BlockedPeople } from './BlockedPeople';
import { YourData } from './YourData';
import { AvatarUpload } from './AvatarUpload';
import { prefs, user } from '../state/user';
import { NO_ANSWER, useRetryUntilAnswered } from './reach';

/** unsavedText says why a change was not saved: no network, or a server that is away. */
function unsavedText(action: string, online: boolean): string {
  return online ? `Couldn't ${action}: can't reach Body Double right now.` : `Couldn't ${action}: you're offline.`;
}

function problemText(e: unknown, action = 'save'): string {
  if (e instanceof NetworkError) return `${unsavedText(action, networkOnline.value)} Please try again in a moment.`;
  return e instanceof ApiError ? e.message : `Couldn't ${action}. Please try again.`;
}

/** waitingText is the status while a change waits for the server (it is saved by itself once it answers). */
function waitingText(online: boolean): string {
  return online ? "Can't reach Body Double right now. We'll save this once it answers." : "You're offline. We'll save this when your connection is back.";
}

function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={id} class="card mb-4 p-4 sm:p-5">
      <h2 id={id} class="mb-3 text-lg font-bold">{title}</h2>
      {children}
    </section>
  );
}

export default function Settings() {
  useTitle('Settings');
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    if (!status?.ok) return;
    const t = setTimeout(() => setStatus(null), 2500);
    return () => clearTimeout(t);
  }, [status]);

  const retry = useRetryUntilAnswered();

  async function save(patch: Partial<Preferences>) {
    setStatus(null);
    try {
      await savePrefs(patch);
      setStatus({ ok: true, text: 'Saved.' });
    } catch (e) {
      if (!(e instanceof NetworkError)) {
        setStatus({ ok: false, text: problemText(e) });
        return;
      }
      // No answer: save it by itself once the server answers again (probing
      // first, so the setting does not flip back and forth meanwhile).
      setStatus({ ok: false, text: NO_ANSWER });
      retry(async () => {
        if (!(await probeServer())) return false;
        try {
          await savePrefs(patch);
          setStatus({ ok: true, text: 'Saved.' });
        } catch (err) {
          if (err instanceof NetworkError) return false;
          setStatus({ ok: false, text: problemText(err) });
        }
        return true;
      });
    }
  }

  const p = prefs.value;
  return (
    <>
      <h1 tabIndex={-1} class="mb-5 text-2xl font-bold sm:text-3xl">Settings</h1>
      <NameForm />
      <AvatarUpload />
      <CategoriesSection p={p} save={save} />
      <NotificationsSection p={p} save={save} />
      <DisplaySection p={p} save={save} />
      <CameraSection />
      <BlockedPeople />
      <SignOutSection />
      <YourData />
      <p class="mb-4 text-sm"><Link href="/privacy" class="inline-block underline" data-testid="settings-privacy-link">Privacy: what Body Double stores and who sees it</Link></p>
      <div role="status" class="pointer-events-none fixed inset-x-0 bottom-4 z-20 flex justify-center px-4" data-testid="settings-status">
        {status && (
          <p class={`card px-4 py-2 text-sm font-semibold animate-fade-in ${status.ok || status.text === NO_ANSWER ? '' : 'text-danger'}`}>
            {status.text === NO_ANSWER ? waitingText(networkOnline.value) : status.text}
          </p>
        )}
      </div>
    </>
  );
}

type SectionProps = { p: Preferences; save: (patch: Partial<Preferences>) => Promise<void> };

function NameForm() {
  const [name, setName] = useState(user.value?.displayName ?? '');
  const [error, setError] = useState<string | undefined>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      await saveProfile(name.trim());
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.fields.displayName ?? err.message : problemText(err));
      document.getElementById('display-name')?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <Section id="name-title" title="Your name">
      <form noValidate onSubmit={submit}>
        <Field id="display-name" label="Display name" hint="Others in a room see this name. It doesn't need to be your real one." error={error}>
          {(a) => <input {...a} class="field" dir="auto" value={name} maxLength={50} autoComplete="off" data-testid="display-name" onInput={(e) => { setName(e.currentTarget.value); setSaved(false); }} />}
        </Field>
        <div class="flex flex-wrap items-center gap-3">
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="save-name">Save name</button>
          <p role="status" class="text-sm text-muted">{saved ? 'Saved.' : ''}</p>
        </div>
      </form>
    </Section>
  );
}

function CategoriesSection({ p, save }: SectionProps) {
  const chosen = new Set(p.preferredRoomCategories);
  return (
    <Section id="categories-title" title="Rooms you like">
      <fieldset>
        <legend class="mb-2 text-sm text-muted">“Find me a room” prefers these when people are working there.</legend>
        <div class="grid gap-x-4 sm:grid-cols-2">
          {CATEGORIES.map((c) => (
            <label key={c} class="choice">
              <input
                type="checkbox"
                checked={chosen.has(c)}
                data-testid={`category-${c}`}
                onChange={(e) => {
                  const next = CATEGORIES.filter((x) => (x === c ? e.currentTarget.checked : chosen.has(x)));
                  void save({ preferredRoomCategories: next });
                }}
              />
              {CATEGORY_LABELS[c]}
            </label>
          ))}
        </div>
      </fieldset>
    </Section>
  );
}

function NotificationsSection({ p, save }: SectionProps) {
  const n = p.notificationSettings;
  const [blocked, setBlocked] = useState(notificationsSupported() && Notification.permission === 'denied');

  async function toggleSystem(on: boolean) {
    if (on) {
      const permission = await askNotificationPermission(); // asked now, on this click, never on load
      if (permission !== 'granted') {
        setBlocked(true);
        return;
      }
      setBlocked(false);
    }
    await save({ notificationSettings: { ...n, system: on } });
  }

  return (
    <Section id="notify-title" title="When the timer ends">
      <label class="choice">
        <input
          type="checkbox"
          checked={n.sound}
          data-testid="setting-sound"
          onChange={(e) => {
            const on = e.currentTarget.checked;
            if (on) chime(); // a preview, and it unlocks sound in this tab
            void save({ notificationSettings: { ...n, sound: on } });
          }}
        />
        Play a gentle chime
      </label>
      <label class="choice">
        <input
          type="checkbox"
          checked={n.system && !blocked}
          disabled={!notificationsSupported()}
          data-testid="setting-system"
          onChange={(e) => void toggleSystem(e.currentTarget.checked)}
        />
        Show a notification
      </label>
      {!notificationsSupported() && <p class="hint">This browser can't show notifications.</p>}
      {blocked && <p class="hint">Notifications are blocked for Body Double. You can allow them in your browser's site settings.</p>}
    </Section>
  );
}

const MOTION: Array<{ value: ReducedMotion; label: string }> = [
  { value: 'system', label: 'Follow my device' },
  { value: 'reduce', label: 'Reduce motion' },
  { value: 'no-preference', label: 'Allow motion' },
];

// The work style (quiet, music, check-ins) is still stored by the server
// for old clients, but nothing acted on it, so Settings no longer offers it.

const THEMES: Array<{ value: Theme; label: string }> = [
  { value: 'system', label: 'Follow my device' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

/** Choices is a radio group; each input's test id is `${name}-${value}`. */
function Choices<T extends string>(props: { legend: string; name: string; options: Array<{ value: T; label: string }>; value: T; onPick: (v: T) => void }) {
  return (
    <fieldset class="mb-3">
      <legend class="label">{props.legend}</legend>
      {props.options.map((o) => (
        <label key={o.value} class="choice">
          <input type="radio" name={props.name} checked={props.value === o.value} data-testid={`${props.name}-${o.value}`} onChange={() => props.onPick(o.value)} />
          {o.label}
        </label>
      ))}
    </fieldset>
  );
}

function DisplaySection({ p, save }: SectionProps) {
  const a = p.accessibilitySettings;
  return (
    <Section id="display-title" title="Display">
      <Choices legend="Theme" name="theme" options={THEMES} value={a.theme} onPick={(theme) => void save({ accessibilitySettings: { ...a, theme } })} />
      <Choices legend="Motion" name="motion" options={MOTION} value={a.reducedMotion} onPick={(reducedMotion) => void save({ accessibilitySettings: { ...a, reducedMotion } })} />
      <label class="choice">
        <input type="checkbox" checked={a.highContrast} data-testid="setting-high-contrast" onChange={(e) => void save({ accessibilitySettings: { ...a, highContrast: e.currentTarget.checked } })} />
        High contrast
      </label>
      <label class="choice">
        <input type="checkbox" checked={a.largerText} data-testid="setting-larger-text" onChange={(e) => void save({ accessibilitySettings: { ...a, largerText: e.currentTarget.checked } })} />
        Larger text
      </label>
    </Section>
  );
}

function CameraSection() {
  return (
    <Section id="camera-title" title="Camera">
      <label class="choice">
        <input
          type="checkbox"
          checked={highQuality.value}
          aria-describedby="video-high-hint"
          data-testid="setting-video-high"
          onChange={(e) => (highQuality.value = e.currentTarget.checked)}
        />
        Higher video quality
      </label>
      <p id="video-high-hint" class="hint">
        Sharper (640×480) but uses more data, for you and everyone who sees you. Saved in this browser.
      </p>
    </Section>
  );
}

function SignOutSection() {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await signOut();
    } catch (e) {
      setError(problemText(e, 'sign out'));
      setBusy(false);
    }
  }

  return (
    <Section id="privacy-title" title="Privacy">
      <p class="mb-3 text-sm">
        You're anonymous: no email, no password. This browser holds your identity, so signing out ends it for good.
      </p>
      <button type="button" class="btn" data-testid="sign-out" onClick={() => setOpen(true)}>Sign out</button>
      <Dialog open={open} onClose={() => setOpen(false)} labelledBy="signout-title" testId="sign-out-dialog">
        <h2 id="signout-title" class="mb-3 text-xl font-bold">Sign out for good?</h2>
        <p class="mb-2">Your identity is anonymous, so it can't be recovered. After signing out you can't get back to this name, your history or your streak.</p>
        <p class="mb-5 text-sm text-muted">You can always start again with a new anonymous identity.</p>
        <FormError message={error} />
        <div class="flex flex-wrap justify-end gap-2">
          <button type="button" class="btn" onClick={() => setOpen(false)}>Stay signed in</button>
          <button type="button" class="btn btn-danger" disabled={busy} data-testid="sign-out-confirm" onClick={confirm}>
            {busy ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </Dialog>
    </Section>
  );
}
