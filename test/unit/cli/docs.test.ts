import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { END_MARKER, START_MARKER, readmePath, settingsMarkdown, withSettingsSection } from '../../../lib/cli/docs.ts';
import { settingsReferenceText, stackHelp, unstackHelp } from '../../../lib/cli/help.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';

const SETTINGS = stackCatalog().settings;

describe('README settings reference', () => {
  it('is up to date with the settings table (run `npm run docs` when this fails)', () => {
    const readme = readFileSync(readmePath(), 'utf8');
    expect(withSettingsSection(readme) === readme, 'README.md is stale: run `npm run docs`').toBe(true);
  });

  it('has a row for every setting and no host-specific values', () => {
    const md = settingsMarkdown();
    for (const s of SETTINGS) expect(md, s.name).toContain(`| \`${s.name}\` |`);
    expect(md).not.toContain('192.0.2.2'); // HOST_IP is documented by rule, not by this machine's address
    expect(md).toContain('| `API_WORKERS` | int | 1 up to 2 CPUs, else max(2, nproc/4) as in devstack |');
  });

  it('replaces only what is between the markers', () => {
    const text = `# T\nbefore\n${START_MARKER}\nold stuff\n${END_MARKER}\nafter\n`;
    const out = withSettingsSection(text);
    expect(out.startsWith(`# T\nbefore\n${START_MARKER}\n### Paths`)).toBe(true);
    expect(out.endsWith(`\n${END_MARKER}\nafter\n`)).toBe(true);
    expect(out).not.toContain('old stuff');
    expect(withSettingsSection(out)).toBe(out);
    expect(() => withSettingsSection('# no markers')).toThrow(/lacks the markers/);
  });
});

describe('help texts', () => {
  it('stack.ts --help lists commands, options and the settings reference', () => {
    const h = stackHelp();
    for (const c of [
      'config',
      'status',
      'restart NAME|GLOB...',
      'stop NAME...',
      'start NAME...',
      'logs NAME [-f] [-n N]',
      'attach',
    ])
      expect(h).toContain(c);
    for (const o of ['--config PATH', '--dry-run', '--force', '--no-tui']) expect(h).toContain(o);
    expect(h).toContain(settingsReferenceText(stackCatalog()));
    for (const s of SETTINGS) expect(h, s.name).toContain(`    ${s.name}`);
  });

  it('per-command help and unstack help', () => {
    expect(stackHelp('logs')).toBe(
      "Usage: ./stack.ts logs NAME [-f] [-n N]\n\nprint a pane's log.\n\nOptions:\n  -f, --follow   keep printing " +
        'new lines\n  -n, --lines N  print the last N lines\n',
    );
    expect(unstackHelp()).toMatch(/^Usage: \.\/unstack\.ts \[-a\|--all\] \[--clean\] \[--config PATH\]/);
  });
});
