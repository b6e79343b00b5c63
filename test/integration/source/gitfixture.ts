// Real git repositories in a temp dir: a bare "remote" standing in for
// opendev, and helpers to make commits in it and look at checkouts.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemShell } from '../../../lib/system/exec.ts';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';

const ID = [
  '-c',
  'user.name=Test',
  '-c',
  'user.email=test@example.org',
  '-c',
  'init.defaultBranch=master',
  '-c',
  'safe.directory=*',
];

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', [...ID, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
  }).trim();
}

/** A shell that runs for real and records every argv. */
export class RecordingShell implements Shell {
  readonly calls: string[][] = [];
  private readonly real = new SystemShell();
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly countInFlight: (argv: string[]) => boolean = () => false) {}
  async run(argv: string[], opts?: RunOptions): Promise<RunResult> {
    this.calls.push(argv);
    const counted = this.countInFlight(argv);
    if (counted) this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
    try {
      return await this.real.run(argv, opts);
    } finally {
      if (counted) this.inFlight--;
    }
  }
  /** git subcommands run (after the -c/-C options). */
  gitVerbs(): string[] {
    return this.calls
      .filter((a) => a[0] === 'git')
      .map((a) => {
        let i = 1;
        while (a[i] === '-c' || a[i] === '-C') i += 2;
        return a[i];
      });
  }
}

export interface Remote {
  root: string;
  /** Bare repository path (the remote URL). */
  bare: string;
  /** Working clone used to push new commits to the remote. */
  work: string;
  commit(file: string, content: string, message: string): string;
  push(...refspecs: string[]): void;
  cleanup(): void;
}

/** A bare remote with one commit on master, one annotated tag 1.0, a branch stable/zed and a change ref. */
export function makeRemote(): Remote {
  const root = mkdtempSync(join(tmpdir(), 'tstack-git-'));
  const bare = join(root, 'keystone.git');
  const work = join(root, 'upstream');
  mkdirSync(work);
  git(root, 'init', '-q', '--bare', bare);
  git(work, 'init', '-q');
  git(work, 'remote', 'add', 'origin', bare);
  const remote: Remote = {
    root,
    bare,
    work,
    commit(file, content, message) {
      writeFileSync(join(work, file), content);
      git(work, 'add', file);
      git(work, 'commit', '-q', '-m', message);
      return git(work, 'rev-parse', 'HEAD');
    },
    push(...refspecs) {
      git(work, 'push', '-q', 'origin', ...refspecs);
    },
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
  remote.commit('README', 'keystone\n', 'Initial import');
  git(work, 'tag', '-a', '1.0', '-m', 'release 1.0');
  remote.commit('version.py', "VERSION = '1.1'\n", 'Bump to 1.1');
  git(work, 'branch', 'stable/zed');
  remote.push('master', 'stable/zed', '--tags');
  return remote;
}
