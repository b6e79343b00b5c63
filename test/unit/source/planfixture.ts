// A Plan with just what the source method reads, and a StackContext that
// records what the steps say.

import type { Plan, StackContext } from '../../../lib/types/stack.ts';
import type { RepoSpec } from '../../../lib/types/service.ts';
import type { Shell } from '../../../lib/types/shell.ts';
import type { Logger } from '../../../lib/types/logger.ts';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function fakePlan(
  values: Record<string, string>,
  o: { dest: string; method?: 'source' | 'distro'; repos?: RepoSpec[]; origins?: Plan['config']['origins'] },
): Plan {
  const all: Record<string, string> = { DEST: o.dest, DATA_DIR: join(o.dest, 'data'), ...values };
  return {
    config: { values: all, enabledServices: [], plugins: [], metaSections: [], unknownVariables: [], origins: o.origins ?? {} },
    get: (n) => {
      if (all[n] === undefined) throw new Error(`no setting ${n}`);
      return all[n];
    },
    bool: (n) => ['1', 'yes', 'true', 'True', 'TRUE', 'Yes', 'YES'].includes(all[n] ?? ''),
    int: (n) => Number(all[n]),
    isEnabled: () => true,
    method: { method: o.method ?? 'source', reason: 'test' },
    dirs: { dest: o.dest, dataDir: all.DATA_DIR, logDir: join(o.dest, 'logs'), stateDir: join(o.dest, 'status'), filesDir: '/nonexistent', topDir: '/nonexistent' },
    services: [],
    processes: [],
    repos: o.repos ?? [],
    packages: [],
  };
}

export class MemoryLogger implements Logger {
  readonly lines: string[] = [];
  info(m: string) {
    this.lines.push(`info: ${m}`);
  }
  warn(m: string) {
    this.lines.push(`warn: ${m}`);
  }
  debug(m: string) {
    this.lines.push(`debug: ${m}`);
  }
}

export function fakeContext(plan: Plan, sh: Shell): StackContext & { log: MemoryLogger; notes: { kind: string; message: string }[] } {
  const notes: { kind: string; message: string }[] = [];
  return {
    plan,
    sh,
    log: new MemoryLogger(),
    notes,
    force: false,
    async writeFile(path, content) {
      const before = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
      return before !== content;
    },
    openstack: () => Promise.reject(new Error('no OpenStack in unit tests')),
    note(kind, message) {
      notes.push({ kind, message });
    },
  };
}
