// The install phase as on a fresh VM, measured without touching this shared machine's packages:
//
//   npm run bench:fresh-apt -- [--config PATH] [--keep] [--minbase]
//
// A Debian 12 chroot (bench/fresh-chroot.ts: the VM image's packages on a debootstrap minbase, or the bare
// minbase with --minbase; the host's own apt archive) gets the
// plan's packages with the apt-get command lines the install step uses (lib/system/apt.ts aptInstallArgv), each
// candidate in its own copy of the chroot, all from one download:
//   download   apt-get install --download-only (every .deb into the cache, as the step does first)
//   plain      apt-get install from the cache, dpkg with its fsyncs
//   eatmydata  the same under eatmydata (APT_EATMYDATA=True, the default)
// apt already fetches everything before dpkg starts, so "download first, then install" changes the
// order of nothing: the figure is download + install. The whole fresh cold run, every phase in the chroot,
// is bench/fresh-stack.ts's (npm run bench:fresh).
//
// Root, under the machine lock (it runs apt-get and dpkg, in the chroot). Nothing outside /var/tmp/tstack-fresh
// changes; --keep keeps the chroots for a look.

import { existsSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../lib/config/resolve.ts';
import { stackCatalog } from '../lib/cli/catalog.ts';
import { SystemHostFacts } from '../lib/system/host-facts.ts';
import { buildPlan, withoutRecommends } from '../lib/plan/plan.ts';
import { SERVICE_MODULES } from '../lib/services/registry.ts';
import {
  APT_ENV,
  aptInstallArgv,
  countSimulatedInstalls,
  debconfPreseed,
  POLICY_RC_D,
  POLICY_RC_D_CONTENT,
} from '../lib/system/apt.ts';
import { TOP_DIR } from '../lib/util/paths.ts';
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
  await sh(['mount', '--bind', '/dev', join(dir, 'dev')]);
  return dir;
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
  for (const m of ['proc', 'dev']) await sh(['umount', '-l', join(dir, m)]).catch(() => undefined);
  if (!process.argv.includes('--keep')) await sh(['rm', '-rf', '--one-file-system', dir]);
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
  const runs = [
    { packages: packages.filter((p) => !lean.has(p)), recommends: true },
    { packages: packages.filter((p) => lean.has(p)), recommends: false },
  ].filter((r) => r.packages.length);
  console.log(
    `bench/fresh-install.ts: ${packages.length} packages of the plan (${configPath}); ${new Date().toISOString()}`,
  );

  const base = await ensureFresh(process.argv.includes('--minbase'));

  const inChroot = (dir: string, argv: string[]) => ['chroot', dir, ...argv];
  console.log("\nfresh install of the plan's packages (a Debian 12 chroot):");
  // one download for every candidate: its cache is copied into each
  const dl = await chrootCopy(base, 'download');
  let downloadMs = 0;
  let total = 0;
  for (const r of runs) {
    total += countSimulatedInstalls(
      await sh(
        inChroot(dl, ['apt-get', 'install', '-s', ...(r.recommends ? [] : ['--no-install-recommends']), ...r.packages]),
        APT_ENV,
      ),
    );
    downloadMs += await timed(
      `download (${r.recommends ? 'with' : 'without'} recommends)`,
      inChroot(dl, aptInstallArgv(r.packages, { recommends: r.recommends, downloadOnly: true })),
      APT_ENV,
    );
  }
  console.log(`  ${total} packages; download ${secs(downloadMs)}`);

  const results: Record<string, number> = {};
  for (const eatmydata of [false, true]) {
    const name = eatmydata ? 'eatmydata' : 'plain';
    const dir = await chrootCopy(base, name);
    // the one download, into this copy's cache only (the fresh system keeps an empty cache)
    await sh(['sh', '-c', `cp ${dl}/var/cache/apt/archives/*.deb ${dir}/var/cache/apt/archives/`]);
    let ms = 0;
    try {
      for (const r of runs) {
        ms += await timed(
          `install, ${name} (${r.recommends ? 'with' : 'without'} recommends)`,
          inChroot(dir, aptInstallArgv(r.packages, { recommends: r.recommends, eatmydata })),
          APT_ENV,
        );
      }
    } finally {
      await release(dir);
    }
    results[name] = ms;
  }
  await release(dl);
  console.log('\nfigures:');
  const row = (label: string, ms: number, withDownload = true) => {
    const sum = withDownload ? `   (download + install ${secs(downloadMs + ms)})` : '';
    console.log(`  ${label.padEnd(24)} ${secs(ms).padStart(6)}${sum}`);
  };
  row('download', downloadMs, false);
  row('install, plain dpkg', results.plain);
  row('install, eatmydata', results.eatmydata);
  console.log('  the whole fresh cold ./stack.ts, every phase: npm run bench:fresh (bench/fresh-stack.ts)');
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
