// "Adding a service is one module plus its package list": a module that only
// this test registers shows up everywhere the registry's modules do (--help,
// the README generator, `config`, the dry-run plan, `unstack --clean`),
// through the CLI entry points' module list, without any other file naming it.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServiceModule } from '../../../lib/types/stack.ts';
import { settingGroup } from '../../../lib/config/settings.ts';
import { neededPasswords } from '../../../lib/config/passwords.ts';
import { main as stackMain } from '../../../lib/cli/stack.ts';
import { main as unstackMain } from '../../../lib/cli/unstack.ts';
import { readmePath, settingsMarkdown, withSettingsSection } from '../../../lib/cli/docs.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';
import { debconfPreseed } from '../../../lib/system/apt.ts';
import { SERVICE_MODULES } from '../../../lib/services/registry.ts';
import { tempDir } from '../config/helpers.ts';
import { testPlan } from '../plan-fixture.ts';

const cleaned: string[] = [];

/** A service tstack has never heard of, with everything a module can declare. */
function widgetModule(confDir: string): ServiceModule {
  return {
    name: 'widget',
    project: 'widget',
    shortNames: ['w-api', 'w-worker'],
    settings: [
      ...settingGroup('services', [
        { name: 'WIDGET_SERVICE_PORT', type: 'int', default: '4242', description: 'Port of the widget API.' },
        {
          name: 'WIDGET_GREETING',
          type: 'string',
          default: 'hello from ${SERVICE_LOCAL_HOST}',
          description: 'What the widget API answers.',
        },
      ]),
      ...settingGroup('passwords', [
        {
          name: 'WIDGET_PASSWORD',
          type: 'password',
          secret: true,
          default: '',
          description: 'Password of the widget service user.',
        },
      ]),
      ...settingGroup('widgets', [
        {
          name: 'WIDGET_COLOUR',
          type: 'enum',
          choices: ['red', 'blue'],
          default: 'blue',
          description: 'Colour of every widget.',
        },
      ]),
    ],
    passwords: ['WIDGET_PASSWORD'],
    repos: [{ name: 'widget', distroPackage: 'python3-widget' }],
    debconf: ['widget-common widget/configure_db boolean false'],
    configFiles: () => [join(confDir, 'widget.conf')],
    steps: (plan) => ({
      configure: [{ id: 'widget:configure', title: `widget.conf (${plan.get('WIDGET_COLOUR')})`, run: async () => {} }],
    }),
    processes: (plan) => [
      {
        name: 'w-api',
        project: 'widget',
        argv: ['/usr/bin/widget-api', plan.get('WIDGET_GREETING')],
        port: plan.int('WIDGET_SERVICE_PORT'),
        codeFrom: 'package',
      },
      { name: 'w-worker', project: 'widget', argv: ['/usr/bin/widget-worker'], after: ['w-api'], codeFrom: 'package' },
    ],
    catalog: (plan) => [
      {
        user: 'widget',
        service: { name: 'widget', type: 'widgets' },
        url: `http://${plan.get('SERVICE_HOST')}:${plan.int('WIDGET_SERVICE_PORT')}`,
      },
    ],
    async clean(ctx) {
      cleaned.push(`${ctx.plan.get('WIDGET_COLOUR')} widgets of ${ctx.plan.dirs.dest}`);
    },
  };
}

/** What `fn` writes to stdout. */
async function stdoutOf(fn: () => Promise<number>): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const spy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => (chunks.push(String(c)), true));
  try {
    const code = await fn();
    return { code, out: chunks.join('') };
  } finally {
    spy.mockRestore();
  }
}

let root: { dir: string; cleanup: () => void };
let widget: ServiceModule;
let conf: string;
const savedEnv = { ...process.env };

beforeEach(() => {
  root = tempDir('tstack-widget-');
  widget = widgetModule(join(root.dir, 'etc'));
  cleaned.length = 0;
  conf = join(root.dir, 'local.conf');
  writeFileSync(
    conf,
    [
      '[[local|localrc]]',
      `DEST=${join(root.dir, 'stack')}`,
      `CLOUDS_YAML=${join(root.dir, 'clouds.yaml')}`,
      'INSTALL_METHOD=distro',
      'ENABLED_SERVICES=w-api,w-worker',
      'WIDGET_COLOUR=red',
      '',
    ].join('\n'),
  );
});

afterEach(() => {
  process.env = { ...savedEnv };
  root.cleanup();
});

describe('a service module registered only in this test', () => {
  it('is not in the registry', () => {
    expect(SERVICE_MODULES.map((m) => m.name)).not.toContain('widget');
    expect(stackCatalog().setting('WIDGET_COLOUR')).toBeUndefined();
  });

  it('--help lists its short names and its settings', async () => {
    const { code, out } = await stdoutOf(() => stackMain(['--help'], [widget]));
    expect(code).toBe(0);
    expect(out).toMatch(/\n {2}widget +w-api w-worker\n/);
    expect(out).toContain('  widgets:\n    WIDGET_COLOUR (default: blue)\n        Colour of every widget.');
    expect(out).toContain('    WIDGET_SERVICE_PORT (default: 4242)');
  });

  it('the README generator documents its settings', () => {
    const md = settingsMarkdown(stackCatalog([widget]));
    expect(md).toContain('### Widgets');
    expect(md).toContain('| `WIDGET_COLOUR` | red \\| blue | `blue` | Colour of every widget. |');
    expect(md).toContain('| `WIDGET_PASSWORD` | password | (empty) | Password of the widget service user. (secret) |');
    const readme = readFileSync(readmePath(), 'utf8');
    expect(withSettingsSection(readme, stackCatalog([widget]))).toContain('| `WIDGET_SERVICE_PORT` | int | `4242` |');
  });

  it('`config` resolves its settings, with origins', async () => {
    const { code, out } = await stdoutOf(() => stackMain(['config', '--config', conf], [widget]));
    expect(code).toBe(0);
    expect(out).toMatch(/\n {2}WIDGET_COLOUR +red {2}\(local\.conf\)\n/);
    expect(out).toMatch(/\n {2}WIDGET_GREETING +hello from 127\.0\.0\.1 {2}\(default\)\n/);
    expect(out).toMatch(/\n {2}WIDGET_PASSWORD +\(not set: asked or generated by \.\/stack\.ts\) {2}\(default\)\n/);
    expect(out).toContain('Enabled services: w-api, w-worker\n');
    expect(out).toContain(
      'Unknown variables in local.conf (not tstack settings; plugins may read them, or they are typos):\n  (none)',
    );
  });

  it('the dry-run plan runs its panes and steps', async () => {
    process.env.CI = 'true';
    const { code, out } = await stdoutOf(() => stackMain(['--dry-run', '--config', conf], [widget]));
    expect(code).toBe(0);
    expect(out).toContain('Enabled services (2): w-api, w-worker\n');
    expect(out).toMatch(/\n {2}w-api +widget +4242 +package +-\n {2}w-worker +widget +- +package +w-api\n/);
    expect(out).toContain('    - widget.conf (red)\n');
    expect(out).toContain('    - start w-api');
  });

  it('its passwords are asked, its repos checked out and its debconf answers given', () => {
    const plan = testPlan(
      { DEST: join(root.dir, 'stack') },
      { services: 'w-api', catalogModules: [widget], modules: [widget], method: 'source' },
    );
    expect(neededPasswords(plan.config.catalog, ['w-api'])).toEqual(['WIDGET_PASSWORD']);
    expect(plan.repos.map((r) => [r.name, r.url, r.distroPackage])).toContainEqual([
      'widget',
      'https://opendev.org/openstack/widget.git',
      'python3-widget',
    ]);
    expect(plan.config.catalog.setting('WIDGET_REPO')?.group).toBe('source');
    expect(debconfPreseed(plan.services)).toEqual(['widget-common widget/configure_db boolean false']);
  });

  it('`unstack --clean` runs its clean hook and removes its config files', async () => {
    const stack = join(root.dir, 'stack');
    const state = join(stack, 'status');
    mkdirSync(state, { recursive: true });
    mkdirSync(join(root.dir, 'etc'));
    writeFileSync(join(root.dir, 'etc', 'widget.conf'), '[DEFAULT]\n');
    const stackenv = join(root.dir, '.stackenv');
    writeFileSync(
      stackenv,
      JSON.stringify({ dest: stack, dataDir: join(stack, 'data'), logDir: join(stack, 'logs'), stateDir: state }),
    );
    process.env.TSTACK_STACKENV = stackenv;
    const top = join(root.dir, 'top');
    mkdirSync(top);
    const { code, out } = await stdoutOf(() => unstackMain(['--clean', '--config', conf], [widget], top));
    expect(out).toContain('unstack --clean: removing');
    expect(code).toBe(0);
    expect(cleaned).toEqual([`red widgets of ${stack}`]);
    expect(existsSync(join(root.dir, 'etc', 'widget.conf'))).toBe(false);
    expect(existsSync(state)).toBe(false);
  });
});
