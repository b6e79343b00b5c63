import { describe, expect, it } from 'vitest';
import { isChecked, longLines } from '../../tools/line-length.ts';

describe('line length', () => {
  it('reports each line over the limit with its number, counting characters', () => {
    const ok = 'x'.repeat(120);
    const long = 'y'.repeat(121);
    expect(longLines('a.ts', `${ok}\n${long}\n${'│'.repeat(120)}\n`)).toEqual(['a.ts:2: 121 characters (at most 120)']);
    expect(longLines('a.ts', 'abcd', 3)).toEqual(['a.ts:1: 4 characters (at most 3)']);
  });

  it('checks code and scripts, not prose, fixtures or the lock file', () => {
    expect(['lib/a.ts', 'package.json', '.ci/run', 'test/fixtures/services/web.py'].map(isChecked)).toEqual([
      true,
      true,
      true,
      false,
    ]);
    expect(['README.md', 'package-lock.json', 'files/debs/nova'].map(isChecked)).toEqual([false, false, false]);
  });
});
