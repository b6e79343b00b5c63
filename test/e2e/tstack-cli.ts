// ./stack.ts and ./unstack.ts as the source E2E tests run them: headless (CI=true), from the checkout's top;
// a failure names the command and carries its whole output.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TOP_DIR } from '../../lib/util/paths.ts';

const run = promisify(execFile);

export async function runTstack(
  script: 'stack.ts' | 'unstack.ts',
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<string> {
  const r = await run(join(TOP_DIR, script), args, {
    cwd: TOP_DIR,
    env: { ...process.env, CI: 'true', ...env },
    timeout: timeoutMs,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { code?: number; stdout?: string; stderr?: string }) => {
    throw new Error(
      `./${script} ${args.join(' ')} failed (exit ${err.code}):\n${err.stdout ?? ''}\n${err.stderr ?? ''}`,
    );
  });
  return r.stdout;
}
