// Runs panes: each one a detached session/process group led by the sh
// wrapper (launch.ts), output appended to $LOGDIR/<pane>.log, a record in
// $SERVICE_DIR/panes/. Nothing here stays alive to babysit a pane: the
// stack outlives the TUI and the terminal, and any later tstack process
// (status, restart, attach, unstack) works from the records and /proc.

import { spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { shellQuote } from '../util/shell-quote.ts';
import { UsageError } from '../util/errors.ts';
import { mask } from '../util/secrets.ts';
import { codeDigest } from './code-state.ts';
import { ReadinessError, StopError } from './errors.ts';
import { matchesAny } from './glob.ts';
import { isWrapperCmdline, launchArgv, paneEnv, paneMarker, PANE_MARKER_VAR, sameSpec } from './launch.ts';
import { readLastLines } from './logfile.ts';
import { describeProbe, prober } from './probe.ts';
import {
  descendants,
  groupMembers,
  isAlive,
  listProcs,
  readCmdline,
  readStat,
  rssBytes,
  sessionMembers,
  withEnvMarker,
  type ProcStat,
} from './procfs.ts';
import { PaneStore, validPaneName } from './state.ts';
import type { PaneState, PaneStatus, ProcessRecord, ProcessSpec } from '../types/process.ts';

export interface SupervisorOptions {
  /** $SERVICE_DIR: records go to <stateDir>/panes/. */
  stateDir: string;
  /** $LOGDIR: <pane>.log. */
  logDir: string;
  /** SERVICE_TIMEOUT: readiness timeout when the spec has none (devstack: 60 s). */
  serviceTimeoutSec?: number;
}

export interface StopResult {
  name: string;
  /** Processes that were alive when the stop began (0: nothing was running). */
  signalled: number;
  /** SIGKILL was needed after the grace period. */
  forced: boolean;
  /** stopAll only: processes that survived SIGKILL (the error is not thrown, so the other panes still stop). */
  survivors?: number[];
}

const TAIL_LINES = 20;
/** A pane without a probe counts as started once it has stayed up this long (catches "not found", bad flags). */
const MIN_UPTIME_MS = 500;

export class Supervisor {
  readonly store: PaneStore;
  readonly stateDir: string;
  readonly logDir: string;
  private readonly serviceTimeoutSec: number;

  constructor(opts: SupervisorOptions) {
    this.stateDir = opts.stateDir;
    this.logDir = opts.logDir;
    this.serviceTimeoutSec = opts.serviceTimeoutSec ?? 60;
    this.store = new PaneStore(opts.stateDir);
  }

  /** Every recorded pane, in start order. */
  records(): ProcessRecord[] {
    return this.store.list();
  }

  record(name: string): ProcessRecord {
    const rec = this.store.read(name);
    if (!rec) {
      const names = this.records().map((r) => r.spec.name);
      throw new UsageError(`no pane '${name}'; panes: ${names.join(' ') || '(none recorded)'}`);
    }
    return rec;
  }

  /** The wrapper (group leader) of this start is still running. */
  isRunning(rec: ProcessRecord): boolean {
    const st = readStat(rec.pid);
    if (!st || st.state === 'Z' || st.state === 'X' || st.pgrp !== rec.pgid) return false;
    return isWrapperCmdline(readCmdline(rec.pid), rec.spec.name, this.store.exitPath(rec.spec.name));
  }

  paneState(rec: ProcessRecord): PaneState {
    if (this.isRunning(rec)) return rec.readyAt ? 'ready' : rec.spec.probe ? 'starting' : 'running';
    return rec.stoppedAt ? 'stopped' : 'crashed';
  }

  /**
   * Start a pane. Already running with an identical spec and the same code
   * in its checkouts (spec.codeDirs): a no-op returning the record, so
   * re-running ./stack.ts converges. Running with a different spec, or with
   * checkouts that moved on since it started: restarted.
   */
  async start(spec: ProcessSpec): Promise<ProcessRecord> {
    if (!validPaneName(spec.name)) throw new UsageError(`invalid pane name '${spec.name}'`);
    if (!spec.argv.length) throw new UsageError(`pane ${spec.name}: empty command`);
    if (spec.cwd && !existsSync(spec.cwd))
      throw new UsageError(`pane ${spec.name}: working directory ${spec.cwd} does not exist`);
    const prev = this.store.read(spec.name);
    const code = await codeDigest(spec.codeDirs);
    let restartedFor: ProcessRecord['restartedFor'];
    if (prev && this.isRunning(prev)) {
      const same = sameSpec(prev.spec, spec);
      if (same && prev.codeDigest === code) return prev;
      restartedFor = same ? 'code' : 'spec';
      await this.stop(spec.name);
    } else if (prev) {
      // A crashed pane may have left children behind; never run two copies.
      await this.killRemnants(prev);
    }

    this.store.ensureDir();
    mkdirSync(this.logDir, { recursive: true });
    const name = spec.name;
    const exitFile = this.store.exitPath(name);
    this.store.clearExit(name);
    const startedAt = new Date().toISOString();
    const argv = launchArgv(spec, exitFile);
    const logFile = join(this.logDir, `${name}.log`);
    const fd = openSync(logFile, 'a');
    let pid: number;
    let logOffset: number;
    try {
      writeSync(fd, `\n==== tstack: ${name} started ${startedAt}: ${mask(commandLine(spec))} ====\n`);
      logOffset = fstatSync(fd).size;
      pid = await spawnDetached(argv, {
        env: paneEnv(spec, paneMarker(this.stateDir, name, startedAt), homeOf(spec.user)),
        cwd: spec.cwd,
        fd,
      });
    } finally {
      closeSync(fd);
    }
    const rec: ProcessRecord = {
      spec,
      launchArgv: argv,
      pid,
      pgid: pid,
      startedAt,
      logFile,
      logOffset,
      seq: prev?.seq ?? this.store.nextSeq(),
      ...(code ? { codeDigest: code } : {}),
      ...(restartedFor ? { restartedFor } : {}),
    };
    this.store.write(rec);
    return rec;
  }

  /**
   * Wait until the pane's probe succeeds. Fails fast, with the exit code,
   * when the process exits meanwhile; on timeout the error carries the last
   * log lines. A pane without a probe only has to be running.
   */
  async waitReady(name: string, timeoutSec?: number): Promise<void> {
    const rec = this.record(name);
    const spec = rec.spec;
    const timeout = timeoutSec ?? spec.readyTimeoutSec ?? this.serviceTimeoutSec;
    const deadline = Date.now() + timeout * 1000;
    const attempt = spec.probe ? prober(spec.probe, rec.logFile, rec.logOffset ?? 0) : undefined;
    let detail = '';
    // Short first pauses: most restarts are ready within a few hundred ms.
    let pause = 10;
    for (;;) {
      if (attempt) {
        const r = await attempt();
        if (r.ready) break;
        detail = r.detail ?? '';
      }
      if (!attempt) {
        const wait = Date.parse(rec.startedAt) + MIN_UPTIME_MS - Date.now();
        if (wait > 0) await sleep(wait);
      }
      if (!this.isRunning(rec)) throw await this.exitedError(rec);
      if (!attempt) return;
      if (Date.now() >= deadline) {
        throw new ReadinessError(
          name,
          `${name} not ready after ${timeout}s (${describeProbe(spec.probe!)}: ${detail || 'no answer'})`,
          this.tail(rec),
          rec.logFile,
        );
      }
      await sleep(Math.min(pause, Math.max(0, deadline - Date.now())));
      pause = Math.min(500, pause * 2);
    }
    const now = this.store.read(name);
    if (now && now.startedAt === rec.startedAt) this.store.write({ ...now, readyAt: new Date().toISOString() });
  }

  private async exitedError(rec: ProcessRecord): Promise<ReadinessError> {
    // The wrapper writes the exit file just before it exits; give it a moment.
    let exit = this.store.readExit(rec.spec.name);
    for (let i = 0; !exit && i < 10; i++) {
      await sleep(20);
      exit = this.store.readExit(rec.spec.name);
    }
    const current = this.store.read(rec.spec.name);
    if (current && current.startedAt === rec.startedAt && exit) this.store.write({ ...current, exit });
    const how = !exit
      ? 'exited (exit code unknown)'
      : exit.signal
        ? `was killed by ${exit.signal}`
        : `exited with code ${exit.code}`;
    return new ReadinessError(
      rec.spec.name,
      `${rec.spec.name} ${how} while waiting for it to be ready`,
      this.tail(rec),
      rec.logFile,
      exit,
    );
  }

  private tail(rec: ProcessRecord): string[] {
    return readLastLines(rec.logFile, TAIL_LINES).map(mask);
  }

  /**
   * Every process that belongs to this start of the pane: its process group,
   * its session, their descendants, and processes carrying its environment
   * marker (daemons that called setsid and were reparented away).
   */
  members(rec: ProcessRecord, procs: ProcStat[] = listProcs()): number[] {
    const set = new Set<number>([...groupMembers(rec.pgid, procs), ...sessionMembers(rec.pgid, procs)]);
    for (const d of descendants([...set], procs)) set.add(d);
    for (const m of withEnvMarker(PANE_MARKER_VAR, paneMarker(this.stateDir, rec.spec.name, rec.startedAt), procs))
      set.add(m);
    set.delete(process.pid);
    return [...set];
  }

  /**
   * SIGTERM to the group and every other member, a grace period, then
   * SIGKILL. Marks the record stopped first, so the wrapper's exit is not
   * taken for a crash.
   */
  async stop(name: string, graceSec?: number): Promise<StopResult> {
    const rec = this.record(name);
    const grace = graceSec ?? rec.spec.stopGraceSec ?? 10;
    // Keep the first stop time of a pane that is already down.
    const stoppedAt = rec.stoppedAt && !this.isRunning(rec) ? rec.stoppedAt : new Date().toISOString();
    this.store.write({ ...rec, stoppedAt });
    return this.terminate(rec, grace);
  }

  private async killRemnants(rec: ProcessRecord): Promise<void> {
    await this.terminate(rec, rec.spec.stopGraceSec ?? 10);
  }

  private async terminate(rec: ProcessRecord, graceSec: number): Promise<StopResult> {
    const name = rec.spec.name;
    const first = this.members(rec);
    const result: StopResult = { name, signalled: first.length, forced: false };
    if (first.length === 0) return result;
    signalAll(rec.pgid, first, 'SIGTERM');
    const deadline = Date.now() + graceSec * 1000;
    let left = first;
    let pause = 10;
    while (Date.now() < deadline) {
      await sleep(pause);
      pause = Math.min(100, pause * 2);
      left = this.members(rec);
      if (left.length === 0) return result;
      // Children forked after the first signal still get SIGTERM.
      signalAll(
        rec.pgid,
        left.filter((p) => !first.includes(p)),
        'SIGTERM',
      );
    }
    result.forced = true;
    for (let i = 0; i < 40; i++) {
      signalAll(rec.pgid, left, 'SIGKILL');
      await sleep(50);
      left = this.members(rec).filter(isAlive);
      if (left.length === 0) return result;
    }
    throw new StopError(name, left);
  }

  /** Stop, then start the recorded spec again (the same command). Restarts do not cascade. */
  async restart(name: string): Promise<ProcessRecord> {
    const rec = this.record(name);
    await this.stop(name);
    return this.start(rec.spec);
  }

  /** Start a stopped or crashed pane again from its record. */
  async startRecorded(name: string): Promise<ProcessRecord> {
    return this.start(this.record(name).spec);
  }

  /**
   * Stop every recorded pane in reverse start order, except those matching
   * `keep` (globs). Returns what was stopped, including panes that had
   * nothing left running.
   */
  async stopAll(opts: { keep?: string[]; graceSec?: number } = {}): Promise<StopResult[]> {
    const out: StopResult[] = [];
    for (const rec of this.records().reverse()) {
      if (opts.keep && matchesAny(rec.spec.name, opts.keep)) continue;
      try {
        out.push(await this.stop(rec.spec.name, opts.graceSec));
      } catch (err) {
        if (!(err instanceof StopError)) throw err;
        out.push({ name: rec.spec.name, signalled: err.survivors.length, forced: true, survivors: err.survivors });
      }
    }
    return out;
  }

  /** A live view of every pane; records a crash's exit (from the wrapper's file) when first seen. */
  async status(): Promise<PaneStatus[]> {
    const procs = listProcs();
    const now = Date.now();
    return this.records().map((rec) => {
      const state = this.paneState(rec);
      const running = state === 'ready' || state === 'starting' || state === 'running';
      let exit = rec.exit;
      if (state === 'crashed' && !exit) {
        exit = this.store.readExit(rec.spec.name);
        if (exit) this.store.write({ ...rec, exit });
      }
      const members = running
        ? [...new Set([...groupMembers(rec.pgid, procs), ...sessionMembers(rec.pgid, procs)])]
        : [];
      return {
        name: rec.spec.name,
        project: rec.spec.project,
        state,
        pid: running ? rec.pid : undefined,
        uptimeSec: running ? Math.max(0, Math.round((now - Date.parse(rec.startedAt)) / 1000)) : undefined,
        ready: state === 'ready' || state === 'running',
        rssBytes: running ? members.reduce((sum, p) => sum + rssBytes(p), 0) : undefined,
        port: rec.spec.port,
        exit: state === 'crashed' ? exit : undefined,
      };
    });
  }
}

/** The command as a user would type it to rerun the pane by hand (under pdb, say). */
export function commandLine(spec: ProcessSpec): string {
  const parts: string[] = [];
  if (spec.cwd) parts.push(`cd ${shellQuote([spec.cwd])} &&`);
  if (spec.user && spec.user !== 'root') parts.push(`sudo -u ${spec.user}`);
  const env = Object.entries(spec.env ?? {});
  if (env.length) parts.push('env', ...env.map(([k, v]) => shellQuote([`${k}=${v}`])));
  parts.push(shellQuote(spec.argv));
  return parts.join(' ');
}

function signalAll(pgid: number, pids: number[], sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* group already gone */
  }
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

/** Spawn in a new session (setsid), stdin /dev/null, stdout+stderr to the O_APPEND log fd. */
function spawnDetached(
  argv: string[],
  opts: { env: Record<string, string>; cwd?: string; fd: number },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      detached: true,
      stdio: ['ignore', opts.fd, opts.fd],
      env: opts.env,
      cwd: opts.cwd,
    });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve(child.pid!);
    });
  });
}

/** The user's home from /etc/passwd (setpriv does not set HOME). */
function homeOf(user = 'root'): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f[5]) return f[5];
    }
  } catch {
    /* fall through */
  }
  return user === 'root' ? '/root' : `/home/${user}`;
}
