// `./stack.ts [command] [options]`: argument parsing and dispatch only.
// Each command lives in lib/cli/commands/<name>.ts and is imported lazily so
// that `--help` and `status` never load blessed or listr2.

import { parseArgs } from './args.ts';
import type { Command } from '../types/command.ts';
import type { ServiceModule } from '../types/stack.ts';
import { UsageError } from '../util/errors.ts';

type Loader = () => Promise<Command>;

export const COMMANDS: Record<string, Loader> = {
  up: async () => (await import('./commands/up.ts')).up,
  config: async () => (await import('./commands/config.ts')).config,
  status: async () => (await import('./commands/status.ts')).status,
  restart: async () => (await import('./commands/panes.ts')).restart,
  stop: async () => (await import('./commands/panes.ts')).stop,
  start: async () => (await import('./commands/panes.ts')).start,
  logs: async () => (await import('./commands/logs.ts')).logs,
  trace: async () => (await import('./commands/trace.ts')).trace,
  attach: async () => (await import('./commands/attach.ts')).attach,
  tempest: async () => (await import('./commands/tempest.ts')).tempest,
  tools: async () => (await import('./commands/tools.ts')).tools,
};

/** `modules`: the service modules to run with; the registry unless a test passes its own. */
export async function main(argv: string[], modules?: readonly ServiceModule[]): Promise<number> {
  const args = parseArgs(argv);
  const registered = modules ?? (await import('../services/registry.ts')).SERVICE_MODULES;
  const name = args.positional[0] && COMMANDS[args.positional[0]] ? args.positional.shift()! : 'up';
  if (name === 'up' && args.positional.length > 0) {
    throw new UsageError(
      `unknown command '${args.positional[0]}'; commands: ${Object.keys(COMMANDS).join(', ')} (see --help)`,
    );
  }
  if (args.flags.help) {
    const { stackHelp } = await import('./help.ts');
    process.stdout.write(stackHelp(name === 'up' ? undefined : name, registered));
    return 0;
  }
  const command = await COMMANDS[name]();
  return command.run(args, registered);
}
