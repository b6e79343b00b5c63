// The local remotes for real, from the code Debian installed on this machine:
// nova, horizon and oslo.config are built, cloned, installed editable into a
// venv with system site-packages (SOURCE_DEPS=distro, as the source method
// does), and the venv imports them from the checkout and has their scripts.
// Needs python3-nova, python3-django-horizon, python3-oslo.config, git,
// python3-venv, python3-pbr (all installed by a distro or source stack); no root.

import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SystemShell } from '../../../lib/system/exec.ts';
import { buildLocalRemotes } from '../../../lib/source/local-remotes.ts';
import { installEditable } from '../../../lib/source/pip.ts';
import { ensureVenv } from '../../../lib/source/venv.ts';
import { missingScripts } from '../../../lib/source/scripts.ts';

const root = mkdtempSync(join(tmpdir(), 'tstack-remotes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('make-local-remotes', () => {
  it('builds remotes that clone and install editable, with the data files the source method reads', async () => {
    const sh = new SystemShell();
    const built = await buildLocalRemotes(sh, root, { projects: ['oslo.config', 'nova', 'horizon'] });
    expect(built.gitBase).toBe(`file://${join(root, 'git')}`);
    const venv = join(root, 'venv');
    await ensureVenv(sh, venv, 'distro');
    const dest = join(root, 'dest');
    for (const r of built.remotes) {
      const dir = join(dest, r.repo);
      execFileSync('git', ['clone', '-q', `${built.gitBase}/openstack/${r.repo}.git`, dir]);
      expect(execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()).toBe(r.head);
      const distroPackage = { 'oslo.config': 'python3-oslo.config', nova: 'python3-nova' }[r.repo];
      // horizon has no scripts; the dashboard runs its wsgi.py and manage.py from the checkout
      if (distroPackage) {
        await installEditable(
          sh,
          { name: r.repo, url: '', ref: 'master', dir, distroPackage },
          { venv, deps: 'distro' },
        );
        expect(missingScripts(dir, venv)).toEqual([]);
      }
    }
    const where = execFileSync(
      join(venv, 'bin', 'python'),
      ['-c', 'import oslo_config, nova; print(oslo_config.__file__); print(nova.__file__)'],
      { encoding: 'utf8' },
    );
    expect(where.trim().split('\n')).toEqual([
      join(dest, 'oslo.config', 'oslo_config', '__init__.py'),
      join(dest, 'nova', 'nova', '__init__.py'),
    ]);
    for (const s of ['nova-compute', 'nova-api-wsgi', 'nova-rootwrap', 'oslo-config-generator'])
      expect(existsSync(join(venv, 'bin', s)), s).toBe(true);
    // what nova's rootwrap reads from a checkout, where upstream keeps it
    expect(readFileSync(join(dest, 'nova', 'etc', 'nova', 'rootwrap.d', 'compute.filters'), 'utf8')).toMatch(
      /\[Filters\]/,
    );
    expect(existsSync(join(dest, 'nova', 'etc', 'nova', 'api-paste.ini'))).toBe(true);
    // horizon: manage.py and the settings example, and none of Debian's links into /etc
    const local = join(dest, 'horizon', 'openstack_dashboard', 'local');
    expect(existsSync(join(dest, 'horizon', 'manage.py'))).toBe(true);
    expect(readFileSync(join(local, 'local_settings.py.example'), 'utf8')).toMatch(/SECRET_KEY|DEBUG/);
    expect(existsSync(join(local, 'local_settings.py'))).toBe(false);
    expect(() => lstatSync(join(local, 'local_settings.d'))).toThrow();
  }, 300_000);
});
