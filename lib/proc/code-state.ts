// What code a pane would run if it started now: for each checkout it runs
// from, the commit at HEAD, the uncommitted changes to tracked files and the
// untracked (not ignored) files with their content. The supervisor records
// this at every start; a running pane whose checkouts no longer match is
// restarted by the next start (a re-run of ./stack.ts after RECLONE, a
// branch change or an edit), and left alone otherwise.
//
// git runs as root in checkouts the developer owns: safe.directory=* lets it,
// and GIT_OPTIONAL_LOCKS=0 keeps `git diff` from rewriting .git/index (which
// would leave a root-owned index behind).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX_OUTPUT = 256 * 1024 * 1024;

function git(dir: string, args: string[]): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-c', 'safe.directory=*', '-C', dir, ...args],
      {
        encoding: 'buffer',
        maxBuffer: MAX_OUTPUT,
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' },
      },
      (err, stdout) => resolve(err ? undefined : stdout),
    );
  });
}

function fileContent(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.from('\0unreadable');
  }
}

/** One checkout's state as a string for the digest; a directory that is no checkout counts as "none". */
async function checkoutState(dir: string): Promise<Buffer[]> {
  const head = await git(dir, ['rev-parse', '--verify', '-q', 'HEAD']);
  if (!head) return [Buffer.from(`${dir}\0none\0`)];
  const [diff, others] = await Promise.all([
    git(dir, ['diff', 'HEAD', '--binary', '--no-ext-diff', '--no-textconv', '--no-color']),
    git(dir, ['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  const untracked = (others?.toString('utf8') ?? '').split('\0').filter(Boolean).sort();
  return [
    Buffer.from(`${dir}\0`),
    head,
    diff ?? Buffer.from('\0diff failed'),
    ...untracked.flatMap((f) => [Buffer.from(`\0${f}\0`), fileContent(join(dir, f))]),
  ];
}

/** A short digest of the checkouts' states; undefined when there are none to look at. */
export async function codeDigest(dirs: readonly string[] | undefined): Promise<string | undefined> {
  if (!dirs?.length) return undefined;
  const h = createHash('sha256');
  for (const parts of await Promise.all(dirs.map(checkoutState))) for (const p of parts) h.update(p);
  return h.digest('hex').slice(0, 16);
}
