// A Plan built from a values record, and a StackContext that records what the
// steps do, for the seeding tests (no root, no services).

import type { Plan, ServiceModule, StackContext } from '../../../lib/types/stack.ts';
import type { OpenStackClient } from '../../../lib/types/openstack.ts';
import type { NoteKind } from '../../../lib/types/step.ts';
import type { Shell } from '../../../lib/types/shell.ts';

export function fakePlan(values: Record<string, string>, opts: { enabled?: string[]; services?: ServiceModule[]; topDir?: string; filesDir?: string } = {}): Plan {
  const enabled = opts.enabled ?? ['key', 'n-api', 'q-svc', 'g-api'];
  return {
    config: { values, enabledServices: enabled, plugins: [], metaSections: [], unknownVariables: [], origins: {} },
    get: (n) => values[n] ?? '',
    bool: (n) => /^(1|yes|true)$/i.test(values[n] ?? ''),
    int: (n) => Number(values[n]),
    isEnabled: (s) => enabled.includes(s),
    method: { method: 'distro', reason: 'test' },
    dirs: { dest: '/opt/stack', dataDir: '/opt/stack/data', logDir: '/opt/stack/logs', stateDir: '/opt/stack/data/tstack', filesDir: opts.filesDir ?? '/nonexistent/files', topDir: opts.topDir ?? '/nonexistent' },
    services: opts.services ?? [],
    processes: [],
    repos: [],
    packages: [],
  };
}

export interface RecordingContext extends StackContext {
  notes: { kind: NoteKind; message: string }[];
  lines: string[];
  written: { path: string; content: string; mode?: number }[];
}

export function recordingContext(plan: Plan, client: () => Promise<OpenStackClient>, sh: Shell, opts: { force?: boolean } = {}): RecordingContext {
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
