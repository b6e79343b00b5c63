// Installing Debian's packages without letting them run anything: no daemon
// is started (policy-rc.d), no database is configured (debconf preseed), no
// prompt is shown, and local edits to config files are kept (--force-confold;
// tstack rewrites the files it owns anyway).

import { existsSync, readFileSync } from 'node:fs';
import type { Plan, ServiceModule, StackContext, Step } from '../types/stack.ts';
import type { Shell } from '../types/shell.ts';

/**
 * debconf answers, from the modules (ServiceModule.debconf). Debian's
 * OpenStack packages default these to false anyway under
 * DEBIAN_FRONTEND=noninteractive, but saying so makes sure dbconfig-common
 * never creates a sqlite or MySQL database behind our back.
 */
export function debconfPreseed(modules: readonly Pick<ServiceModule, 'debconf'>[]): string[] {
  return [...new Set(modules.flatMap((m) => m.debconf ?? []))];
}

export const POLICY_RC_D = '/usr/sbin/policy-rc.d';
/** invoke-rc.d asks this script before starting anything; 101 = "action forbidden". */
export const POLICY_RC_D_CONTENT =
  '#!/bin/sh\n# tstack: packages never start daemons; the stack runs them in panes\nexit 101\n';

/** `dpkg-query` output -> the packages not fully installed. Pure, for tests. */
export function missingFromDpkgQuery(wanted: readonly string[], output: string): string[] {
  const installed = new Set<string>();
  for (const line of output.split('\n')) {
    const m = /^(\S+?)(?::\S+)?\s+install ok installed$/.exec(line.trim());
    if (m) installed.add(m[1]);
  }
  return wanted.filter((p) => !installed.has(p));
}

export async function missingPackages(sh: Shell, packages: readonly string[]): Promise<string[]> {
  if (packages.length === 0) return [];
  // exit 1 when some package is unknown to dpkg: that only means "missing"
  const r = await sh.run(['dpkg-query', '-W', '-f', '${Package} ${Status}\n', ...packages], { allowFailure: true });
  return missingFromDpkgQuery(packages, r.stdout);
}

/** The apt-get command line (pure, for tests). */
export function aptInstallArgv(packages: readonly string[], opts: { recommends?: boolean } = {}): string[] {
  return [
    'apt-get',
    'install',
    '-y',
    ...(opts.recommends === false ? ['--no-install-recommends'] : []),
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
    ...packages,
  ];
}

export const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', NEEDRESTART_MODE: 'l' };

/** Progress from apt/dpkg output lines: counts unpacked and configured packages. */
export class AptProgress {
  unpacked = 0;
  configured = 0;
  private lastShown = 0;
  constructor(
    readonly total: number,
    private readonly show: (msg: string) => void,
    private readonly every = 25,
  ) {}
  line(l: string): void {
    if (l.startsWith('Unpacking ')) this.unpacked++;
    else if (l.startsWith('Setting up ')) this.configured++;
    else {
      if (l.startsWith('Fetched ')) this.show(`apt: ${l}`); // download finished: "Fetched 243 MB in 17s"
      return;
    }
    const done = this.unpacked + this.configured;
    if (done - this.lastShown >= this.every) {
      this.lastShown = done;
      this.show(`apt: ${this.unpacked} unpacked, ${this.configured} set up (of about ${this.total})`);
    }
  }
}

/** How many packages apt would install, from `apt-get -s` output. */
export function countSimulatedInstalls(output: string): number {
  return output.split('\n').filter((l) => l.startsWith('Inst ')).length;
}

async function installMissing(
  ctx: StackContext,
  packages: string[],
  preseed: readonly string[],
  lean: ReadonlySet<string> = new Set(),
): Promise<void> {
  const { sh, log } = ctx;
  const missing = await missingPackages(sh, packages);
  if (missing.length === 0) {
    log.info(`apt: all ${packages.length} packages already installed`);
    return;
  }
  log.info(`apt: installing ${missing.length} package(s) and their dependencies: ${missing.join(' ')}`);
  // An earlier run aborted mid-install (second Ctrl-C) leaves dpkg half-done,
  // and apt then refuses everything until it is finished; a no-op otherwise.
  await sh.run(['dpkg', '--configure', '-a'], { env: APT_ENV, timeoutSec: 1800 });

  let sim = await sh.run(['apt-get', 'install', '-s', ...missing], { allowFailure: true, env: APT_ENV });
  if (sim.code !== 0) {
    // stale or absent package lists ("Unable to locate package"): refresh once
    log.info('apt: refreshing package lists (apt-get update)');
    await sh.run(['apt-get', 'update'], { env: APT_ENV, timeoutSec: 600 });
    sim = await sh.run(['apt-get', 'install', '-s', ...missing], { env: APT_ENV });
  }
  const total = countSimulatedInstalls(sim.stdout);

  const previousPolicy = existsSync(POLICY_RC_D) ? readFileSync(POLICY_RC_D, 'utf8') : undefined;
  await ctx.writeFile(POLICY_RC_D, POLICY_RC_D_CONTENT, { mode: 0o755 });
  try {
    await sh.run(['debconf-set-selections'], { input: preseed.join('\n') + '\n' });
    const progress = new AptProgress(total, (m) => log.info(m));
    const t0 = Date.now();
    // two runs: apt's Install-Recommends applies to a whole run, not to one package
    const usual = missing.filter((p) => !lean.has(p));
    const bare = missing.filter((p) => lean.has(p));
    if (usual.length)
      await sh.run(aptInstallArgv(usual), { env: APT_ENV, onLine: (l) => progress.line(l), timeoutSec: 3600 });
    if (bare.length)
      await sh.run(aptInstallArgv(bare, { recommends: false }), {
        env: APT_ENV,
        onLine: (l) => progress.line(l),
        timeoutSec: 3600,
      });
    log.info(`apt: ${total} package(s) installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } finally {
    // leave the host's own policy as it was
    if (previousPolicy !== undefined) await ctx.writeFile(POLICY_RC_D, previousPolicy, { mode: 0o755 });
    else await sh.run(['rm', '-f', POLICY_RC_D]);
  }
  const still = await missingPackages(sh, packages);
  if (still.length > 0) throw new Error(`apt: still not installed after apt-get: ${still.join(' ')}`);
}

/** The install-phase step: installs `plan.packages`; re-runs skip it while the list is unchanged. */
/** `lean`: packages installed with --no-install-recommends (plan.ts withoutRecommends). */
export function aptInstallStep(plan: Plan, lean: ReadonlySet<string> = new Set()): Step {
  const packages = [...new Set(plan.packages)].sort();
  const preseed = debconfPreseed(plan.services);
  return {
    id: 'apt:install',
    title: `install ${packages.length} Debian package(s)`,
    fingerprint: `apt:${packages.join(',')}`,
    run: (ctx) => installMissing(ctx, packages, preseed, lean),
  };
}
