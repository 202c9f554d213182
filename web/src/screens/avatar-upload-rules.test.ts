import { describe, expect, it } from 'vitest';
import { AVATAR_MAX_BYTES, uploadProblem } from './avatar-upload-rules';

describe('uploadProblem', () => {
  it('accepts PNG, JPEG and WebP up to 2 MB', () => {
    for (const type of ['image/png', 'image/jpeg', 'image/webp']) {
      expect(uploadProblem({ type, size: 1000 })).toBeNull();
      expect(uploadProblem({ type, size: AVATAR_MAX_BYTES })).toBeNull();
    }
  });
  it('refuses other types', () => {
    for (const type of ['image/gif', 'image/svg+xml', 'application/pdf', '']) {
      expect(uploadProblem({ type, size: 1000 })).toBe('Pick a PNG, JPEG or WebP picture.');
    }
  });
  it('refuses files over 2 MB and empty ones', () => {
    expect(uploadProblem({ type: 'image/png', size: AVATAR_MAX_BYTES + 1 })).toBe('Pick a picture of at most 2 MB.');
    expect(uploadProblem({ type: 'image/png', size: 0 })).toBe('That file is empty. Pick another picture.');
  });
});
