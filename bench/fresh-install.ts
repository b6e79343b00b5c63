// The install phase as on a fresh VM, measured without touching this shared machine's packages:
//
//   npm run bench:fresh-apt -- [--config PATH] [--keep] [--minbase] [--only 'Recommends too'] [--py3compile]
//
// A Debian 12 chroot (bench/fresh-chroot.ts: the VM image's packages on a debootstrap minbase, or the bare
// minbase with --minbase; the host's own apt archive) gets the plan's packages with the apt-get runs and command
// lines the install step uses (lib/system/apt.ts aptRuns, aptInstallArgv), each candidate in its own copy of the
// chroot, downloading its own .debs first (as the step does) and then installing them:
//   Recommends too, eatmydata   APT_NO_INSTALL_RECOMMENDS=False (lean modules apart, as before it)
//   no Recommends, plain dpkg   APT_EATMYDATA=False: dpkg with its fsyncs
//   no Recommends, eatmydata    the defaults
// apt already fetches everything before dpkg starts, so "download first, then install" changes the
// order of nothing: the figure is download + install. The whole fresh cold run, every phase in the chroot,
// is bench/fresh-stack.ts's (npm run bench:fresh).
//
// --py3compile: how much of dpkg's configure pass is byte-compiling. The maintainer scripts of Debian's python
// packages run `py3compile -p PACKAGE` (dh_python3's postinst snippet); in each copy, and only there, py3compile is
// diverted (dpkg-divert, so that an upgrade of python3-minimal would not overwrite it) to a shim that times each
// run. Printed per candidate: the unpack and configure passes (from the copy's /var/log/dpkg.log, to the second),
// py3compile's total and run count, and the packages that took longest; the install's dpkg.log and the shim's
// log stay in /var/tmp/tstack-fresh/<candidate>.{dpkg,py3compile}.log.
//
// Root, under the machine lock (it runs apt-get and dpkg, in the chroot). Nothing outside /var/tmp/tstack-fresh
// changes; --keep keeps the chroots for a look.

import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../lib/config/resolve.ts';
import { stackCatalog } from '../lib/cli/catalog.ts';
import { SystemHostFacts } from '../lib/system/host-facts.ts';
import { buildPlan, withoutRecommends } from '../lib/plan/plan.ts';
import { SERVICE_MODULES } from '../lib/services/registry.ts';
import {
  APT_ENV,
  aptInstallArgv,
  aptRuns,
  debconfPreseed,
  POLICY_RC_D,
  POLICY_RC_D_CONTENT,
  simulateArgv,
  simulatedInstalls,
} from '../lib/system/apt.ts';
import { TOP_DIR } from '../lib/util/paths.ts';
import { dpkgPasses, py3compileRuns } from './dpkg-timing.ts';
import { checkPrerequisites, ensureFresh, secs, sh, timed, WORK } from './fresh-chroot.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** A copy of the base chroot with /proc and /dev for the maintainer scripts, and a policy-rc.d. */
async function chrootCopy(fresh: string, name: string): Promise<string> {
  const dir = join(WORK, name);
  await sh(['rm', '-rf', dir]);
  await sh(['cp', '-a', fresh, dir]);
  writeFileSync(join(dir, POLICY_RC_D), POLICY_RC_D_CONTENT, { mode: 0o755 });
  // the install step's debconf answers (no database configured behind our back)
  writeFileSync(join(dir, 'tmp/preseed'), `${debconfPreseed(SERVICE_MODULES).join('\n')}\n`);
  await sh(['chroot', dir, 'debconf-set-selections', '/tmp/preseed']);
  await sh(['mount', '-t', 'proc', 'proc', join(dir, 'proc')]);
  // the host's /dev with /dev/pts (apt runs dpkg on a pty; without one the maintainer scripts fail on I/O),
  // a slave so that unmounting it here never unmounts anything of the host's
  await sh(['mount', '--rbind', '/dev', join(dir, 'dev')]);
  await sh(['mount', '--make-rslave', join(dir, 'dev')]);
  return dir;
}

const PY3COMPILE = '/usr/bin/py3compile';
const PY3COMPILE_LOG = '/var/log/tstack-py3compile.log';
/** The timing shim (bench-only, inside a copy): one line per run, `<ms> <arguments>`. */
const PY3COMPILE_SHIM = `#!/bin/sh
# bench/fresh-install.ts --py3compile: times each byte-compile run of the maintainer scripts
t0=$(date +%s%N)
${PY3COMPILE}.distrib "$@"
rc=$?
echo "$(( ($(date +%s%N) - t0) / 1000000 )) $*" >>${PY3COMPILE_LOG}
exit $rc
`;

async function timePy3compile(dir: string): Promise<void> {
  const divert = ['dpkg-divert', '--local', '--rename', '--divert', `${PY3COMPILE}.distrib`, '--add', PY3COMPILE];
  await sh(['chroot', dir, ...divert]);
  writeFileSync(join(dir, PY3COMPILE), PY3COMPILE_SHIM, { mode: 0o755 });
}

/** Processes a maintainer script left running inside the chroot (epmd...), by their root directory. */
function chrootProcesses(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/root`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function release(dir: string): Promise<void> {
  for (const pid of chrootProcesses(dir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  for (const m of ['proc', 'dev']) await sh(['umount', '-R', '-l', join(dir, m)]).catch(() => undefined);
  if (!process.argv.includes('--keep')) await sh(['rm', '-rf', '--one-file-system', dir]);
}

/** One way of installing the plan's packages, in its own copy of the fresh system. */
interface Candidate {
  label: string;
  noRecommends: boolean;
  eatmydata: boolean;
}

const CANDIDATES: Candidate[] = [
  { label: 'Recommends too, eatmydata', noRecommends: false, eatmydata: true },
  { label: 'no Recommends, plain dpkg', noRecommends: true, eatmydata: false },
  { label: 'no Recommends, eatmydata', noRecommends: true, eatmydata: true },
];

/** The --py3compile figures of one copy (the dpkg.log part of each apt run), as lines. */
function compileFigures(logs: readonly string[], dir: string): string[] {
  const passes = logs.map(dpkgPasses);
  const sum = (f: (p: (typeof passes)[number]) => number) => passes.reduce((a, p) => a + f(p), 0);
  const configures = new Map<string, number>();
  for (const p of passes) for (const [k, ms] of p.configures) configures.set(k, (configures.get(k) ?? 0) + ms);
  const configureMs = sum((p) => p.configureMs);
  const shimLog = join(dir, PY3COMPILE_LOG.slice(1));
  const runs = py3compileRuns(existsSync(shimLog) ? readFileSync(shimLog, 'utf8') : '');
  const summed = [...configures.values()].reduce((a, b) => a + b, 0);
  const share = (ms: number) => (ms ? `${((100 * runs.ms) / ms).toFixed(0)}%` : '-');
  const top = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, 12);
  const row = ([p, ms]: [string, number]) => `  ${p.padEnd(40)} ${(ms / 1000).toFixed(1).padStart(6)} s`;
  return [
    `unpack pass ${secs(sum((p) => p.unpackMs))}, configure pass ${secs(configureMs)} ` +
      `(last unpack to the end; ${sum((p) => p.configured)} packages configured; dpkg.log, to the second)`,
    `every configure and trigger run, summed: ${secs(summed)} (early ones during the unpack pass too)`,
    `py3compile: ${secs(runs.ms)} in ${runs.runs} runs for ${runs.byPackage.size} packages ` +
      `(${share(configureMs)} of the configure pass, ${share(summed)} of the summed runs)`,
    'longest py3compile runs (per package):',
    ...top(runs.byPackage).map(row),
    'longest configures and trigger runs (dpkg.log):',
    ...top(configures).map(row),
  ];
}

async function main(): Promise<void> {
  checkPrerequisites('bench/fresh-install.ts');
  const configPath = arg('config', join(TOP_DIR, 'local.conf'));
  const config = loadConfig({
    configPath: existsSync(configPath) ? configPath : undefined,
    host: new SystemHostFacts(),
    catalog: stackCatalog(),
  });
  const plan = buildPlan(config, { method: 'distro', reason: 'bench' }, SERVICE_MODULES);
  const lean = withoutRecommends(plan);
  const packages = [...new Set(plan.packages)].sort();
  console.log(
    `bench/fresh-install.ts: ${packages.length} packages of the plan (${configPath}); ${new Date().toISOString()}`,
  );

  const base = await ensureFresh(process.argv.includes('--minbase'));
  const inChroot = (dir: string, argv: string[]) => ['chroot', dir, ...argv];
  console.log("\nfresh install of the plan's packages (a Debian 12 chroot), download included:");
  const rows: { c: Candidate; count: number; download: number; install: number }[] = [];
  const compiles: { c: Candidate; lines: string[] }[] = [];
  const py3 = process.argv.includes('--py3compile');
  // --only TEXT: the candidates whose label has TEXT (one take of the machine lock may not hold all three)
  const only = process.argv.includes('--only') ? arg('only', '') : '';
  for (const c of CANDIDATES.filter((x) => x.label.includes(only))) {
    const dir = await chrootCopy(base, c.label.replace(/\W+/g, '-'));
    try {
      // the install step's runs (lib/system/apt.ts aptRuns): one without Recommends, or lean modules apart
      const runs = aptRuns(packages, lean, c.noRecommends);
      const counted = new Set<string>();
      for (const r of runs) {
        const sim = await sh(inChroot(dir, simulateArgv(r.packages, r.recommends)), APT_ENV);
        for (const p of simulatedInstalls(sim)) counted.add(p);
      }
      let download = 0;
      let install = 0;
      for (const r of runs) {
        const argv = aptInstallArgv(r.packages, { recommends: r.recommends, downloadOnly: true });
        download += await timed(`${c.label}: download`, inChroot(dir, argv), APT_ENV);
      }
      if (py3) await timePy3compile(dir);
      const dpkgLog = join(dir, 'var/log/dpkg.log');
      // each apt run's part of dpkg.log: its passes are its own
      const logs: string[] = [];
      for (const r of runs) {
        const argv = aptInstallArgv(r.packages, { recommends: r.recommends, eatmydata: c.eatmydata });
        const before = existsSync(dpkgLog) ? statSync(dpkgLog).size : 0;
        install += await timed(`${c.label}: install`, inChroot(dir, argv), APT_ENV);
        logs.push(readFileSync(dpkgLog).subarray(before).toString());
      }
      rows.push({ c, count: counted.size, download, install });
      if (py3) {
        const log = logs.join('');
        compiles.push({ c, lines: compileFigures(logs, dir) });
        // for a look after the run (the copy goes): this install's dpkg.log and the shim's
        const keep = join(WORK, `${c.label.replace(/\W+/g, '-')}`);
        writeFileSync(`${keep}.dpkg.log`, log);
        await sh(['cp', join(dir, PY3COMPILE_LOG.slice(1)), `${keep}.py3compile.log`]).catch(() => undefined);
      }
    } finally {
      await release(dir);
    }
  }
  console.log('\nfigures (APT_NO_INSTALL_RECOMMENDS=True and APT_EATMYDATA=True are the defaults):');
  for (const r of rows) {
    console.log(
      `  ${r.c.label.padEnd(28)} ${String(r.count).padStart(5)} packages  download ${secs(r.download).padStart(5)}` +
        `  install ${secs(r.install).padStart(5)}  total ${secs(r.download + r.install).padStart(5)}`,
    );
  }
  for (const { c, lines } of compiles) {
    console.log(`\nbyte-compiling in dpkg's configure pass (${c.label}):`);
    for (const l of lines) console.log(`  ${l}`);
  }
  console.log('  the whole fresh cold ./stack.ts, every phase: npm run bench:fresh (bench/fresh-stack.ts)');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
