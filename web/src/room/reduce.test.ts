import { describe, expect, it } from 'vitest';
import type { Participant, Room, Session } from '../lib/types';
import { reduce, type RoomState } from './reduce';

const room: Room = {
  id: 'r1', name: 'Deep Work', description: null, category: 'deep-work', maxCapacity: 8,
  currentCapacity: 2, micPolicy: 'muted', isActive: true, createdBy: null, createdAt: '2024-01-01T00:00:00.000Z',
};

function person(id: string, extra: Partial<Participant> = {}): Participant {
  return {
    id, displayName: id.toUpperCase(), avatarUrl: null, status: 'working', joinedAt: `2024-01-01T00:00:0${id.length}.000Z`,
    focus: null, media: { camera: false, mic: false, watching: false }, ...extra,
  };
}

const timer = { state: 'running', type: 'work', duration: 1500, remaining: 1500, endsAt: 10_000, by: 'a', version: 5 };

function joined(participants = [person('a'), person('bb')]): RoomState {
  return reduce(null, 'room-joined', { room, participants, timer, serverTime: 1 })!;
}

function session(extra: Partial<Session> = {}): Session {
  return {
    id: 's1', roomId: 'r1', userId: 'bb', startedAt: '2024-01-01T00:00:00.000Z', endedAt: null, durationMinutes: null,
    goals: ['write'], achievements: [], progress: 0, rating: null, shareGoals: false, isCompleted: false, ...extra,
  };
}

describe('reduce', () => {
  it('builds the room from the room-joined snapshot', () => {
    const s = joined();
    expect(s.room.id).toBe('r1');
    expect(s.participants.map((p) => p.id)).toEqual(['a', 'bb']);
    expect(s.timer).toMatchObject({ state: 'running', endsAt: 10_000, version: 5 });
  });

  it('replaces everything on a new snapshot, so a reconnect leaves no duplicate tiles', () => {
    let s = joined();
    s = reduce(s, 'participant-joined', { roomId: 'r1', participant: person('ccc') })!;
    s = reduce(s, 'room-joined', { room, participants: [person('a'), person('ccc'), person('ccc')], timer })!;
    expect(s.participants.map((p) => p.id)).toEqual(['a', 'ccc']);
  });

  it('adds a participant once, even when told twice', () => {
    let s = joined();
    s = reduce(s, 'participant-joined', { roomId: 'r1', participant: person('ccc') })!;
    s = reduce(s, 'participant-joined', { roomId: 'r1', participant: person('ccc', { status: 'away' }) })!;
    expect(s.participants.filter((p) => p.id === 'ccc')).toHaveLength(1);
    expect(s.participants.find((p) => p.id === 'ccc')?.status).toBe('away');
    expect(s.room.currentCapacity).toBe(3);
  });

  it('shows a new name and avatar (participant-updated), keeping the rest of the tile', () => {
    let s = reduce(joined(), 'presence-updated', { roomId: 'r1', participantId: 'bb', status: 'break' })!;
    const renamed = person('bb', { displayName: 'Robin', avatarUrl: '/api/users/bb/avatar?v=1', status: 'working' });
    s = reduce(s, 'participant-updated', { roomId: 'r1', participant: renamed })!;
    expect(s.participants.find((p) => p.id === 'bb')).toMatchObject({ displayName: 'Robin', avatarUrl: '/api/users/bb/avatar?v=1', status: 'break' });
    expect(s.participants.find((p) => p.id === 'a')?.displayName).toBe('A');
    expect(s.participants.map((p) => p.id)).toEqual(['a', 'bb']);
    expect(reduce(s, 'participant-updated', { roomId: 'other', participant: person('bb') })).toBe(s);
    expect(reduce(s, 'participant-updated', { roomId: 'r1', participant: person('zzz') })).toBe(s);
  });

  it('removes a participant who left', () => {
    const s = reduce(joined(), 'participant-left', { roomId: 'r1', participantId: 'bb' })!;
    expect(s.participants.map((p) => p.id)).toEqual(['a']);
    expect(s.room.currentCapacity).toBe(1);
  });

  it('updates presence', () => {
    const s = reduce(joined(), 'presence-updated', { roomId: 'r1', participantId: 'bb', status: 'break' })!;
    expect(s.participants.find((p) => p.id === 'bb')?.status).toBe('break');
  });

  it('updates what a person shares (media-state)', () => {
    const s = reduce(joined(), 'media-state', { roomId: 'r1', participantId: 'bb', camera: true, mic: false, watching: true })!;
    expect(s.participants.find((p) => p.id === 'bb')?.media).toEqual({ camera: true, mic: false, watching: true });
    expect(s.participants.find((p) => p.id === 'a')?.media).toEqual({ camera: false, mic: false, watching: false });
    expect(reduce(s, 'media-state', { roomId: 'other', participantId: 'bb', camera: false, mic: false, watching: false })).toBe(s);
  });

  it('ignores events about another room', () => {
    const s = joined();
    expect(reduce(s, 'participant-left', { roomId: 'other', participantId: 'bb' })).toBe(s);
    expect(reduce(s, 'timer-updated', { roomId: 'other', ...timer, version: 9 })).toBe(s);
    expect(reduce(s, 'room-left', { roomId: 'other' })).toBe(s);
  });

  it('clears the room when it is left', () => {
    expect(reduce(joined(), 'room-left', { roomId: 'r1' })).toBeNull();
  });

  it('shows focus progress, and goals only when shared', () => {
    let s = reduce(joined(), 'focus-session-started', { roomId: 'r1', session: session() })!;
    expect(s.participants.find((p) => p.id === 'bb')?.focus).toEqual({ sessionId: 's1', startedAt: session().startedAt, progress: 0, plannedMinutes: null });
    // The block's length reaches the tile, so everyone sees the time left in it.
    const planned = reduce(joined(), 'focus-session-started', { roomId: 'r1', session: session({ plannedMinutes: 25 }) })!;
    expect(planned.participants.find((p) => p.id === 'bb')?.focus?.plannedMinutes).toBe(25);
    s = reduce(s, 'focus-session-updated', { roomId: 'r1', session: session({ progress: 60, shareGoals: true }) })!;
    expect(s.participants.find((p) => p.id === 'bb')?.focus).toMatchObject({ progress: 60, goals: ['write'] });
    s = reduce(s, 'focus-session-completed', { roomId: 'r1', session: session({ isCompleted: true, endedAt: '2024-01-01T01:00:00.000Z' }) })!;
    expect(s.participants.find((p) => p.id === 'bb')?.focus).toBeNull();
  });

  it('ends the focus shown when the session ended without completing', () => {
    let s = reduce(joined(), 'focus-session-started', { roomId: 'r1', session: session() })!;
    s = reduce(s, 'focus-session-updated', { roomId: 'r1', session: session({ endedAt: '2024-01-01T01:00:00.000Z' }) })!;
    expect(s.participants.find((p) => p.id === 'bb')?.focus).toBeNull();
  });

  it('applies newer timer events and drops older or repeated ones', () => {
    let s = joined();
    s = reduce(s, 'timer-updated', { roomId: 'r1', ...timer, state: 'paused', remaining: 900, endsAt: null, version: 7 })!;
    expect(s.timer).toMatchObject({ state: 'paused', remaining: 900, version: 7 });
    const stale = reduce(s, 'timer-started', { roomId: 'r1', ...timer, version: 6 });
    expect(stale).toBe(s);
    const repeated = reduce(s, 'timer-updated', { roomId: 'r1', ...timer, version: 7 });
    expect(repeated).toBe(s);
  });

  it('makes the timer idle when it completes, once', () => {
    let s = joined();
    s = reduce(s, 'timer-completed', { roomId: 'r1', type: 'work', version: 6 })!;
    expect(s.timer).toMatchObject({ state: 'idle', type: null, endsAt: null, version: 6 });
    expect(reduce(s, 'timer-completed', { roomId: 'r1', type: 'work', version: 6 })).toBe(s);
  });

  it('does nothing before a room is joined', () => {
    expect(reduce(null, 'participant-joined', { roomId: 'r1', participant: person('a') })).toBeNull();
  });
});
