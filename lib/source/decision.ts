// The clone/reclone decision: a pure function from what was observed about a
// checkout (and, when it was asked, its remote) to one typed action.
//
// Unlike devstack's git_clone, nothing here ever chooses to destroy work:
// RECLONE (or a changed <SVC>_BRANCH) only moves a checkout when it has no
// uncommitted changes to tracked files and no commits that exist nowhere
// else. Otherwise the checkout is kept and the warning names exactly the
// files and commits that an update would have thrown away.

import type { RepoSpec } from '../types/service.ts';

export interface CloneSettings {
  reclone: boolean;
  offline: boolean;
  errorOnClone: boolean;
  /** 0 = full history. */
  depth: number;
}

/** What a ref names. `ref` = any other refs/... (refs/changes/..., refs/notes/...). */
export type RefKind = 'branch' | 'tag' | 'change' | 'ref' | 'sha';

export interface Commit {
  sha: string;
  subject: string;
}

/** A ref as the remote resolved it. */
export interface RemoteTarget {
  kind: RefKind;
  /** The full remote ref (`refs/heads/master`, `refs/tags/22.0.0`, `refs/changes/10/353710/1`) or the sha itself. */
  remoteRef: string;
  /** The commit, once fetched (annotated tags peeled). */
  sha?: string;
}

export type LocalCheckout =
  | { state: 'missing' }
  /** The directory exists but is no usable checkout (no .git, or no commit yet). */
  | { state: 'unusable'; detail: string }
  | {
      state: 'present';
      head: string;
      /** Current branch; undefined when HEAD is detached. */
      branch?: string;
      /** Tracked files with uncommitted changes (staged or not), as `git status --porcelain` paths. */
      dirty: string[];
      /** Untracked, not ignored files: survive any checkout, reported only. */
      untracked: number;
      originUrl?: string;
      /** The ref tstack last checked out here (git config tstack.ref). */
      recordedRef?: string;
      /**
       * The wanted ref resolved without the network, when the checkout already has it:
       * the local ref that matched (`refs/heads/B`, `refs/remotes/origin/B`, `refs/tags/T`, or the sha) and its commit.
       */
      localTarget?: { ref: string; sha: string };
      /**
       * Commits reachable from HEAD (and from the local branch an update would reset)
       * that no remote-tracking ref, tag or the target contains: what an update would lose.
       */
      localOnly: Commit[];
      /** How many more local-only commits there are beyond those listed. */
      localOnlyMore?: number;
    };

export type RemoteView =
  | { state: 'not-contacted' }
  | { state: 'unreachable'; error: string }
  | { state: 'no-such-ref' }
  | { state: 'found'; target: RemoteTarget };

export interface Observation {
  repo: RepoSpec;
  local: LocalCheckout;
  remote: RemoteView;
}

export type CheckoutAction =
  | { action: 'clone'; target?: RemoteTarget; depth: number }
  /**
   * Fetch (done while observing) + checkout of `to`. `fetched: false` when OFFLINE used what was
   * there; then `localRef` is the local ref that had it.
   */
  | {
      action: 'update';
      from: string;
      to: string;
      target?: RemoteTarget;
      localRef?: string;
      why: 'behind' | 'ref-changed';
      fetched: boolean;
    }
  | { action: 'keep'; summary: string; warning?: string; atRisk?: { files: string[]; commits: Commit[] } }
  | { action: 'fail'; message: string };

/** How a ref reads before asking anyone: refs/... and full shas are unambiguous. */
export function refSyntax(ref: string): 'refs' | 'sha' | 'name' {
  if (ref.startsWith('refs/')) return 'refs';
  if (/^[0-9a-f]{40}$/.test(ref)) return 'sha';
  return 'name';
}

/** The kind of a full remote ref. */
export function kindOfRemoteRef(remoteRef: string): RefKind {
  if (remoteRef.startsWith('refs/heads/')) return 'branch';
  if (remoteRef.startsWith('refs/tags/')) return 'tag';
  if (remoteRef.startsWith('refs/changes/')) return 'change';
  if (remoteRef.startsWith('refs/')) return 'ref';
  return 'sha';
}

/** `file:///x/` and `/x` are the same remote; so are URLs differing by a trailing slash. */
export function sameUrl(a: string, b: string): boolean {
  const norm = (u: string) => u.replace(/^file:\/\//, '').replace(/\/+$/, '');
  return norm(a) === norm(b);
}

/** Whether the checkout is no longer at the ref asked for (so it should move even without RECLONE). */
export function refChanged(local: Extract<LocalCheckout, { state: 'present' }>, ref: string): boolean {
  if (local.recordedRef !== undefined) return local.recordedRef !== ref;
  if (local.branch === ref) return false;
  return local.localTarget?.sha !== local.head;
}

/** Whether observing must contact the remote (ls-remote, fetch): never with OFFLINE. */
export function needsRemote(local: LocalCheckout, repo: RepoSpec, s: CloneSettings): boolean {
  if (s.offline) return false;
  if (local.state === 'missing') return !s.errorOnClone;
  if (local.state !== 'present') return false;
  if (local.originUrl !== undefined && !sameUrl(local.originUrl, repo.url)) return false;
  return s.reclone || refChanged(local, repo.ref);
}

const short = (sha: string) => sha.slice(0, 10);

function where(local: Extract<LocalCheckout, { state: 'present' }>): string {
  return local.branch ? `branch ${local.branch} at ${short(local.head)}` : `detached HEAD at ${short(local.head)}`;
}

function listFiles(files: string[]): string {
  const shown = files.slice(0, 10).join(', ');
  return files.length > 10 ? `${shown} and ${files.length - 10} more` : shown;
}

function listCommits(commits: Commit[], more = 0): string {
  const shown = commits.map((c) => `${short(c.sha)} "${c.subject}"`).join(', ');
  return more > 0 ? `${shown} and ${more} more` : shown;
}

/** The checkout already is what was asked for. */
function atTarget(local: Extract<LocalCheckout, { state: 'present' }>, sha: string, target?: RemoteTarget): boolean {
  if (local.head !== sha) return false;
  if (target?.kind === 'branch') return local.branch === target.remoteRef.slice('refs/heads/'.length);
  return true;
}

/**
 * Keep, with a warning naming what moving to `to` would lose, or undefined
 * when nothing would be lost.
 */
function protectWork(
  repo: RepoSpec,
  local: Extract<LocalCheckout, { state: 'present' }>,
  toWhat: string,
  cause: string,
): CheckoutAction | undefined {
  const lose: string[] = [];
  if (local.dirty.length) lose.push(`uncommitted changes in ${local.dirty.length} file(s): ${listFiles(local.dirty)}`);
  if (local.localOnly.length) {
    const n = local.localOnly.length + (local.localOnlyMore ?? 0);
    lose.push(`${n} local commit(s) not on any remote: ${listCommits(local.localOnly, local.localOnlyMore)}`);
  }
  if (!lose.length) return undefined;
  return {
    action: 'keep',
    summary: `kept ${where(local)} (local work)`,
    warning:
      `${repo.name}: ${cause} would move ${repo.dir} to ${toWhat}, but it has ${lose.join('; and ')}. ` +
      `Left as it is; commit and push, or stash, then run again to update.`,
    atRisk: { files: local.dirty, commits: local.localOnly },
  };
}

/** Move to (or stay at) a ref the checkout already has, without the remote. */
function useLocalTarget(
  repo: RepoSpec,
  local: Extract<LocalCheckout, { state: 'present' }>,
  to: { ref: string; sha: string },
  changed: boolean,
  cause: string,
  label: string,
): CheckoutAction {
  if (local.head === to.sha) return { action: 'keep', summary: `using ${where(local)} (${label})` };
  const guarded = protectWork(repo, local, `${repo.ref} (${short(to.sha)})`, cause);
  if (guarded) return guarded;
  return {
    action: 'update',
    from: local.head,
    to: to.sha,
    localRef: to.ref,
    why: changed ? 'ref-changed' : 'behind',
    fetched: false,
  };
}

export function decideCheckout(obs: Observation, s: CloneSettings): CheckoutAction {
  const { repo, local, remote } = obs;

  if (local.state === 'missing') {
    if (s.offline) {
      return {
        action: 'fail',
        message:
          `${repo.name}: OFFLINE=True but ${repo.dir} is missing; run once online to clone ${repo.url}, or ` +
          `set OFFLINE=False`,
      };
    }
    if (s.errorOnClone) {
      return {
        action: 'fail',
        message:
          `${repo.name}: ERROR_ON_CLONE=True and ${repo.dir} is missing (it would be cloned from ${repo.url} ` +
          `at ${repo.ref})`,
      };
    }
    if (remote.state === 'unreachable')
      return { action: 'fail', message: `${repo.name}: cannot clone ${repo.url}: ${remote.error}` };
    if (remote.state === 'no-such-ref')
      return { action: 'fail', message: `${repo.name}: ${repo.url} has no branch, tag or ref '${repo.ref}'` };
    return { action: 'clone', target: remote.state === 'found' ? remote.target : undefined, depth: s.depth };
  }

  if (local.state === 'unusable') {
    return {
      action: 'fail',
      message:
        `${repo.name}: ${repo.dir} is not a usable git checkout (${local.detail}); move it away or point ` +
        `${repo.name}'s _REPO elsewhere`,
    };
  }

  const changed = refChanged(local, repo.ref);
  if (!s.reclone && !changed) {
    const mine = local.dirty.length ? `, ${local.dirty.length} file(s) changed locally` : '';
    return { action: 'keep', summary: `using ${where(local)}${mine}` };
  }
  const cause = changed ? `the new ref '${repo.ref}'` : 'RECLONE=True';

  if (local.originUrl !== undefined && !sameUrl(local.originUrl, repo.url)) {
    return {
      action: 'keep',
      summary: `kept ${where(local)} (origin differs)`,
      warning:
        `${repo.name}: ${repo.dir} has origin ${local.originUrl}, not ${repo.url}; not updating it ` +
        `(${cause}). Change its origin or the _REPO setting to agree.`,
    };
  }

  if (s.offline) {
    if (local.localTarget === undefined) {
      return {
        action: 'keep',
        summary: `kept ${where(local)} (OFFLINE)`,
        warning: `${repo.name}: OFFLINE=True and '${repo.ref}' is not in ${repo.dir}; using ${where(local)} as it is`,
      };
    }
    return useLocalTarget(repo, local, local.localTarget, changed, cause, 'OFFLINE');
  }

  if (remote.state === 'unreachable') {
    return {
      action: 'keep',
      summary: `kept ${where(local)} (remote unreachable)`,
      warning: `${repo.name}: ${repo.url} could not be fetched (${remote.error}); using ${where(local)}, not updated`,
    };
  }
  if (remote.state === 'no-such-ref') {
    // A branch the developer made in the checkout and never pushed is theirs to run.
    if (local.localTarget?.ref.startsWith('refs/heads/'))
      return useLocalTarget(repo, local, local.localTarget, changed, cause, 'local branch');
    return { action: 'fail', message: `${repo.name}: ${repo.url} has no branch, tag or ref '${repo.ref}'` };
  }
  if (remote.state === 'not-contacted' || remote.target.sha === undefined) {
    return {
      action: 'fail',
      message: `${repo.name}: '${repo.ref}' was not fetched from ${repo.url}; cannot tell what an update would do`,
    };
  }
  const target = remote.target;
  const sha = target.sha!;
  if (atTarget(local, sha, target)) {
    return { action: 'keep', summary: `up to date, ${where(local)}` };
  }
  const guarded = protectWork(repo, local, `${repo.ref} (${short(sha)})`, cause);
  if (guarded) return guarded;
  return {
    action: 'update',
    from: local.head,
    to: sha,
    target,
    why: changed ? 'ref-changed' : 'behind',
    fetched: true,
  };
}
