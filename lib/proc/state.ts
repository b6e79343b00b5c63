// The state directory of the panes: $SERVICE_DIR/panes/<pane>.json holds the
// ProcessRecord, <pane>.exit is written by the pane's wrapper when the
// command exits on its own. Every write is temp + rename, so a reader (the
// TUI, `status` in another terminal) never sees half a record.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProcessRecord } from '../types/process.ts';

export type ExitInfo = NonNullable<ProcessRecord['exit']>;

/** Pane names become file names: keep them to what devstack uses. */
export function validPaneName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/.test(name);
}

export function writeFileAtomic(path: string, content: string): void {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Signals the wrapper can report (sh says 128+N when the command died of signal N). */
const SIGNALS: Record<number, string> = {
  1: 'SIGHUP',
  2: 'SIGINT',
  3: 'SIGQUIT',
  4: 'SIGILL',
  5: 'SIGTRAP',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  10: 'SIGUSR1',
  11: 'SIGSEGV',
  12: 'SIGUSR2',
  13: 'SIGPIPE',
  14: 'SIGALRM',
  15: 'SIGTERM',
};

/**
 * Parse the wrapper's exit file: `<status> <iso time>`. A status above 128
 * is read as death by signal (sh cannot tell `exit 137` from SIGKILL; a
 * service exiting with 129-159 on purpose is rare enough).
 */
export function parseExitFile(text: string): ExitInfo | undefined {
  const m = /^(\d+)\s+(\S+)/.exec(text.trim());
  if (!m) return undefined;
  const status = Number(m[1]);
  const sig = status > 128 ? SIGNALS[status - 128] : undefined;
  return sig ? { code: null, signal: sig, at: m[2] } : { code: status, at: m[2] };
}

export class PaneStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'panes');
  }

  recordPath(name: string): string {
    return join(this.dir, `${name}.json`);
  }

  exitPath(name: string): string {
    return join(this.dir, `${name}.exit`);
  }

  ensureDir(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  read(name: string): ProcessRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.recordPath(name), 'utf8')) as ProcessRecord;
    } catch {
      return undefined;
    }
  }

  write(record: ProcessRecord): void {
    this.ensureDir();
    writeFileAtomic(this.recordPath(record.spec.name), JSON.stringify(record, null, 2) + '\n');
  }

  /** Every record, in start order. */
  list(): ProcessRecord[] {
    if (!existsSync(this.dir)) return [];
    const out: ProcessRecord[] = [];
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith('.json')) continue;
      const rec = this.read(f.slice(0, -'.json'.length));
      if (rec) out.push(rec);
    }
    return out.sort((a, b) => a.seq - b.seq || a.spec.name.localeCompare(b.spec.name));
  }

  readExit(name: string): ExitInfo | undefined {
    try {
      return parseExitFile(readFileSync(this.exitPath(name), 'utf8'));
    } catch {
      return undefined;
    }
  }

  clearExit(name: string): void {
    rmSync(this.exitPath(name), { force: true });
  }

  nextSeq(): number {
    return this.list().reduce((m, r) => Math.max(m, r.seq), 0) + 1;
  }
}
