// `./stack.ts trace REQ-ID`: every pane log's lines of one request (its id,
// its global request id and the requests that carry it), merged by timestamp.

import { checkFlags } from '../args.ts';
import type { Command, ParsedArgs } from '../../types/command.ts';
import { EXIT } from '../exit.ts';
import { formatTrace, normalizeRequestId, traceLogs } from '../../proc/trace.ts';
import { openSupervisor } from '../open-supervisor.ts';
import { UsageError } from '../../util/errors.ts';

async function run(args: ParsedArgs): Promise<number> {
  checkFlags(args, []);
  if (args.positional.length !== 1) throw new UsageError('trace needs one request id: ./stack.ts trace req-<uuid>');
  const id = normalizeRequestId(args.positional[0]);
  if (!id) throw new UsageError(`'${args.positional[0]}' is not a request id (req- and a UUID, as in the logs)`);
  const panes = openSupervisor()
    .records()
    .map((r) => ({ name: r.spec.name, logFile: r.logFile }));
  const lines = formatTrace(traceLogs(panes, id));
  if (lines.length === 0) {
    process.stderr.write(`no pane log mentions ${id}\n`);
    return EXIT.failure;
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

export const trace: Command = {
  name: 'trace',
  summary: 'follow one request across panes: the lines of its id and global request id, in time order',
  usage: './stack.ts trace REQ-ID',
  run,
};
