// The media store against a scripted socket, with the WebRTC engine mocked:
// what is sent when, what a refusal does, and what turns everything off.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Participant, Room } from '../lib/types';
import { FakeSocket } from '../realtime/fake-socket';

vi.mock('../lib/alerts', () => ({ chime: vi.fn(), notify: vi.fn(async () => {}), primeAudio: vi.fn() }));

const engine = {
  prepare: vi.fn(async () => {}),
  startCamera: vi.fn(async () => {}),
  stopCamera: vi.fn(),
  startMic: vi.fn(async () => {}),
  stopMic: vi.fn(),
  shutdown: vi.fn(),
  handleSignal: vi.fn(),
  sendFailed: vi.fn(),
};
vi.mock('./engine', () => engine);

const room: Room = {
  id: 'r1', name: 'Deep Work', description: null, category: 'deep-work', maxCapacity: 8,
  currentCapacity: 2, micPolicy: 'muted', isActive: true, createdBy: 'me', createdAt: '2024-01-01T00:00:00.000Z',
};
const off = { camera: false, mic: false, watching: false };
const me: Participant = {
  id: 'me', displayName: 'Calm Otter', avatarUrl: null, status: 'working', joinedAt: '2024-01-01T00:00:00.000Z',
  focus: null, media: off,
};
const other: Participant = { ...me, id: 'them', displayName: 'Jolly Yak' };
const idle = { state: 'idle', type: null, duration: 0, remaining: 0, endsAt: null, by: null, version: 1 };

let rooms: typeof import('../state/room');
let media: typeof import('./state');
let router: typeof import('../lib/router');

beforeAll(async () => {
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: 'test', pathname: '/room/r1' });
  vi.stubGlobal('history', { pushState: vi.fn(), replaceState: vi.fn() });
  rooms = await import('../state/room');
  media = await import('./state');
  router = await import('../lib/router');
  const user = await import('../state/user');
  user.user.value = { id: 'me', displayName: 'Calm Otter', avatarUrl: null, createdAt: '' };
});

afterAll(() => vi.unstubAllGlobals());

function join(r: Room = room, participants = [me, other]) {
  rooms.enterRoom(r.id);
  const ws = FakeSocket.last();
  if (rooms.room.value === null && ws.sent.length === 0) ws.open();
  const j = ws.lastSent('join-room');
  ws.receive('room-joined', { room: r, participants, timer: idle, serverTime: Date.now() }, j.ref);
  return ws;
}

/** answer replies to the last media-state as the server does: the broadcast, with the ref. */
function answer(ws: FakeSocket) {
  const f = ws.lastSent('media-state');
  ws.receive('media-state', { ...f.data, participantId: 'me', serverTime: Date.now() }, f.ref);
  return f.data;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('media store', () => {
  beforeEach(() => {
    for (const f of Object.values(engine)) f.mockClear();
  });

  it('starts with everything off and sends nothing on joining', () => {
    const ws = join();
    expect(media.myMedia.value).toEqual(off);
    expect(ws.sent.some((f) => f.event === 'media-state')).toBe(false);
  });

  it('asks for the camera on the click, then tells the room', async () => {
    const ws = FakeSocket.last();
    const turning = media.setCamera(true);
    expect(media.busy.value).toBe('camera');
    await vi.waitFor(() => expect(ws.sent.some((f) => f.event === 'media-state')).toBe(true));
    expect(engine.prepare).toHaveBeenCalled();
    expect(engine.startCamera).toHaveBeenCalled();
    expect(answer(ws)).toEqual({ roomId: 'r1', camera: true, mic: false, watching: false });
    await turning;
    expect(media.myMedia.value).toEqual({ camera: true, mic: false, watching: false });
    expect(media.busy.value).toBeNull();
  });

  it('turns the camera off at once, before the server answers', async () => {
    const ws = FakeSocket.last();
    const turning = media.setCamera(false);
    expect(engine.stopCamera).toHaveBeenCalled();
    expect(media.myMedia.value.camera).toBe(false);
    expect(answer(ws)).toEqual({ roomId: 'r1', camera: false, mic: false, watching: false });
    await turning;
  });

  it('says why when the room already has 8 cameras, and leaves the camera off', async () => {
    const ws = FakeSocket.last();
    const turning = media.setCamera(true);
    await vi.waitFor(() => expect(engine.startCamera).toHaveBeenCalled());
    await flush();
    const f = ws.lastSent('media-state');
    ws.receive('error', { code: 'forbidden', message: 'This room already has 8 cameras on.', serverTime: Date.now() }, f.ref);
    await turning;
    expect(media.mediaNotice.value).toBe('This room already has 8 cameras on.');
    expect(engine.stopCamera).toHaveBeenCalled();
    expect(media.myMedia.value.camera).toBe(false);
  });

  it('explains a blocked camera and tells the room nothing', async () => {
    const ws = FakeSocket.last();
    const before = ws.sent.length;
    engine.startCamera.mockRejectedValueOnce(Object.assign(new Error('no'), { name: 'NotAllowedError' }));
    await media.setCamera(true);
    expect(media.mediaNotice.value).toMatch(/blocked/);
    expect(ws.sent.length).toBe(before);
  });

  it('does not offer the mic in a muted room', async () => {
    const ws = FakeSocket.last();
    const before = ws.sent.length;
    await media.setMic(true);
    expect(engine.startMic).not.toHaveBeenCalled();
    expect(ws.sent.length).toBe(before);
  });

  it('hands signalling to the engine', () => {
    const ws = FakeSocket.last();
    ws.receive('rtc-offer', { roomId: 'r1', from: 'them', sdp: 'v=0', serverTime: Date.now() });
    expect(engine.handleSignal).toHaveBeenCalledWith('rtc-offer', expect.objectContaining({ from: 'them', sdp: 'v=0' }));
  });

  it('on a lost socket turns the camera off, keeps watching, and says so on the next join', async () => {
    let ws = FakeSocket.last();
    const watching = media.setWatching(true);
    await vi.waitFor(() => expect(ws.lastSent('media-state').data).toMatchObject({ watching: true }));
    answer(ws);
    await watching;
    const camera = media.setCamera(true);
    await vi.waitFor(() => expect(ws.lastSent('media-state').data).toMatchObject({ camera: true }));
    answer(ws);
    await camera;
    expect(media.myMedia.value).toEqual({ camera: true, mic: false, watching: true });

    vi.useFakeTimers();
    try {
      ws.drop(1006);
      expect(engine.shutdown).toHaveBeenCalled();
      expect(media.myMedia.value).toEqual({ camera: false, mic: false, watching: true });
      expect(media.mediaNotice.value).toMatch(/camera turned off/);
      vi.advanceTimersByTime(30_000);
    } finally {
      vi.useRealTimers();
    }
    ws = FakeSocket.last();
    ws.open();
    const j = ws.lastSent('join-room');
    ws.receive('room-joined', { room, participants: [me, other], timer: idle, serverTime: Date.now() }, j.ref);
    expect(ws.lastSent('media-state').data).toEqual({ roomId: 'r1', camera: false, mic: false, watching: true });
    answer(ws);
  });

  it('stands down when another tab of mine takes over media', () => {
    const ws = FakeSocket.last();
    ws.receive('media-state', { roomId: 'r1', participantId: 'me', camera: true, mic: false, watching: false, serverTime: Date.now() });
    expect(engine.shutdown).toHaveBeenCalled();
    expect(media.myMedia.value).toEqual(off);
    expect(media.mediaNotice.value).toMatch(/other Body Double tab/);
  });

  it('removes someone (creator only in the UI) with remove-participant', async () => {
    const ws = FakeSocket.last();
    const removing = media.removeParticipant('them');
    const f = ws.lastSent('remove-participant');
    expect(f.data).toEqual({ roomId: 'r1', participantId: 'them' });
    ws.receive('participant-left', { roomId: 'r1', participantId: 'them', reason: 'removed', serverTime: Date.now() }, f.ref);
    expect(await removing).toBe(true);
    expect(rooms.room.value?.participants.map((p) => p.id)).toEqual(['me']);
  });

  it('turns everything off on leaving the room', async () => {
    const ws = FakeSocket.last();
    const before = ws.sent.length;
    const watching = media.setWatching(true);
    await vi.waitFor(() => expect(ws.sent.length).toBe(before + 1));
    expect(answer(ws)).toMatchObject({ watching: true });
    await watching;
    engine.shutdown.mockClear();
    void rooms.leaveRoom();
    expect(engine.shutdown).toHaveBeenCalled();
    expect(media.myMedia.value).toEqual(off);
  });

  it('after a reload, clears what the room still thinks this person shares', () => {
    void rooms.leaveRoom();
    const stale = { ...me, media: { camera: true, mic: false, watching: true } };
    const ws = join(room, [stale, other]);
    expect(ws.lastSent('media-state').data).toEqual({ roomId: 'r1', camera: false, mic: false, watching: false });
    answer(ws);
  });

  it('a removed person is told calmly and goes to the lobby', () => {
    router.navigate('/room/r1');
    const ws = join();
    ws.receive('room-left', { roomId: 'r1', reason: 'removed', serverTime: Date.now() });
    expect(rooms.room.value).toBeNull();
    expect(rooms.farewell.value).toBe('The host asked you to leave this room.');
    expect(router.path.value).toBe('/lobby');
  });
});
