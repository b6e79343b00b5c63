// A Plan for the source method's tests, resolved for real from the values
// given (see ../plan-fixture.ts), with the checkouts a test names; and a
// StackContext that records what the steps say.

import type { Plan, StackContext } from '../../../lib/types/stack.ts';
import type { RepoSpec } from '../../../lib/types/service.ts';
import type { Shell } from '../../../lib/types/shell.ts';
import type { Logger } from '../../../lib/types/logger.ts';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { testPlan } from '../plan-fixture.ts';

/** `values` go to local.conf, `env` to the environment; `repos` replaces the checkouts the modules would bring. */
export function fakePlan(
  values: Record<string, string>,
  o: { dest: string; method?: 'source' | 'distro'; repos?: RepoSpec[]; env?: NodeJS.ProcessEnv },
): Plan {
  const plan = testPlan({ DEST: o.dest, ...values }, { method: o.method ?? 'source', env: o.env });
  plan.repos = o.repos ?? [];
  return plan;
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

export function fakeContext(
  plan: Plan,
  sh: Shell,
): StackContext & { log: MemoryLogger; notes: { kind: string; message: string }[] } {
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
