import { describe, expect, it } from 'vitest';
import type { ModReport } from '../lib/types';
import { actionText, closedText, doneText, openElsewhere, otherNames, reasonProblem, renamed, renamedText, resolution, roomName } from './moderation-rules';

const report: ModReport = {
  id: 'r1', reportedUserId: 'u1', roomId: 'room1', reason: 'spam', note: '', status: 'open', createdAt: '2025-03-12T09:00:00.000Z',
};

describe('moderation rules', () => {
  it('sends a ban length in hours, and none for a ban until lifted', () => {
    expect(resolution('ban', ' spam links ', '24')).toEqual({ action: 'ban', reason: 'spam links', durationHours: 24 });
    expect(resolution('ban', 'spam', '168')).toEqual({ action: 'ban', reason: 'spam', durationHours: 168 });
    expect(resolution('ban', 'spam', 'lifted')).toEqual({ action: 'ban', reason: 'spam' });
  });

  it('sends no duration with a dismissal or a removal', () => {
    expect(resolution('dismiss', 'fine', '24')).toEqual({ action: 'dismiss', reason: 'fine' });
    expect(resolution('remove', 'rude', '168')).toEqual({ action: 'remove', reason: 'rude' });
  });

  it('asks for a reason of 1 to 500 characters', () => {
    expect(reasonProblem('   ')).not.toBeNull();
    expect(reasonProblem('x'.repeat(501))).toContain('500');
    expect(reasonProblem('😀'.repeat(500))).toBeNull();
  });

  it('counts the other open reports, given as a count or as the reports', () => {
    expect(openElsewhere(report)).toBe(0);
    expect(openElsewhere({ ...report, openReports: 3 })).toBe(2); // this open report is one of the three
    expect(openElsewhere({ ...report, status: 'resolved', openReports: 3 })).toBe(3);
    expect(openElsewhere({ ...report, openReports: [report, { ...report, id: 'r2' }] })).toBe(1);
  });

  it('lists recent names other than the current one, once each', () => {
    const r = { ...report, reportedUser: { id: 'u1', displayName: 'Now', recentNames: ['Now', 'Before', 'Before', 'Long ago'] } };
    expect(otherNames(r)).toEqual(['Before', 'Long ago']);
    expect(otherNames(report)).toEqual([]);
  });

  it('names the room, as an object or a name', () => {
    expect(roomName({ ...report, room: { id: 'room1', name: 'Library' } })).toBe('Library');
    expect(roomName({ ...report, roomName: 'Library' })).toBe('Library');
    expect(roomName(report)).toBeNull();
  });

  it('confirms what was done in words', () => {
    expect(doneText('ban', '168')).toBe('Banned for 7 days.');
    expect(doneText('ban', 'lifted')).toBe('Banned until lifted.');
    expect(doneText('dismiss', '24')).toBe('Report dismissed.');
  });

  it('reads audit actions, and shows an unknown one as it is', () => {
    const e = { id: '1', at: '', actorId: 'cli', targetType: 'user' as const, targetId: 'u1', reason: '' };
    expect(actionText({ ...e, action: 'user.ban' })).toBe('Banned');
    expect(actionText({ ...e, action: 'something.new' })).toBe('something.new');
    // Every action the server writes has words (internal/moderation, erase, keys).
    for (const action of ['role.set', 'user.unban', 'user.reset-name', 'room.close', 'participant.remove', 'report.resolve', 'user.remove-avatar', 'user.erase', 'keys.rotate', 'keys.retire']) {
      expect(actionText({ ...e, action })).not.toBe(action);
    }
  });
});

describe('the moderation route', () => {
  it('is /moderation', async () => {
    const { match } = await import('../lib/router');
    expect(match('/moderation')).toEqual({ name: 'moderation' });
    expect(match('/moderation/')).toEqual({ name: 'moderation' });
  });

  it('puts the old name first among the recent names after a reset, for every report about the person', () => {
    const about = { ...report, reportedUser: { id: 'u1', displayName: 'Loud Lynx', recentNames: ['Calm Heron', 'Loud Lynx', 'A', 'B', 'C'] } };
    const after = renamed(about, 'u1', 'Quiet Otter');
    expect(after.reportedUser).toEqual({ id: 'u1', displayName: 'Quiet Otter', recentNames: ['Loud Lynx', 'Calm Heron', 'A', 'B', 'C'] });
    expect(otherNames(after)).toEqual(['Loud Lynx', 'Calm Heron', 'A', 'B', 'C']);
    expect(about.reportedUser.displayName).toBe('Loud Lynx'); // the report given is not changed
    expect(renamed(about, 'someone else', 'Quiet Otter')).toBe(about);
    const gone = { ...report, reportedUser: null };
    expect(renamed(gone, 'u1', 'Quiet Otter')).toBe(gone);
    const flat = { ...report, reportedUser: { id: 'u1', displayName: 'Loud Lynx', previousNames: ['Calm Heron'] } };
    expect(renamed(flat, 'u1', 'Quiet Otter').reportedUser?.recentNames).toEqual(['Loud Lynx', 'Calm Heron']);
  });

  it('says what closing a room and resetting a name did', () => {
    expect(closedText('Thesis sprint')).toMatch(/^Thesis sprint is closed/);
    expect(closedText('Thesis sprint')).toContain('stays open');
    expect(closedText(null)).toMatch(/^The room is closed/);
    expect(renamedText('Loud Lynx', 'Quiet Otter')).toBe('Loud Lynx is now called Quiet Otter.');
  });
});
