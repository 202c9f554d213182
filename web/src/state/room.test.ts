// The room store against a scripted socket: joining, rejoining after a
// drop, the timer's end, leaving, and being signed out.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Participant, Room } from '../lib/types';
import { FakeSocket } from '../realtime/fake-socket';

vi.mock('../lib/alerts', () => ({ chime: vi.fn(), notify: vi.fn(async () => {}), primeAudio: vi.fn() }));

const room: Room = {
  id: 'r1', name: 'Deep Work', description: null, category: 'deep-work', maxCapacity: 8,
  currentCapacity: 2, micPolicy: 'muted', isActive: true, createdBy: null, createdAt: '2024-01-01T00:00:00.000Z',
};
const me: Participant = {
  id: 'me', displayName: 'Calm Otter', avatarUrl: null, status: 'working', joinedAt: '2024-01-01T00:00:00.000Z',
  focus: null, media: { camera: false, mic: false, watching: false },
};
const other: Participant = { ...me, id: 'them', displayName: 'Jolly Yak' };
const idle = { state: 'idle', type: null, duration: 0, remaining: 0, endsAt: null, by: null, version: 1 };

type Mod = typeof import('./room');
let m: Mod;
let user: typeof import('./user');
let alerts: typeof import('../lib/alerts');

beforeAll(async () => {
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'test', pathname: '/room/r1' });
  vi.stubGlobal('history', { pushState: vi.fn(), replaceState: vi.fn() });
  m = await import('./room');
  await import('./session'); // wires sign-out on close code 4401
  user = await import('./user');
  alerts = await import('../lib/alerts');
});

afterAll(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

/** answerJoin replies to the last join-room on the current socket with a snapshot. */
function answerJoin(participants: Participant[], timer: object = idle) {
  const ws = FakeSocket.last();
  const join = ws.lastSent('join-room');
  ws.receive('room-joined', { room, participants, timer, serverTime: Date.now() }, join.ref);
}

describe('room store', () => {
  beforeEach(() => {
    user.user.value = { id: 'me', displayName: 'Calm Otter', avatarUrl: null, createdAt: '' };
  });

  it('joins over the socket and builds the room from the snapshot', async () => {
    m.enterRoom('r1');
    const ws = FakeSocket.last();
    expect(ws.url).toBe('ws://test/ws');
    ws.open();
    expect(ws.lastSent('join-room').data).toEqual({ roomId: 'r1' });
    answerJoin([me, other]);
    expect(m.room.value?.participants.map((p) => p.id)).toEqual(['me', 'them']);
    expect(m.currentRoomId.value).toBe('r1');
  });

  it('rejoins by itself after a drop, without duplicate tiles', () => {
    const first = FakeSocket.last();
    first.drop(1012);
    expect(m.room.value).not.toBeNull(); // the room stays on screen while reconnecting
    vi.advanceTimersByTime(30_000);
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.open();
    expect(second.lastSent('join-room').data).toEqual({ roomId: 'r1' });
    answerJoin([me, other, other]);
    expect(m.room.value?.participants.map((p) => p.id)).toEqual(['me', 'them']);
  });

  it('tries a rejoin again when the server was only busy, and keeps the room', async () => {
    const first = FakeSocket.last();
    first.drop(1012);
    vi.advanceTimersByTime(30_000);
    const ws = FakeSocket.last();
    ws.open();
    const refused = ws.lastSent('join-room');
    ws.receive('error', { code: 'internal', message: 'Something went wrong.', serverTime: Date.now() }, refused.ref);
    await vi.advanceTimersByTimeAsync(10_000); // the longest wait before another try
    const again = ws.lastSent('join-room');
    expect(again.ref).not.toBe(refused.ref);
    expect(again.data).toEqual({ roomId: 'r1' });
    expect(m.joinError.value).toBeNull();
    answerJoin([me, other]);
    expect(m.room.value?.participants.map((p) => p.id)).toEqual(['me', 'them']);
  });

  it('counts the room timer down from endsAt', () => {
    const ws = FakeSocket.last();
    const endsAt = Date.now() + 25 * 60_000;
    ws.receive('timer-started', { roomId: 'r1', state: 'running', type: 'work', duration: 1500, remaining: 1500, endsAt, by: 'them', version: 2, serverTime: Date.now() });
    expect(m.secondsLeft.value).toBe(1500);
    vi.advanceTimersByTime(60_000);
    expect(m.secondsLeft.value).toBe(1440);
  });

  it('chimes once when the timer ends, if sound is on', () => {
    user.prefs.value = { ...user.prefs.value, notificationSettings: { sound: true, system: false } };
    const ws = FakeSocket.last();
    ws.receive('timer-completed', { roomId: 'r1', type: 'work', version: 3, serverTime: Date.now() });
    ws.receive('timer-completed', { roomId: 'r1', type: 'work', version: 3, serverTime: Date.now() });
    expect(alerts.chime).toHaveBeenCalledTimes(1);
    expect(m.lastDone.value).toBe('work');
    expect(m.room.value?.timer.state).toBe('idle');
  });

  it('tracks my own focus session from the room events', () => {
    const ws = FakeSocket.last();
    const s = { id: 's1', roomId: 'r1', userId: 'me', startedAt: '', endedAt: null, durationMinutes: null, goals: ['a'], achievements: [], progress: 0, rating: null, shareGoals: false, isCompleted: false };
    ws.receive('focus-session-started', { roomId: 'r1', session: s, serverTime: Date.now() });
    expect(m.mySession.value?.id).toBe('s1');
    ws.receive('focus-session-completed', { roomId: 'r1', session: { ...s, isCompleted: true, endedAt: 'x' }, serverTime: Date.now() });
    expect(m.mySession.value).toBeNull();
  });

  it('keeps progress set while disconnected and sends it once the room is joined again', async () => {
    const s = { id: 's2', roomId: 'r1', userId: 'me', startedAt: '', endedAt: null, durationMinutes: null, goals: [], achievements: [], progress: 10, rating: null, shareGoals: false, isCompleted: false };
    FakeSocket.last().receive('focus-session-started', { roomId: 'r1', session: s, serverTime: Date.now() });
    const first = FakeSocket.last();
    first.drop(1006);
    m.setProgress(60);
    await vi.advanceTimersByTimeAsync(400);
    expect(first.sent.filter((f) => f.event === 'update-progress')).toHaveLength(0);
    expect(m.notice.value).toMatch(/saved once you're back/);
    expect(m.mySession.value?.progress).toBe(60);
    vi.advanceTimersByTime(30_000);
    FakeSocket.last().open();
    answerJoin([{ ...me, focus: { sessionId: 's2', startedAt: '', progress: 10 } }, other]);
    expect(FakeSocket.last().lastSent('update-progress').data).toEqual({ sessionId: 's2', progress: 60 });
    expect(m.mySession.value?.progress).toBe(60);
    FakeSocket.last().receive('focus-session-completed', { roomId: 'r1', session: { ...s, progress: 60, isCompleted: true, endedAt: 'x' }, serverTime: Date.now() });
  });

  it('keeps a check-in made while disconnected and completes the session once the room is joined again', async () => {
    const s = { id: 's3', roomId: 'r1', userId: 'me', startedAt: '', endedAt: null, durationMinutes: null, goals: ['a'], achievements: [], progress: 0, rating: null, shareGoals: false, isCompleted: false };
    FakeSocket.last().receive('focus-session-started', { roomId: 'r1', session: s, serverTime: Date.now() });
    FakeSocket.last().drop(1006);
    await expect(m.completeFocus(['a'], 4)).resolves.toBeNull();
    expect(m.mySession.value).toBeNull();
    expect(m.notice.value).toMatch(/check-in is kept here/);
    vi.advanceTimersByTime(30_000);
    FakeSocket.last().open();
    answerJoin([{ ...me, focus: { sessionId: 's3', startedAt: '', progress: 0 } }, other]);
    expect(FakeSocket.last().lastSent('complete-session').data).toEqual({ sessionId: 's3', achievements: ['a'], rating: 4 });
    expect(m.mySession.value).toBeNull(); // not picked up again as open
  });

  it('starts a block pressed just as the connection dropped, once the room is joined again', async () => {
    const first = FakeSocket.last();
    const starting = m.startFocus(['Water the plants'], false, 25);
    expect(first.lastSent('start-focus-session').data).toEqual({ roomId: 'r1', goals: ['Water the plants'], shareGoals: false, plannedMinutes: 25 });
    first.drop(1006); // no answer: the request fails with the socket
    await vi.advanceTimersByTimeAsync(0);
    expect(m.notice.value).toMatch(/starts as soon as you're back/);
    await vi.advanceTimersByTimeAsync(10_000); // the longest wait between reconnect tries
    const second = FakeSocket.last();
    expect(second).not.toBe(first);
    second.open();
    answerJoin([me, other]);
    await vi.advanceTimersByTimeAsync(0);
    const retry = second.lastSent('start-focus-session');
    expect(retry.data).toEqual({ roomId: 'r1', goals: ['Water the plants'], shareGoals: false, plannedMinutes: 25 });
    const s = { id: 's4', roomId: 'r1', userId: 'me', startedAt: '', endedAt: null, durationMinutes: null, goals: ['Water the plants'], achievements: [], progress: 0, rating: null, shareGoals: false, isCompleted: false };
    second.receive('focus-session-started', { roomId: 'r1', session: s, serverTime: Date.now() }, retry.ref);
    await expect(starting).resolves.toMatchObject({ id: 's4' });
    expect(m.notice.value).toBeNull();
    second.receive('focus-session-completed', { roomId: 'r1', session: { ...s, isCompleted: true, endedAt: 'x' }, serverTime: Date.now() });
  });

  it('leaves, and does not rejoin on the next reconnect', async () => {
    const ws = FakeSocket.last();
    const leaving = m.leaveRoom();
    const leave = ws.lastSent('leave-room');
    expect(leave.data).toEqual({ roomId: 'r1' });
    ws.receive('room-left', { roomId: 'r1', serverTime: Date.now() }, leave.ref);
    await leaving;
    expect(m.room.value).toBeNull();
    expect(m.currentRoomId.value).toBeNull();
    ws.drop();
    vi.advanceTimersByTime(30_000);
    FakeSocket.last().open();
    expect(FakeSocket.last().sent.filter((f) => f.event === 'join-room')).toHaveLength(0);
  });

  it('says so when taken out of the room without asking (another tab left), and does not rejoin by itself', async () => {
    m.enterRoom('r1');
    answerJoin([me, other]);
    await vi.advanceTimersByTimeAsync(0); // the join settles
    expect(m.leftRoom.value).toBeNull();
    FakeSocket.last().receive('participant-left', { roomId: 'r1', participantId: 'me', serverTime: Date.now() });
    expect(m.room.value).toBeNull();
    expect(m.leftRoom.value).toBe('r1');
    FakeSocket.last().drop(1006);
    vi.advanceTimersByTime(30_000);
    FakeSocket.last().open();
    expect(FakeSocket.last().sent.filter((f) => f.event === 'join-room')).toHaveLength(0);
    m.enterRoom('r1'); // "Go back in"
    expect(m.leftRoom.value).toBeNull();
    expect(FakeSocket.last().lastSent('join-room').data).toEqual({ roomId: 'r1' });
    answerJoin([me, other]);
  });

  it('says clearly when a room is full', async () => {
    m.enterRoom('r2');
    const ws = FakeSocket.last();
    const join = ws.lastSent('join-room');
    ws.receive('error', { code: 'room_full', message: 'room is full', serverTime: Date.now() }, join.ref);
    await vi.waitFor(() => expect(m.joinError.value?.code).toBe('room_full'));
    expect(m.joinError.value?.message).toMatch(/full/);
    expect(m.currentRoomId.value).toBeNull();
  });

  it('signs out on close code 4401 and stops reconnecting', () => {
    m.enterRoom('r1');
    answerJoin([me, other]);
    const count = FakeSocket.all.length;
    FakeSocket.last().drop(4401);
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(count);
    expect(user.user.value).toBeNull();
    expect(m.room.value).toBeNull();
  });
});
