// Where a service's executables come from: the distro's /usr/bin, or the
// source method's venv ($DATA_DIR/venv/bin, scripts generated from checkouts).

import { join } from 'node:path';
import type { Plan } from '../types/stack.ts';

export function venvDir(plan: Plan): string {
  return join(plan.dirs.dataDir, 'venv');
}

/** Absolute path of an OpenStack console or WSGI script (`keystone-manage`, `nova-api-wsgi`...). */
export function binPath(plan: Plan, script: string): string {
  return plan.method.method === 'source' ? join(venvDir(plan), 'bin', script) : join('/usr/bin', script);
}

/** The python that can import the service's code. */
export function pythonPath(plan: Plan): string {
  return plan.method.method === 'source' ? join(venvDir(plan), 'bin', 'python') : '/usr/bin/python3';
}
