// Shared by the supervision, CLI and TUI tests: temp stack dirs, fixture
// paths, free ports, and an independent orphan check.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessSpec } from '../../../lib/types/process.ts';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const FIXTURES = join(REPO, 'test', 'fixtures', 'services');

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

export interface TempStack {
  dest: string;
  stateDir: string;
  logDir: string;
  cleanup(): void;
}

export function tempStack(prefix = 'tstack-'): TempStack {
  const dest = mkdtempSync(join(tmpdir(), prefix));
  return {
    dest,
    stateDir: join(dest, 'status'),
    logDir: join(dest, 'logs'),
    cleanup: () => rmSync(dest, { recursive: true, force: true }),
  };
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/**
 * Processes that still carry a pane marker of this state dir. Independent of
 * the supervisor's own bookkeeping (no pgid, no records): every process a
 * pane started inherits TSTACK_PANE, so this finds orphans of any kind.
 */
export function markedProcesses(stateDir: string): number[] {
  const prefix = `TSTACK_PANE=${stateDir}/panes/`;
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const env = readFileSync(`/proc/${d}/environ`, 'latin1');
      if (env.split('\0').some((e) => e.startsWith(prefix))) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Last-resort cleanup for a failed test: SIGKILL whatever still carries the marker. */
export function killMarked(stateDir: string): void {
  for (const pid of markedProcesses(stateDir)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

export async function waitFor<T>(fn: () => T | undefined | false, timeoutMs = 5000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function spec(name: string, argv: string[], extra: Partial<ProcessSpec> = {}): ProcessSpec {
  return { name, project: 'test', argv, ...extra };
}
