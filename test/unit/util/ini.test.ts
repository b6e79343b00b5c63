import { describe, expect, it } from 'vitest';
import type { IniSection } from '../../../lib/types/config.ts';
import { applyToIniText, getOption, iniDoc, mergeIni, parseIni, renderIni } from '../../../lib/util/ini.ts';

const pos = { file: 'local.conf', line: 1 };
function sections(spec: Record<string, Record<string, string[]>>): IniSection[] {
  return Object.entries(spec).map(([name, opts]) => ({
    name,
    options: Object.entries(opts).map(([key, values]) => ({ key, values, pos })),
  }));
}

describe('iniDoc + renderIni', () => {
  it('renders DEFAULT first, booleans as true/false, drops undefined keys and empty sections', () => {
    const doc = iniDoc({
      database: { connection: 'mysql+pymysql://nova:x@127.0.0.1/nova?charset=utf8' },
      DEFAULT: { debug: true, workers: 1, log_file: undefined },
      empty: { nothing: undefined },
    });
    expect(renderIni(doc)).toBe(
      '[DEFAULT]\ndebug = true\nworkers = 1\n\n[database]\nconnection = ' +
        'mysql+pymysql://nova:x@127.0.0.1/nova?charset=utf8\n',
    );
  });

  it('writes a multi-valued option as repeated lines', () => {
    const text = renderIni(iniDoc({ filter_scheduler: { enabled_filters: ['A', 'B'] } }));
    expect(text).toBe('[filter_scheduler]\nenabled_filters = A\nenabled_filters = B\n');
  });

  it('puts a header as comments', () => {
    expect(renderIni(iniDoc({ DEFAULT: { a: 1 } }), 'written by tstack')).toBe(
      '# written by tstack\n\n[DEFAULT]\na = 1\n',
    );
  });
});

describe('mergeIni', () => {
  it('lets local.conf win, adds new keys and sections, replaces multi-values whole', () => {
    const base = iniDoc({
      DEFAULT: { debug: false, my_ip: '127.0.0.1' },
      filter_scheduler: { enabled_filters: ['A', 'B', 'C'] },
    });
    const merged = mergeIni(
      base,
      sections({
        DEFAULT: { debug: ['true'], new_opt: ['x'] },
        filter_scheduler: { enabled_filters: ['Z'] },
        quota: { instances: ['5', '6'] },
      }),
    );
    expect(getOption(merged, 'DEFAULT', 'debug')).toEqual(['true']);
    expect(getOption(merged, 'DEFAULT', 'my_ip')).toEqual(['127.0.0.1']);
    expect(getOption(merged, 'DEFAULT', 'new_opt')).toEqual(['x']);
    expect(getOption(merged, 'filter_scheduler', 'enabled_filters')).toEqual(['Z']);
    expect(renderIni(merged)).toContain('[quota]\ninstances = 5\ninstances = 6\n');
    // the input document is not mutated
    expect(getOption(base, 'DEFAULT', 'debug')).toEqual(['false']);
  });
});

describe('parseIni', () => {
  it('reads sections, options without a DEFAULT header, repeated keys and skips comments', () => {
    const doc = parseIni('top = 1\n# comment\n[a]\nk = v = w\nm = 1\nm = 2\n; other\n[b]\nempty =\n');
    expect(getOption(doc, 'DEFAULT', 'top')).toEqual(['1']);
    expect(getOption(doc, 'a', 'k')).toEqual(['v = w']);
    expect(getOption(doc, 'a', 'm')).toEqual(['1', '2']);
    expect(getOption(doc, 'b', 'empty')).toEqual(['']);
  });

  it('round-trips what renderIni writes', () => {
    const doc = iniDoc({ DEFAULT: { a: 'x' }, s: { m: ['1', '2'], e: '' } });
    expect(parseIni(renderIni(doc))).toEqual(doc);
  });
});

describe('applyToIniText (files tstack does not generate)', () => {
  const original = '# head\n[DEFAULT]\n# a comment\nfoo = 1\n\n[composite:osapi]\nuse = egg:Paste\n/v2 = old\n';

  it('replaces an existing key in place and keeps comments', () => {
    const out = applyToIniText(original, sections({ 'composite:osapi': { '/v2': ['new'] } }));
    expect(out).toBe('# head\n[DEFAULT]\n# a comment\nfoo = 1\n\n[composite:osapi]\nuse = egg:Paste\n/v2 = new\n');
  });

  it('appends a missing key at the end of its section, before the blank line', () => {
    const out = applyToIniText(original, sections({ DEFAULT: { bar: ['2'] } }));
    expect(out).toBe(
      '# head\n[DEFAULT]\n# a comment\nfoo = 1\nbar = 2\n\n[composite:osapi]\nuse = egg:Paste\n/v2 = old\n',
    );
  });

  it('appends a missing section and writes repeated keys', () => {
    const out = applyToIniText(original, sections({ new: { k: ['a', 'b'] } }));
    expect(out.endsWith('/v2 = old\n\n[new]\nk = a\nk = b\n')).toBe(true);
  });

  it('collapses several existing lines of a key into the new values', () => {
    const out = applyToIniText('[s]\nm = 1\nx = y\nm = 2\n', sections({ s: { m: ['9'] } }));
    expect(out).toBe('[s]\nm = 9\nx = y\n');
  });

  it('works on an empty file', () => {
    expect(applyToIniText('', sections({ DEFAULT: { a: ['1'] } }))).toBe('a = 1\n');
    expect(applyToIniText('', sections({ s: { a: ['1'] } }))).toBe('[s]\na = 1\n');
  });

  it('is idempotent', () => {
    const once = applyToIniText(original, sections({ DEFAULT: { bar: ['2'] }, x: { y: ['z'] } }));
    expect(applyToIniText(once, sections({ DEFAULT: { bar: ['2'] }, x: { y: ['z'] } }))).toBe(once);
  });
});
