// `./stack.ts status [NAME|GLOB...] [--json]`: one line per pane. Exits 4
// (EXIT.crashed) when a pane crashed, so scripts and CI can tell.

import { checkFlags } from '../args.ts';
import type { Command, ParsedArgs } from '../../types/command.ts';
import { EXIT } from '../exit.ts';
import { formatStatusTable } from '../../proc/format.ts';
import { selectPanes } from '../../proc/glob.ts';
import { openSupervisor } from '../open-supervisor.ts';

async function run(args: ParsedArgs): Promise<number> {
  checkFlags(args, ['json']);
  const sup = openSupervisor();
  let rows = await sup.status();
  if (args.positional.length) {
    const names = selectPanes(
      args.positional,
      rows.map((r) => r.name),
    );
    rows = rows.filter((r) => names.includes(r.name));
  }
  if (args.flags.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  else if (rows.length === 0) process.stdout.write(`no panes recorded in ${sup.store.dir}\n`);
  else {
    process.stdout.write(formatStatusTable(rows) + '\n');
    const crashed = rows.filter((r) => r.state === 'crashed');
    if (crashed.length) {
      process.stdout.write(
        `\n${crashed.length} crashed: see ./stack.ts logs ${crashed[0].name}; ./stack.ts start ` +
          `${crashed.map((c) => c.name).join(' ')} runs them again\n`,
      );
    }
  }
  return rows.some((r) => r.state === 'crashed') ? EXIT.crashed : EXIT.ok;
}

export const status: Command = {
  name: 'status',
  summary: 'show every pane: state, pid, uptime, readiness, memory, port (exit 4 if one crashed)',
  usage: './stack.ts status [NAME|GLOB...] [--json]',
  run,
};
