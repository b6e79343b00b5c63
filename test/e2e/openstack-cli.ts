// The openstack CLI as the E2E tests call it: Debian's client (never a pip one earlier on PATH), the stack's
// clouds.yaml, JSON output parsed; a failure names the command, the cloud and the CLI's stderr.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const OPENSTACK = '/usr/bin/openstack';
export const CLOUDS_YAML = '/etc/openstack/clouds.yaml';

export interface CliOptions {
  /** `-f json` and parse it (default); false returns stdout as it is. */
  json?: boolean;
  timeoutMs?: number;
  /** Added to the environment (e.g. OS_COMPUTE_API_VERSION). */
  env?: NodeJS.ProcessEnv;
}

export async function openstack<T = unknown>(cloud: string, args: string[], o: CliOptions = {}): Promise<T> {
  const json = o.json ?? true;
  const r = await run(OPENSTACK, ['--os-cloud', cloud, ...args, ...(json ? ['-f', 'json'] : [])], {
    env: { ...process.env, OS_CLIENT_CONFIG_FILE: CLOUDS_YAML, ...o.env },
    timeout: o.timeoutMs ?? 5 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: { code?: number; stderr?: string }) => {
    throw new Error(`openstack ${args.join(' ')} (cloud ${cloud}) failed (exit ${err.code}): ${err.stderr ?? ''}`);
  });
  return (json ? JSON.parse(r.stdout) : r.stdout) as T;
}
