// `./stack.ts tempest [--smoke | --regex R | --list] [-- tempest args]`: runs
// tempest (stestr underneath) in the workspace $DEST/tempest against the
// stack's $TEMPEST_CONFIG, streams its progress, and ends with the failures
// (their error lines) and the pass/fail/skip totals. Exit 1 on a failure.
// stestr keeps every run in $DEST/tempest/.stestr (`stestr last` there),
// tempest its log in $DEST/tempest/tempest.log, this command the whole
// output in $DEST/tempest/tempest-run.log.

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Command, ParsedArgs } from '../../types/command.ts';
import type { ServiceModule } from '../../types/stack.ts';
import { checkFlags } from '../args.ts';
import { EXIT } from '../exit.ts';
import { locateStack } from '../../config/locate.ts';
import { loadSettings } from '../../config/resolve.ts';
import { SystemHostFacts } from '../../system/host-facts.ts';
import { killRunningCommands, SystemShell } from '../../system/exec.ts';
import { UsageError } from '../../util/errors.ts';
import { stackCatalog } from '../catalog.ts';
import { tempestDir } from '../../services/tempest.ts';
import { concurrency, TEMPEST_BIN, tempestRunArgv } from '../../services/tempest/run.ts';
import { formatReport, ResultReader } from '../../services/tempest/results.ts';

async function run(args: ParsedArgs, modules: readonly ServiceModule[]): Promise<number> {
  checkFlags(args, ['smoke', 'regex', 'list', 'config']);
  const selectors = ['smoke', 'regex', 'list'].filter((f) => args.flags[f] !== undefined);
  if (selectors.length > 1 && !(selectors.length === 2 && args.flags.list))
    throw new UsageError('--smoke and --regex select the tests: give one of them (--list may go with either)');
  if (args.flags.regex === true) throw new UsageError('--regex needs a value');
  const host = new SystemHostFacts();
  const configPath = typeof args.flags.config === 'string' ? args.flags.config : undefined;
  const stack = locateStack({ host, configPath });
  const v = loadSettings(['TEMPEST_CONFIG', 'TEMPEST_CONCURRENCY'], {
    configPath: configPath ?? stack.localConf,
    host,
    catalog: stackCatalog(modules),
  });
  if (!existsSync(TEMPEST_BIN))
    throw new UsageError(
      `${TEMPEST_BIN} is not installed: add 'enable_service tempest' to local.conf and run ./stack.ts`,
    );
  if (!existsSync(v.TEMPEST_CONFIG))
    throw new UsageError(`${v.TEMPEST_CONFIG} does not exist: enable tempest in local.conf and run ./stack.ts`);
  const dir = tempestDir(stack.dest);
  const argv = tempestRunArgv({
    config: v.TEMPEST_CONFIG,
    smoke: args.flags.smoke === true,
    regex: typeof args.flags.regex === 'string' ? args.flags.regex : undefined,
    list: args.flags.list === true,
    concurrency: concurrency(Number(v.TEMPEST_CONCURRENCY), availableParallelism()),
    extra: args.positional,
  });
  const reader = new ResultReader();
  const t0 = Date.now();
  process.stdout.write(`${argv.join(' ')}  (in ${dir})\n`);
  // tempest runs in its own process group, out of reach of a terminal's Ctrl-C or a CI timeout's SIGTERM:
  // pass them on, so tempest and its workers end and the report shows what ran
  let stopped: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals) => {
    stopped = signal;
    killRunningCommands('SIGTERM');
  };
  process.on('SIGINT', stop).on('SIGTERM', stop);
  const r = await new SystemShell(join(dir, 'tempest-run.log'))
    .run(argv, {
      cwd: dir,
      // stestr starts its workers with $PYTHON when set: Debian's python3, which has tempest (not pyenv's)
      env: { PYTHON: '/usr/bin/python3' },
      allowFailure: true,
      onLine: (line) => {
        reader.push(line);
        process.stdout.write(line + '\n');
      },
    })
    .finally(() => process.off('SIGINT', stop).off('SIGTERM', stop));
  if (stopped) process.stdout.write(`\ntempest stopped (${stopped}): the totals count the tests that finished\n`);
  if (args.flags.list) return r.code === 0 ? EXIT.ok : EXIT.failure;
  const results = reader.results();
  process.stdout.write(formatReport(results, (Date.now() - t0) / 1000));
  if (results.tests.length === 0 && r.code === 0) process.stdout.write('no test matched\n');
  return r.code === 0 && results.failures.length === 0 ? EXIT.ok : EXIT.failure;
}

export const tempest: Command = {
  name: 'tempest',
  summary: 'run tempest against the stack (--smoke, --regex R, --list); totals and failures at the end',
  usage: './stack.ts tempest [--smoke | --regex R | --list] [-- tempest run args]',
  run,
};
