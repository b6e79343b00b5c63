// A local git remote standing in for opendev: openstack/keystone.git built
// from the keystone that Debian installed, by the one builder tstack has
// (lib/source/local-remotes.ts, also `./stack.ts tools make-local-remotes`).

import { SystemShell } from '../../lib/system/exec.ts';
import { buildLocalRemotes, type LocalRemote } from '../../lib/source/local-remotes.ts';

export interface KeystoneRemote extends LocalRemote {
  /** GIT_BASE for local.conf: `file://<root>/git`; the repo is $GIT_BASE/openstack/keystone.git. */
  gitBase: string;
}

/** Build `<root>/git/openstack/keystone.git` (bare) from the installed keystone. */
export async function buildKeystoneRemote(root: string): Promise<KeystoneRemote> {
  const built = await buildLocalRemotes(new SystemShell(), root, { projects: ['keystone'] });
  return { ...built.remotes[0], gitBase: built.gitBase };
}
