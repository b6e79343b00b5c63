// Figures for a whole stack on this machine, printed (no timed assertions):
//
//   npm run bench:stack -- [--config PATH] [--no-cold] [--unstack] [--memory-only]
//
//   1. cold: `./unstack.ts --clean`, then `./stack.ts` from scratch, with the
//      time of each phase and of the apt step (from $SERVICE_DIR/last-run.json,
//      the run's own record). Packages stay installed across --clean, so the
//      apt figure is an install that finds everything present, unless the
//      machine is fresh: the bench prints which.
//   2. warm: `./stack.ts` again on the running stack (a converge), against issue 15's 5 s target, with the
//      steps that still ran (db syncs and seeding are skipped while their stamps are unchanged).
//   The fresh-VM install figure is bench/fresh-install.ts's (a chroot: this machine's packages stay).
//   3. restart-to-ready of `key` and `n-api`: the CLI's wall time
//      (`./stack.ts restart NAME`, node start-up included) and the
//      supervisor's (the pane record's startedAt -> readyAt).
//   4. each pane's RSS and their total (`./stack.ts status --json`), each pane's PSS and USS (from
//      smaps_rollup: what a change to that pane can save), and the machine's memory in use (`free -b`),
//      everything up. --memory-only prints just this, for a stack that is already up.
//
// Root, and the machine to itself: run it under the shared lock, e.g.
//   flock /work/tmp/stack.lock sh -c 'npm run bench:stack; ./unstack.ts -a'
// The stack is left running (bench:seed runs against it) unless --unstack.

import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { PaneStatus, ProcessRecord } from '../lib/types/process.ts';
import type { RunReport } from '../lib/phases/runner.ts';
import { paneOfMarker, PANE_MARKER_VAR } from '../lib/proc/launch.ts';
import { readCmdline, readEnvVar, readMemory, readStat, type ProcMemory } from '../lib/proc/procfs.ts';
import { readKsm } from '../lib/system/ksm.ts';
import { TOP_DIR } from '../lib/util/paths.ts';

const run = promisify(execFile);

const has = (flag: string) => process.argv.includes(`--${flag}`);
function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/** One tstack command, timed; its output is kept for the report when it fails. */
async function tstack(script: 'stack.ts' | 'unstack.ts', args: string[]): Promise<{ ms: number; out: string }> {
  const t0 = performance.now();
  try {
    const r = await run(join(TOP_DIR, script), args, {
      cwd: TOP_DIR,
      env: { ...process.env, CI: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { ms: performance.now() - t0, out: r.stdout };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string };
    // exit 3 (partial: e.g. an image not seeded) still leaves a stack to measure
    if (script === 'stack.ts' && err.code === 3) return { ms: performance.now() - t0, out: err.stdout ?? '' };
    throw new Error(
      `./${script} ${args.join(' ')} failed (exit ` +
        `${err.code}):\n${(err.stdout ?? '').slice(-4000)}\n${err.stderr ?? ''}`,
    );
  }
}

function stateDir(): string {
  return (JSON.parse(readFileSync(join(TOP_DIR, '.stackenv'), 'utf8')) as { stateDir: string }).stateDir;
}

function lastRun(): RunReport {
  return (JSON.parse(readFileSync(join(stateDir(), 'last-run.json'), 'utf8')) as { report: RunReport }).report;
}

function printRun(label: string, wallMs: number, report: RunReport): void {
  console.log(`\n${label}: ${secs(wallMs)} wall (runner total ${secs(report.totalMs)})`);
  for (const p of report.phases) {
    if (p.steps === 0) continue;
    console.log(`  ${p.name.padEnd(12)} ${secs(p.ms).padStart(8)}  ${p.steps} steps, ${p.skipped} skipped`);
  }
  for (const s of report.steps.filter((x) => x.id.startsWith('apt:'))) {
    console.log(`  apt step ${s.id} (${s.title}): ${s.status}, ${secs(s.ms)}`);
  }
}

/**
 * The apt module's own line: either everything was installed already, or how many it installed and how long it took.
 */
function aptNote(out: string): string {
  const line = /apt: (all \d+ packages already installed|\d+ package\(s\) downloaded in \d+ s, installed in .*)/.exec(
    out,
  )?.[0];
  return line ?? 'apt: no apt line in the output (step skipped?)';
}

async function restartToReady(pane: string): Promise<{ cliMs: number; supervisorMs: number }> {
  const { ms } = await tstack('stack.ts', ['restart', pane]);
  const rec = JSON.parse(readFileSync(join(stateDir(), 'panes', `${pane}.json`), 'utf8')) as ProcessRecord;
  if (!rec.readyAt) throw new Error(`${pane}: restarted but not ready`);
  return { cliMs: ms, supervisorMs: Date.parse(rec.readyAt) - Date.parse(rec.startedAt) };
}

/** ksmd's CPU time in seconds (utime + stime of the kernel thread), undefined when there is none. */
function ksmdCpuSec(): number | undefined {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const st = readStat(Number(pid));
    if (st?.comm === 'ksmd') return st.cpuTicks / 100;
  }
  return undefined;
}

/**
 * With ENABLE_KSM, memory is read once ksmd has merged what it finds: until pages_sharing grew by less than 1%
 * over 30 s after at least two full scans, at most KSM_SETTLE_CAP_SEC. Prints ksmd's figures and CPU time.
 */
const KSM_SETTLE_CAP_SEC = 300;
async function settleKsm(): Promise<void> {
  const first = readKsm();
  if (first?.run !== 1) {
    console.log(`\nksm: ${first ? `ksmd not running (run=${first.run})` : 'no KSM in this kernel'}`);
    return;
  }
  const t0 = performance.now();
  const cpu0 = ksmdCpuSec() ?? 0;
  const history: number[] = [];
  let now = first;
  for (;;) {
    await new Promise((r) => setTimeout(r, 10_000));
    now = readKsm() ?? now;
    history.push(now.pagesSharing);
    const waited = (performance.now() - t0) / 1000;
    const old = history.at(-4);
    if (now.fullScans - first.fullScans >= 2 && old !== undefined && now.pagesSharing <= old * 1.01) break;
    if (waited >= KSM_SETTLE_CAP_SEC) {
      console.log(`\nksm: still merging after ${KSM_SETTLE_CAP_SEC} s; read as it is`);
      break;
    }
  }
  const waited = (performance.now() - t0) / 1000;
  const cpu = (ksmdCpuSec() ?? 0) - cpu0;
  const profit = now.generalProfitBytes === undefined ? '' : `, general_profit ${mib(now.generalProfitBytes)}`;
  console.log(
    `\nksm (ENABLE_KSM): after ${secs(waited * 1000)}: pages_sharing ${now.pagesSharing} ` +
      `(${mib(now.pagesSharing * 4096)} saved) on ${now.pagesShared} shared pages${profit}, ` +
      `${now.fullScans - first.fullScans} full scans; ` +
      `ksmd used ${cpu.toFixed(1)} s of CPU in that time (${((cpu / waited) * 100).toFixed(1)}% of one core)`,
  );
}

async function memory(): Promise<void> {
  const { stdout } = await run(join(TOP_DIR, 'stack.ts'), ['status', '--json'], {
    cwd: TOP_DIR,
    env: { ...process.env, CI: 'true' },
  }).catch(
    // exit 4 when a pane is not ready: the rows are still printed
    (e: { stdout?: string }) => ({ stdout: e.stdout ?? '[]' }),
  );
  const panes = JSON.parse(stdout) as PaneStatus[];
  const mem = stackMemory(panes);
  console.log(
    '\nmemory per pane: RSS of the pane process group (./stack.ts status --json); PSS (shared pages split among ' +
      'their sharers) and USS (private: what the pane alone would give back) of everything the pane left, ' +
      'helpers included:',
  );
  console.log(
    `  ${'pane'.padEnd(21)} ${'state'.padEnd(9)} ${'RSS'.padStart(9)} ${'PSS'.padStart(9)} ` +
      `${'USS'.padStart(9)}  procs`,
  );
  let total = 0;
  const row = (name: string, state: string, rss: number | undefined, m: PaneMemory | undefined) =>
    console.log(
      `  ${name.padEnd(21)} ${state.padEnd(9)} ${(rss === undefined ? '' : mib(rss)).padStart(9)} ` +
        `${mib(m?.pss ?? 0).padStart(9)} ${mib(m?.uss ?? 0).padStart(9)}  ${m?.procs ?? 0}`,
    );
  const byPss = (a: string, b: string) => (mem.panes.get(b)?.pss ?? 0) - (mem.panes.get(a)?.pss ?? 0);
  const states = new Map(panes.map((p) => [p.name, p]));
  for (const name of [...new Set([...states.keys(), ...mem.panes.keys()])].sort(byPss)) {
    const p = states.get(name);
    total += p?.rssBytes ?? 0;
    row(name, p?.state ?? '', p?.rssBytes, mem.panes.get(name));
  }
  const all = [...mem.panes.values()].reduce(
    (a, m) => ({ rss: 0, pss: a.pss + m.pss, uss: a.uss + m.uss, procs: a.procs + m.procs }),
    { rss: 0, pss: 0, uss: 0, procs: 0 },
  );
  row(`total (${panes.length} panes)`, '', total, all);
  const free = (await run('free', ['-b'])).stdout
    .split('\n')
    .find((l) => l.startsWith('Mem:'))!
    .split(/\s+/);
  console.log(
    `machine memory (free -b): total ${mib(Number(free[1]))}, used ${mib(Number(free[2]))}, available ` +
      `${mib(Number(free[6]))}`,
  );
  console.log(`  ${usedVerdict('free used', Number(free[2]))}`);
  console.log('  (the machine is shared: "used" includes whatever else runs on it)');
  console.log(
    `proportional set size (PSS, shared pages split): the stack ${mib(all.pss)} (panes and what they left: ` +
      `privsep helpers, haproxy, guests), everything else ${mib(mem.other)}; ` +
      `used without everything else ${mib(Number(free[2]) - mem.other)}`,
  );
  console.log(`  ${usedVerdict('used without everything else', Number(free[2]) - mem.other)}`);
}

/** Issue 13's memory target: free's used at most 3 GB, read as strictly as possible (3.0e9 bytes, not 3 GiB). */
const USED_TARGET_BYTES = 3e9;

/** free's used in MiB and GB beside the verdict against the 3 GB target, so no reading of "3 GB" is left open. */
function usedVerdict(label: string, usedBytes: number): string {
  const within = usedBytes <= USED_TARGET_BYTES;
  return (
    `${label} ${mib(usedBytes)} = ${(usedBytes / 1e9).toFixed(2)} GB: ` +
    `${within ? 'within' : 'OVER'} the 3 GB target (at most ${mib(USED_TARGET_BYTES)} = 3.00 GB)`
  );
}

function pgidOf(pid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return -1;
  }
}

interface PaneMemory extends ProcMemory {
  procs: number;
}

/**
 * The stack's memory apart from the rest of a shared machine, per pane: processes in a pane's process group (the
 * pane's sh wrapper leads it; privsep helpers and rootwrap daemons stay in it), or carrying the pane marker, plus
 * nova's guests (libvirt starts qemu in its own group) as "guests"; everything else is summed as other (PSS).
 */
function stackMemory(panes: PaneStatus[]): { panes: Map<string, PaneMemory>; other: number } {
  const groups = new Map(panes.flatMap((p) => (p.pid === undefined ? [] : [[pgidOf(String(p.pid)), p.name]])));
  const out = new Map<string, PaneMemory>();
  let other = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    const m = readMemory(Number(pid));
    if (!m) continue;
    const marker = readEnvVar(Number(pid), PANE_MARKER_VAR);
    const guest = readCmdline(Number(pid)).some((a) => a.startsWith('guest=instance-'));
    const name = groups.get(pgidOf(pid)) ?? (marker ? paneOfMarker(marker) : undefined) ?? (guest ? 'guests' : '');
    if (!name) {
      other += m.pss;
      continue;
    }
    const acc = out.get(name) ?? { rss: 0, pss: 0, uss: 0, procs: 0 };
    out.set(name, { rss: acc.rss + m.rss, pss: acc.pss + m.pss, uss: acc.uss + m.uss, procs: acc.procs + 1 });
  }
  return { panes: out, other };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench/stack.ts runs ./stack.ts for real: run it as root');
  // no local.conf: the default services, as ./stack.ts runs them without one
  const config = arg('config', join(TOP_DIR, 'local.conf'));
  const configArgs = existsSync(config) ? ['--config', config] : [];
  const what = configArgs.length ? `local.conf ${config}` : 'no local.conf (default services)';
  console.log(`bench/stack.ts: ${what}; ${new Date().toISOString()}`);

  if (has('memory-only')) {
    await settleKsm();
    await memory();
    return;
  }
  if (!has('no-cold')) {
    const clean = await tstack('unstack.ts', ['--clean']).catch((e: Error) => {
      // nothing recorded yet: a first run on this machine is cold already
      console.log(`(./unstack.ts --clean: ${e.message.split('\n')[0]})`);
      return { ms: 0, out: '' };
    });
    console.log(`./unstack.ts --clean: ${secs(clean.ms)}`);
    const cold = await tstack('stack.ts', configArgs);
    printRun('cold ./stack.ts', cold.ms, lastRun());
    console.log(`  ${aptNote(cold.out)}`);
  }

  const warm = await tstack('stack.ts', configArgs);
  const warmReport = lastRun();
  printRun('warm ./stack.ts (converge)', warm.ms, warmReport);
  // issue 15's target: a running, unchanged stack converges in at most 5 s (node start-up included)
  console.log(`  warm converge: ${secs(warm.ms)} wall (target 5.0 s)`);
  const phasesMs = warmReport.phases.reduce((a, p) => a + p.ms, 0);
  const setup = warmReport.setupMs ?? 0;
  console.log(`    node start-up, config, plan   ${secs(setup).padStart(8)}`);
  console.log(`    phases                        ${secs(phasesMs).padStart(8)}`);
  console.log(`    stamps recorded after the run ${secs(warmReport.stampsMs ?? 0).padStart(8)}`);
  const rest = warm.ms - setup - warmReport.totalMs;
  console.log(`    summary and exit              ${secs(rest).padStart(8)}  (wall minus the rest)`);
  console.log("  steps of at least 0.1 s (a skipped step's time is its stamp check):");
  for (const s of warmReport.steps.filter((x) => x.ms >= 100).sort((a, b) => b.ms - a.ms)) {
    console.log(`    ${s.id.padEnd(28)} ${secs(s.ms).padStart(8)}  ${s.status}`);
  }

  console.log('\nrestart-to-ready (CLI wall time incl. node start-up / supervisor spawn -> ready):');
  for (const pane of ['key', 'n-api']) {
    const r = await restartToReady(pane);
    console.log(`  ${pane.padEnd(6)} ${secs(r.cliMs).padStart(8)} / ${secs(r.supervisorMs).padStart(8)}`);
  }

  await settleKsm();
  await memory();

  if (has('unstack')) {
    const down = await tstack('unstack.ts', ['-a']);
    console.log(`\n./unstack.ts -a: ${secs(down.ms)}`);
  } else {
    console.log('\nThe stack is left running (./unstack.ts -a stops it).');
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
