// A Plan for the seeding tests, resolved for real from the values given (see
// ../plan-fixture.ts), and a StackContext that records what the steps do (no
// root, no services).

import type { Plan, ServiceModule, StackContext } from '../../../lib/types/stack.ts';
import type { OpenStackClient } from '../../../lib/types/openstack.ts';
import type { NoteKind } from '../../../lib/types/step.ts';
import type { Shell } from '../../../lib/types/shell.ts';
import { testPlan } from '../plan-fixture.ts';

/**
 * `enabled`: ENABLED_SERVICES; `services`: the modules the plan runs (their
 * catalog entries), default none; `filesDir`: the image cache, when a test
 * keeps it apart from `topDir`/files.
 */
export function fakePlan(
  values: Record<string, string>,
  opts: { enabled?: string[]; services?: ServiceModule[]; topDir?: string; filesDir?: string } = {},
): Plan {
  const plan = testPlan(values, {
    services: opts.enabled ?? ['key', 'n-api', 'q-svc', 'g-api'],
    modules: opts.services ?? [],
    topDir: opts.topDir ?? '/nonexistent',
  });
  if (opts.filesDir) plan.dirs.filesDir = opts.filesDir;
  return plan;
}

export interface RecordingContext extends StackContext {
  notes: { kind: NoteKind; message: string }[];
  lines: string[];
  written: { path: string; content: string; mode?: number }[];
}

export function recordingContext(
  plan: Plan,
  client: () => Promise<OpenStackClient>,
  sh: Shell,
  opts: { force?: boolean } = {},
): RecordingContext {
  const ctx: RecordingContext = {
    plan,
    sh,
    notes: [],
    lines: [],
    written: [],
    log: { info: (m) => ctx.lines.push(m), warn: (m) => ctx.lines.push(`WARNING: ${m}`), debug: () => {} },
    async writeFile(path, content, o) {
      const { writeFile, mkdir, chmod } = await import('node:fs/promises');
      const { dirname } = await import('node:path');
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content, { mode: o?.mode });
      if (o?.mode !== undefined) await chmod(path, o.mode); // like the real writeFile, also on an existing file
      ctx.written.push({ path, content, mode: o?.mode });
      return true;
    },
    openstack: client,
    note: (kind, message) => ctx.notes.push({ kind, message }),
    force: opts.force ?? false,
  };
  return ctx;
}
