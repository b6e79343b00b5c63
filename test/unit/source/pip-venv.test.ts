// The pip and venv commands for both SOURCE_DEPS modes, and the pure helpers behind them.

import { describe, expect, it } from 'vitest';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import {
  debianToPep440,
  installEditable,
  normalizeProjectName,
  pbrVersionFor,
  pipEditableCommand,
  withoutConstraints,
} from '../../../lib/source/pip.ts';
import { ensureVenv, judgeVenv, parsePyvenvCfg, venvCreateArgv } from '../../../lib/source/venv.ts';
import { declaredScripts } from '../../../lib/source/scripts.ts';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Records every command; answers dpkg-query and git describe as told. */
class ScriptedShell implements Shell {
  readonly calls: { argv: string[]; opts?: RunOptions }[] = [];
  constructor(private readonly answers: { dpkg?: string; tagged?: boolean } = {}) {}
  async run(argv: string[], opts?: RunOptions): Promise<RunResult> {
    this.calls.push({ argv, opts });
    if (argv[0] === 'dpkg-query') {
      return this.answers.dpkg
        ? { code: 0, stdout: this.answers.dpkg, stderr: '' }
        : { code: 1, stdout: '', stderr: 'no packages found' };
    }
    if (argv.includes('describe'))
      return { code: this.answers.tagged ? 0 : 128, stdout: this.answers.tagged ? '22.0.0' : '', stderr: '' };
    return { code: 0, stdout: '', stderr: '' };
  }
}

const keystone = {
  name: 'keystone',
  url: 'file:///git/keystone.git',
  ref: 'master',
  dir: '/opt/stack/keystone',
  distroPackage: 'python3-keystone',
};

describe('pip commands', () => {
  it('SOURCE_DEPS=pip: constrained editable install, the devstack way', () => {
    expect(
      pipEditableCommand({
        venv: '/opt/stack/data/venv',
        dir: '/opt/stack/keystone',
        deps: 'pip',
        constraintsFile: '/opt/stack/data/upper-constraints.txt',
      }),
    ).toEqual({
      argv: [
        '/opt/stack/data/venv/bin/python',
        '-m',
        'pip',
        'install',
        '-c',
        '/opt/stack/data/upper-constraints.txt',
        '-e',
        '/opt/stack/keystone',
      ],
      env: { PIP_DISABLE_PIP_VERSION_CHECK: '1' },
    });
  });

  it('SOURCE_DEPS=distro: no index, no dependencies, no build isolation, PBR_VERSION when given', () => {
    expect(
      pipEditableCommand({ venv: '/v', dir: '/opt/stack/keystone', deps: 'distro', pbrVersion: '22.0.2' }),
    ).toEqual({
      argv: [
        '/v/bin/python',
        '-m',
        'pip',
        'install',
        '--no-index',
        '--no-deps',
        '--no-build-isolation',
        '-e',
        '/opt/stack/keystone',
      ],
      env: { PIP_DISABLE_PIP_VERSION_CHECK: '1', PBR_VERSION: '22.0.2' },
    });
  });

  it('distro mode: PBR_VERSION comes from the installed package when the checkout has no tag', async () => {
    const sh = new ScriptedShell({ dpkg: 'install ok installed\t2:22.0.2-0+deb12u1' });
    const done = await installEditable(sh, keystone, { venv: '/v', deps: 'distro' });
    expect(done.pbrVersion).toBe('22.0.2');
    const pip = sh.calls.at(-1)!;
    expect(pip.argv).toEqual([
      '/v/bin/python',
      '-m',
      'pip',
      'install',
      '--no-index',
      '--no-deps',
      '--no-build-isolation',
      '-e',
      '/opt/stack/keystone',
    ]);
    expect(pip.opts?.env).toMatchObject({ PBR_VERSION: '22.0.2' });
    expect(sh.calls.map((c) => c.argv[0])).toEqual(['git', 'dpkg-query', '/v/bin/python']);
  });

  it('distro mode: a tagged checkout lets pbr compute its own version', async () => {
    const sh = new ScriptedShell({ dpkg: 'install ok installed\t2:22.0.2-0+deb12u1', tagged: true });
    const done = await installEditable(sh, keystone, { venv: '/v', deps: 'distro' });
    expect(done.pbrVersion).toBeUndefined();
    expect(sh.calls.at(-1)!.opts?.env?.PBR_VERSION).toBeUndefined();
  });

  it('distro mode refuses when the package that supplies the dependencies is not installed', async () => {
    const sh = new ScriptedShell({ dpkg: 'deinstall ok config-files\t2:22.0.2-0+deb12u1' });
    await expect(installEditable(sh, keystone, { venv: '/v', deps: 'distro' })).rejects.toThrow(
      /python3-keystone, which is not installed/,
    );
    expect(sh.calls.some((c) => c.argv.includes('pip'))).toBe(false);
  });

  it('pip mode passes the constraints and does not need the package', async () => {
    const sh = new ScriptedShell({ tagged: true });
    await installEditable(sh, keystone, { venv: '/v', deps: 'pip', constraintsFile: '/c.txt' });
    expect(sh.calls.at(-1)!.argv).toEqual([
      '/v/bin/python',
      '-m',
      'pip',
      'install',
      '-c',
      '/c.txt',
      '-e',
      '/opt/stack/keystone',
    ]);
  });

  it('turns Debian versions into versions pbr accepts', () => {
    expect(debianToPep440('2:22.0.2-0+deb12u1')).toBe('22.0.2');
    expect(debianToPep440('5.10.0-2')).toBe('5.10.0');
    expect(debianToPep440('1:9.0.0~rc1-1')).toBe('9.0.0rc1');
    expect(debianToPep440('3.1.0+dfsg1-2')).toBe('3.1.0');
    expect(pbrVersionFor({ hasTag: false, distroVersion: '2:22.0.2-0+deb12u1' })).toBe('22.0.2');
    expect(pbrVersionFor({ hasTag: true, distroVersion: '2:22.0.2-0+deb12u1' })).toBeUndefined();
    expect(pbrVersionFor({ hasTag: false })).toBeUndefined();
  });

  it('drops the checkouts from upper-constraints, whatever the spelling', () => {
    const uc = [
      'oslo.config===9.0.0',
      'oslo.context===5.0.0',
      'Oslo_Log===5.0.1;python_version>="3.8"',
      'keystonemiddleware===10.1.0',
      '# comment',
      '',
    ].join('\n');
    expect(withoutConstraints(uc, ['oslo-config', 'oslo.log', 'keystonemiddleware'])).toBe(
      ['oslo.context===5.0.0', '# comment', ''].join('\n'),
    );
    expect(normalizeProjectName('Oslo_Config')).toBe('oslo-config');
  });
});

describe('venv', () => {
  it('is made by /usr/bin/python3, with system site-packages only for distro dependencies', () => {
    expect(venvCreateArgv('/opt/stack/data/venv', 'distro')).toEqual([
      '/usr/bin/python3',
      '-m',
      'venv',
      '--system-site-packages',
      '/opt/stack/data/venv',
    ]);
    expect(venvCreateArgv('/opt/stack/data/venv', 'pip')).toEqual([
      '/usr/bin/python3',
      '-m',
      'venv',
      '/opt/stack/data/venv',
    ]);
    expect(venvCreateArgv('/v', 'pip', true)).toEqual(['/usr/bin/python3', '-m', 'venv', '--clear', '/v']);
  });

  it('is kept, created or remade from what pyvenv.cfg says', () => {
    const debian = parsePyvenvCfg('home = /usr/bin\ninclude-system-site-packages = true\nversion = 3.11.2\n');
    expect(debian).toEqual({ home: '/usr/bin', systemSitePackages: true, version: '3.11.2' });
    expect(judgeVenv(debian, true, 'distro')).toEqual({ verdict: 'ok' });
    expect(judgeVenv(debian, false, 'distro')).toEqual({ verdict: 'create' });
    expect(judgeVenv(undefined, false, 'pip')).toEqual({ verdict: 'create' });
    expect(judgeVenv(debian, true, 'pip')).toMatchObject({
      verdict: 'recreate',
      why: expect.stringMatching(/SOURCE_DEPS=pip needs false/),
    });
    const pyenv = parsePyvenvCfg('home = /root/.pyenv/versions/3.11.7/bin\ninclude-system-site-packages = true\n');
    expect(judgeVenv(pyenv, true, 'distro')).toMatchObject({
      verdict: 'recreate',
      why: expect.stringMatching(/pyenv/),
    });
  });

  it('ensureVenv runs the create command only when needed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tstack-venv-'));
    try {
      const venv = join(dir, 'venv');
      const sh = new ScriptedShell();
      expect((await ensureVenv(sh, venv, 'distro')).verdict).toBe('create');
      expect(sh.calls.map((c) => c.argv)).toEqual([venvCreateArgv(venv, 'distro')]);
      mkdirSync(join(venv, 'bin'), { recursive: true });
      writeFileSync(join(venv, 'bin', 'python'), '');
      writeFileSync(join(venv, 'pyvenv.cfg'), 'home = /usr/bin\ninclude-system-site-packages = true\n');
      expect((await ensureVenv(sh, venv, 'distro')).verdict).toBe('ok');
      expect(sh.calls).toHaveLength(1);
      expect((await ensureVenv(sh, venv, 'pip')).verdict).toBe('recreate');
      expect(sh.calls.at(-1)!.argv).toEqual(venvCreateArgv(venv, 'pip', true));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('declared scripts', () => {
  it('reads console_scripts and wsgi_scripts from a pbr setup.cfg', () => {
    const cfg = [
      '[metadata]',
      'name = keystone',
      '[entry_points]',
      'console_scripts =',
      '    keystone-manage = keystone.cmd.manage:main',
      '    keystone-status = keystone.cmd.status:main',
      'wsgi_scripts =',
      '    keystone-wsgi-public = keystone.server.wsgi:initialize_public_application',
      'oslo.config.opts =',
      '    keystone = keystone.conf.opts:list_opts',
      '[files]',
      'packages = keystone',
    ].join('\n');
    expect(declaredScripts(cfg)).toEqual(['keystone-manage', 'keystone-status', 'keystone-wsgi-public']);
  });
});
