// The TUI's model and text helpers, without blessed.

import { describe, expect, it } from 'vitest';
import { LogRing } from '../../../lib/ui/log-ring.ts';
import { groupPanes, TuiModel, type PaneView } from '../../../lib/ui/model.ts';
import { cleanLine, clip, escapeTags, wrapText } from '../../../lib/ui/text.ts';

const pane = (name: string, project: string, state: PaneView['state'] = 'ready'): PaneView => ({
  name,
  project,
  state,
  ready: state === 'ready',
  command: `/usr/bin/${name}`,
  logFile: `/l/${name}.log`,
});

describe('LogRing', () => {
  it('keeps the newest lines with absolute numbers', () => {
    const r = new LogRing(3);
    for (let i = 0; i < 5; i++) r.push(`l${i}`);
    expect([r.first, r.total, r.length]).toEqual([2, 5, 3]);
    expect(r.range(0, 10)).toEqual(['l2', 'l3', 'l4']);
    expect(r.get(1)).toBeUndefined();
    expect(r.findBack(4, (l) => l === 'l3')).toBe(3);
    expect(r.findForward(0, (l) => l === 'l4')).toBe(4);
  });
});

describe('text', () => {
  it('keeps SGR colour, drops other escapes and controls, bounds the length', () => {
    expect(cleanLine('\x1b[32mINFO\x1b[0m ok')).toBe('\x1b[32mINFO\x1b[0m ok');
    expect(cleanLine('a\x1b[2K\x1b[1Gb\x07c\x1b]0;title\x07d')).toBe('abcd');
    expect(cleanLine('progress 10%\rprogress 100%')).toBe('progress 100%');
    expect(cleanLine('x'.repeat(5000)).length).toBe(2001);
  });

  it('clips by visible width without counting SGR', () => {
    expect(clip('\x1b[31mabcdef\x1b[0m', 3)).toBe('\x1b[31mabc\x1b[0m');
    expect(clip('abcdef', 4)).toBe('abcd');
    expect(escapeTags('{red-fg}')).toBe('{open}red-fg{close}');
    expect(wrapText('abcdefgh', 3, 2)).toEqual(['abc', 'de…']);
  });
});

describe('TuiModel', () => {
  it('groups panes by project in OpenStack order', () => {
    const rows = groupPanes([
      pane('n-api', 'nova'),
      pane('key', 'keystone'),
      pane('mysql', 'infra'),
      pane('x', 'zzz'),
      pane('q-svc', 'neutron'),
    ]);
    expect(rows.map((r) => (r.kind === 'group' ? `[${r.project}]` : r.pane.name))).toEqual([
      '[infra]',
      'mysql',
      '[keystone]',
      'key',
      '[nova]',
      'n-api',
      '[neutron]',
      'q-svc',
      '[zzz]',
      'x',
    ]);
  });

  it('selects across groups and scrolls the list to keep the selection visible', () => {
    const m = new TuiModel();
    m.setPanes(
      Array.from({ length: 30 }, (_, i) => pane(`p${String(i).padStart(2, '0')}`, i < 15 ? 'nova' : 'neutron')),
    );
    expect(m.selected).toBe('p00');
    m.move(20);
    expect(m.selected).toBe('p20');
    const lines = m.listLines(24, 10);
    expect(lines).toHaveLength(10);
    expect(lines.some((l) => l.includes('{inverse}') && l.includes('p20'))).toBe(true);
    m.move(100);
    expect(m.selected).toBe('p29');
  });

  it('pages up and down, anchors while new lines arrive, and G returns to follow', () => {
    const m = new TuiModel();
    const r = new LogRing(100);
    for (let i = 0; i < 50; i++) r.push(`line ${i}`);
    m.scroll(r, -9, 10);
    expect(m.anchor).toBe(41);
    expect(m.logLines(r, 80, 10).at(-1)).toBe('line 40');
    r.push('line 50');
    expect(m.logLines(r, 80, 10).at(-1)).toBe('line 40'); // the view does not move
    m.top(r, 10);
    expect(m.logLines(r, 80, 10)[0]).toBe('line 0');
    m.scroll(r, 1000, 10);
    expect(m.follow).toBe(true);
    expect(m.logLines(r, 80, 10).at(-1)).toBe('line 50');
  });

  it('searches towards older and newer lines and highlights the hit', () => {
    const m = new TuiModel();
    const r = new LogRing(100);
    for (let i = 0; i < 50; i++) r.push(i % 10 === 0 ? `ERROR at ${i}` : `ok ${i}`);
    m.search = { query: 'error' };
    expect(m.find(r, 10)).toBe(true);
    expect(m.search.hit).toBe(40);
    m.find(r, 10);
    expect(m.search.hit).toBe(30);
    m.find(r, 10, 'newer');
    expect(m.search.hit).toBe(40);
    expect(m.logLines(r, 80, 10).some((l) => l.includes('{yellow-bg}ERROR at 40'))).toBe(true);
    m.search = { query: 'nothing' };
    expect(m.find(r, 10)).toBe(false);
    expect(m.message).toBe("no older match for 'nothing'");
  });
});
