// Reactions and tile marks against a scripted socket: a cheer shows on the
// tile it was sent to and goes by itself, is announced to the person
// cheered, never shows from someone hidden; rate_limited rests the buttons.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Participant, Room } from '../lib/types';
import { FakeSocket } from '../realtime/fake-socket';

vi.mock('../lib/alerts', () => ({ chime: vi.fn(), notify: vi.fn(async () => {}), primeAudio: vi.fn() }));

const room: Room = {
  id: 'r1', name: 'Deep Work', description: null, category: 'deep-work', maxCapacity: 8,
  currentCapacity: 3, micPolicy: 'muted', isActive: true, createdBy: null, createdAt: '2024-01-01T00:00:00.000Z',
};
const me: Participant = {
  id: 'me', displayName: 'Calm Otter', avatarUrl: null, status: 'working', joinedAt: '2024-01-01T00:00:00.000Z',
  focus: null, media: { camera: false, mic: false, watching: false },
};
const sam: Participant = { ...me, id: 'sam', displayName: 'Sam' };
const kit: Participant = { ...me, id: 'kit', displayName: 'Kit' };
const idle = { state: 'idle', type: null, duration: 0, remaining: 0, endsAt: null, by: null, version: 1 };

let r: typeof import('./reactions');
let ws: FakeSocket;
let announcement: typeof import('./announce').announcement;
let setHidden: typeof import('./hidden').setHidden;

beforeAll(async () => {
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'test', pathname: '/room/r1' });
  vi.stubGlobal('history', { pushState: vi.fn(), replaceState: vi.fn() });
  const user = await import('./user');
  user.user.value = { id: 'me', displayName: 'Calm Otter', avatarUrl: null, createdAt: '' };
  const m = await import('./room');
  r = await import('./reactions');
  announcement = (await import('./announce')).announcement;
  setHidden = (await import('./hidden')).setHidden;
  m.enterRoom('r1');
  ws = FakeSocket.last();
  ws.open();
  ws.receive('room-joined', { room, participants: [me, sam, kit], timer: idle, serverTime: Date.now() }, ws.lastSent('join-room').ref);
});

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('reactions', () => {
  it('shows a cheer on the tile it was sent to, announces it to me, and lets it go', () => {
    ws.receive('reaction', { roomId: 'r1', from: 'sam', to: 'me', reaction: 'clap', serverTime: Date.now() });
    expect(r.reactions.value.map((x) => [x.from, x.to, x.reaction])).toEqual([['sam', 'me', 'clap']]);
    vi.advanceTimersByTime(100);
    expect(announcement.value).toBe('Sam cheered you 👏');
    vi.advanceTimersByTime(4_000);
    expect(r.reactions.value).toEqual([]);
  });

  it("shows cheers between others without announcing them, and ignores another room's", () => {
    announcement.value = '';
    ws.receive('reaction', { roomId: 'r1', from: 'sam', to: 'kit', reaction: 'coffee', serverTime: Date.now() });
    ws.receive('reaction', { roomId: 'r2', from: 'sam', to: 'kit', reaction: 'strong', serverTime: Date.now() });
    vi.advanceTimersByTime(100);
    expect(r.reactions.value.map((x) => x.reaction)).toEqual(['coffee']);
    expect(announcement.value).toBe('');
    vi.advanceTimersByTime(4_000);
  });

  it('never shows a cheer from someone I hid', () => {
    setHidden('sam', true);
    ws.receive('reaction', { roomId: 'r1', from: 'sam', to: 'me', reaction: 'strong', serverTime: Date.now() });
    expect(r.reactions.value).toEqual([]);
    setHidden('sam', false);
  });

  it('sends a cheer, and rests the buttons when the server says rate_limited', async () => {
    const sent = r.sendReaction('kit', 'clap');
    const frame = ws.lastSent('send-reaction');
    expect(frame.data).toEqual({ roomId: 'r1', to: 'kit', reaction: 'clap' });
    ws.receive('error', { code: 'rate_limited', message: 'Slow down.' }, frame.ref);
    await sent;
    expect(r.calmUntil.value).toBeGreaterThan(Date.now());
    // While resting, nothing is sent.
    const count = ws.sent.length;
    await r.sendReaction('kit', 'clap');
    expect(ws.sent.length).toBe(count);
    vi.advanceTimersByTime(5_000);
    expect(r.calmUntil.value).toBe(0);
  });

  it('rests the buttons by itself past a burst of three', async () => {
    vi.advanceTimersByTime(20_000); // a full allowance again
    for (let i = 0; i < 3; i++) {
      const sent = r.sendReaction('kit', 'strong');
      ws.receive('reaction', { roomId: 'r1', from: 'me', to: 'kit', reaction: 'strong', serverTime: Date.now() }, ws.lastSent('send-reaction').ref);
      await sent;
    }
    expect(r.calmUntil.value).toBeGreaterThan(Date.now());
    vi.advanceTimersByTime(5_000);
    expect(r.calmUntil.value).toBe(0);
  });
});

describe('finished', () => {
  it('remembers when someone finished a block', () => {
    const at = Date.now();
    ws.receive('focus-session-completed', {
      roomId: 'r1', serverTime: at,
      session: { id: 's1', roomId: 'r1', userId: 'sam', startedAt: '', endedAt: new Date(at).toISOString(), durationMinutes: 25, goals: [], achievements: [], progress: 100, rating: null, shareGoals: false, isCompleted: true },
    });
    expect(r.finished.value.get('sam')).toBe(at);
  });
});
