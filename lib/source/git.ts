// The side-effecting half of checkouts: look at a checkout (and, when the
// decision needs it, its remote), then carry out the action decision.ts chose.
//
// Every git command goes through Shell. Fetching is part of observing: only
// after a fetch can we tell which local commits exist nowhere else, and a
// fetch only writes remote-tracking refs and new tags, never the work tree.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RepoSpec } from '../types/service.ts';
import type { Shell, RunOptions } from '../types/shell.ts';
import { CommandError } from '../util/errors.ts';
import {
  decideCheckout,
  kindOfRemoteRef,
  needsRemote,
  refSyntax,
  type CheckoutAction,
  type CloneSettings,
  type Commit,
  type LocalCheckout,
  type Observation,
  type RemoteTarget,
  type RemoteView,
} from './decision.ts';

export * from './decision.ts';

/** A checkout that cannot be made or used; the message says why and what to do. */
export class CheckoutError extends Error {
  constructor(
    readonly repo: string,
    message: string,
  ) {
    super(message);
    this.name = 'CheckoutError';
  }
}

/** Seconds for commands that talk to a remote; a full nova clone over a slow link takes minutes. */
export const NETWORK_TIMEOUT_SEC = 1800;
const PROBE_TIMEOUT_SEC = 120;
const LOCAL_COMMITS_LISTED = 10;

/**
 * Never prompt for credentials (an https remote that wants a password fails
 * instead of hanging), and allow checkouts owned by another user without
 * writing safe.directory into /etc/gitconfig the way devstack does.
 */
const GIT_ENV: Record<string, string> = { GIT_TERMINAL_PROMPT: '0' };

export function gitArgv(dir: string | undefined, args: string[]): string[] {
  return ['git', '-c', 'safe.directory=*', ...(dir ? ['-C', dir] : []), ...args];
}

async function git(sh: Shell, dir: string | undefined, args: string[], opts: RunOptions = {}) {
  return sh.run(gitArgv(dir, args), { ...opts, env: { ...GIT_ENV, ...opts.env } });
}

async function gitOut(sh: Shell, dir: string, args: string[]): Promise<string | undefined> {
  const r = await git(sh, dir, args, { allowFailure: true });
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** The last meaningful line of a failed command, for one-line messages. */
function reason(r: { stdout: string; stderr: string }): string {
  const lines = `${r.stderr}\n${r.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => l.startsWith('fatal:')) ?? lines[lines.length - 1] ?? 'git failed';
}

/**
 * Where a fetched ref is kept locally; every such place is under refs/remotes or refs/tags, so it counts as "on the
 * remote".
 */
export function localRefFor(target: RemoteTarget): string {
  switch (target.kind) {
    case 'branch':
      return `refs/remotes/origin/${target.remoteRef.slice('refs/heads/'.length)}`;
    case 'tag':
      return target.remoteRef;
    case 'change':
    case 'ref':
      return `refs/remotes/origin/${target.remoteRef.slice('refs/'.length)}`;
    case 'sha':
      return `refs/remotes/origin/pinned/${target.remoteRef}`;
  }
}

/** The fetch arguments for a target; an abbreviated sha needs every branch and tag, and full history. */
export function fetchArgs(target: RemoteTarget, depth: number): string[] {
  const deep = depth > 0 ? [`--depth=${depth}`] : [];
  if (target.kind === 'sha' && !/^[0-9a-f]{40}$/.test(target.remoteRef)) {
    return ['fetch', '--progress', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'];
  }
  // Tags are fetched without `+`: a local tag of the same name is the user's and is never overwritten.
  const force = target.kind === 'tag' ? '' : '+';
  return ['fetch', '--progress', ...deep, 'origin', `${force}${target.remoteRef}:${localRefFor(target)}`];
}

/** Ask the remote what `ref` is (git ls-remote); a full sha cannot be asked about, only fetched. */
export async function resolveRemote(sh: Shell, url: string, ref: string): Promise<RemoteView> {
  const syntax = refSyntax(ref);
  const patterns = syntax === 'refs' ? [ref] : syntax === 'sha' ? ['HEAD'] : [`refs/heads/${ref}`, `refs/tags/${ref}`];
  const r = await git(sh, undefined, ['ls-remote', url, ...patterns], {
    allowFailure: true,
    timeoutSec: PROBE_TIMEOUT_SEC,
  });
  if (r.code !== 0) return { state: 'unreachable', error: reason(r) };
  if (syntax === 'sha') return { state: 'found', target: { kind: 'sha', remoteRef: ref } };
  const refs = new Map(
    r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [sha, name] = l.split('\t');
        return [name, sha] as const;
      }),
  );
  const hit = patterns.find((p) => refs.has(p));
  if (hit) return { state: 'found', target: { kind: kindOfRemoteRef(hit), remoteRef: hit } };
  if (/^[0-9a-f]{7,39}$/.test(ref)) return { state: 'found', target: { kind: 'sha', remoteRef: ref } };
  return { state: 'no-such-ref' };
}

/** Candidates for the wanted ref in a checkout, most specific first. */
export function localCandidates(ref: string): string[] {
  switch (refSyntax(ref)) {
    case 'sha':
      return [ref];
    case 'refs':
      return [`refs/remotes/origin/${ref.slice('refs/'.length)}`, ref];
    case 'name':
      return [
        `refs/heads/${ref}`,
        `refs/tags/${ref}`,
        `refs/remotes/origin/${ref}`,
        ...(/^[0-9a-f]{7,39}$/.test(ref) ? [ref] : []),
      ];
  }
}

async function commitOf(sh: Shell, dir: string, rev: string): Promise<string | undefined> {
  return gitOut(sh, dir, ['rev-parse', '--verify', '-q', `${rev}^{commit}`]);
}

/** Shas reachable from `tips` that no remote-tracking ref, no tag and none of `exclude` contains. */
async function unpublished(sh: Shell, dir: string, tips: string[], exclude: string[]): Promise<string[]> {
  // Strict on purpose: if git cannot tell, the checkout fails rather than being treated as having nothing to lose.
  const r = await git(sh, dir, ['rev-list', ...tips, '--not', '--remotes', '--tags', ...exclude]);
  return r.stdout.split('\n').filter(Boolean);
}

async function describeCommits(sh: Shell, dir: string, shas: string[]): Promise<Commit[]> {
  if (!shas.length) return [];
  const out = await gitOut(sh, dir, ['show', '-s', '--format=%H%x09%s', ...shas]);
  return (out ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const i = l.indexOf('\t');
      return { sha: l.slice(0, i), subject: l.slice(i + 1) };
    });
}

/** Look at a checkout without touching the network. */
export async function inspectLocal(sh: Shell, repo: RepoSpec): Promise<LocalCheckout> {
  return (await inspect(sh, repo)).local;
}

/**
 * The checkout, plus every commit HEAD (and the branch an update would reset) has that is on no remote and in no tag.
 */
async function inspect(sh: Shell, repo: RepoSpec): Promise<{ local: LocalCheckout; unpublishedTips: string[] }> {
  const dir = repo.dir;
  if (!existsSync(dir) || readdirSync(dir).length === 0) return { local: { state: 'missing' }, unpublishedTips: [] };
  if (!existsSync(join(dir, '.git'))) return { local: { state: 'unusable', detail: 'no .git' }, unpublishedTips: [] };
  const head = await commitOf(sh, dir, 'HEAD');
  if (!head) return { local: { state: 'unusable', detail: 'no commit checked out' }, unpublishedTips: [] };
  const branch = await gitOut(sh, dir, ['symbolic-ref', '-q', '--short', 'HEAD']);
  const status = await git(sh, dir, ['status', '--porcelain=v1', '--untracked-files=normal'], { allowFailure: true });
  const lines = status.stdout.split('\n').filter(Boolean);
  const dirty = lines.filter((l) => !l.startsWith('??')).map((l) => l.slice(3));
  const untracked = lines.filter((l) => l.startsWith('??')).length;
  const originUrl = await gitOut(sh, dir, ['config', '--get', 'remote.origin.url']);
  const recordedRef = await gitOut(sh, dir, ['config', '--get', 'tstack.ref']);
  let localTarget: { ref: string; sha: string } | undefined;
  for (const c of localCandidates(repo.ref)) {
    const sha = await commitOf(sh, dir, c);
    if (sha) {
      localTarget = { ref: c, sha };
      break;
    }
  }
  const tips = ['HEAD', ...(await resetBranch(sh, dir, repo.ref, branch))];
  const unpublishedTips = await unpublished(sh, dir, tips, []);
  // Without a fetch (OFFLINE) the target is what the checkout already has; its own commits are not lost by moving to
  // it.
  const targetSet = new Set(localTarget ? await unpublished(sh, dir, [localTarget.sha], []) : []);
  const lost = unpublishedTips.filter((c) => !targetSet.has(c));
  return {
    local: {
      state: 'present',
      head,
      branch: branch || undefined,
      dirty,
      untracked,
      originUrl,
      recordedRef,
      localTarget,
      localOnly: await describeCommits(sh, dir, lost.slice(0, LOCAL_COMMITS_LISTED)),
      localOnlyMore: Math.max(0, lost.length - LOCAL_COMMITS_LISTED) || undefined,
    },
    unpublishedTips,
  };
}

/** The local branch an update to `ref` would reset (`checkout -B`), when it exists and is not the current one. */
async function resetBranch(sh: Shell, dir: string, ref: string, current: string | undefined): Promise<string[]> {
  if (refSyntax(ref) !== 'name' || ref === current) return [];
  return (await commitOf(sh, dir, `refs/heads/${ref}`)) ? [`refs/heads/${ref}`] : [];
}

export interface ObserveOptions {
  /** Output lines of network commands (git progress). */
  onLine?: (line: string) => void;
  onPhase?: (phase: 'fetching') => void;
}

/** Everything the decision needs: the checkout, and the remote only when it must be asked. */
export async function observe(
  sh: Shell,
  repo: RepoSpec,
  s: CloneSettings,
  opts: ObserveOptions = {},
): Promise<Observation> {
  const { local, unpublishedTips } = await inspect(sh, repo);
  if (!needsRemote(local, repo, s)) return { repo, local, remote: { state: 'not-contacted' } };
  const remote = await resolveRemote(sh, repo.url, repo.ref);
  if (local.state !== 'present' || remote.state !== 'found') return { repo, local, remote };

  opts.onPhase?.('fetching');
  const target = remote.target;
  const r = await git(sh, repo.dir, fetchArgs(target, s.depth), {
    allowFailure: true,
    timeoutSec: NETWORK_TIMEOUT_SEC,
    onLine: opts.onLine,
  });
  if (r.code !== 0) return { repo, local, remote: { state: 'unreachable', error: reason(r) } };
  const sha = await commitOf(sh, repo.dir, target.kind === 'sha' ? target.remoteRef : localRefFor(target));
  if (!sha) return { repo, local, remote: { state: 'no-such-ref' } };

  // Local work = unpublished both before the fetch and after it (minus the
  // target's history). Requiring both keeps a shallow fetch, which cannot
  // show that the old remote commit is an ancestor of the new one, from
  // calling an old remote commit local work.
  const branch = target.kind === 'branch' ? target.remoteRef.slice('refs/heads/'.length) : undefined;
  const tips = ['HEAD', ...(branch ? await resetBranch(sh, repo.dir, branch, local.branch) : [])];
  const after = new Set(await unpublished(sh, repo.dir, tips, [sha]));
  const lost = unpublishedTips.filter((c) => after.has(c));
  return {
    repo,
    local: {
      ...local,
      localOnly: await describeCommits(sh, repo.dir, lost.slice(0, LOCAL_COMMITS_LISTED)),
      localOnlyMore: Math.max(0, lost.length - LOCAL_COMMITS_LISTED) || undefined,
    },
    remote: { state: 'found', target: { ...target, sha } },
  };
}

async function checkoutCommit(
  sh: Shell,
  dir: string,
  to: string,
  how: { branch?: string; switchTo?: string },
): Promise<void> {
  if (how.switchTo) {
    await git(sh, dir, ['checkout', '-q', how.switchTo]);
  } else if (how.branch) {
    // Safe: observe() counted the commits of an existing local branch of this name as local work.
    await git(sh, dir, ['checkout', '-q', '-B', how.branch, to]);
    const upstream = await commitOf(sh, dir, `refs/remotes/origin/${how.branch}`);
    if (upstream) await git(sh, dir, ['branch', '-q', `--set-upstream-to=origin/${how.branch}`, how.branch]);
  } else {
    await git(sh, dir, ['checkout', '-q', '--detach', to]);
  }
}

function howToCheckout(
  target: RemoteTarget | undefined,
  localRef: string | undefined,
): { branch?: string; switchTo?: string } {
  if (target?.kind === 'branch') return { branch: target.remoteRef.slice('refs/heads/'.length) };
  if (localRef?.startsWith('refs/heads/')) return { switchTo: localRef.slice('refs/heads/'.length) };
  if (
    localRef?.startsWith('refs/remotes/origin/') &&
    !localRef.includes('/pinned/') &&
    !localRef.includes('/changes/')
  ) {
    return { branch: localRef.slice('refs/remotes/origin/'.length) };
  }
  return {};
}

export interface CarryOutOptions {
  depth: number;
  onLine?: (line: string) => void;
  onPhase?: (phase: 'cloning' | 'checking-out') => void;
}

async function cloneInto(sh: Shell, repo: RepoSpec, target: RemoteTarget, opts: CarryOutOptions): Promise<void> {
  // Clone next to the final place and move it there at the end, so an
  // interrupted clone never leaves a half-made checkout that looks usable.
  const partial = `${repo.dir}.tstack-partial`;
  await sh.run(['rm', '-rf', partial]);
  await sh.run(['mkdir', '-p', dirname(repo.dir)]);
  try {
    await git(sh, undefined, ['init', '-q', partial]);
    await git(sh, partial, ['remote', 'add', 'origin', repo.url]);
    await git(sh, partial, fetchArgs(target, opts.depth), { timeoutSec: NETWORK_TIMEOUT_SEC, onLine: opts.onLine });
    const sha = await commitOf(sh, partial, target.kind === 'sha' ? target.remoteRef : localRefFor(target));
    if (!sha) throw new CheckoutError(repo.name, `${repo.name}: ${repo.url} has no '${repo.ref}'`);
    if (target.kind === 'sha' && !/^[0-9a-f]{40}$/.test(target.remoteRef)) {
      await git(sh, partial, ['update-ref', `refs/remotes/origin/pinned/${sha}`, sha]);
    }
    opts.onPhase?.('checking-out');
    await checkoutCommit(sh, partial, sha, howToCheckout(target, undefined));
    await git(sh, partial, ['config', 'tstack.ref', repo.ref]);
    if (existsSync(repo.dir)) await sh.run(['rmdir', repo.dir]); // it was empty, or inspect would not say missing
    await sh.run(['mv', partial, repo.dir]);
  } catch (err) {
    await sh.run(['rm', '-rf', partial], { allowFailure: true });
    throw err;
  }
}

/** Carry out a decided action. Returns the commit checked out afterwards. */
export async function carryOut(
  sh: Shell,
  repo: RepoSpec,
  action: CheckoutAction,
  opts: CarryOutOptions,
): Promise<string | undefined> {
  switch (action.action) {
    case 'fail':
      throw new CheckoutError(repo.name, action.message);
    case 'keep':
      return commitOf(sh, repo.dir, 'HEAD');
    case 'clone': {
      opts.onPhase?.('cloning');
      let target = action.target;
      if (!target) {
        const remote = await resolveRemote(sh, repo.url, repo.ref);
        if (remote.state === 'unreachable')
          throw new CheckoutError(repo.name, `${repo.name}: cannot clone ${repo.url}: ${remote.error}`);
        if (remote.state !== 'found')
          throw new CheckoutError(repo.name, `${repo.name}: ${repo.url} has no branch, tag or ref '${repo.ref}'`);
        target = remote.target;
      }
      await cloneInto(sh, repo, target, opts);
      return commitOf(sh, repo.dir, 'HEAD');
    }
    case 'update': {
      opts.onPhase?.('checking-out');
      // Plain `git checkout` (no -f): if anything changed since observe(), git refuses instead of discarding it.
      await checkoutCommit(sh, repo.dir, action.to, howToCheckout(action.target, action.localRef));
      await git(sh, repo.dir, ['config', 'tstack.ref', repo.ref]);
      return commitOf(sh, repo.dir, 'HEAD');
    }
  }
}

/** Observe, decide, carry out: one checkout made ready. */
export async function syncCheckout(
  sh: Shell,
  repo: RepoSpec,
  s: CloneSettings,
  opts: { onLine?: (line: string) => void; onPhase?: (phase: 'fetching' | 'cloning' | 'checking-out') => void } = {},
): Promise<{ action: CheckoutAction; head?: string }> {
  const obs = await observe(sh, repo, s, opts);
  const action = decideCheckout(obs, s);
  try {
    const head = await carryOut(sh, repo, action, { depth: s.depth, ...opts });
    return { action, head };
  } catch (err) {
    if (err instanceof CommandError)
      throw new CheckoutError(repo.name, `${repo.name}: ${err.message}: ${err.tail.slice(-3).join(' / ')}`);
    throw err;
  }
}
