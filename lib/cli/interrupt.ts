// Ctrl-C during `./stack.ts`: the first lets the steps in flight settle and
// starts nothing new; the second aborts at once. Panes already started are
// recorded (the supervisor writes the record right after spawning), so a
// later run resumes and ./unstack.ts stops them.

import { killRunningCommands } from '../system/exec.ts';
import { EXIT } from './exit.ts';

export interface InterruptTrap {
  /** The first Ctrl-C came. */
  interrupted(): boolean;
  /** Stop listening (the run is over). */
  release(): void;
}

export function trapInterrupts(): InterruptTrap {
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) {
      process.stderr.write('\nstack.ts aborted; ./stack.ts resumes, ./unstack.ts stops what was started.\n');
      // the commands of the steps in flight run in their own groups: they did not get this Ctrl-C
      killRunningCommands('SIGTERM');
      process.exit(EXIT.interrupted);
    }
    interrupted = true;
    process.stderr.write(
      '\nInterrupted: letting the steps in flight settle, starting nothing new (Ctrl-C again to abort now)...\n',
    );
  };
  process.on('SIGINT', onSigint);
  return {
    interrupted: () => interrupted,
    release: () => {
      process.off('SIGINT', onSigint);
    },
  };
}
