import { describe, expect, it } from 'vitest';
import { expandText, expandWord, tokenize } from '../../../lib/config/expand.ts';
import { ConfigError } from '../../../lib/util/errors.ts';

const pos = { file: '/x/local.conf', line: 7 };
const vars: Record<string, string> = { DEST: '/opt/stack', ADMIN_PASSWORD: 'secret', EMPTY: '', HOME: '/root' };
const lookup = (n: string) => vars[n];
const word = (raw: string) => expandWord(raw, lookup, pos);

describe('tokenize', () => {
  it('splits words like sh, keeping quotes for the expander', () => {
    expect(tokenize(`A="a b" B='c d' # comment`, pos).words).toEqual([`A="a b"`, `B='c d'`]);
    expect(tokenize('enable_service  n-api\tn-cpu', pos).words).toEqual(['enable_service', 'n-api', 'n-cpu']);
    expect(tokenize('X=a#b', pos).words).toEqual(['X=a#b']);
    expect(tokenize('X=${A:-x y}z', pos).words).toEqual(['X=${A:-x y}z']);
    expect(tokenize('   # only a comment', pos).words).toEqual([]);
  });

  it('reports an open quote or a trailing backslash so the statement can continue', () => {
    expect(tokenize(`X="abc`, pos).open).toBe('"');
    expect(tokenize(`X='abc`, pos).open).toBe("'");
    expect(tokenize(`X=abc \\`, pos).continued).toBe(true);
  });

  it('keeps command substitution in the word (expansion refuses it) and rejects shell operators', () => {
    expect(tokenize('X=$(openssl rand -hex 10)', pos).words).toEqual(['X=$(openssl rand -hex 10)']);
    expect(tokenize('X="`uuidgen`" Y=1', pos).words).toEqual(['X="`uuidgen`"', 'Y=1']);
    expect(() => tokenize('X=$(hostname', pos)).toThrow(/7: unterminated command substitution/);
    expect(() => expandWord('$(hostname)', () => undefined, pos)).toThrow(
      /7: command substitution \$\(hostname\) is not run .*write the address or name itself/,
    );
    expect(() => expandWord('`hostname`', () => undefined, pos)).toThrow(ConfigError);
    expect(() => expandWord('"$(id -un)"', () => undefined, pos)).toThrow(/write the user name itself/);
    // `;` ends a command (its own word); a quoted one stays in its word
    expect(tokenize('A=1; B=";"', pos).words).toEqual(['A=1', ';', 'B=";"']);
    expect(() => tokenize('A=1 && B=2', pos)).toThrow(/'&'/);
  });
});

describe('expandWord', () => {
  it('expands $VAR, ${VAR} and ${VAR:-default}', () => {
    expect(word('$DEST/logs/stack.log')).toBe('/opt/stack/logs/stack.log');
    expect(word('${DEST}x')).toBe('/opt/stackx');
    expect(word('${NOPE:-/srv}/a')).toBe('/srv/a');
    expect(word('${EMPTY:-d}')).toBe('d');
    expect(word('${EMPTY-d}')).toBe('');
    expect(word('${NOPE-d}')).toBe('d');
    expect(word('${DEST:+set}')).toBe('set');
    expect(word('${NOPE:+set}')).toBe('');
    expect(word('${NOPE:-$DEST/x}')).toBe('/opt/stack/x');
    expect(word('$NOPE')).toBe('');
  });

  it('double quotes expand, single quotes do not, backslash escapes', () => {
    expect(word('"$ADMIN_PASSWORD x"')).toBe('secret x');
    expect(word("'$ADMIN_PASSWORD x'")).toBe('$ADMIN_PASSWORD x');
    expect(word('\\$DEST')).toBe('$DEST');
    expect(word('"\\$DEST \\" \\\\ \\a"')).toBe('$DEST " \\ \\a');
    expect(word(`'it'\\''s'`)).toBe("it's");
    expect(word(`"a'b"'c"d'`)).toBe(`a'bc"d`);
    expect(word('a$')).toBe('a$');
    expect(word('~/stack')).toBe('/root/stack');
  });

  it('names file:line on errors', () => {
    expect(() => word('${DEST')).toThrow(/\/x\/local.conf:7: unterminated \$\{/);
    expect(() => word('${DEST:?x}')).toThrow(/unsupported substitution/);
    expect(() => word('${1abc}')).toThrow(/bad substitution/);
    expect(() => word('"abc')).toThrow(/\/x\/local.conf:7: unterminated double quote/);
  });
});

describe('expandText (file names, INI values)', () => {
  it('expands variables and keeps quotes literal', () => {
    expect(expandText('$DEST/etc/"x".conf', lookup, pos)).toBe('/opt/stack/etc/"x".conf');
    expect(expandText("it's ${DEST}", lookup, pos)).toBe("it's /opt/stack");
    expect(expandText('%(project_id)s', lookup, pos)).toBe('%(project_id)s');
  });
});
