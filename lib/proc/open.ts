// The supervisor of the last run's stack, found through .stackenv (for the
// commands that work on a running stack: status, restart, logs, attach, unstack).

import { locateStack } from '../config/locate.ts';
import { Supervisor } from './supervisor.ts';

export function openSupervisor(env: NodeJS.ProcessEnv = process.env): Supervisor {
  const stack = locateStack({ env });
  return new Supervisor({ stateDir: stack.stateDir, logDir: stack.logDir });
}
