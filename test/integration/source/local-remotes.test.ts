// The local remotes for real, from the code Debian installed on this machine:
// neutron and oslo.config are built, cloned, installed editable into a
// venv with system site-packages (SOURCE_DEPS=distro, as the source method
// does), and the venv imports them from the checkout and has their scripts.
// Needs python3-neutron, python3-oslo.config, git, python3-venv, python3-pbr
// (.ci/run installs them before npm test); no root.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    const built = await buildLocalRemotes(sh, root, { projects: ['oslo.config', 'neutron'] });
    expect(built.gitBase).toBe(`file://${join(root, 'git')}`);
    const venv = join(root, 'venv');
    await ensureVenv(sh, venv, 'distro');
    const dest = join(root, 'dest');
    for (const r of built.remotes) {
      const dir = join(dest, r.repo);
      execFileSync('git', ['clone', '-q', `${built.gitBase}/openstack/${r.repo}.git`, dir]);
      expect(execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()).toBe(r.head);
      await installEditable(
        sh,
        { name: r.repo, url: '', ref: 'master', dir, distroPackage: `python3-${r.repo}` },
        { venv, deps: 'distro' },
      );
      expect(missingScripts(dir, venv)).toEqual([]);
    }
    const where = execFileSync(
      join(venv, 'bin', 'python'),
      ['-c', 'import oslo_config, neutron; print(oslo_config.__file__); print(neutron.__file__)'],
      { encoding: 'utf8' },
    );
    expect(where.trim().split('\n')).toEqual([
      join(dest, 'oslo.config', 'oslo_config', '__init__.py'),
      join(dest, 'neutron', 'neutron', '__init__.py'),
    ]);
    for (const s of ['neutron-server', 'neutron-openvswitch-agent', 'neutron-rootwrap', 'oslo-config-generator'])
      expect(existsSync(join(venv, 'bin', s)), s).toBe(true);
    // what the source method reads from a checkout, where upstream keeps it (lib/source/rootwrap.ts, neutron.ts)
    expect(readFileSync(join(dest, 'neutron', 'etc', 'neutron', 'rootwrap.d', 'rootwrap.filters'), 'utf8')).toMatch(
      /\[Filters\]/,
    );
    expect(readFileSync(join(dest, 'neutron', 'etc', 'api-paste.ini'), 'utf8')).toMatch(/\[composite:neutron\]/);
  }, 300_000);
});

describe('make-local-remotes horizon', () => {
  it('puts wsgi.py, themes and policies inside openstack_dashboard, ignores what the stack writes', async () => {
    const built = await buildLocalRemotes(new SystemShell(), join(root, 'h'), { projects: ['horizon'] });
    const dir = join(root, 'h', 'dest', 'horizon');
    execFileSync('git', ['clone', '-q', `${built.gitBase}/openstack/horizon.git`, dir]);
    const dash = join(dir, 'openstack_dashboard');
    expect(readFileSync(join(dash, 'wsgi.py'), 'utf8')).toContain('get_wsgi_application()');
    expect(existsSync(join(dash, 'themes', 'default', '_variables.scss'))).toBe(true);
    expect(readFileSync(join(dash, 'conf', 'nova_policy.yaml'), 'utf8')).toMatch(/os_compute_api/);
    // an empty package directory of Debian's (settings.py imports it) is in the clone
    expect(existsSync(join(dash, 'local', 'enabled'))).toBe(true);
    execFileSync('/usr/bin/python3', ['-c', 'import openstack_dashboard.local.enabled as e; print(e.__path__)'], {
      cwd: dir,
    });
    // no symlink into /etc or /usr/share came along
    const links = execFileSync('find', [dir, '-type', 'l'], { encoding: 'utf8' }).trim();
    expect(links).toBe('');
    // the source method's local_settings.py, its snippet and collectstatic's output are no local changes
    mkdirSync(join(dash, 'local', 'local_settings.d'), { recursive: true });
    writeFileSync(join(dash, 'local', 'local_settings.py'), 'DEBUG = False\n');
    writeFileSync(join(dash, 'local', 'local_settings.d', '_0100_tstack.py'), 'X = 1\n');
    mkdirSync(join(dir, 'static', 'dashboard'), { recursive: true });
    writeFileSync(join(dir, 'static', 'dashboard', 'manifest.json'), '{}\n');
    expect(execFileSync('git', ['-C', dir, 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
  }, 300_000);
});
