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

/**
 * dh-python's byte-compile exclude list: py3compile, which every Python package's postinst runs, skips what
 * the files in /usr/share/python3/bcep match. This one names the test suites the OpenStack packages ship
 * (nova/tests, neutron/tests...): a stack never imports them, and python compiles whatever it does import.
 */
export const BYTECOMPILE_EXCLUDE_FILE = '/usr/share/python3/bcep/tstack';
export const BYTECOMPILE_EXCLUDE =
  '# tstack (APT_BYTECOMPILE_TESTS=False): no byte-compiling of the test suites Python packages ship\n' +
  're||/usr/lib/python3/dist-packages/|.*/tests/.*\n';

/** The exclude list as APT_BYTECOMPILE_TESTS asks, before dpkg runs any postinst. */
async function setBytecompileExclude(ctx: StackContext): Promise<void> {
  if (!ctx.plan.bool('APT_BYTECOMPILE_TESTS')) await ctx.writeFile(BYTECOMPILE_EXCLUDE_FILE, BYTECOMPILE_EXCLUDE);
  else await ctx.sh.run(['rm', '-f', BYTECOMPILE_EXCLUDE_FILE]);
}

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

/** How apt-get runs: downloading only, under eatmydata. */
export interface AptRunOptions {
  recommends?: boolean;
  /** `--download-only`: fetch every .deb into apt's cache, install nothing. */
  downloadOnly?: boolean;
  /** Run under eatmydata (APT_EATMYDATA): no fsync in dpkg and the maintainer scripts. */
  eatmydata?: boolean;
  /** apt's .deb cache (Dir::Cache::Archives) when not its own: where the prefetch put them. */
  archives?: string;
}

export const EATMYDATA = '/usr/bin/eatmydata';

/** The apt-get command line (pure, for tests). Status lines (APT::Status-Fd) go to stdout with the rest. */
export function aptInstallArgv(packages: readonly string[], opts: AptRunOptions = {}): string[] {
  return [
    ...(opts.eatmydata ? [EATMYDATA] : []),
    'apt-get',
    'install',
    '-y',
    ...(opts.downloadOnly ? ['--download-only'] : []),
    ...(opts.recommends === false ? ['--no-install-recommends'] : []),
    ...(opts.archives ? ['-o', `Dir::Cache::Archives=${opts.archives}/`] : []),
    '-o',
    'APT::Status-Fd=1',
    '-o',
    'Dpkg::Options::=--force-confdef',
    '-o',
    'Dpkg::Options::=--force-confold',
    ...packages,
  ];
}

export const APT_ENV = { DEBIAN_FRONTEND: 'noninteractive', APT_LISTCHANGES_FRONTEND: 'none', NEEDRESTART_MODE: 'l' };

/** Where an install stands, from apt's status lines. */
export interface AptStatus {
  stage: 'download' | 'install';
  /** apt's own percentage of the stage. */
  percent: number;
  /** Files fetched, or packages installed (configured). */
  done: number;
  /**
   * Packages unpacked so far (install): a large install unpacks nearly everything before it configures, so
   * `done` stays flat for minutes while this moves.
   */
  unpacked?: number;
  total: number;
  /** The package being worked on (install), or apt's description (download). */
  current: string;
}

const DLSTATUS = /^dlstatus:(\d+):(\d+(?:\.\d+)?):(.*)$/;
/** `pmstatus:<package>:<percent>:<message>`; a multiarch package name has a colon of its own. */
const PMSTATUS = /^pmstatus:(.+?):(\d+(?:\.\d+)?):(.*)$/;

/**
 * Reads apt's status lines (APT::Status-Fd): `dlstatus:<file>:<percent>:Retrieving file 3 of 36` while
 * downloading, `pmstatus:<pkg>:<percent>:<Unpacking|Configuring|Installed> <pkg>` while dpkg works. A
 * package counts as done at its `Installed` line. Other lines are ignored. Pure.
 */
export class AptStatusReader {
  private installed = new Set<string>();
  private unpacked = new Set<string>();
  status?: AptStatus;

  constructor(readonly total: number) {}

  /** The new status when `line` is a status line, else undefined. */
  line(line: string): AptStatus | undefined {
    const dl = DLSTATUS.exec(line);
    if (dl) {
      const of = /of (\d+)/.exec(dl[3]);
      this.status = {
        stage: 'download',
        percent: Number(dl[2]),
        done: Number(dl[1]),
        total: of ? Number(of[1]) : this.total,
        current: dl[3].trim(),
      };
      return this.status;
    }
    const pm = PMSTATUS.exec(line);
    if (!pm) return undefined;
    const pkg = pm[1].replace(/:[a-z0-9]+$/, '');
    if (pm[3].startsWith('Installed ')) this.installed.add(pkg);
    if (pm[3].startsWith('Unpacking ')) this.unpacked.add(pkg);
    this.status = {
      stage: 'install',
      percent: Number(pm[2]),
      done: this.installed.size,
      unpacked: this.unpacked.size,
      total: Math.max(this.total, this.installed.size),
      current: pkg,
    };
    return this.status;
  }
}

/**
 * `install 123/650 packages (41%): nova-common`, with `, 600 unpacked` while dpkg unpacks ahead of configuring;
 * `download 12/36 files (20%)`.
 */
export function formatAptStatus(s: AptStatus): string {
  const pct = `${Math.floor(s.percent)}%`;
  if (s.stage === 'download') return `download ${s.done}/${s.total} files (${pct})`;
  const ahead = (s.unpacked ?? 0) > s.done ? `, ${s.unpacked} unpacked` : '';
  return `install ${s.done}/${s.total} packages (${pct})${ahead}: ${s.current}`;
}

/** The packages apt would install, from `apt-get -s` output. */
export function simulatedInstalls(output: string): string[] {
  return [...output.matchAll(/^Inst (\S+)/gm)].map((m) => m[1]);
}

export function simulateArgv(packages: readonly string[], recommends: boolean): string[] {
  return ['apt-get', 'install', '-s', ...(recommends ? [] : ['--no-install-recommends']), ...packages];
}

/** apt-get's simulation of each run (aptRuns), at once: apt-get -s takes no lock. */
function simulateRuns(sh: Shell, runs: ReturnType<typeof aptRuns>, allowFailure: boolean) {
  return Promise.all(runs.map((r) => sh.run(simulateArgv(r.packages, r.recommends), { allowFailure, env: APT_ENV })));
}

/**
 * The apt-get runs for `packages`: one, without Recommends, under APT_NO_INSTALL_RECOMMENDS; else two, as
 * apt's Install-Recommends applies to a whole run: the modules that install lean (`lean`) apart. Pure.
 */
export function aptRuns(
  packages: readonly string[],
  lean: ReadonlySet<string>,
  noRecommends: boolean,
): { packages: string[]; recommends: boolean }[] {
  if (noRecommends) return packages.length ? [{ packages: [...packages], recommends: false }] : [];
  const usual = packages.filter((p) => !lean.has(p));
  const bare = packages.filter((p) => lean.has(p));
  return [
    ...(usual.length ? [{ packages: usual, recommends: true }] : []),
    ...(bare.length ? [{ packages: bare, recommends: false }] : []),
  ];
}

async function installMissing(
  ctx: StackContext,
  packages: string[],
  preseed: readonly string[],
  lean: ReadonlySet<string> = new Set(),
  archives?: string,
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

  const runs = aptRuns(missing, lean, ctx.plan.bool('APT_NO_INSTALL_RECOMMENDS'));
  let sims = await simulateRuns(sh, runs, true);
  if (sims.some((s) => s.code !== 0)) {
    // stale or absent package lists ("Unable to locate package"): refresh once
    log.info('apt: refreshing package lists (apt-get update)');
    await sh.run(['apt-get', 'update'], { env: APT_ENV, timeoutSec: 600 });
    sims = await simulateRuns(sh, runs, false);
  }
  // two runs can share dependencies: count each package once
  const total = new Set(sims.flatMap((s) => simulatedInstalls(s.stdout))).size;
  const eatmydata = ctx.plan.bool('APT_EATMYDATA');
  if (eatmydata && (await missingPackages(sh, ['eatmydata'])).length > 0) {
    // installed the usual way (a second): everything after it skips fsync
    await sh.run(aptInstallArgv(['eatmydata'], { recommends: false }), { env: APT_ENV, timeoutSec: 600 });
  }

  const previousPolicy = existsSync(POLICY_RC_D) ? readFileSync(POLICY_RC_D, 'utf8') : undefined;
  await ctx.writeFile(POLICY_RC_D, POLICY_RC_D_CONTENT, { mode: 0o755 });
  await setBytecompileExclude(ctx);
  try {
    await sh.run(['debconf-set-selections'], { input: preseed.join('\n') + '\n' });
    const reader = new AptStatusReader(total);
    const t0 = Date.now();
    // apt fetches every .deb before dpkg touches anything (a network failure stops it there); its first dpkg
    // status line ends the download. One apt-get per run: a separate --download-only run cost a second
    // dependency resolution (2 s for the early wave) on the way to dpkg.
    let t1: number | undefined;
    const onLine = (l: string) => {
      const s = reader.line(l);
      if (!s) return;
      if (s.stage === 'install') t1 ??= Date.now();
      ctx.progress?.(formatAptStatus(s));
    };
    for (const r of runs) {
      const argv = aptInstallArgv(r.packages, { recommends: r.recommends, eatmydata, archives });
      await sh.run(argv, { env: APT_ENV, onLine, timeoutSec: 3600 });
    }
    const t2 = Date.now();
    const secs = (ms: number) => `${(ms / 1000).toFixed(0)} s`;
    log.info(
      `apt: ${total} package(s) downloaded in ${secs((t1 ?? t2) - t0)}, installed in ${secs(t2 - (t1 ?? t2))}` +
        (eatmydata ? ' (eatmydata)' : ''),
    );
  } finally {
    // leave the host's own policy as it was
    if (previousPolicy !== undefined) await ctx.writeFile(POLICY_RC_D, previousPolicy, { mode: 0o755 });
    else await sh.run(['rm', '-f', POLICY_RC_D]);
  }
  const still = await missingPackages(sh, packages);
  if (still.length > 0) throw new Error(`apt: still not installed after apt-get: ${still.join(' ')}`);
}

/**
 * `Inst name [installed] (version suite [arch])` lines of a simulation -> `name=version`, as `apt-get download`
 * takes them. Pure, for tests.
 */
export function simulatedVersions(output: string): string[] {
  return [...output.matchAll(/^Inst (\S+) (?:\[[^\]]*\] )?\((\S+)/gm)].map((m) => `${m[1]}=${m[2]}`);
}

/**
 * Where the main and late waves' .debs are fetched while the early wave installs: apt-get holds its own cache's
 * lock for a whole install, and `apt-get download` takes none, so they go to a cache of their own.
 */
export const PREFETCH_ARCHIVES = '/var/cache/tstack/debs';
export const PREFETCH_STEP = 'apt:prefetch';

/**
 * Fetch the .debs `packages` would install (what apt-get simulates now) into PREFETCH_ARCHIVES, but those of
 * `first` (the early wave's, which fetches its own meanwhile: both downloads at once halve its bandwidth). Never
 * fatal: a wave downloads whatever is not there.
 */
async function prefetch(
  ctx: StackContext,
  packages: string[],
  first: string[],
  lean: ReadonlySet<string>,
): Promise<void> {
  const { sh, log } = ctx;
  const missing = await missingPackages(sh, packages);
  if (missing.length === 0) return;
  const t0 = Date.now();
  await sh.run(['install', '-d', `${PREFETCH_ARCHIVES}/partial`]);
  const simulated = async (wanted: string[]) => {
    const sims = await simulateRuns(sh, aptRuns(wanted, lean, ctx.plan.bool('APT_NO_INSTALL_RECOMMENDS')), true);
    return sims.filter((r) => r.code === 0).flatMap((r) => simulatedVersions(r.stdout));
  };
  const firstMissing = missing.filter((p) => first.includes(p));
  const [all, early] = await Promise.all([simulated(missing), firstMissing.length ? simulated(firstMissing) : []]);
  const fetchedByEarly = new Set(early);
  const wanted = [...new Set(all)].filter((v) => !fetchedByEarly.has(v));
  if (wanted.length === 0) return;
  const reader = new AptStatusReader(wanted.length);
  const r = await sh.run(['apt-get', 'download', '-o', 'APT::Status-Fd=1', ...wanted], {
    cwd: PREFETCH_ARCHIVES,
    env: APT_ENV,
    allowFailure: true,
    timeoutSec: 3600,
    onLine: (l) => {
      const s = reader.line(l);
      if (s) ctx.progress?.(formatAptStatus(s));
    },
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (r.code === 0) log.info(`apt: ${wanted.length} .deb(s) fetched in ${secs} s while the early wave installs`);
  else log.info(`apt: fetching ahead stopped (exit ${r.code}); the install downloads what is missing`);
}

export const APT_STEP = 'apt:install';
/** The early wave's step id (plan.waves.early): what a step waits for when it needs only those packages. */
export const EARLY_APT_STEP = 'apt:install-early';
/** The late wave's step id (plan.waves.late): what the late modules' steps wait for. */
export const LATE_APT_STEP = 'apt:install-late';
/** The phase that waits for the late wave (and the late modules' steps up to start): the seeding. */
export const LATE_UNTIL = 'extra';

/** Step.expectSec of an apt wave: 35-55 s each on a fresh VM (the scheduler starts what the most time waits for). */
const APT_WAVE_SEC = 40;

/**
 * The install-phase step of the main wave: `plan.packages` but the late wave's; re-runs skip it while the list is
 * unchanged. `lean`: packages installed with --no-install-recommends (plan.ts withoutRecommends).
 */
export function aptInstallStep(plan: Plan, lean: ReadonlySet<string> = new Set(), archives?: string): Step {
  const late = new Set(plan.waves.late.packages);
  const packages = [...new Set(plan.packages)].filter((p) => !late.has(p)).sort();
  const preseed = debconfPreseed(plan.services);
  return {
    id: APT_STEP,
    title: `install ${packages.length} Debian package(s)`,
    fingerprint: `apt:${packages.join(',')}`,
    expectSec: APT_WAVE_SEC,
    run: (ctx) => installMissing(ctx, packages, preseed, lean, archives),
  };
}

/** What the early wave is for: the modules that start early, and the packages other modules need first. */
function earlyWaveFor(plan: Plan): string[] {
  const packages = plan.services.flatMap((m) => m.earlyPackages?.(plan) ?? []);
  return [...plan.waves.early.modules, ...packages.filter((p) => plan.waves.early.packages.includes(p))];
}

/**
 * The install phase's apt steps (one apt run at a time: dpkg has one lock):
 * - an early wave first when modules ask for one (plan.waves.early: the infrastructure that starts early, what the
 *   KVM probe boots its guest with), so their steps run while the main wave installs the rest;
 * - the main wave (APT_STEP), the early packages already there, its .debs (and the late wave's) fetched while the
 *   early wave installs (PREFETCH_STEP);
 * - a late wave (LATE_APT_STEP: the dashboard's packages), which runs on while the next phases configure and start
 *   the others, up to `extra` (overlapsUntil); the late modules' steps wait for it.
 */
export function aptInstallSteps(plan: Plan, lean: ReadonlySet<string> = new Set()): Step[] {
  const preseed = debconfPreseed(plan.services);
  const { early } = plan.waves;
  const packages = [...new Set(plan.packages)].sort();
  if (early.packages.length === 0) return [aptInstallStep(plan, lean), ...lateWave(plan, preseed, lean)];
  // the others' .debs are fetched while the early wave installs: the network and dpkg overlap
  const main = aptInstallStep(plan, lean, PREFETCH_ARCHIVES);
  return [
    {
      id: EARLY_APT_STEP,
      title: `install ${early.packages.length} Debian package(s) first: ${earlyWaveFor(plan).join(', ')}`,
      fingerprint: `apt:${early.packages.join(',')}`,
      expectSec: APT_WAVE_SEC,
      run: (ctx) => installMissing(ctx, early.packages, preseed, lean),
    },
    {
      id: PREFETCH_STEP,
      title: 'fetch the other packages while the first ones install',
      fingerprint: `apt:${packages.join(',')}`,
      expectSec: 10,
      run: (ctx) => prefetch(ctx, packages, early.packages, lean),
    },
    { ...main, after: [...(main.after ?? []), EARLY_APT_STEP, PREFETCH_STEP] },
    ...lateWave(plan, preseed, lean, PREFETCH_ARCHIVES),
  ];
}

function lateWave(plan: Plan, preseed: readonly string[], lean: ReadonlySet<string>, archives?: string): Step[] {
  const { late } = plan.waves;
  if (late.packages.length === 0) return [];
  return [
    {
      id: LATE_APT_STEP,
      title: `install ${late.packages.length} Debian package(s) last: ${late.modules.join(', ')}`,
      fingerprint: `apt:${late.packages.join(',')}`,
      after: [APT_STEP],
      overlapsUntil: LATE_UNTIL,
      expectSec: APT_WAVE_SEC,
      run: (ctx) => installMissing(ctx, late.packages, preseed, lean, archives),
    },
  ];
}
