import { beforeEach, describe, expect, it, vi } from 'vitest';
import { banFromProblem, banned, setBanStopper, showBanned } from './banned';

describe('banned', () => {
  beforeEach(() => {
    banned.value = null;
  });

  it('reads the reason and end of a banned problem; no end is until lifted', () => {
    expect(banFromProblem({ code: 'banned', message: 'x', reason: 'spam', until: '2025-03-13T09:00:00.000Z' }))
      .toEqual({ reason: 'spam', until: '2025-03-13T09:00:00.000Z' });
    expect(banFromProblem({ code: 'banned', message: 'x', reason: 'spam' })).toEqual({ reason: 'spam', until: null });
  });

  it('stops the socket and the room once, and keeps the latest details', () => {
    const stop = vi.fn();
    setBanStopper(stop);
    showBanned({ reason: 'spa', until: undefined });
    showBanned({ reason: 'spam', until: null });
    expect(stop).toHaveBeenCalledOnce();
    expect(banned.value).toEqual({ reason: 'spam', until: null });
  });
});
