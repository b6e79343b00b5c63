// The whole install phase of the source method for real, offline: a pbr
// project in a local bare repo is cloned, a venv is made by /usr/bin/python3
// with system site-packages, the checkout is installed editable with
// SOURCE_DEPS=distro, its console and WSGI scripts appear in the venv, and an
// edit to the checkout shows in the next run of the script (what a pane
// restart does). Needs git, python3-venv and python3-pbr (Debian); no root.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SystemShell } from '../../../lib/system/exec.ts';
import { sourceSteps } from '../../../lib/source/index.ts';
import type { Step } from '../../../lib/types/stack.ts';
import { git, makeRemote, type Remote } from './gitfixture.ts';
import { fakeContext, fakePlan } from '../../unit/source/planfixture.ts';

let remote: Remote;
beforeAll(() => {
  remote = makeRemote();
  // Turn the fixture remote into a small pbr project, like an OpenStack service.
  const w = remote.work;
  git(w, 'checkout', '-q', 'master');
  mkdirSync(join(w, 'toyservice'), { recursive: true });
  writeFileSync(join(w, 'setup.py'), 'import setuptools\nsetuptools.setup(setup_requires=["pbr"], pbr=True)\n');
  writeFileSync(
    join(w, 'setup.cfg'),
    [
      '[metadata]',
      'name = toyservice',
      'summary = a toy OpenStack-like service',
      '[files]',
      'packages = toyservice',
      '[entry_points]',
      'console_scripts =',
      '    toy-manage = toyservice.cmd:main',
      'wsgi_scripts =',
      '    toy-wsgi-api = toyservice.wsgi:init_application',
      '',
    ].join('\n'),
  );
  writeFileSync(join(w, '.gitignore'), '*.egg-info\n__pycache__\nAUTHORS\nChangeLog\n');
  writeFileSync(join(w, 'toyservice', '__init__.py'), '');
  writeFileSync(join(w, 'toyservice', 'cmd.py'), 'def main():\n    print("version document: 2020-04-07")\n');
  writeFileSync(
    join(w, 'toyservice', 'wsgi.py'),
    'def init_application():\n    return lambda environ, start: [b"ok"]\n',
  );
  git(w, 'add', '-A');
  git(w, 'commit', '-q', '-m', 'Make it a pbr project');
  // No tag on this history: pbr must get its version from the distro package.
  git(w, 'tag', '-d', '1.0');
  git(remote.bare, 'tag', '-d', '1.0');
  remote.push('master');
}, 60_000);
afterAll(() => remote.cleanup());

async function runAll(steps: Step[], ctx: Parameters<Step['run']>[0]) {
  for (const s of steps) await s.run(ctx);
}

describe('source install phase, SOURCE_DEPS=distro', () => {
  it('clones, makes the venv, installs editable; scripts run checkout code, edits show after a restart', async () => {
    const dest = join(remote.root, 'stack');
    const base = { GIT_BASE: `file://${remote.root}`, SOURCE_DEPS: 'distro' };
    // python3-pbr stands in for "the distro package of the same project": installed, and its version feeds PBR_VERSION.
    // (A checkout no module declares: no TOYSERVICE_REPO row exists, so the RepoSpec is written out.)
    const repo = {
      name: 'toyservice',
      url: `file://${remote.bare}`,
      ref: 'master',
      dir: join(dest, 'toyservice'),
      distroPackage: 'python3-pbr',
    };
    const plan = fakePlan(base, {
      dest,
      repos: [repo, { name: 'requirements', url: 'file:///nowhere', ref: 'master', dir: join(dest, 'requirements') }],
    });
    const steps = sourceSteps(plan, { sudoUser: null });
    expect(steps.map((s) => s.id)).toEqual([
      'source:checkouts',
      'source:venv',
      'source:install',
      'source:rootwrap',
      'source:owner',
    ]);
    expect(steps[0].title).not.toContain('requirements'); // distro dependencies: nothing reads upper-constraints

    const logFile = join(remote.root, 'stack.log');
    const ctx = fakeContext(plan, new SystemShell(logFile));
    const t0 = Date.now();
    await runAll(steps, ctx);
    const seconds = (Date.now() - t0) / 1000;

    const venv = join(dest, 'data', 'venv');
    expect(readFileSync(join(venv, 'pyvenv.cfg'), 'utf8')).toMatch(/include-system-site-packages = true/);
    for (const script of ['toy-manage', 'toy-wsgi-api']) {
      expect(existsSync(join(venv, 'bin', script))).toBe(true);
      expect(readFileSync(join(venv, 'bin', script), 'utf8').split('\n')[0]).toBe(`#!${venv}/bin/python`);
    }
    const log = readFileSync(logFile, 'utf8');
    expect(log).toMatch(/pip install --no-index --no-deps --no-build-isolation -e .*\/stack\/toyservice/);
    const pbrVersion = execFileSync('dpkg-query', ['-W', '-f=${Version}', 'python3-pbr'], { encoding: 'utf8' }).replace(
      /-[^-]*$/,
      '',
    );
    const version = execFileSync(
      join(venv, 'bin', 'python'),
      ['-c', 'import importlib.metadata as m; print(m.version("toyservice"))'],
      { encoding: 'utf8' },
    ).trim();
    expect(version).toBe(pbrVersion);
    expect(ctx.log.lines.some((l) => l.includes(`PBR_VERSION=${pbrVersion} from python3-pbr`))).toBe(true);

    const run = () => execFileSync(join(venv, 'bin', 'toy-manage'), { encoding: 'utf8' }).trim();
    expect(run()).toBe('version document: 2020-04-07');
    // The developer's edit, then a "restart" (a new process): the new code runs, no reinstall.
    const cmd = join(dest, 'toyservice', 'toyservice', 'cmd.py');
    writeFileSync(cmd, readFileSync(cmd, 'utf8').replace('2020-04-07', '2099-01-01-from-checkout'));
    expect(run()).toBe('version document: 2099-01-01-from-checkout');

    // A second run keeps the edited checkout (and says so), keeps the venv, reinstalls harmlessly.
    const again = fakeContext(plan, new SystemShell(logFile));
    await runAll(steps, again);
    expect(
      again.log.lines.some((l) =>
        /toyservice: using branch master at [0-9a-f]{10}, 1 file\(s\) changed locally/.test(l),
      ),
    ).toBe(true);
    expect(run()).toBe('version document: 2099-01-01-from-checkout');
    console.log(`source install phase (clone + venv + editable install): ${seconds.toFixed(1)} s`);
  }, 120_000);
});
