// Local git remotes standing in for opendev, built from the code Debian
// installed: for each project, its package directories from dist-packages,
// a pbr setup.cfg whose [entry_points] are the installed entry_points.txt,
// and the data files the source method reads from a checkout (rootwrap
// filters, api-paste, horizon's manage.py) copied from /etc or /usr/share to
// where upstream keeps them. One commit each, on master, no tag: pbr takes
// PBR_VERSION from the distro package (pip.ts), which is what SOURCE_DEPS=distro
// needs. `./stack.ts tools make-local-remotes DIR` runs this; GIT_BASE=file://DIR/git.

import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Shell } from '../types/shell.ts';
import { gitArgv } from './git.ts';

export const DIST_PACKAGES = '/usr/lib/python3/dist-packages';

/** A project tstack can check out, and where Debian put its pieces. */
export interface LocalRemoteProject {
  /** The repository name: $GIT_BASE/openstack/<repo>.git, $DEST/<repo>. */
  repo: string;
  /** The egg-info/dist-info name in dist-packages (`openstack_placement` for placement). */
  metadata: string;
  /** The Debian package that installed it (named in errors). */
  distroPackage: string;
  /** Installed file or directory -> path in the checkout (upstream's layout). */
  dataFiles: readonly (readonly [string, string])[];
  /** What the stack writes into the checkout, ignored as upstream's .gitignore does (horizon's settings, static). */
  ignore?: readonly string[];
}

export const LOCAL_REMOTE_PROJECTS: readonly LocalRemoteProject[] = [
  { repo: 'keystone', metadata: 'keystone', distroPackage: 'python3-keystone', dataFiles: [] },
  {
    repo: 'glance',
    metadata: 'glance',
    distroPackage: 'python3-glance',
    dataFiles: [
      ['/etc/glance/glance-api-paste.ini', 'etc/glance-api-paste.ini'],
      ['/etc/glance/rootwrap.conf', 'etc/rootwrap.conf'],
      ['/etc/glance/rootwrap.d', 'etc/rootwrap.d'],
      ['/etc/glance/schema-image.json', 'etc/schema-image.json'],
      ['/etc/glance/metadefs', 'etc/metadefs'],
    ],
  },
  { repo: 'placement', metadata: 'openstack_placement', distroPackage: 'python3-placement', dataFiles: [] },
  {
    repo: 'nova',
    metadata: 'nova',
    distroPackage: 'python3-nova',
    dataFiles: [
      ['/etc/nova/api-paste.ini', 'etc/nova/api-paste.ini'],
      ['/etc/nova/rootwrap.conf', 'etc/nova/rootwrap.conf'],
      ['/etc/nova/rootwrap.d', 'etc/nova/rootwrap.d'],
    ],
  },
  {
    repo: 'neutron',
    metadata: 'neutron',
    distroPackage: 'python3-neutron',
    dataFiles: [
      ['/etc/neutron/api-paste.ini', 'etc/api-paste.ini'],
      ['/etc/neutron/rootwrap.conf', 'etc/rootwrap.conf'],
      ['/etc/neutron/rootwrap.d', 'etc/neutron/rootwrap.d'],
    ],
  },
  {
    repo: 'cinder',
    metadata: 'cinder',
    distroPackage: 'python3-cinder',
    dataFiles: [
      ['/etc/cinder/api-paste.ini', 'etc/cinder/api-paste.ini'],
      ['/etc/cinder/rootwrap.conf', 'etc/cinder/rootwrap.conf'],
      ['/etc/cinder/rootwrap.d', 'etc/cinder/rootwrap.d'],
      ['/etc/cinder/resource_filters.json', 'etc/cinder/resource_filters.json'],
    ],
  },
  {
    repo: 'horizon',
    metadata: 'horizon',
    distroPackage: 'python3-django-horizon',
    dataFiles: [
      ['/usr/share/openstack-dashboard/manage.py', 'manage.py'],
      [
        '/usr/share/openstack-dashboard/examples/local_settings.py',
        'openstack_dashboard/local/local_settings.py.example',
      ],
      // Debian moves these out of openstack_dashboard (symlinks there, not copied): upstream keeps them inside
      ['/usr/share/openstack-dashboard/wsgi.py', 'openstack_dashboard/wsgi.py'],
      ['/usr/share/openstack-dashboard/themes', 'openstack_dashboard/themes'],
      ['/etc/openstack-dashboard/policy', 'openstack_dashboard/conf'],
    ],
    ignore: [
      '/static/',
      'openstack_dashboard/local/local_settings.py',
      'openstack_dashboard/local/local_settings.d/*.py',
      'openstack_dashboard/local/.secret_key_store',
    ],
  },
  { repo: 'oslo.config', metadata: 'oslo.config', distroPackage: 'python3-oslo.config', dataFiles: [] },
];

export interface InstalledProject {
  /** The metadata directory (egg-info or dist-info). */
  dir: string;
  /** `Name:` of PKG-INFO/METADATA (`openstack-placement`). */
  name: string;
  version: string;
  /** top_level.txt: the import packages to copy. */
  packages: string[];
  entryPoints: string;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The installed metadata of a project, read from dist-packages. */
export function installedProject(p: LocalRemoteProject, distPackages = DIST_PACKAGES): InstalledProject {
  const re = new RegExp(`^${escapeRe(p.metadata)}-([^-]+?)(?:-py[\\d.]+)?\\.(?:egg|dist)-info$`);
  const entry = existsSync(distPackages) ? readdirSync(distPackages).find((d) => re.test(d)) : undefined;
  if (!entry) {
    throw new Error(`${p.repo}: no ${p.metadata}-*.egg-info in ${distPackages}: is ${p.distroPackage} installed?`);
  }
  const dir = join(distPackages, entry);
  const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
  const info = read('PKG-INFO') || read('METADATA');
  const packages = read('top_level.txt')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && existsSync(join(distPackages, l)));
  return {
    dir,
    name: /^Name:\s*(\S+)/m.exec(info)?.[1] ?? p.repo,
    version: re.exec(entry)?.[1] ?? '',
    packages,
    entryPoints: read('entry_points.txt'),
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

export function setupCfg(o: { name: string; packages: readonly string[]; entryPoints: string }): string {
  return [
    '[metadata]',
    `name = ${o.name}`,
    'summary = imported from the Debian package by tstack (make-local-remotes)',
    '',
    '[files]',
    'packages =',
    ...o.packages.map((p) => `    ${p}`),
    '',
    pbrEntryPoints(o.entryPoints),
  ].join('\n');
}

export const SETUP_PY = 'import setuptools\n\nsetuptools.setup(setup_requires=["pbr>=2.0.0"], pbr=True)\n';
export const GITIGNORE = ['*.egg-info', '*.pyc', '__pycache__', 'AUTHORS', 'ChangeLog', 'build', ''].join('\n');

/** Byte code and Debian's symlinks into /etc (local_settings.py) are not source. */
function copyable(p: string): boolean {
  if (p.includes('__pycache__') || p.endsWith('.pyc')) return false;
  return !lstatSync(p).isSymbolicLink();
}

export interface LocalRemote {
  repo: string;
  /** `<root>/git/openstack/<repo>.git` */
  bare: string;
  /** The working tree the commit was made in (`<root>/src/<repo>`), for tests that move the remote on. */
  src: string;
  /** The installed release, e.g. 26.2.2. */
  version: string;
  /** The commit on master. */
  head: string;
}

const GIT_IDENTITY = ['-c', 'user.name=tstack', '-c', 'user.email=tstack@localhost', '-c', 'init.defaultBranch=master'];

async function git(sh: Shell, dir: string | undefined, args: string[]): Promise<string> {
  const [bin, ...rest] = gitArgv(dir, args);
  return (await sh.run([bin, ...GIT_IDENTITY, ...rest])).stdout.trim();
}

/**
 * git tracks no empty directory, but Python imports one as a namespace package
 * (horizon's settings import `openstack_dashboard.local.enabled`, empty in
 * Debian's package): a `.gitkeep` keeps each in the commit.
 */
export function keepEmptyDirs(dir: string): void {
  const entries = readdirSync(dir, { withFileTypes: true });
  if (entries.length === 0) {
    writeFileSync(join(dir, '.gitkeep'), '');
    return;
  }
  for (const e of entries) if (e.isDirectory()) keepEmptyDirs(join(dir, e.name));
}

/** Build `<root>/git/openstack/<repo>.git` (bare, one commit on master) from the installed project. */
export async function buildLocalRemote(
  sh: Shell,
  root: string,
  p: LocalRemoteProject,
  distPackages = DIST_PACKAGES,
): Promise<LocalRemote> {
  const meta = installedProject(p, distPackages);
  const src = join(root, 'src', p.repo);
  const bare = join(root, 'git', 'openstack', `${p.repo}.git`);
  if (existsSync(src) || existsSync(bare)) throw new Error(`${src} or ${bare} exists; use a fresh directory`);
  mkdirSync(src, { recursive: true });
  for (const pkg of meta.packages)
    cpSync(join(distPackages, pkg), join(src, pkg), { recursive: true, filter: copyable });
  for (const [from, to] of p.dataFiles) {
    if (!existsSync(from)) throw new Error(`${p.repo}: ${from} is missing (installed by Debian's ${p.repo} packages)`);
    mkdirSync(dirname(join(src, to)), { recursive: true });
    cpSync(from, join(src, to), { recursive: true, filter: copyable });
  }
  keepEmptyDirs(src);
  writeFileSync(join(src, 'setup.cfg'), setupCfg(meta));
  writeFileSync(join(src, 'setup.py'), SETUP_PY);
  writeFileSync(join(src, '.gitignore'), GITIGNORE + (p.ignore ?? []).map((l) => `${l}\n`).join(''));
  await git(sh, src, ['init', '-q']);
  await git(sh, src, ['add', '-A']);
  await git(sh, src, ['commit', '-q', '-m', `Import ${meta.name} ${meta.version} as installed by Debian`]);
  mkdirSync(dirname(bare), { recursive: true });
  await git(sh, undefined, ['clone', '-q', '--bare', src, bare]);
  return { repo: p.repo, bare, src, version: meta.version, head: await git(sh, bare, ['rev-parse', 'master']) };
}

export interface LocalRemotes {
  /** GIT_BASE for local.conf: `file://<root>/git`. */
  gitBase: string;
  remotes: LocalRemote[];
}

/** The projects named (all by default), in the table's order; an unknown name is an error listing the known ones. */
export function selectProjects(names?: readonly string[]): LocalRemoteProject[] {
  if (!names?.length) return [...LOCAL_REMOTE_PROJECTS];
  const known = new Map(LOCAL_REMOTE_PROJECTS.map((p) => [p.repo, p]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length) {
    throw new Error(`no local remote recipe for ${unknown.join(', ')}; known: ${[...known.keys()].join(', ')}`);
  }
  return LOCAL_REMOTE_PROJECTS.filter((p) => names.includes(p.repo));
}

export async function buildLocalRemotes(
  sh: Shell,
  root: string,
  o: { projects?: readonly string[]; distPackages?: string; onBuilt?: (r: LocalRemote) => void } = {},
): Promise<LocalRemotes> {
  const remotes: LocalRemote[] = [];
  for (const p of selectProjects(o.projects)) {
    const r = await buildLocalRemote(sh, root, p, o.distPackages);
    o.onBuilt?.(r);
    remotes.push(r);
  }
  return { gitBase: `file://${join(root, 'git')}`, remotes };
}

/** For messages: `nova 26.2.2 (abc1234)`. */
export function describeRemote(r: LocalRemote): string {
  return `${basename(r.bare, '.git')} ${r.version} (${r.head.slice(0, 7)})`;
}
