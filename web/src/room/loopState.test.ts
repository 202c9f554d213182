// The loop's signals against a scripted socket: the end of my block chimes
// (unless muted) and notifies (when allowed) once, at the end, never on a
// reload after it; a check-in leads to the break, then "Another block?".
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Participant, Room, Session } from '../lib/types';
import { FakeSocket } from '../realtime/fake-socket';

vi.mock('../lib/alerts', () => ({
  chime: vi.fn(), notify: vi.fn(async () => {}), primeAudio: vi.fn(),
  notificationsSupported: () => false, askNotificationPermission: vi.fn(async () => 'denied'),
}));

const room: Room = {
  id: 'r1', name: 'Desk', description: null, category: 'admin', maxCapacity: 8, currentCapacity: 1, micPolicy: 'muted',
  isActive: true, createdBy: null, createdAt: '2026-01-01T00:00:00.000Z', timerControl: 'owner', cycle: null,
};
const me: Participant = {
  id: 'me', displayName: 'Calm Otter', avatarUrl: null, status: 'working', joinedAt: '2026-01-01T00:00:00.000Z',
  focus: null, media: { camera: false, mic: false, watching: false },
};
const idle = { state: 'idle', type: null, duration: 0, remaining: 0, endsAt: null, by: null, version: 1 };
const MIN = 60_000;

let m: typeof import('../state/room');
let user: typeof import('../state/user');
let alerts: typeof import('../lib/alerts');
let ls: typeof import('./loopState');

function block(id: string, plannedMinutes: number): Session {
  return {
    id, roomId: 'r1', userId: 'me', startedAt: new Date(Date.now()).toISOString(), endedAt: null, durationMinutes: null,
    goals: ['Write'], achievements: [], progress: 0, rating: null, shareGoals: false, isCompleted: false, plannedMinutes,
  };
}

beforeAll(async () => {
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'test', pathname: '/room/r1' });
  vi.stubGlobal('history', { pushState: vi.fn(), replaceState: vi.fn() });
  m = await import('../state/room');
  user = await import('../state/user');
  alerts = await import('../lib/alerts');
  ls = await import('./loopState');
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

describe('the end of my block', () => {
  it('chimes and notifies once, at the end, and the loop goes on to the check-in', () => {
    user.prefs.value = { ...user.prefs.value, notificationSettings: { sound: true, system: true } };
    vi.mocked(alerts.chime).mockClear();
    FakeSocket.last().receive('focus-session-started', { roomId: 'r1', session: block('s1', 5), serverTime: Date.now() });
    vi.advanceTimersByTime(MIN);
    expect(ls.loopPhase.value).toBe('block');
    expect(ls.blockLeft.value).toBe(4 * 60);
    expect(alerts.chime).not.toHaveBeenCalled();
    vi.advanceTimersByTime(4 * MIN);
    expect(ls.loopPhase.value).toBe('done');
    vi.advanceTimersByTime(MIN);
    expect(alerts.chime).toHaveBeenCalledTimes(1);
    expect(alerts.notify).toHaveBeenCalledTimes(1);
  });

  it('goes to a 5-minute break after the check-in, then asks for another block', () => {
    ls.checkedIn();
    FakeSocket.last().receive('focus-session-completed', { roomId: 'r1', session: { ...block('s1', 5), isCompleted: true, endedAt: 'x' }, serverTime: Date.now() });
    expect(ls.loopPhase.value).toBe('break');
    expect(ls.breakLeft.value).toBe(300);
    vi.advanceTimersByTime(5 * MIN);
    expect(ls.loopPhase.value).toBe('again');
  });

  it('stays silent when the chime is muted', () => {
    user.prefs.value = { ...user.prefs.value, notificationSettings: { sound: false, system: false } };
    vi.mocked(alerts.chime).mockClear();
    vi.mocked(alerts.notify).mockClear();
    ls.blockStarted({ type: 'started', goals: ['Write'], share: false, length: 25 });
    FakeSocket.last().receive('focus-session-started', { roomId: 'r1', session: block('s2', 5), serverTime: Date.now() });
    vi.advanceTimersByTime(6 * MIN);
    expect(ls.loopPhase.value).toBe('done');
    expect(alerts.chime).not.toHaveBeenCalled();
    expect(alerts.notify).not.toHaveBeenCalled();
  });

  it('does not chime for a block that was over before this tab saw it (a reload)', () => {
    user.prefs.value = { ...user.prefs.value, notificationSettings: { sound: true, system: false } };
    FakeSocket.last().receive('focus-session-completed', { roomId: 'r1', session: { ...block('s2', 5), isCompleted: true, endedAt: 'x' }, serverTime: Date.now() });
    ls.dispatch({ type: 'skip-break' });
    vi.mocked(alerts.chime).mockClear();
    const old = { ...block('s3', 5), startedAt: new Date(Date.now() - 10 * MIN).toISOString() };
    FakeSocket.last().receive('focus-session-started', { roomId: 'r1', session: old, serverTime: Date.now() });
    vi.advanceTimersByTime(MIN);
    expect(ls.loopPhase.value).toBe('done');
    expect(alerts.chime).not.toHaveBeenCalled();
  });
});

describe("my block's milestones", () => {
  it('are said halfway and a minute before the end', async () => {
    const announce = await import('../state/announce');
    FakeSocket.last().receive('focus-session-completed', { roomId: 'r1', session: { ...block('s3', 5), isCompleted: true, endedAt: 'x' }, serverTime: Date.now() });
    FakeSocket.last().receive('focus-session-started', { roomId: 'r1', session: block('s4', 10), serverTime: Date.now() });
    const said: string[] = [];
    for (let i = 0; i < 10 * 60; i++) {
      vi.advanceTimersByTime(1000);
      if (announce.announcement.value && said.at(-1) !== announce.announcement.value) said.push(announce.announcement.value);
    }
    expect(said).toContain('Halfway through your block.');
    expect(said).toContain('One minute left in your block.');
  });
});
