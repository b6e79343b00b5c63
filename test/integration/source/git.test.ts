// The clone/reclone decision table, carried out against real bare repos.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RepoSpec } from '../../../lib/types/service.ts';
import { CheckoutError, syncCheckout, type CloneSettings } from '../../../lib/source/git.ts';
import { git, makeRemote, RecordingShell, type Remote } from './gitfixture.ts';

const NETWORK_VERBS = ['clone', 'fetch', 'ls-remote', 'pull', 'push'];
const base: CloneSettings = { reclone: false, offline: false, errorOnClone: false, depth: 0 };

let remote: Remote;
let repo: RepoSpec;
let sh: RecordingShell;

beforeEach(() => {
  remote = makeRemote();
  repo = { name: 'keystone', url: `file://${remote.bare}`, ref: 'master', dir: join(remote.root, 'dest', 'keystone') };
  sh = new RecordingShell();
});
afterEach(() => remote.cleanup());

const head = (dir = repo.dir) => git(dir, 'rev-parse', 'HEAD');
const branch = (dir = repo.dir) => git(dir, 'rev-parse', '--abbrev-ref', 'HEAD');
const networkCalls = () => sh.gitVerbs().filter((v) => NETWORK_VERBS.includes(v));

describe('fresh checkout', () => {
  it('clones the branch, records the ref and tracks origin', async () => {
    const r = await syncCheckout(sh, repo, base);
    expect(r.action.action).toBe('clone');
    expect(head()).toBe(git(remote.bare, 'rev-parse', 'master'));
    expect(branch()).toBe('master');
    expect(git(repo.dir, 'config', '--get', 'tstack.ref')).toBe('master');
    expect(git(repo.dir, 'rev-parse', '--abbrev-ref', 'master@{upstream}')).toBe('origin/master');
    expect(existsSync(`${repo.dir}.tstack-partial`)).toBe(false);
  });

  it('accepts a plain local path as the repo URL', async () => {
    repo.url = remote.bare;
    const r = await syncCheckout(sh, repo, base);
    expect(r.action.action).toBe('clone');
    expect(readFileSync(join(repo.dir, 'version.py'), 'utf8')).toContain('1.1');
  });

  it('clones into an existing empty directory', async () => {
    mkdirSync(repo.dir, { recursive: true });
    expect((await syncCheckout(sh, repo, base)).action.action).toBe('clone');
    expect(head()).toBe(git(remote.bare, 'rev-parse', 'master'));
  });

  it('honours GIT_DEPTH', async () => {
    await syncCheckout(sh, repo, { ...base, depth: 1 });
    expect(git(repo.dir, 'rev-list', '--count', 'HEAD')).toBe('1');
    expect(existsSync(join(repo.dir, '.git', 'shallow'))).toBe(true);
  });

  it('checks out a tag (annotated, peeled) detached', async () => {
    repo.ref = '1.0';
    await syncCheckout(sh, repo, base);
    expect(head()).toBe(git(remote.bare, 'rev-parse', '1.0^{commit}'));
    expect(branch()).toBe('HEAD');
    expect(existsSync(join(repo.dir, 'version.py'))).toBe(false);
  });

  it('checks out a full sha and an abbreviated one', async () => {
    const first = git(remote.bare, 'rev-parse', 'master~1');
    repo.ref = first;
    await syncCheckout(sh, repo, { ...base, depth: 1 });
    expect(head()).toBe(first);

    const other = { ...repo, dir: join(remote.root, 'dest', 'abbrev'), ref: first.slice(0, 8) };
    await syncCheckout(sh, other, base);
    expect(head(other.dir)).toBe(first);
  });

  it('checks out a gerrit change ref', async () => {
    git(remote.work, 'checkout', '-q', '-b', 'review');
    const change = remote.commit('fix.py', 'fixed = True\n', 'Fix the bug');
    remote.push('HEAD:refs/changes/10/353710/1');
    repo.ref = 'refs/changes/10/353710/1';
    await syncCheckout(sh, repo, base);
    expect(head()).toBe(change);
    expect(git(repo.dir, 'rev-parse', 'refs/remotes/origin/changes/10/353710/1')).toBe(change);
  });

  it('fails with ERROR_ON_CLONE, without touching the network', async () => {
    await expect(syncCheckout(sh, repo, { ...base, errorOnClone: true })).rejects.toThrow(
      /ERROR_ON_CLONE=True and .*keystone is missing/,
    );
    expect(networkCalls()).toEqual([]);
    expect(existsSync(repo.dir)).toBe(false);
  });

  it('fails with OFFLINE, without touching the network', async () => {
    await expect(syncCheckout(sh, repo, { ...base, offline: true })).rejects.toThrow(/OFFLINE=True but .* is missing/);
    expect(networkCalls()).toEqual([]);
  });

  it('fails clearly on an unreachable remote and leaves nothing behind', async () => {
    repo.url = `file://${remote.root}/nowhere.git`;
    const err = await syncCheckout(sh, repo, base).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckoutError);
    expect((err as Error).message).toMatch(
      /cannot clone file:\/\/.*nowhere\.git: fatal: .*does not appear to be a git repository/,
    );
    expect(existsSync(repo.dir)).toBe(false);
  });

  it('fails on a ref the remote does not have', async () => {
    repo.ref = 'stable/nonexistent';
    await expect(syncCheckout(sh, repo, base)).rejects.toThrow(/has no branch, tag or ref 'stable\/nonexistent'/);
  });
});

describe('existing checkout', () => {
  beforeEach(async () => {
    await syncCheckout(new RecordingShell(), repo, base);
  });

  it('clean and up to date: kept; without RECLONE nothing is fetched', async () => {
    const r = await syncCheckout(sh, repo, base);
    expect(r.action).toMatchObject({ action: 'keep' });
    expect(networkCalls()).toEqual([]);

    const again = await syncCheckout(sh, repo, { ...base, reclone: true });
    expect(again.action).toMatchObject({ action: 'keep', summary: expect.stringMatching(/up to date/) });
    expect(again.action.action === 'keep' && again.action.warning).toBeFalsy();
  });

  it('clean and behind: kept without RECLONE, updated with it', async () => {
    const newer = remote.commit('version.py', "VERSION = '1.2'\n", 'Bump to 1.2');
    remote.push('master');
    const old = head();

    expect((await syncCheckout(sh, repo, base)).action.action).toBe('keep');
    expect(head()).toBe(old);

    const r = await syncCheckout(sh, repo, { ...base, reclone: true });
    expect(r.action).toMatchObject({ action: 'update', why: 'behind', from: old, to: newer });
    expect(head()).toBe(newer);
    expect(branch()).toBe('master');
  });

  it(
    'clean and behind in a shallow checkout: updated, old remote commits are not mistaken for local ' + 'work',
    async () => {
      const shallow = { ...repo, dir: join(remote.root, 'dest', 'shallow') };
      await syncCheckout(sh, shallow, { ...base, depth: 1 });
      const newer = remote.commit('version.py', "VERSION = '1.2'\n", 'Bump to 1.2');
      remote.push('master');
      const r = await syncCheckout(sh, shallow, { ...base, depth: 1, reclone: true });
      expect(r.action).toMatchObject({ action: 'update', to: newer });
      expect(head(shallow.dir)).toBe(newer);
    },
  );

  it('dirty: RECLONE leaves it alone and names the changed files', async () => {
    remote.commit('version.py', "VERSION = '1.2'\n", 'Bump to 1.2');
    remote.push('master');
    const old = head();
    writeFileSync(join(repo.dir, 'README'), 'my edit\n');
    writeFileSync(join(repo.dir, 'notes.txt'), 'untracked, survives any checkout\n');

    const r = await syncCheckout(sh, repo, { ...base, reclone: true });
    expect(r.action.action).toBe('keep');
    if (r.action.action !== 'keep') return;
    expect(r.action.warning).toMatch(
      new RegExp(
        String.raw`RECLONE=True would move .*keystone to master \([0-9a-f]{10}\), ` +
          String.raw`but it has uncommitted changes in 1 file\(s\): README\.`,
      ),
    );
    expect(r.action.atRisk?.files).toEqual(['README']);
    expect(head()).toBe(old);
    expect(readFileSync(join(repo.dir, 'README'), 'utf8')).toBe('my edit\n');
  });

  it('local commits: RECLONE leaves it alone and names the commits', async () => {
    remote.commit('version.py', "VERSION = '1.2'\n", 'Bump to 1.2');
    remote.push('master');
    writeFileSync(join(repo.dir, 'feature.py'), 'work = 1\n');
    git(repo.dir, 'add', 'feature.py');
    git(repo.dir, 'commit', '-q', '-m', 'My unpushed feature');
    const mine = head();

    const r = await syncCheckout(sh, repo, { ...base, reclone: true });
    expect(r.action.action).toBe('keep');
    if (r.action.action !== 'keep') return;
    expect(r.action.warning).toContain(
      `1 local commit(s) not on any remote: ${mine.slice(0, 10)} "My unpushed feature"`,
    );
    expect(r.action.atRisk?.commits).toEqual([{ sha: mine, subject: 'My unpushed feature' }]);
    expect(head()).toBe(mine);
  });

  it('a changed branch is checked out even without RECLONE when nothing would be lost', async () => {
    git(remote.work, 'checkout', '-q', 'stable/zed');
    const zed = remote.commit('zed.py', 'zed = True\n', 'Backport to zed');
    remote.push('stable/zed');

    const r = await syncCheckout(sh, { ...repo, ref: 'stable/zed' }, base);
    expect(r.action).toMatchObject({ action: 'update', why: 'ref-changed', to: zed });
    expect(branch()).toBe('stable/zed');
    expect(git(repo.dir, 'config', '--get', 'tstack.ref')).toBe('stable/zed');
    // And back: master is still there, nothing lost.
    expect((await syncCheckout(sh, repo, base)).action.action).toBe('update');
    expect(branch()).toBe('master');
  });

  it('a changed branch with local commits on the current one is left alone', async () => {
    git(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'Work in progress');
    const r = await syncCheckout(sh, { ...repo, ref: 'stable/zed' }, base);
    expect(r.action.action).toBe('keep');
    if (r.action.action === 'keep')
      expect(r.action.warning).toMatch(/the new ref 'stable\/zed' would move .* "Work in progress"/);
    expect(branch()).toBe('master');
  });

  it('moves to a tag, a sha and a change ref; none of their commits count as local work afterwards', async () => {
    git(remote.work, 'checkout', '-q', '-b', 'review');
    const change = remote.commit('fix.py', 'fixed = True\n', 'Fix the bug');
    remote.push('HEAD:refs/changes/10/353710/1');

    await syncCheckout(sh, { ...repo, ref: '1.0' }, base);
    expect(head()).toBe(git(remote.bare, 'rev-parse', '1.0^{commit}'));
    await syncCheckout(sh, { ...repo, ref: 'refs/changes/10/353710/1' }, base);
    expect(head()).toBe(change);
    const r = await syncCheckout(sh, repo, base);
    expect(r.action.action).toBe('update');
    expect(branch()).toBe('master');
  });

  it('a branch that exists only in the checkout is checked out from there, and kept under RECLONE', async () => {
    git(repo.dir, 'checkout', '-q', '-b', 'my-feature');
    git(repo.dir, 'commit', '-q', '--allow-empty', '-m', 'My feature');
    const mine = head();
    git(repo.dir, 'checkout', '-q', 'master');
    const r = await syncCheckout(sh, { ...repo, ref: 'my-feature' }, base);
    expect(r.action).toMatchObject({ action: 'update', fetched: false, to: mine, localRef: 'refs/heads/my-feature' });
    expect(branch()).toBe('my-feature');
    const again = await syncCheckout(sh, { ...repo, ref: 'my-feature' }, { ...base, reclone: true });
    expect(again.action).toMatchObject({ action: 'keep', summary: expect.stringMatching(/local branch/) });
    expect(head()).toBe(mine);
  });

  it('OFFLINE: behind the remote, RECLONE uses what is there and touches no network', async () => {
    remote.commit('version.py', "VERSION = '1.2'\n", 'Bump to 1.2');
    remote.push('master');
    const old = head();
    const r = await syncCheckout(sh, repo, { ...base, offline: true, reclone: true });
    expect(r.action).toMatchObject({ action: 'keep', summary: expect.stringMatching(/OFFLINE/) });
    expect(head()).toBe(old);
    expect(networkCalls()).toEqual([]);
  });

  it(
    'OFFLINE: a changed ref the checkout already has is checked out locally; one it lacks is warned ' + 'about',
    async () => {
      const r = await syncCheckout(sh, { ...repo, ref: '1.0' }, { ...base, offline: true });
      expect(r.action).toMatchObject({ action: 'update', fetched: false });
      expect(head()).toBe(git(remote.bare, 'rev-parse', '1.0^{commit}'));

      const missing = await syncCheckout(sh, { ...repo, ref: 'stable/yoga' }, { ...base, offline: true });
      expect(missing.action.action === 'keep' && missing.action.warning).toMatch(
        /OFFLINE=True and 'stable\/yoga' is not in/,
      );
      expect(networkCalls()).toEqual([]);
    },
  );

  it('unreachable remote: RECLONE keeps the checkout and says why', async () => {
    const old = head();
    renameSync(remote.bare, `${remote.bare}.gone`);
    const r = await syncCheckout(sh, repo, { ...base, reclone: true });
    expect(r.action.action).toBe('keep');
    if (r.action.action === 'keep')
      expect(r.action.warning).toMatch(/could not be fetched \(fatal: .*\); using branch master at/);
    expect(head()).toBe(old);
  });

  it('an origin other than the configured repo is not updated', async () => {
    git(repo.dir, 'remote', 'set-url', 'origin', 'https://example.org/my-fork.git');
    const r = await syncCheckout(sh, repo, { ...base, reclone: true });
    expect(r.action.action === 'keep' && r.action.warning).toMatch(
      /has origin https:\/\/example.org\/my-fork.git, not file:/,
    );
    expect(networkCalls()).toEqual([]);
  });

  it('a directory that is not a checkout fails with a message', async () => {
    rmSync(join(repo.dir, '.git'), { recursive: true });
    await expect(syncCheckout(sh, repo, { ...base, reclone: true })).rejects.toThrow(
      /not a usable git checkout \(no \.git\)/,
    );
  });
});
