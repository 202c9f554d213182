import { useEffect, useRef, useState } from 'preact/hooks';
import { Field, FormError } from '../components/Field';
import { ArrowIcon, LockIcon, MicIcon, MicOffIcon, PeopleIcon, PlusIcon, ResetIcon } from '../components/icons';
import { Link } from '../components/Link';
import { UserText } from '../components/UserText';
import { ApiError, NetworkError, api, type NewRoom } from '../lib/api';
import { navigate } from '../lib/router';
import { CATEGORIES, CATEGORY_LABELS, type Category, type MicPolicy, type Room } from '../lib/types';
import { rt } from '../state/realtime';
import { farewell } from '../state/room';
import { useTitle } from '../state/title';
import { user } from '../state/user';
import { listed, mergeRooms, rhythmText, splitByActivity } from './lobby-rooms';
import { failure, failureText, problemText, useRetryUntilAnswered } from './reach';

const POLL_MS = 10_000;

/** LobbyFilter is what the reader narrows the lobby to. */
interface LobbyFilter {
  category: Category | '';
  hideFull: boolean;
}

/**
 * useRooms keeps the room list fresh while the lobby is on screen, busiest
 * rooms first, a page at a time: `more` reads the next page, and every
 * refresh reads again as many pages as are shown. When the server gives no
 * answer it says whether the device is offline or Body Double is away, and
 * tries again by itself until it answers.
 */
function useRooms(filter: LobbyFilter) {
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const pages = useRef(1);
  const more = useRef<() => void>(() => {});
  const retry = useRetryUntilAnswered();
  useEffect(() => {
    let alive = true;
    let retrying = false;
    // Each read is numbered and only the newest one's answer is shown, so a
    // slow refresh never takes back a page that "more" added meanwhile.
    let reads = 0;
    // A new filter starts again from its first page; the old list stays
    // until the new one arrives, so the page does not jump.
    pages.current = 1;
    const fetchRooms = () => {
      const read = ++reads;
      return readPages(filter, pages.current).then(
        (r) => {
          if (alive && read === reads) {
            setRooms(r.rooms);
            setNext(r.next);
            setError(null);
          }
          return true;
        },
        (e) => {
          if (alive && read === reads) setError(failure(e));
          return !(e instanceof NetworkError);
        },
      );
    };
    const load = () => {
      if (document.visibilityState !== 'visible') return;
      void fetchRooms().then((answered) => {
        if (answered || retrying || !alive) return;
        retrying = true;
        retry(async () => {
          const ok = await fetchRooms();
          if (ok) retrying = false;
          return ok;
        });
      });
    };
    more.current = () => {
      pages.current += 1;
      setLoadingMore(true);
      void fetchRooms().then(() => {
        if (alive) setLoadingMore(false);
      });
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
  }, [filter.category, filter.hideFull]);
  return { rooms, error, next, loadingMore, more: () => more.current() };
}

/** readPages reads the first `count` pages of the lobby, and the cursor after them (null at the end). */
async function readPages(filter: LobbyFilter, count: number): Promise<{ rooms: Room[]; next: string | null }> {
  let rooms: Room[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < count; i++) {
    const page = await api.rooms({ ...filter, cursor });
    rooms = mergeRooms(rooms, page.rooms);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  return { rooms, next: cursor };
}

export function Lobby() {
  useTitle('Lobby');
  const [filter, setFilter] = useState<LobbyFilter>({ category: '', hideFull: false });
  const { rooms, error, next, loadingMore, more } = useRooms(filter);
  const shown = rooms && listed(rooms, user.value?.id);
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
        <RoomFilter filter={filter} onChange={setFilter} />
        <div role="status" aria-live="polite">
          {error && (
            <p class="card mb-4 flex items-center gap-2 border-l-4 border-l-accent px-4 py-3 text-sm" data-testid="lobby-problem">
              <ResetIcon size={18} /> {failureText(error)}
            </p>
          )}
        </div>
        {/* Until the list arrives, keep "Create a room" below the fold, so it does not jump down under the reader. */}
        {rooms === null && !error && <p class="min-h-dvh text-muted">Loading rooms…</p>}
        {shown?.length === 0 && <p class="text-muted">No rooms open yet. Start one below and others can join you.</p>}
        {shown && shown.length > 0 && <RoomGroups rooms={shown} />}
        {rooms !== null && next && (
          <button type="button" class="btn w-full sm:w-auto" data-testid="rooms-more" disabled={loadingMore} onClick={more}>
            {loadingMore ? 'Loading more rooms…' : 'Show more rooms'}
          </button>
        )}
      </section>

      <CreateRoom />
    </>
  );
}

/** RoomFilter narrows the lobby to one category and can leave out full rooms. */
function RoomFilter({ filter, onChange }: { filter: LobbyFilter; onChange: (f: LobbyFilter) => void }) {
  return (
    <div class="mb-4 flex flex-wrap items-end gap-x-6 gap-y-2">
      <div>
        <label for="lobby-category" class="label">Category</label>
        <select
          id="lobby-category"
          class="field"
          value={filter.category}
          data-testid="lobby-category"
          onChange={(e) => onChange({ ...filter, category: e.currentTarget.value as Category | '' })}
        >
          <option value="">All categories</option>
          {CATEGORIES.map((c) => <option key={c} value={c}>{CATEGORY_LABELS[c]}</option>)}
        </select>
      </div>
      <label class="choice">
        <input type="checkbox" checked={filter.hideFull} data-testid="lobby-hide-full" onChange={(e) => onChange({ ...filter, hideFull: e.currentTarget.checked })} />
        Hide full rooms
      </label>
    </div>
  );
}

/** useNow is the server's time, fresh every 15 s (enough for "n min left"). */
function useNow(): number {
  const [now, setNow] = useState(() => rt.clock.now());
  useEffect(() => {
    const id = setInterval(() => setNow(rt.clock.now()), 15_000);
    return () => clearInterval(id);
  }, []);
  return now;
}

/** RoomGroups puts the rooms where people are working now first, then the quiet ones by category. */
function RoomGroups({ rooms }: { rooms: Room[] }) {
  const now = useNow();
  const { busy, quiet } = splitByActivity(rooms);
  const working = busy.reduce((n, r) => n + r.currentCapacity, 0);
  return (
    <>
      {busy.length > 0 && (
        <section aria-labelledby="busy-title" class="mb-6" data-testid="rooms-busy">
          <h3 id="busy-title" class="mb-2 text-sm font-bold uppercase tracking-wide text-muted">Working now</h3>
          <p class="mb-2 text-sm text-muted">
            {working} {working === 1 ? 'person is' : 'people are'} working in {busy.length} {busy.length === 1 ? 'room' : 'rooms'}.
          </p>
          <ul class="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
            {busy.map((r) => <RoomCard key={r.id} room={r} now={now} showCategory />)}
          </ul>
        </section>
      )}
      {CATEGORIES.map((c) => {
        const list = quiet.filter((r) => r.category === c);
        if (!list.length) return null;
        return (
          <section key={c} aria-labelledby={`cat-${c}`} class="mb-6">
            <h3 id={`cat-${c}`} class="mb-2 text-sm font-bold uppercase tracking-wide text-muted">{CATEGORY_LABELS[c]}</h3>
            <ul class="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
              {list.map((r) => <RoomCard key={r.id} room={r} now={now} />)}
            </ul>
          </section>
        );
      })}
    </>
  );
}

function RoomCard({ room, now, showCategory = false }: { room: Room; now: number; showCategory?: boolean }) {
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
          {showCategory && <span class="text-muted">{CATEGORY_LABELS[room.category]}</span>}
          <span class="inline-flex items-center gap-1 text-muted">
            {room.micPolicy === 'open' ? <MicIcon size={16} /> : <MicOffIcon size={16} />}
            {room.micPolicy === 'open' ? 'Mics allowed' : 'Mics off'}
          </span>
        </p>
        {room.cycle && (
          <p class="mt-1 text-sm text-muted" data-testid="room-rhythm">
            {room.cycle.work}/{room.cycle.break} rhythm · <span data-testid="room-next-block">{rhythmText(room.cycle, now)}</span>
          </p>
        )}
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

/** Rhythm is the create form's one choice about time: a cycle the room keeps, or who controls its timer. */
type Rhythm = 'cycle-25' | 'cycle-50' | 'owner' | 'anyone';

const RHYTHMS: Array<{ value: Rhythm; label: string }> = [
  { value: 'owner', label: 'Only I control the timer' },
  { value: 'anyone', label: 'Anyone can control the timer' },
  { value: 'cycle-25', label: 'Keep a rhythm: 25 minutes of focus, 5 of break' },
  { value: 'cycle-50', label: 'Keep a rhythm: 50 minutes of focus, 10 of break' },
];

/** rhythmFields is what the API takes for a rhythm choice. */
function rhythmFields(r: Rhythm): Pick<NewRoom, 'timerControl' | 'cycle'> {
  if (r === 'cycle-25') return { timerControl: 'owner', cycle: { work: 25, break: 5 } };
  if (r === 'cycle-50') return { timerControl: 'owner', cycle: { work: 50, break: 10 } };
  return { timerControl: r, cycle: null };
}

interface RoomForm {
  name: string;
  description: string;
  category: Category;
  maxCapacity: string;
  micPolicy: MicPolicy;
  unlisted: boolean;
  rhythm: Rhythm;
}

const EMPTY: RoomForm = { name: '', description: '', category: 'deep-work', maxCapacity: '8', micPolicy: 'muted', unlisted: false, rhythm: 'owner' };
/** The input to focus for a refused field that has no input of its own id. */
const FIELD_IDS: Record<string, string> = { timerControl: 'room-rhythm', cycle: 'room-rhythm', visibility: 'room-unlisted' };
const FIELDS = ['name', 'description', 'category', 'maxCapacity', 'micPolicy', 'timerControl', 'cycle', 'visibility'];

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
        visibility: form.unlisted ? 'unlisted' : 'public',
        ...rhythmFields(form.rhythm),
        ...(form.description.trim() ? { description: form.description.trim() } : {}),
      });
      navigate(`/room/${room.id}`);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.errors.length) {
        const fields = err.fields;
        setErrors(fields);
        const first = FIELDS.find((f) => fields[f]);
        if (first) document.getElementById(FIELD_IDS[first] ?? `room-${first}`)?.focus();
        if (!first || first === 'timerControl' || first === 'cycle' || first === 'visibility') setFormError(err.message);
      } else {
        setFormError(failureText(failure(err)));
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
          <fieldset class="mb-4">
            <legend class="label">The timer</legend>
            {RHYTHMS.map((r, i) => (
              <label key={r.value} class="choice">
                <input
                  type="radio"
                  name="rhythm"
                  id={i === 0 ? 'room-rhythm' : undefined}
                  value={r.value}
                  checked={form.rhythm === r.value}
                  onChange={() => set('rhythm', r.value)}
                  data-testid={`create-room-rhythm-${r.value}`}
                />
                {r.label}
              </label>
            ))}
            <p class="hint">A room with a rhythm runs its own timer, the same for everyone who joins.</p>
          </fieldset>
          <button type="submit" class="btn btn-primary" disabled={busy} data-testid="create-room-submit">
            {busy ? 'Creating…' : 'Create and join'}
          </button>
        </form>
      </details>
    </section>
  );
}
