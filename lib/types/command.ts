// A `./stack.ts` subcommand and the parsed argv it runs with.

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | boolean>;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: ParsedArgs): Promise<number>;
}
