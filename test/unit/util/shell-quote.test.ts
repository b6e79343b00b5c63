import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellQuote, shellSingleQuote, shellWord } from '../../../lib/util/shell-quote.ts';

/** What sh makes of a command line: each word on its own line, as printf sees it. */
function shWords(line: string): string[] {
  const out = execFileSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

const NASTY = [`it's`, `a b`, `$HOME`, '`id`', `"q"`, `\\n`, `*`, `x;y`, `''`, ``, `p@ss:w/%#?&$'" rd`, `new\nline`];

describe('shell quoting', () => {
  it('single-quotes so sh gives back every string as it was', () => {
    expect(shellSingleQuote(`a'b`)).toBe(`'a'\\''b'`);
    for (const s of NASTY) expect(shWords(shellSingleQuote(s))).toEqual([s]);
  });

  it('leaves plain words bare and quotes the rest', () => {
    expect(shellWord('/usr/bin/keystone-manage')).toBe('/usr/bin/keystone-manage');
    expect(shellWord('--config-file=/etc/nova/nova.conf')).toBe('--config-file=/etc/nova/nova.conf');
    expect(shellWord('a b')).toBe(`'a b'`);
    expect(shellWord('')).toBe(`''`);
  });

  it('joins an argv that sh splits back into the same words', () => {
    const argv = ['env', 'A=1', ...NASTY];
    expect(shWords(shellQuote(argv))).toEqual(argv);
    expect(shellQuote(['ls', '-l', '/tmp'])).toBe('ls -l /tmp');
  });
});
