// The supervisor of the last run's stack, found through .stackenv (for the
// commands that work on a running stack: status, restart, logs, attach, unstack).
// Here in cli, not in proc: the supervisor knows nothing of local.conf or .stackenv.

import { locateStack } from '../config/locate.ts';
import { Supervisor } from '../proc/supervisor.ts';
import { SystemHostFacts } from '../system/host-facts.ts';

export function openSupervisor(env: NodeJS.ProcessEnv = process.env): Supervisor {
  const stack = locateStack({ env, host: new SystemHostFacts() });
  return new Supervisor({ stateDir: stack.stateDir, logDir: stack.logDir });
}
