// `./stack.ts attach`: open the TUI on the running stack. Never on a
// non-terminal or with CI=true (blessed would write escape codes into a pipe).

import { checkFlags } from '../args.ts';
import type { Command, ParsedArgs } from '../../types/command.ts';
import { EXIT } from '../exit.ts';
import { isHeadless } from '../tty.ts';
import { locateStack } from '../../config/locate.ts';
import { UsageError } from '../../util/errors.ts';
import { SystemHostFacts } from '../../system/host-facts.ts';

async function run(args: ParsedArgs): Promise<number> {
  checkFlags(args, []);
  if (isHeadless()) {
    throw new UsageError(
      'attach needs a terminal (no TTY, or CI=true); use ./stack.ts status and ./stack.ts logs NAME -f instead',
    );
  }
  const stack = locateStack({ host: new SystemHostFacts() });
  const { openTui } = await import('../../ui/index.ts');
  await openTui({ stateDir: stack.stateDir, logDir: stack.logDir });
  return EXIT.ok;
}

export const attach: Command = {
  name: 'attach',
  summary: 'open the panes TUI on the running stack (q leaves the services running)',
  usage: './stack.ts attach',
  run,
};
