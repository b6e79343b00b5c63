// A `./stack.ts` subcommand and the parsed argv it runs with.

import type { ServiceModule } from './stack.ts';

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** `modules`: the registered service modules (the registry; a test passes its own). */
  run(args: ParsedArgs, modules: readonly ServiceModule[]): Promise<number>;
}
