// Reading /proc: who belongs to a pane (its process group, its session, its
// descendants, and daemons that escaped both but still carry the pane's
// environment marker) and how much memory they use. Linux only, no root
// needed except for other users' /proc/<pid>/environ.

import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** The executable name from /proc/<pid>/stat (truncated to 15 chars by the kernel). */
  comm: string;
  /** R, S, D, Z (zombie), T... */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Start time in clock ticks after boot: with the pid, identifies one process across pid reuse. */
  startTicks: number;
  /** CPU time used so far (utime + stime), in clock ticks. */
  cpuTicks: number;
}

/** Parse /proc/<pid>/stat. comm may contain spaces and parentheses, so split at the last ')'. */
export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(' ');
  // Fields after comm start at field 3 (state); see proc(5).
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0],
    ppid: Number(rest[1]),
    pgrp: Number(rest[2]),
    session: Number(rest[3]),
    startTicks: Number(rest[19]),
    cpuTicks: Number(rest[11]) + Number(rest[12]),
  };
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every process currently visible in /proc. */
export function listProcs(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) out.push(st);
  }
  return out;
}

/** Alive and not a zombie (a zombie has exited; only its parent's wait is missing). */
export function isAlive(pid: number): boolean {
  const st = readStat(pid);
  return !!st && st.state !== 'Z' && st.state !== 'X';
}

export function readCmdline(pid: number): string[] {
  try {
    const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const parts = raw.split('\0');
    if (parts.at(-1) === '') parts.pop();
    return parts;
  } catch {
    return [];
  }
}

/** The value of one environment variable of a process, if readable. */
export function readEnvVar(pid: number, name: string): string | undefined {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return undefined;
  }
  const prefix = name + '=';
  for (const entry of raw.split('\0')) if (entry.startsWith(prefix)) return entry.slice(prefix.length);
  return undefined;
}

/** Members of process group `pgid` that have not exited. */
export function groupMembers(pgid: number, procs: ProcStat[] = listProcs()): number[] {
  return procs.filter((p) => p.pgrp === pgid && p.state !== 'Z').map((p) => p.pid);
}

/** Processes in session `sid` (a pane is a session: the wrapper is started with setsid). */
export function sessionMembers(sid: number, procs: ProcStat[] = listProcs()): number[] {
  return procs.filter((p) => p.session === sid && p.state !== 'Z').map((p) => p.pid);
}

/** All descendants of the given roots (by ppid), not including the roots. */
export function descendants(roots: number[], procs: ProcStat[] = listProcs()): number[] {
  const children = new Map<number, number[]>();
  for (const p of procs) {
    if (p.state === 'Z') continue;
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const seen = new Set<number>(roots);
  const out: number[] = [];
  const queue = [...roots];
  while (queue.length) {
    const pid = queue.shift()!;
    for (const c of children.get(pid) ?? []) {
      if (seen.has(c)) continue;
      seen.add(c);
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

/** Processes whose environment has `name=value` (the pane marker survives setsid and double forks). */
export function withEnvMarker(name: string, value: string, procs: ProcStat[] = listProcs()): number[] {
  const self = process.pid;
  return procs.filter((p) => p.pid !== self && p.state !== 'Z' && readEnvVar(p.pid, name) === value).map((p) => p.pid);
}

/** Resident memory of one process in bytes (VmRSS), 0 when gone or a kernel thread. */
export function rssBytes(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * One process's memory from smaps_rollup, in bytes. rss counts shared pages in full in every process that maps
 * them; pss splits each shared page among its sharers (so pss sums to the machine's real use); uss is the private
 * part, what ending or slimming that process alone would give back.
 */
export interface ProcMemory {
  rss: number;
  pss: number;
  uss: number;
}

/** Parse /proc/<pid>/smaps_rollup (kB fields); undefined when it has no Rss line (a kernel thread). */
export function parseSmapsRollup(text: string): ProcMemory | undefined {
  const kb = (field: string): number | undefined => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const rss = kb('Rss');
  if (rss === undefined) return undefined;
  return { rss, pss: kb('Pss') ?? 0, uss: (kb('Private_Clean') ?? 0) + (kb('Private_Dirty') ?? 0) };
}

export function readMemory(pid: number): ProcMemory | undefined {
  try {
    return parseSmapsRollup(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  } catch {
    return undefined;
  }
}
