// `./stack.ts logs NAME|GLOB... [-n N] [-f]`: the last lines of pane logs,
// optionally following them (several panes: each line prefixed `pane | `).

import { checkFlags } from '../args.ts';
import type { Command, ParsedArgs } from '../../types/command.ts';
import { EXIT } from '../exit.ts';
import { selectPanes } from '../../proc/glob.ts';
import { LogFollower, readLastLines } from '../../proc/logfile.ts';
import { openSupervisor } from '../open-supervisor.ts';
import { UsageError } from '../../util/errors.ts';

const DEFAULT_LINES = 50;

function parseLines(v: string | boolean | undefined): number {
  if (v === undefined) return DEFAULT_LINES;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`-n/--lines needs a whole number, not '${String(v)}'`);
  return n;
}

async function run(args: ParsedArgs): Promise<number> {
  checkFlags(args, ['follow', 'lines']);
  const n = parseLines(args.flags.lines);
  const sup = openSupervisor();
  const records = sup.records();
  const names = selectPanes(
    args.positional,
    records.map((r) => r.spec.name),
  );
  const files = names.map((name) => ({ name, file: records.find((r) => r.spec.name === name)!.logFile }));
  const width = Math.max(...names.map((x) => x.length));
  const prefix = (name: string) => (files.length > 1 ? `${name.padEnd(width)} | ` : '');
  const out = (text: string) => process.stdout.write(text);

  // With -f the followers start first and the last lines are read up to where they start: a line written
  // in between is printed once, by the follower (not lost, as when following began after the printing).
  const followers = files.map((f) => ({
    ...f,
    follower: args.flags.follow ? new LogFollower(f.file, { fromEnd: true }) : undefined,
  }));
  for (const f of followers) {
    for (const line of readLastLines(f.file, n, undefined, f.follower?.position)) out(prefix(f.name) + line + '\n');
  }
  if (!args.flags.follow) return EXIT.ok;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (const f of followers) {
        const chunk = f.follower!.read();
        if (chunk.truncated) out(`${prefix(f.name)}--- ${f.file} was truncated ---\n`);
        if (chunk.skippedBytes) out(`${prefix(f.name)}--- ${chunk.skippedBytes} bytes skipped ---\n`);
        if (chunk.lines.length) out(chunk.lines.map((l) => prefix(f.name) + l + '\n').join(''));
      }
    }, 200);
    const end = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGINT', end);
    process.once('SIGTERM', end);
    process.stdout.once('error', end); // `logs -f | head`
  });
  return EXIT.ok;
}

export const logs: Command = {
  name: 'logs',
  summary: 'print the last lines of pane logs (-n N, default 50); -f follows them',
  usage: './stack.ts logs NAME|GLOB... [-n N] [-f]',
  run,
};
