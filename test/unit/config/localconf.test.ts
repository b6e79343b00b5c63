import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { localrcLines, parseIni, parseLocalConf } from '../../../lib/config/localconf.ts';
import { fixture } from './helpers.ts';
import type { ConfigWarning } from '../../../lib/types/config.ts';

const parse = (text: string) => parseLocalConf(text, '/etc/tstack/local.conf');

describe('meta-sections', () => {
  it('splits a realistic local.conf into its sections with positions', () => {
    const path = fixture('single-node.conf');
    const conf = parseLocalConf(readFileSync(path, 'utf8'), path);
    expect(conf.sections.map((s) => [s.phase, s.rawFile, s.pos.line])).toEqual([
      ['local', 'localrc', 3],
      ['post-config', '$NOVA_CONF', 24],
      ['post-config', '/$Q_PLUGIN_CONF_FILE', 33],
    ]);
    const lines = localrcLines(conf);
    expect(lines[0]).toEqual({ text: 'ADMIN_PASSWORD=secret', pos: { file: path, line: 4 } });
  });

  it('accepts every phase and joins repeated localrc sections in order', () => {
    const conf = parse(
      [
        '[[local|localrc]]',
        'A=1',
        '[[post-config|$NOVA_CONF]]',
        '[[extra|/etc/x]]',
        '[[post-extra|/etc/y]]',
        '[[test-config|$TEMPEST_CONFIG]]',
        '[[local|localrc]]',
        'B=2',
      ].join('\n'),
    );
    expect(conf.sections.map((s) => s.phase)).toEqual([
      'local',
      'post-config',
      'extra',
      'post-extra',
      'test-config',
      'local',
    ]);
    expect(localrcLines(conf).map((l) => [l.text, l.pos.line])).toEqual([
      ['A=1', 2],
      ['B=2', 8],
    ]);
  });

  it('allows comments and blank lines before the first header', () => {
    expect(parse('# comment\n\n[[local|localrc]]\nA=1').sections).toHaveLength(1);
  });

  it('rejects malformed headers with file:line', () => {
    expect(() => parse('[[local|localrc]]\nA=1\n[[post-config | $NOVA_CONF]]')).toThrow(
      /^\/etc\/tstack\/local.conf:3: malformed meta-section header '\[\[post-config \| \$NOVA_CONF\]\]'/,
    );
    expect(() => parse('[[local]]')).toThrow(/local.conf:1: malformed meta-section header/);
    expect(() => parse('\n[[post-config|$NOVA_CONF]')).toThrow(/local.conf:2: malformed/);
  });

  it('rejects unknown phases with file:line', () => {
    expect(() => parse('[[local|localrc]]\n[[post-install|$NOVA_CONF]]')).toThrow(
      /^\/etc\/tstack\/local.conf:2: unknown phase 'post-install'.*post-config, extra, post-extra, test-config/,
    );
  });

  it('rejects settings outside any section and [[local|other]]', () => {
    expect(() => parse('ADMIN_PASSWORD=x\n[[local|localrc]]')).toThrow(
      /local.conf:1: 'ADMIN_PASSWORD=x' is outside any meta-section/,
    );
    expect(() => parse('[[local|localrc.auto]]')).toThrow(
      /local.conf:1: \[\[local\|localrc.auto\]\]: the local phase only takes/,
    );
  });
});

describe('INI bodies', () => {
  const lines = (text: string, first = 10) =>
    text.split('\n').map((t, i) => ({ text: t, pos: { file: 'f', line: first + i } }));

  it('keeps sections and options in order; a repeated key becomes one option with several values', () => {
    const ini = parseIni(
      lines(
        '[DEFAULT]\n# c\n; c\ndebug = True\n\n[filter_scheduler]\nenabled_filters = A\nenabled_filters = ' +
          'B\n[DEFAULT]\nx=1',
      ),
    );
    expect(ini).toEqual([
      {
        name: 'DEFAULT',
        options: [
          { key: 'debug', values: ['True'], pos: { file: 'f', line: 13 } },
          { key: 'x', values: ['1'], pos: { file: 'f', line: 19 } },
        ],
      },
      {
        name: 'filter_scheduler',
        options: [{ key: 'enabled_filters', values: ['A', 'B'], pos: { file: 'f', line: 16 } }],
      },
    ]);
  });

  it('keeps an empty value and = inside values', () => {
    const ini = parseIni(lines('[s]\nservice_plugins =\nurl = a=b'));
    expect(ini[0].options.map((o) => [o.key, o.values])).toEqual([
      ['service_plugins', ['']],
      ['url', ['a=b']],
    ]);
  });

  it('skips options without a section or without = as devstack does, with a warning naming file:line', () => {
    const warnings: ConfigWarning[] = [];
    expect(parseIni(lines('debug = True\n[s]\njust words\na = b'), warnings)).toEqual([
      { name: 's', options: [{ key: 'a', values: ['b'], pos: { file: 'f', line: 13 } }] },
    ]);
    expect(warnings).toEqual([
      {
        message: "option 'debug' before any [section]: not merged (devstack ignores it too)",
        pos: { file: 'f', line: 10 },
      },
      {
        message: "'just words' is not 'key = value' or '[section]': not merged (devstack skips it too)",
        pos: { file: 'f', line: 12 },
      },
    ]);
  });
});
