import { describe, expect, it } from 'vitest';
import type { Media } from '../lib/types';
import {
  NO_MEDIA, Pacer, VIDEO_DEFAULT, VIDEO_HIGH, hasLiveAudio, isPolite, peersFor, preferredCodecs, sessionOf,
  shouldConnect, videoConstraints, videoSettings,
} from './rules';

const m = (camera: boolean, watching: boolean, mic = false): Media => ({ camera, mic, watching });

describe('shouldConnect', () => {
  it('follows the protocol: a camera, and the other watching or with a camera', () => {
    expect(shouldConnect(m(true, false), m(false, true))).toBe(true);
    expect(shouldConnect(m(false, true), m(true, false))).toBe(true);
    expect(shouldConnect(m(true, false), m(true, false))).toBe(true);
    expect(shouldConnect(m(true, true), m(true, true))).toBe(true);
  });

  it('leaves people alone who share nothing, or when nobody wants to see', () => {
    expect(shouldConnect(NO_MEDIA, NO_MEDIA)).toBe(false);
    expect(shouldConnect(m(false, true), m(false, true))).toBe(false); // both only watch: nothing to see
    expect(shouldConnect(m(true, false), NO_MEDIA)).toBe(false); // nobody watching the camera
    expect(shouldConnect(NO_MEDIA, m(true, true))).toBe(false);
  });

  it('counts a mic (open rooms) like a camera', () => {
    expect(shouldConnect(m(false, false, true), m(false, true))).toBe(true);
    expect(shouldConnect(m(false, false, true), m(false, false, true))).toBe(true);
    expect(shouldConnect(m(false, false, true), NO_MEDIA)).toBe(false);
  });

  it('is symmetric, so both sides agree', () => {
    const all: Media[] = [];
    for (const camera of [false, true]) for (const mic of [false, true]) for (const watching of [false, true]) all.push({ camera, mic, watching });
    for (const a of all) for (const b of all) expect(shouldConnect(a, b)).toBe(shouldConnect(b, a));
  });
});

describe('peersFor', () => {
  const people = [
    { id: 'me', media: m(true, false) },
    { id: 'watcher', media: m(false, true) },
    { id: 'idle', media: NO_MEDIA },
    { id: 'camera', media: m(true, false) },
    { id: 'old-client' }, // no media field: nothing on
  ];

  it('lists the others I should be connected to, never me', () => {
    expect(peersFor('me', m(true, false), people)).toEqual(['watcher', 'camera']);
  });

  it('is empty while I share nothing and do not watch', () => {
    expect(peersFor('me', NO_MEDIA, people)).toEqual([]);
  });

  it('when I only watch, lists the people with a camera on', () => {
    expect(peersFor('watcher', m(false, true), people)).toEqual(['me', 'camera']);
  });
});

describe('isPolite', () => {
  it('makes the lower user id the polite one, and exactly one of the two', () => {
    expect(isPolite('0a', '0b')).toBe(true);
    expect(isPolite('0b', '0a')).toBe(false);
    expect(isPolite('a', 'b')).not.toBe(isPolite('b', 'a'));
  });
});

const SDP = (...sections: string[]) => ['v=0', 'o=- 4611731400430051336 2 IN IP4 127.0.0.1', 's=-', 't=0 0', ...sections].join('\r\n') + '\r\n';
const video = 'm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtpmap:96 VP8/90000';
const audio = (dir: string, port = 9) => `m=audio ${port} UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=${dir}\r\na=rtpmap:111 opus/48000/2`;

describe('hasLiveAudio', () => {
  it('is false without an audio section', () => {
    expect(hasLiveAudio(SDP(video))).toBe(false);
  });

  it('is false for inactive or rejected audio', () => {
    expect(hasLiveAudio(SDP(video, audio('inactive')))).toBe(false);
    expect(hasLiveAudio(SDP(video, audio('sendrecv', 0)))).toBe(false);
  });

  it('is true for audio that could carry sound, in any direction', () => {
    for (const dir of ['sendrecv', 'sendonly', 'recvonly']) expect(hasLiveAudio(SDP(video, audio(dir)))).toBe(true);
    expect(hasLiveAudio(SDP(audio('sendrecv')).replace(/\r\n/g, '\n'))).toBe(true);
  });

  it('does not take a video section for audio', () => {
    expect(hasLiveAudio(SDP(video.replace('a=sendonly', 'a=sendrecv')))).toBe(false);
  });
});

describe('sessionOf', () => {
  it('reads the o= line', () => {
    expect(sessionOf(SDP(video))).toBe('4611731400430051336');
    expect(sessionOf('v=0\r\n')).toBeNull();
  });
});

describe('preferredCodecs', () => {
  const caps = [
    { mimeType: 'video/VP8', clockRate: 90000 },
    { mimeType: 'video/rtx', clockRate: 90000 },
    { mimeType: 'video/H264', clockRate: 90000 },
    { mimeType: 'video/VP9', clockRate: 90000 },
    { mimeType: 'audio/opus', clockRate: 48000 },
    { mimeType: 'audio/PCMU', clockRate: 8000 },
  ];

  it('keeps VP8 and retransmission for video, Opus for audio', () => {
    expect(preferredCodecs('video', caps).map((c) => c.mimeType)).toEqual(['video/VP8', 'video/rtx']);
    expect(preferredCodecs('audio', caps).map((c) => c.mimeType)).toEqual(['audio/opus']);
  });

  it('keeps the defaults when the main codec is missing', () => {
    expect(preferredCodecs('video', caps.filter((c) => c.mimeType !== 'video/VP8'))).toEqual([]);
  });
});

describe('video settings', () => {
  it('defaults to about 320×240 at 15 fps and 150 kbps; the setting raises it', () => {
    expect(videoSettings(false)).toEqual(VIDEO_DEFAULT);
    expect(VIDEO_DEFAULT).toMatchObject({ width: 320, height: 240, frameRate: 15, maxBitrate: 150_000 });
    expect(videoSettings(true)).toEqual(VIDEO_HIGH);
    expect(VIDEO_HIGH.maxBitrate).toBeGreaterThan(VIDEO_DEFAULT.maxBitrate);
    expect(videoConstraints(VIDEO_DEFAULT)).toEqual({
      width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { ideal: 15, max: 15 },
    });
  });
});

describe('Pacer', () => {
  it('allows a burst, then a steady rate', () => {
    let now = 0;
    const p = new Pacer(10, 3, () => now);
    expect([p.take(), p.take(), p.take(), p.take()]).toEqual([true, true, true, false]);
    expect(p.wait()).toBe(100);
    now += 100;
    expect(p.take()).toBe(true);
    expect(p.take()).toBe(false);
    now += 10_000;
    expect([p.take(), p.take(), p.take(), p.take()]).toEqual([true, true, true, false]);
  });
});
