// `./stack.ts tools make-local-remotes DIR [PROJECT...]`: git remotes under
// DIR/git/openstack built from the code Debian installed (lib/source/local-remotes.ts),
// to try the source method offline; prints the GIT_BASE to put in local.conf.

import { checkFlags } from '../args.ts';
import type { Command, ParsedArgs } from '../../types/command.ts';
import { EXIT } from '../exit.ts';
import { UsageError } from '../../util/errors.ts';
import { SystemShell } from '../../system/exec.ts';
import { buildLocalRemotes, describeRemote, LOCAL_REMOTE_PROJECTS } from '../../source/local-remotes.ts';
import { resolve } from 'node:path';

const TOOLS = ['make-local-remotes'];

async function run(args: ParsedArgs): Promise<number> {
  checkFlags(args, []);
  const [tool, dir, ...projects] = args.positional;
  if (tool !== 'make-local-remotes') {
    throw new UsageError(`unknown tool '${tool ?? ''}'; tools: ${TOOLS.join(', ')} (see ./stack.ts tools --help)`);
  }
  if (!dir) throw new UsageError('make-local-remotes needs a directory: ./stack.ts tools make-local-remotes DIR');
  const root = resolve(dir);
  const t0 = Date.now();
  const built = await buildLocalRemotes(new SystemShell(), root, {
    projects,
    onBuilt: (r) => process.stdout.write(`built ${describeRemote(r)}: ${r.bare}\n`),
  });
  process.stdout.write(
    `${built.remotes.length} remote(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s. In local.conf:\n` +
      `GIT_BASE=${built.gitBase}\n`,
  );
  return EXIT.ok;
}

export const tools: Command = {
  name: 'tools',
  summary: 'developer tools: make-local-remotes DIR (git remotes from Debian-installed code, an offline GIT_BASE)',
  usage:
    './stack.ts tools make-local-remotes DIR [PROJECT...]   ' +
    `(projects: ${LOCAL_REMOTE_PROJECTS.map((p) => p.repo).join(' ')})`,
  run,
};
