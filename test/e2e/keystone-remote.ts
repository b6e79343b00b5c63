// A local git remote standing in for opendev: openstack/keystone.git built
// from the keystone that Debian installed (the python3-keystone package's
// code, plus a pbr setup.cfg whose entry points are the installed
// entry_points.txt). Its release matches the distro's, which is what
// SOURCE_DEPS=distro needs. No tag: pbr gets PBR_VERSION from the package.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const DIST_PACKAGES = '/usr/lib/python3/dist-packages';

export interface KeystoneRemote {
  /** GIT_BASE for local.conf: `file://<root>/git`; the repo is $GIT_BASE/openstack/keystone.git. */
  gitBase: string;
  bare: string;
  /** The installed release, e.g. 22.0.2. */
  version: string;
  /** The commit on master. */
  head: string;
}

/** The installed keystone's metadata directory (egg-info or dist-info). */
export function installedMetadata(distPackages = DIST_PACKAGES): { dir: string; version: string } {
  const dir = readdirSync(distPackages).find((d) => /^keystone-[\d.]+.*\.(egg|dist)-info$/.test(d));
  if (!dir) throw new Error(`no keystone-*.egg-info or dist-info in ${distPackages}: is python3-keystone installed?`);
  return {
    dir: join(distPackages, dir),
    version: /^keystone-([^-]+?)(?:\.(?:egg|dist)-info)$/.exec(basename(dir))?.[1] ?? '',
  };
}

/** entry_points.txt (INI: `[group]` then `name = target`) rewritten as pbr's setup.cfg [entry_points] section. */
export function pbrEntryPoints(entryPointsTxt: string): string {
  const out: string[] = ['[entry_points]'];
  for (const raw of entryPointsTxt.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const group = /^\[(.+)\]$/.exec(line);
    if (group) out.push(`${group[1]} =`);
    else out.push(`    ${line.replace(/\s*=\s*/, ' = ')}`);
  }
  return out.join('\n') + '\n';
}

export function setupCfg(entryPointsTxt: string): string {
  return [
    '[metadata]',
    'name = keystone',
    'summary = OpenStack Identity (imported from the Debian package for tstack tests)',
    '',
    '[files]',
    'packages =',
    '    keystone',
    '',
    pbrEntryPoints(entryPointsTxt),
  ].join('\n');
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=tstack e2e', '-c', 'user.email=e2e@tstack.invalid', '-c', 'init.defaultBranch=master', ...args],
    {
      cwd,
      encoding: 'utf8',
    },
  ).trim();
}

/** Build `<root>/git/openstack/keystone.git` (bare) from the installed keystone. */
export function buildKeystoneRemote(root: string, distPackages = DIST_PACKAGES): KeystoneRemote {
  const meta = installedMetadata(distPackages);
  const src = join(root, 'src', 'keystone');
  if (existsSync(src)) throw new Error(`${src} exists; use a fresh root`);
  mkdirSync(src, { recursive: true });
  cpSync(join(distPackages, 'keystone'), join(src, 'keystone'), {
    recursive: true,
    filter: (p) => !p.includes('__pycache__') && !p.endsWith('.pyc'),
  });
  writeFileSync(join(src, 'setup.cfg'), setupCfg(readFileSync(join(meta.dir, 'entry_points.txt'), 'utf8')));
  writeFileSync(
    join(src, 'setup.py'),
    'import setuptools\n\nsetuptools.setup(setup_requires=["pbr>=2.0.0"], pbr=True)\n',
  );
  writeFileSync(
    join(src, '.gitignore'),
    ['*.egg-info', '*.pyc', '__pycache__', 'AUTHORS', 'ChangeLog', 'build', ''].join('\n'),
  );
  git(src, 'init', '-q');
  git(src, 'add', '-A');
  git(src, 'commit', '-q', '-m', `Import keystone ${meta.version} as installed by Debian`);
  const bare = join(root, 'git', 'openstack', 'keystone.git');
  mkdirSync(join(root, 'git', 'openstack'), { recursive: true });
  git(root, 'clone', '-q', '--bare', src, bare);
  return {
    gitBase: `file://${join(root, 'git')}`,
    bare,
    version: meta.version,
    head: git(bare, 'rev-parse', 'master'),
  };
}
