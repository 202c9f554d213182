import { describe, expect, it } from 'vitest';
import { match } from './router';

describe('match', () => {
  it.each([
    ['/', { name: 'landing' }],
    ['/lobby', { name: 'lobby' }],
    ['/lobby/', { name: 'lobby' }],
    ['/history', { name: 'history' }],
    ['/settings', { name: 'settings' }],
    ['/privacy', { name: 'privacy' }],
    ['/privacy/', { name: 'privacy' }],
    ['/room/30741bcd-3e2a', { name: 'room', id: '30741bcd-3e2a' }],
    ['/room/a%20b', { name: 'room', id: 'a b' }],
    ['/room/', { name: 'not-found' }],
    ['/room/a/b', { name: 'not-found' }],
    ['/nope', { name: 'not-found' }],
  ])('%s', (path, route) => {
    expect(match(path)).toEqual(route);
  });
});
