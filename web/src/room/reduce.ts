// reduce applies one server event to the room the tab is in. It is pure: the
// side effects (announcements, the chime) live in state/room.ts.
//
// room-joined is a full snapshot and replaces everything, so a reconnect
// cannot leave duplicate tiles; timer events older than (or as old as) the
// timer we hold are dropped, whatever order they arrive in.
import type { Data } from '../realtime/client';
import type { Focus, Participant, ParticipantUpdated, Room, Session, Timer } from '../lib/types';

export interface RoomState {
  room: Room;
  participants: Participant[];
  timer: Timer;
}

const IDLE_TIMER: Timer = {
  state: 'idle', type: null, duration: 0, remaining: 0, endsAt: null, by: null, version: 0,
};

function toTimer(d: Data): Timer {
  return {
    state: d.state === 'running' || d.state === 'paused' ? d.state : 'idle',
    type: d.type === 'work' || d.type === 'break' ? d.type : null,
    duration: Number(d.duration) || 0,
    remaining: Number(d.remaining) || 0,
    endsAt: typeof d.endsAt === 'number' ? d.endsAt : null,
    by: typeof d.by === 'string' ? d.by : null,
    version: Number(d.version) || 0,
  };
}

function uniqueById(list: Participant[]): Participant[] {
  const byId = new Map<string, Participant>();
  for (const p of list) byId.set(p.id, p);
  return [...byId.values()];
}

/** focusOf is how a session shows on its owner's tile (null once it ended). */
function focusOf(s: Session): Focus | null {
  if (s.endedAt || s.isCompleted) return null;
  const focus: Focus = { sessionId: s.id, startedAt: s.startedAt, progress: s.progress, plannedMinutes: s.plannedMinutes ?? null };
  if (s.shareGoals && s.goals?.length) focus.goals = s.goals;
  return focus;
}

function withParticipants(state: RoomState, participants: Participant[]): RoomState {
  return { ...state, participants, room: { ...state.room, currentCapacity: participants.length } };
}

function updateParticipant(state: RoomState, id: string, change: (p: Participant) => Participant): RoomState {
  if (!state.participants.some((p) => p.id === id)) return state;
  return { ...state, participants: state.participants.map((p) => (p.id === id ? change(p) : p)) };
}

export function reduce(state: RoomState | null, event: string, data: Data): RoomState | null {
  if (event === 'room-joined') {
    return {
      room: data.room as Room,
      participants: uniqueById((data.participants ?? []) as Participant[]),
      timer: data.timer ? toTimer(data.timer) : IDLE_TIMER,
    };
  }
  if (!state) return state;
  const roomId = data.roomId ?? (data.session as Session | undefined)?.roomId;
  if (roomId !== state.room.id) return state;

  switch (event) {
    case 'room-left':
      return null;
    case 'participant-joined': {
      const p = data.participant as Participant;
      return withParticipants(state, [...state.participants.filter((x) => x.id !== p.id), p]);
    }
    case 'participant-updated': {
      // Only the profile (or my block of them) changed; what this tab knows
      // of the rest (status, focus, media) may be newer than the server's copy.
      const { participant: p } = data as ParticipantUpdated;
      return updateParticipant(state, p.id, (x) => ({ ...x, displayName: p.displayName, avatarUrl: p.avatarUrl, blocked: p.blocked === true }));
    }
    case 'participant-left':
      return withParticipants(state, state.participants.filter((x) => x.id !== data.participantId));
    case 'presence-updated':
      return updateParticipant(state, data.participantId, (p) => ({ ...p, status: data.status }));
    case 'media-state':
      return updateParticipant(state, data.participantId, (p) => ({
        ...p,
        media: { camera: data.camera === true, mic: data.mic === true, watching: data.watching === true },
      }));
    case 'focus-session-started':
    case 'focus-session-updated':
    case 'focus-session-completed': {
      const s = data.session as Session;
      return updateParticipant(state, s.userId, (p) => ({ ...p, focus: focusOf(s) }));
    }
    case 'timer-started':
    case 'timer-updated': {
      const t = toTimer(data);
      return t.version > state.timer.version ? { ...state, timer: t } : state;
    }
    case 'timer-completed': {
      const version = Number(data.version) || 0;
      if (version <= state.timer.version) return state;
      return { ...state, timer: { ...state.timer, state: 'idle', type: null, remaining: 0, endsAt: null, version } };
    }
    default:
      return state;
  }
}
