// The hooks run for real: bash and zx (under tsx) through the SystemShell,
// with the environment a run gives them; no stack needed.

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hookSteps } from '../../../lib/phases/hooks.ts';
import { SystemShell } from '../../../lib/system/exec.ts';
import { CommandError } from '../../../lib/util/errors.ts';
import type { Plan } from '../../../lib/types/stack.ts';
import { testPlan } from '../../unit/plan-fixture.ts';
import { recordingContext } from '../../unit/seed/fixtures.ts';

let dir: string;
let plan: Plan;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tstack-hooks-'));
  const p = testPlan({ ADMIN_PASSWORD: `it's "secret"` });
  plan = { ...p, config: { ...p.config, localConfPath: join(dir, 'local.conf') } };
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string, mode = 0o644): void {
  mkdirSync(join(dir, name, '..'), { recursive: true });
  writeFileSync(join(dir, name), text);
  chmodSync(join(dir, name), mode);
}

async function runAll(): Promise<string[]> {
  const ctx = recordingContext(plan, async () => Promise.reject(new Error('no client')), new SystemShell());
  for (const step of hookSteps(plan)) await step.run(ctx);
  return ctx.lines;
}

describe('hooks', () => {
  it('run extras.d/*.ts, local.sh and local.ts in order, each with its environment, output in the log', async () => {
    write('extras.d/10-first.ts', "await fs.appendFile('order', 'extras\\n')\n");
    write(
      'local.sh',
      [
        '#!/bin/bash',
        'set -eu',
        'echo local.sh >> order',
        'echo "$OS_USERNAME/$OS_PROJECT_NAME $OS_AUTH_URL $OS_PASSWORD" > sh.env',
        'echo "local.sh: cloud=${OS_CLOUD:-none} host=$HOST_IP"',
        '',
      ].join('\n'),
      0o755,
    );
    write(
      'local.ts',
      [
        '// zx: globals, top-level await, TypeScript syntax',
        'const here: string = (await $`pwd`).stdout.trim()',
        "await fs.appendFile('order', 'local.ts\\n')",
        'await retry(2, () => $`true`)',
        'echo(`local.ts in ${here}: cloud=${process.env.OS_CLOUD} host=${process.env.SERVICE_HOST}`)',
        '',
      ].join('\n'),
    );
    const log = await runAll();
    expect(readFileSync(join(dir, 'order'), 'utf8')).toBe('extras\nlocal.sh\nlocal.ts\n');
    expect(readFileSync(join(dir, 'sh.env'), 'utf8')).toBe(`admin/admin http://192.0.2.2:5000/v3 it's "secret"\n`);
    expect(log).toContain('local.sh: local.sh: cloud=none host=192.0.2.2');
    expect(log).toContain(`local.ts: local.ts in ${dir}: cloud=devstack-admin host=192.0.2.2`);
  });

  it('a failing hook fails with its command, exit code and last lines', async () => {
    write('local.ts', "echo('about to fail')\nawait $`exit 7`\n");
    const err = await runAll().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandError);
    const c = err as CommandError;
    expect(c.command).toContain('--ext=.mts');
    expect(c.exitCode).toBe(1);
    expect(c.tail.join('\n')).toContain('about to fail');
    expect(c.tail.join('\n')).toMatch(/exit code: 7/);
  });

  it('a local.sh without the executable bit does not run and the run says why', async () => {
    write('local.sh', 'echo ran > ran\n');
    const ctx = recordingContext(plan, async () => Promise.reject(new Error('no client')), new SystemShell());
    for (const step of hookSteps(plan)) await step.run(ctx);
    expect(ctx.notes).toEqual([
      {
        kind: 'warning',
        message: `${join(dir, 'local.sh')} is not executable, so it does not run (chmod +x it, as for devstack)`,
      },
    ]);
  });
});
