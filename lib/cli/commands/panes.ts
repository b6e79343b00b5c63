// `./stack.ts restart|stop|start NAME|GLOB...`: act on panes of the running
// stack. `restart n-*` restarts every nova pane at once (devstack's
// `systemctl restart devstack@n-*`); restart and start wait for readiness
// unless --no-wait.

import { checkFlags } from '../args.ts';
import type { Command, ParsedArgs } from '../../types/command.ts';
import { EXIT } from '../exit.ts';
import { ReadinessError } from '../../proc/errors.ts';
import { selectPanes } from '../../proc/glob.ts';
import { openSupervisor } from '../open-supervisor.ts';
import type { Supervisor } from '../../proc/supervisor.ts';
import { ExitError } from '../../util/errors.ts';
import { mask } from '../../util/secrets.ts';

type Action = 'restart' | 'start' | 'stop';

function say(line: string): void {
  process.stdout.write(mask(line) + '\n');
}

async function act(sup: Supervisor, action: Action, name: string, wait: boolean): Promise<void> {
  const t0 = Date.now();
  if (action === 'stop') {
    const r = await sup.stop(name);
    say(
      r.signalled === 0
        ? `${name}: was not running`
        : `${name}: stopped (${r.signalled} ` +
            `process${r.signalled === 1 ? '' : 'es'}${r.forced ? ', SIGKILL after the grace period' : ''})`,
    );
    return;
  }
  const before = sup.record(name);
  const wasRunning = sup.isRunning(before);
  const rec = action === 'restart' ? await sup.restart(name) : await sup.startRecorded(name);
  if (action === 'start' && wasRunning && rec.pid === before.pid) {
    say(`${name}: already running (pid ${rec.pid})`);
    return;
  }
  if (!wait) {
    say(`${name}: started (pid ${rec.pid})`);
    return;
  }
  await sup.waitReady(name);
  say(`${name}: ${rec.spec.probe ? 'ready' : 'running'} (pid ${rec.pid}, ${((Date.now() - t0) / 1000).toFixed(1)}s)`);
}

function describeFailure(err: unknown): string {
  if (err instanceof ReadinessError) {
    const lines = [`${err.message}`];
    if (err.tail.length) lines.push(`  last ${err.tail.length} log lines:`, ...err.tail.map((l) => `    ${l}`));
    lines.push(`  full log: ${err.logFile}`);
    return lines.join('\n');
  }
  return err instanceof Error ? err.message : String(err);
}

function paneCommand(action: Action): Command {
  const waits = action !== 'stop';
  return {
    name: action,
    summary:
      action === 'restart'
        ? 'restart panes (names or globs such as n-*) and wait until they are ready'
        : action === 'start'
          ? 'start stopped or crashed panes again and wait until they are ready'
          : 'stop panes: SIGTERM to the whole group, SIGKILL after the grace period',
    usage: `./stack.ts ${action} NAME|GLOB...${waits ? ' [--no-wait]' : ''}`,
    async run(args: ParsedArgs): Promise<number> {
      checkFlags(args, waits ? ['no-wait'] : []);
      const sup = openSupervisor();
      const names = selectPanes(
        args.positional,
        sup.records().map((r) => r.spec.name),
      );
      const wait = !args.flags['no-wait'];
      // Several panes at once: a developer restarting n-* should not wait for each in turn.
      const results = await Promise.allSettled(names.map((n) => act(sup, action, n, wait)));
      const failed = results.flatMap((r) => (r.status === 'rejected' ? [describeFailure(r.reason)] : []));
      if (failed.length) throw new ExitError(EXIT.failure, mask(failed.join('\n')));
      return EXIT.ok;
    },
  };
}

export const restart = paneCommand('restart');
export const stop = paneCommand('stop');
export const start = paneCommand('start');
