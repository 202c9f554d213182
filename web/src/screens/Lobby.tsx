import { useEffect, useState } from 'preact/hooks';
import { Field, FormError } from '../components/Field';
import { ArrowIcon, LockIcon, MicIcon, MicOffIcon, PeopleIcon, PlusIcon } from '../components/icons';
import { Link } from '../components/Link';
import { UserText } from '../components/UserText';
import { ApiError, NetworkError, api } from '../lib/api';
import { navigate } from '../lib/router';
import { CATEGORIES, CATEGORY_LABELS, type Category, type MicPolicy, type Room } from '../lib/types';
import { farewell } from '../state/room';
import { useTitle } from '../state/title';
import { user } from '../state/user';

const POLL_MS = 10_000;

function problemText(e: unknown): string {
  if (e instanceof NetworkError) return "We couldn't reach Body Double. Check your connection.";
  if (e instanceof ApiError && e.code === 'rate_limited') return 'Lots happening at once. Please try again in a moment.';
  return e instanceof ApiError ? e.message : 'Something went wrong. Please try again.';
}

/** useRooms keeps the room list fresh while the lobby is on screen. */
function useRooms() {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    const load = () => {
      if (document.visibilityState !== 'visible') return;
      api.rooms().then(
        (r) => {
          if (!alive) return;
          setRooms(r.rooms);
          setError(null);
        },
        (e) => alive && setError(problemText(e)),
      );
    };
    load();
    const timer = setInterval(load, POLL_MS);
    addEventListener('focus', load);
    document.addEventListener('visibilitychange', load);
    return () => {
      alive = false;
      clearInterval(timer);
      removeEventListener('focus', load);
      document.removeEventListener('visibilitychange', load);
    };
  }, []);
  return { rooms, error };
}

export function Lobby() {
  useTitle('Lobby');
  const { rooms, error } = useRooms();
  const [finding, setFinding] = useState(false);
  const [findError, setFindError] = useState<string | null>(null);

  async function findRoom() {
    setFinding(true);
    setFindError(null);
    try {
      const room = await api.quickJoin();
      navigate(`/room/${room.id}`);
    } catch (e) {
      setFindError(problemText(e));
      setFinding(false);
    }
  }

  return (
    <>
      <section aria-labelledby="lobby-title" class="mb-10">
        {farewell.value && (
          <p role="status" class="card mb-4 border-l-4 border-l-accent px-4 py-3 text-sm" data-testid="lobby-notice">{farewell.value}</p>
        )}
        <h1 id="lobby-title" tabIndex={-1} class="mb-1 text-2xl font-bold sm:text-3xl">Ready when you are</h1>
        <p class="mb-5 text-muted">
          You're <UserText as="strong" class="text-text" text={user.value?.displayName ?? ''} />.{' '}
          <Link href="/settings" class="link">Change name</Link>
        </p>
        <button type="button" class="btn btn-primary btn-lg w-full sm:w-auto" data-testid="find-room" disabled={finding} onClick={findRoom}>
          {finding ? 'Finding a room…' : 'Find me a room'}
          {!finding && <ArrowIcon />}
        </button>
        <p class="hint mt-2">We'll put you with people who are working right now.</p>
        <div aria-live="polite">{findError && <p class="field-error mt-2">{findError}</p>}</div>
      </section>

      <section aria-labelledby="rooms-title" class="mb-10">
        <h2 id="rooms-title" class="mb-4 text-xl font-bold">Or pick a room</h2>
        {error && <p role="alert" class="field-error mb-4">{error}</p>}
        {/* Until the list arrives, keep "Create a room" below the fold, so it does not jump down under the reader. */}
        {rooms === null && !error && <p class="min-h-dvh text-muted">Loading rooms…</p>}
        {rooms?.length === 0 && <p class="text-muted">No rooms yet. Create the first one below.</p>}
        {rooms && <RoomGroups rooms={rooms} />}
      </section>

      <CreateRoom />
    </>
  );
}

function RoomGroups({ rooms }: { rooms: Room[] }) {
  return (
    <>
      {CATEGORIES.map((c) => {
        const list = rooms.filter((r) => r.category === c && r.isActive);
        if (!list.length) return null;
        return (
          <section key={c} aria-labelledby={`cat-${c}`} class="mb-6">
            <h3 id={`cat-${c}`} class="mb-2 text-sm font-bold uppercase tracking-wide text-muted">{CATEGORY_LABELS[c]}</h3>
            <ul class="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
              {list.map((r) => <RoomCard key={r.id} room={r} />)}
            </ul>
          </section>
        );
      })}
    </>
  );
}

function RoomCard({ room }: { room: Room }) {
  const full = room.currentCapacity >= room.maxCapacity;
  return (
    <li class="card flex gap-3 p-4" data-testid="room-card" data-room-id={room.id}>
      <div class="min-w-0 flex-1">
        <UserText as="h4" class="font-semibold leading-snug" text={room.name} />
        {room.description && <UserText as="p" class="text-sm text-muted" text={room.description} />}
        <p class="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-sm">
          <span class="inline-flex items-center gap-1.5" data-testid="room-occupancy">
            <PeopleIcon size={16} />
            {room.currentCapacity} of {room.maxCapacity} working
          </span>
          <span class="inline-flex items-center gap-1 text-muted">
            {room.micPolicy === 'open' ? <MicIcon size={16} /> : <MicOffIcon size={16} />}
            {room.micPolicy === 'open' ? 'Mics allowed' : 'Mics off'}
          </span>
        </p>
      </div>
      {full ? (
        <span class="inline-flex min-h-11 shrink-0 items-center gap-1 self-start font-semibold" data-testid="room-full">
          <LockIcon size={16} /> Full
        </span>
      ) : (
        <Link href={`/room/${room.id}`} class="btn shrink-0 self-start" data-testid="join-room">
          Join<span class="sr-only"> <UserText text={room.name} /></span>
        </Link>
      )}
    </li>
  );
}

interface RoomForm {
  name: string;
  description: string;
  category: Category;
  maxCapacity: string;
  micPolicy: MicPolicy;
  unlisted: boolean;
}

const EMPTY: RoomForm = { name: '', description: '', category: 'deep-work', maxCapacity: '8', micPolicy: 'muted', unlisted: false };

function CreateRoom() {
  const [form, setForm] = useState<RoomForm>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof RoomForm>(k: K, v: RoomForm[K]) => setForm((f) => ({ ...f, [k]: v }));

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setFormError(null);
    try {
      const capacity = Number(form.maxCapacity);
      const room = await api.createRoom({
        name: form.name.trim(),
        category: form.category,
        micPolicy: form.micPolicy,
        maxCapacity: form.maxCapacity.trim() === '' || Number.isNaN(capacity) ? 8 : capacity,
        unlisted: form.unlisted,
        ...(form.description.trim() ? { description: form.description.trim() } : {}),
      });
      navigate(`/room/${room.id}`);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.errors.length) {
        const fields = err.fields;
        setErrors(fields);
        const first = ['name', 'description', 'category', 'maxCapacity', 'micPolicy', 'unlisted'].find((f) => fields[f]);
        if (first) document.getElementById(`room-${first}`)?.focus();
        else setFormError(err.message);
      } else {
        setFormError(problemText(err));
      }
    }
  }

  return (
    <section aria-labelledby="create-title">
      <details class="card p-4 sm:p-5">
        <summary class="flex min-h-11 cursor-pointer items-center gap-2 font-semibold" data-testid="create-room-open">
          <PlusIcon /> <span id="create-title">Create a room</span>
        </summary>
        <form class="mt-4 max-w-lg" noValidate onSubmit={submit} data-testid="create-room-form">
          <FormError message={formError} />
          <Field id="room-name" label="Name" error={errors.name}>
            {(a) => <input {...a} class="field" dir="auto" value={form.name} maxLength={100} onInput={(e) => set('name', e.currentTarget.value)} />}
          </Field>
          <Field id="room-description" label="Description (optional)" error={errors.description}>
            {(a) => <textarea {...a} class="field" dir="auto" rows={2} value={form.description} onInput={(e) => set('description', e.currentTarget.value)} />}
          </Field>
          <Field id="room-category" label="Category" error={errors.category}>
            {(a) => (
              <select {...a} class="field" value={form.category} onChange={(e) => set('category', e.currentTarget.value as Category)}>
                {CATEGORIES.map((c) => <option key={c} value={c}>{CATEGORY_LABELS[c]}</option>)}
              </select>
            )}
          </Field>
          <Field id="room-maxCapacity" label="How many people at most" hint="Between 2 and 50. Small rooms feel calmer." error={errors.maxCapacity}>
            {(a) => (
              <input {...a} class="field w-32" type="number" inputMode="numeric" min={2} max={50} value={form.maxCapacity} onInput={(e) => set('maxCapacity', e.currentTarget.value)} />
            )}
          </Field>
          <fieldset class="mb-4" aria-describedby={errors.micPolicy ? 'room-micPolicy-error' : undefined}>
            <legend class="label">Microphones</legend>
            {(['muted', 'open'] as const).map((m) => (
              <label key={m} class="choice">
                <input
                  type="radio"
                  name="micPolicy"
                  id={m === 'muted' ? 'room-micPolicy' : undefined}
                  value={m}
                  checked={form.micPolicy === m}
                  onChange={() => set('micPolicy', m)}
                />
                {m === 'muted' ? 'Everyone stays muted (quietest)' : 'People may turn their mic on'}
              </label>
            ))}
            {errors.micPolicy && <p id="room-micPolicy-error" class="field-error">{errors.micPolicy}</p>}
          </fieldset>
          <label class="choice mb-4">
            <input
              type="checkbox"
              id="room-unlisted"
              checked={form.unlisted}
              onChange={(e) => set('unlisted', e.currentTarget.checked)}
              data-testid="create-room-unlisted"
            />
            Only people with the link can find it
          </label>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="create-room-submit">
            {busy ? 'Creating…' : 'Create and join'}
          </button>
        </form>
      </details>
    </section>
  );
}
