#!/usr/bin/env -S node --import tsx
// Prints figures (no assertions):
//  1. the TUI's CPU and memory with 20 panes printing 500 lines/s each: the
//     real `./stack.ts attach` in a real pty (tmux), following one pane, then
//     the merged view, then switching panes every 200 ms;
//  2. the supervisor's restart-to-ready overhead against starting the same
//     command bare;
//  3. the memory of the sh wrapper that leads each pane.
// Usage: node --import tsx bench/tui.ts [--panes 20] [--rate 500] [--seconds 10]

import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { rssBytes } from '../lib/proc/procfs.ts';
import { Supervisor } from '../lib/proc/supervisor.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIX = join(REPO, 'test', 'fixtures', 'services');
const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const PANES = arg('panes', 20);
const RATE = arg('rate', 500);
const SECONDS = arg('seconds', 10);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const PROJECTS = ['infra', 'keystone', 'glance', 'placement', 'nova', 'neutron', 'cinder', 'horizon'];

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

function hwm(pid: number): number {
  const m = /^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

async function measure(pid: number, seconds: number, during?: () => void): Promise<{ cpu: number; rss: number }> {
  const c0 = cpuTicks(pid);
  const t0 = Date.now();
  const timer = during ? setInterval(during, 200) : undefined;
  await sleep(seconds * 1000);
  if (timer) clearInterval(timer);
  const cpu = ((cpuTicks(pid) - c0) / CLK_TCK / ((Date.now() - t0) / 1000)) * 100;
  return { cpu, rss: rssBytes(pid) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const dest = mkdtempSync(join(tmpdir(), 'tstack-bench-'));
  const stateDir = join(dest, 'status');
  const logDir = join(dest, 'logs');
  const sup = new Supervisor({ stateDir, logDir });
  const tmux = (...a: string[]) =>
    execFileSync('/usr/bin/tmux', ['-S', join(dest, 'tmux.sock'), ...a], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  try {
    // 1. TUI under load.
    for (let i = 0; i < PANES; i++) {
      await sup.start({
        name: `p${String(i).padStart(2, '0')}`,
        project: PROJECTS[i % PROJECTS.length],
        argv: [join(FIX, 'printer.sh'), String(RATE)],
      });
    }
    const stackenv = join(dest, '.stackenv');
    writeFileSync(stackenv, JSON.stringify({ dest, dataDir: dest, logDir, stateDir }));
    tmux(
      'new-session',
      '-d',
      '-s',
      'bench',
      '-x',
      '200',
      '-y',
      '50',
      `env -u CI TSTACK_STACKENV=${stackenv} NCURSES_NO_UTF8_ACS=1 LANG=C.UTF-8 ${join(REPO, 'stack.ts')} attach`,
    );
    const pid = Number(tmux('display-message', '-p', '-t', 'bench', '#{pane_pid}').trim());
    await sleep(3000); // start-up and backlog load
    const size0 = sup.records().reduce((s, r) => s + statSync(r.logFile).size, 0);
    const t0 = Date.now();
    const follow = await measure(pid, SECONDS);
    const size1 = sup.records().reduce((s, r) => s + statSync(r.logFile).size, 0);
    const lineBytes = 'printer line 100000: the quick brown fox jumps over the lazy dog\n'.length;
    const actualRate = (size1 - size0) / lineBytes / ((Date.now() - t0) / 1000);
    tmux('send-keys', '-t', 'bench', 'a');
    const merged = await measure(pid, SECONDS);
    tmux('send-keys', '-t', 'bench', 'a');
    let down = true;
    let n = 0;
    const switching = await measure(pid, SECONDS, () => {
      tmux('send-keys', '-t', 'bench', down ? 'j' : 'k');
      if (++n % (PANES - 1) === 0) down = !down;
    });
    const peak = hwm(pid);
    tmux('send-keys', '-t', 'bench', 'q');
    await sleep(500);

    console.log(
      `TUI (./stack.ts attach in tmux 200x50), ${PANES} panes x ${RATE} lines/s requested, ` +
        `${Math.round(actualRate)} lines/s measured in total:`,
    );
    console.log(`  following one pane:   CPU ${follow.cpu.toFixed(1)}%  RSS ${mb(follow.rss)}`);
    console.log(`  merged view (a):      CPU ${merged.cpu.toFixed(1)}%  RSS ${mb(merged.rss)}`);
    console.log(`  switching every 200ms: CPU ${switching.cpu.toFixed(1)}%  RSS ${mb(switching.rss)}`);
    console.log(`  peak RSS (VmHWM):     ${mb(peak)}`);
    console.log(`  CPU is one core = 100%; over ${SECONDS}s each`);
    await sup.stopAll({ graceSec: 2 });

    // 2. Restart-to-ready overhead.
    const readyCmd = [join(FIX, 'late.sh'), '0'];
    const bare: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await new Promise<void>((res) => {
        const c = spawn(readyCmd[0], readyCmd.slice(1), { stdio: ['ignore', 'pipe', 'ignore'] });
        c.stdout.on('data', (d: Buffer) => {
          if (d.toString().includes('READY')) {
            c.kill('SIGKILL');
            res();
          }
        });
      });
      bare.push(performance.now() - t);
    }
    await sup.start({ name: 'rr', project: 'bench', argv: readyCmd, probe: { kind: 'log', pattern: 'READY' } });
    await sup.waitReady('rr', 10);
    const stopMs: number[] = [];
    const totalMs: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      await sup.stop('rr');
      stopMs.push(performance.now() - t);
      await sup.startRecorded('rr');
      await sup.waitReady('rr', 10);
      totalMs.push(performance.now() - t);
    }
    const wrapper = rssBytes(sup.record('rr').pid);
    // PSS splits shared pages (libc, the sh binary) among their users: the real cost per extra pane.
    const pss =
      Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${sup.record('rr').pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) *
      1024;
    console.log(
      `restart to ready (log probe, 10 runs, median): ${median(totalMs).toFixed(0)} ms total = stop ` +
        `${median(stopMs).toFixed(0)} ms + start-to-ready ${(median(totalMs) - median(stopMs)).toFixed(0)} ms;`,
    );
    console.log(
      `  the same command started bare reaches READY in ${median(bare).toFixed(0)} ms, so the supervisor adds ` +
        `~${(median(totalMs) - median(stopMs) - median(bare)).toFixed(0)} ms to a start`,
    );
    console.log(`sh wrapper per pane: RSS ${mb(wrapper)}, PSS ${mb(pss)}`);
  } finally {
    try {
      tmux('kill-server');
    } catch {
      /* gone */
    }
    await sup.stopAll({ graceSec: 2 }).catch(() => undefined);
    rmSync(dest, { recursive: true, force: true });
  }
}

await main();
