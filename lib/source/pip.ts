// Editable installs of checkouts into the venv, the two ways:
//
//   pip:    pip install -c <upper-constraints> -e $DEST/<project>   (devstack's way; needs an index)
//   distro: pip install --no-index --no-deps --no-build-isolation -e $DEST/<project>
//           (dependencies come from the distro package of the same project,
//           seen through the venv's system site-packages; works offline)
//
// pbr computes a version from git tags. A checkout without a reachable tag
// (a shallow clone, or a repository made from a release tarball) gets
// PBR_VERSION from the distro package it stands in for.

import type { RepoSpec } from '../types/service.ts';
import type { Shell } from '../types/shell.ts';
import { gitArgv } from './git.ts';
import type { SourceDeps } from './settings.ts';
import { venvPython } from './venv.ts';

export interface InstallCommand {
  argv: string[];
  env: Record<string, string>;
}

export function pipEditableCommand(o: {
  venv: string;
  dir: string;
  deps: SourceDeps;
  constraintsFile?: string;
  pbrVersion?: string;
}): InstallCommand {
  const pip = [venvPython(o.venv), '-m', 'pip', 'install'];
  const env: Record<string, string> = { PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  if (o.pbrVersion) env.PBR_VERSION = o.pbrVersion;
  if (o.deps === 'distro') {
    return { argv: [...pip, '--no-index', '--no-deps', '--no-build-isolation', '-e', o.dir], env };
  }
  return { argv: [...pip, ...(o.constraintsFile ? ['-c', o.constraintsFile] : []), '-e', o.dir], env };
}

/** PEP 503 name normalisation: `oslo.config`, `oslo_config` and `Oslo-Config` are one project. */
export function normalizeProjectName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * upper-constraints.txt without the projects installed from checkouts: a
 * constraint `oslo.config===9.0.0` would otherwise forbid the checkout's own version.
 */
export function withoutConstraints(text: string, projects: readonly string[]): string {
  const drop = new Set(projects.map(normalizeProjectName));
  return text
    .split('\n')
    .filter((line) => {
      const name = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line)?.[1];
      return !name || !drop.has(normalizeProjectName(name));
    })
    .join('\n');
}

/**
 * A Debian version as pbr accepts it: no epoch, no Debian revision, no
 * repack suffix, `~rc1` -> `rc1`. `2:22.0.2-0+deb12u1` -> `22.0.2`.
 */
export function debianToPep440(version: string): string {
  let v = version.trim().replace(/^\d+:/, '');
  const dash = v.lastIndexOf('-');
  if (dash > 0) v = v.slice(0, dash);
  v = v.replace(/[+~](dfsg|ds|repack)\d*.*$/i, '');
  v = v
    .replace(/~(a|b|rc)(\d+)/, '$1$2')
    .replace(/~(alpha|beta)(\d*)/, (_m, w: string, n: string) => `${w[0]}${n || '0'}`);
  return v;
}

/** PBR_VERSION for a checkout: none when pbr can read a tag, else the distro package's version. */
export function pbrVersionFor(o: { hasTag: boolean; distroVersion?: string }): string | undefined {
  if (o.hasTag || !o.distroVersion) return undefined;
  return debianToPep440(o.distroVersion);
}

export async function checkoutHasTag(sh: Shell, dir: string): Promise<boolean> {
  const r = await sh.run(gitArgv(dir, ['describe', '--tags', '--abbrev=0']), { allowFailure: true });
  return r.code === 0;
}

/** The installed version of a Debian package, or undefined when it is not installed. */
export async function installedVersion(sh: Shell, pkg: string): Promise<string | undefined> {
  const r = await sh.run(['dpkg-query', '-W', '-f=${Status}\t${Version}', pkg], { allowFailure: true });
  if (r.code !== 0) return undefined;
  const [status, version] = r.stdout.trim().split('\t');
  return status?.endsWith(' installed') && version ? version : undefined;
}

export interface EditableInstall {
  repo: RepoSpec;
  command: InstallCommand;
  pbrVersion?: string;
}

/**
 * Work out and run the editable install of one checkout. With SOURCE_DEPS=distro
 * the distro package must be installed: it is where the dependencies come from.
 */
export async function installEditable(
  sh: Shell,
  repo: RepoSpec,
  o: { venv: string; deps: SourceDeps; constraintsFile?: string; onLine?: (line: string) => void },
): Promise<EditableInstall> {
  const hasTag = await checkoutHasTag(sh, repo.dir);
  const distroVersion = repo.distroPackage ? await installedVersion(sh, repo.distroPackage) : undefined;
  if (o.deps === 'distro' && repo.distroPackage && !distroVersion) {
    throw new Error(
      `${repo.name}: SOURCE_DEPS=distro takes ${repo.name}'s Python dependencies from the Debian package ` +
        `${repo.distroPackage}, which is not installed`,
    );
  }
  const pbrVersion = pbrVersionFor({ hasTag, distroVersion });
  const command = pipEditableCommand({
    venv: o.venv,
    dir: repo.dir,
    deps: o.deps,
    constraintsFile: o.constraintsFile,
    pbrVersion,
  });
  await sh.run(command.argv, { env: command.env, cwd: repo.dir, onLine: o.onLine, timeoutSec: 1800 });
  return { repo, command, pbrVersion };
}
