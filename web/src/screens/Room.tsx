import { useEffect, useState } from 'preact/hooks';
import { LeaveIcon } from '../components/icons';
import { Link } from '../components/Link';
import { UserText } from '../components/UserText';
import { InviteLink } from '../room/InviteLink';
import { api } from '../lib/api';
import { navigate } from '../lib/router';
import { CATEGORY_LABELS, type Participant } from '../lib/types';
import { MediaControls } from '../media/MediaControls';
import { FocusPanel } from '../room/FocusPanel';
import { LeaveDialog } from '../room/LeaveDialog';
import { dispatch, loopPhase } from '../room/loopState';
import { StatusSwitch } from '../room/StatusSwitch';
import { Tile } from '../room/Tile';
import { timerRule } from '../room/loop';
import { TimerChoices, TimerPanel } from '../room/TimerPanel';
import { hidden } from '../state/hidden';
import { enterRoom, joinError, leaveAsked, leaveRoom, leftRoom, mySession, notice, room } from '../state/room';
import { useTitle } from '../state/title';
import { user } from '../state/user';

/** byJoin puts me first, then everyone in the order they arrived. */
function byJoin(meId: string) {
  return (a: Participant, b: Participant) =>
    Number(b.id === meId) - Number(a.id === meId) || a.joinedAt.localeCompare(b.joinedAt) || a.id.localeCompare(b.id);
}

export function RoomScreen({ id }: { id: string }) {
  useEffect(() => enterRoom(id), [id]);
  const r = room.value?.room.id === id ? room.value : null;
  const err = joinError.value?.roomId === id ? joinError.value : null;
  const name = r?.room.name ?? 'Room';
  // The end of a block shows in the tab title too, for a person in another tab.
  useTitle(r && loopPhase.value === 'done' ? `Block done · ${name}` : name);

  if (err) return <RoomError code={err.code} message={err.message} />;
  if (!r && leftRoom.value === id) return <RoomLeft id={id} />;
  if (!r) {
    return (
      <>
        <h1 tabIndex={-1} class="mb-2 text-2xl font-bold">Joining the room…</h1>
        <p class="text-muted">{notice.value ?? 'Just a moment.'}</p>
      </>
    );
  }

  const me = user.value!;
  const mine = r.participants.find((p) => p.id === me.id);
  const people = [...r.participants].sort(byJoin(me.id));
  const others = people.length - (mine ? 1 : 0);

  function leave() {
    void leaveRoom(); // forgets the room at once; telling the server finishes in the background (which ends an open session)
    navigate('/lobby');
  }

  // An open session: ask first whether to check in before leaving.
  function askLeave() {
    if (mySession.value) leaveAsked.value = true;
    else leave();
  }

  function checkInThenLeave() {
    leaveAsked.value = false;
    dispatch({ type: 'check-in', leaveAfter: true });
    requestAnimationFrame(() => {
      const title = document.getElementById('checkin-title');
      title?.scrollIntoView({ block: 'center' });
      title?.focus();
    });
  }

  return (
    <>
      <div class="mb-3 flex items-start justify-between gap-3 sm:mb-4">
        <div class="min-w-0">
          <UserText as="h1" tabIndex={-1} class="text-xl font-bold leading-tight max-sm:line-clamp-3 sm:text-2xl" data-testid="room-title" text={r.room.name} />
          <p class="text-sm text-muted">
            {CATEGORY_LABELS[r.room.category]} · {people.length} of {r.room.maxCapacity} here
            {r.room.micPolicy === 'muted' ? ' · mics off' : ''}
          </p>
          <InviteLink roomId={r.room.id} unlisted={r.room.visibility === 'unlisted'} />
        </div>
        <button type="button" class="btn shrink-0 px-3 sm:px-4" data-testid="leave-room" onClick={askLeave}>
          <LeaveIcon size={18} /> Leave
        </button>
      </div>

      <LeaveDialog open={leaveAsked.value && !!mySession.value} onClose={() => (leaveAsked.value = false)} onCheckIn={checkInThenLeave} onEnd={leave} />

      {notice.value && (
        <p role="status" class="card mb-3 border-l-4 border-l-accent px-4 py-3 text-sm" data-testid="room-notice">{notice.value}</p>
      )}

      <TimerPanel room={r.room} timer={r.timer} participants={r.participants} meId={me.id} />

      {/* On a phone my own status and focus come right after the timer, on the
          first screen, and the other timers after them; on a wide screen my
          status and focus form the side column. */}
      <div class="grid gap-4 lg:grid-cols-[minmax(0,1fr)_22rem] lg:grid-rows-[auto_auto_1fr] lg:gap-x-6">
        <div class="flex min-w-0 flex-col gap-4 lg:col-start-2 lg:row-span-2 lg:row-start-1">
          {mine && (
            <section aria-label="My status" class="card p-3 sm:p-5">
              <StatusSwitch status={mine.status} />
            </section>
          )}
          <FocusPanel />
        </div>
        <div class="min-w-0 lg:col-start-1 lg:row-start-1">
          {timerRule(r.room, me.id) === 'control' && <TimerChoices running={r.timer.state !== 'idle'} />}
        </div>
        <section aria-labelledby="people-title" class="mt-2 min-w-0 lg:col-start-1 lg:row-span-2 lg:row-start-2 lg:mt-0">
          <h2 id="people-title" class="mb-3 text-lg font-bold">
            {others === 0 ? "You're the first one here" : `Working alongside ${others} ${others === 1 ? 'person' : 'people'}`}
          </h2>
          {others === 0 && <p class="mb-3 text-sm text-muted" data-testid="room-alone">People usually drop in within a few minutes. Start whenever you're ready, or bring a friend with the invite link above.</p>}
          <ul class="grid items-start gap-3 sm:grid-cols-2" data-testid="participants">
            {people.map((p) => (
              <Tile key={p.id} p={p} isMe={p.id === me.id} hidden={p.id !== me.id && hidden.value.has(p.id)} />
            ))}
          </ul>
        </section>
        <div class="min-w-0 lg:col-start-2 lg:row-start-3 lg:self-start">
          <MediaControls room={r.room} />
        </div>
      </div>
    </>
  );
}

/** RoomLeft: this tab is no longer in the room (left in another tab, or the seat was lost); nothing rejoins by itself. */
function RoomLeft({ id }: { id: string }) {
  return (
    <div data-testid="room-left">
      <h1 tabIndex={-1} class="mb-2 text-2xl font-bold">You're no longer in this room</h1>
      <p class="mb-6">You may have left it in another tab.</p>
      <div class="flex flex-wrap gap-2">
        <button type="button" class="btn btn-primary" data-testid="rejoin-room" onClick={() => enterRoom(id)}>Go back in</button>
        <Link href="/lobby" class="btn">Back to the lobby</Link>
      </div>
    </div>
  );
}

function RoomError({ code, message }: { code: string; message: string }) {
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  async function another() {
    setBusy(true);
    try {
      const r = await api.quickJoin();
      navigate(`/room/${r.id}`);
    } catch {
      setFailed(true);
      setBusy(false);
    }
  }
  return (
    <div data-testid="room-error" data-code={code}>
      <h1 tabIndex={-1} class="mb-2 text-2xl font-bold">{code === 'room_full' ? 'This room is full' : "Can't join this room"}</h1>
      <p role="alert" class="mb-6">{message}</p>
      <div class="flex flex-wrap gap-2">
        <button type="button" class="btn btn-primary" disabled={busy} onClick={another} data-testid="find-room">
          {busy ? 'Finding a room…' : 'Find me another room'}
        </button>
        <Link href="/lobby" class="btn">Back to the lobby</Link>
      </div>
      {failed && <p class="field-error mt-3">That didn't work. Please try again from the lobby.</p>}
    </div>
  );
}
