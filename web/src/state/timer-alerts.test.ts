// The two notification settings each change what happens when the room's
// timer ends: sound plays the chime, system shows a notification, and
// neither happens when it is off.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Participant, Room } from '../lib/types';
import { FakeSocket } from '../realtime/fake-socket';

vi.mock('../lib/alerts', () => ({ chime: vi.fn(), notify: vi.fn(async () => {}), primeAudio: vi.fn() }));

const room: Room = {
  id: 'r1', name: 'Deep Work', description: null, category: 'deep-work', maxCapacity: 8,
  currentCapacity: 1, micPolicy: 'muted', isActive: true, createdBy: null, createdAt: '2024-01-01T00:00:00.000Z',
};
const me: Participant = {
  id: 'me', displayName: 'Calm Otter', avatarUrl: null, status: 'working', joinedAt: '2024-01-01T00:00:00.000Z',
  focus: null, media: { camera: false, mic: false, watching: false },
};
const idle = { state: 'idle', type: null, duration: 0, remaining: 0, endsAt: null, by: null, version: 1 };

let m: typeof import('./room');
let user: typeof import('./user');
let alerts: typeof import('../lib/alerts');

beforeAll(async () => {
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'test', pathname: '/room/r1' });
  vi.stubGlobal('history', { pushState: vi.fn(), replaceState: vi.fn() });
  m = await import('./room');
  user = await import('./user');
  alerts = await import('../lib/alerts');
  user.user.value = { id: 'me', displayName: 'Calm Otter', avatarUrl: null, createdAt: '' };
  m.enterRoom('r1');
  const ws = FakeSocket.last();
  ws.open();
  ws.receive('room-joined', { room, participants: [me], timer: idle, serverTime: Date.now() }, ws.lastSent('join-room').ref);
});

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('the end of the timer', () => {
  let version = 1;
  it.each([
    { sound: false, system: false },
    { sound: true, system: false },
    { sound: false, system: true },
    { sound: true, system: true },
  ])('with sound $sound and notifications $system', ({ sound, system }) => {
    vi.mocked(alerts.chime).mockClear();
    vi.mocked(alerts.notify).mockClear();
    user.prefs.value = { ...user.prefs.value, notificationSettings: { sound, system } };
    version += 1;
    FakeSocket.last().receive('timer-completed', { roomId: 'r1', type: 'work', version, serverTime: Date.now() });
    expect(m.lastDone.value).toBe('work');
    expect(alerts.chime).toHaveBeenCalledTimes(sound ? 1 : 0);
    expect(alerts.notify).toHaveBeenCalledTimes(system ? 1 : 0);
  });
});

describe("the end of the room's timer stays quiet", () => {
  let version = 100;
  const completed = () => {
    version += 1;
    FakeSocket.last().receive('timer-completed', { roomId: 'r1', type: 'work', version, serverTime: Date.now() });
  };

  it("in a room with a cycle: its phases turn by themselves", () => {
    user.prefs.value = { ...user.prefs.value, notificationSettings: { sound: true, system: true } };
    const r = m.room.value!;
    m.room.value = { ...r, room: { ...r.room, cycle: { work: 25, break: 5 } } };
    vi.mocked(alerts.chime).mockClear();
    vi.mocked(alerts.notify).mockClear();
    m.lastDone.value = null;
    completed();
    expect(m.lastDone.value).toBeNull(); // the next phase follows at once
    expect(alerts.chime).not.toHaveBeenCalled();
    expect(alerts.notify).not.toHaveBeenCalled();
    m.room.value = { ...m.room.value!, room: { ...m.room.value!.room, cycle: null } };
  });

  it('while a block of my own runs: its own end alerts', () => {
    user.prefs.value = { ...user.prefs.value, notificationSettings: { sound: true, system: true } };
    m.mySession.value = {
      id: 's1', roomId: 'r1', userId: 'me', startedAt: new Date().toISOString(), endedAt: null, durationMinutes: null,
      goals: [], achievements: [], progress: 0, rating: null, shareGoals: false, isCompleted: false, plannedMinutes: 25,
    };
    vi.mocked(alerts.chime).mockClear();
    completed();
    expect(alerts.chime).not.toHaveBeenCalled();
    m.mySession.value = null;
    completed();
    expect(alerts.chime).toHaveBeenCalledTimes(1);
  });
});
