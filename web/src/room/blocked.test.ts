// Blocked people: the server's `blocked: true` mark survives every event
// that carries a participant, unblocking clears it, and the report sheet's
// rules hold.
import { describe, expect, it } from 'vitest';
import type { Participant, Room } from '../lib/types';
import { blockedIn, outcomeText } from '../state/blocks';
import { reduce, type RoomState } from './reduce';
import { NOTE_MAX, REASONS, cleanNote, noteProblem } from './report';

const room: Room = {
  id: 'r1', name: 'Deep Work', description: null, category: 'deep-work', maxCapacity: 8,
  currentCapacity: 2, micPolicy: 'muted', isActive: true, createdBy: null, createdAt: '2024-01-01T00:00:00.000Z',
};

function person(id: string, extra: Partial<Participant> = {}): Participant {
  return {
    id, displayName: id.toUpperCase(), avatarUrl: null, status: 'working', joinedAt: '2024-01-01T00:00:00.000Z',
    focus: null, media: { camera: false, mic: false, watching: false }, ...extra,
  };
}

function joined(participants: Participant[]): RoomState {
  return reduce(null, 'room-joined', { room, participants })!;
}

const blockedOf = (s: RoomState | null) => [...blockedIn(s?.participants ?? [], new Set())];

describe('blocked participants', () => {
  it('are marked from the snapshot', () => {
    expect(blockedOf(joined([person('me'), person('ben', { blocked: true })]))).toEqual(['ben']);
  });

  it('are marked when they join', () => {
    const s = reduce(joined([person('me')]), 'participant-joined', { roomId: 'r1', participant: person('ben', { blocked: true }) });
    expect(blockedOf(s)).toEqual(['ben']);
  });

  it('follow participant-updated both ways: a block, then an unblock (the mark absent)', () => {
    let s = joined([person('me'), person('ben')]);
    s = reduce(s, 'participant-updated', { roomId: 'r1', participant: person('ben', { blocked: true }) })!;
    expect(blockedOf(s)).toEqual(['ben']);
    s = reduce(s, 'participant-updated', { roomId: 'r1', participant: person('ben', { displayName: 'New Name' }) })!;
    expect(blockedOf(s)).toEqual([]);
    expect(s.participants[1]!.displayName).toBe('New Name');
  });

  it('keeps a rename of a blocked person blocked', () => {
    let s = joined([person('me'), person('ben', { blocked: true })]);
    s = reduce(s, 'participant-updated', { roomId: 'r1', participant: person('ben', { displayName: 'Other', blocked: true }) })!;
    expect(blockedOf(s)).toEqual(['ben']);
  });

  it('include people blocked from this tab before the server says so', () => {
    expect([...blockedIn([person('ben')], new Set(['ben', 'cy']))].sort()).toEqual(['ben', 'cy']);
  });
});

describe('the report sheet', () => {
  it('offers the seven reasons the server takes', () => {
    expect(REASONS.map((r) => r.value)).toEqual(['harassment', 'sexual', 'hate', 'spam', 'self-harm', 'impersonation', 'other']);
  });

  it('counts the note in characters, not UTF-16 units', () => {
    expect(noteProblem('😀'.repeat(NOTE_MAX))).toBeNull();
    expect(noteProblem('a'.repeat(NOTE_MAX + 1))).toContain('500');
  });

  it('sends no empty note', () => {
    expect(cleanNote('  \n ')).toBeUndefined();
    expect(cleanNote(' said cruel things \n')).toBe('said cruel things');
  });

  it('says plainly what happens next', () => {
    expect(outcomeText(true)).toBe("They're hidden from you now and can't reach you. A moderator will look at your report.");
    expect(outcomeText(false)).toContain('Settings');
  });
});
