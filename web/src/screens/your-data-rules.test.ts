import { describe, expect, it } from 'vitest';
import { ERASE_WORD, eraseConfirmed, exportFileName } from './your-data-rules';

describe('your data', () => {
  it('names the export after the day in UTC', () => {
    expect(exportFileName(new Date('2026-12-04T23:59:59.000Z'))).toBe('body-double-export-2026-12-04.json');
    expect(exportFileName(new Date('2026-12-05T00:00:00.000+01:00'))).toBe('body-double-export-2026-12-04.json');
  });

  it('erases only once the word is typed', () => {
    expect(ERASE_WORD).toBe('ERASE');
    expect(eraseConfirmed('ERASE')).toBe(true);
    expect(eraseConfirmed('  erase ')).toBe(true);
    for (const typed of ['', 'ERAS', 'ERASE!', 'E R A S E', 'delete']) {
      expect(eraseConfirmed(typed)).toBe(false);
    }
  });
});
