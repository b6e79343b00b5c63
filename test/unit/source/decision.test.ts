// The decision alone, over synthetic observations: every row of the table.

import { describe, expect, it } from 'vitest';
import {
  decideCheckout,
  needsRemote,
  refChanged,
  type CloneSettings,
  type LocalCheckout,
  type RemoteView,
} from '../../../lib/source/decision.ts';

const repo = { name: 'nova', url: 'https://opendev.org/openstack/nova.git', ref: 'master', dir: '/opt/stack/nova' };
const s: CloneSettings = { reclone: false, offline: false, errorOnClone: false, depth: 0 };
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const present = (o: Partial<Extract<LocalCheckout, { state: 'present' }>> = {}): LocalCheckout => ({
  state: 'present',
  head: A,
  branch: 'master',
  dirty: [],
  untracked: 0,
  originUrl: repo.url,
  recordedRef: 'master',
  localTarget: { ref: 'refs/heads/master', sha: A },
  localOnly: [],
  ...o,
});
const found = (sha = B): RemoteView => ({
  state: 'found',
  target: { kind: 'branch', remoteRef: 'refs/heads/master', sha },
});
const decide = (local: LocalCheckout, remote: RemoteView, over: Partial<CloneSettings> = {}) =>
  decideCheckout({ repo, local, remote }, { ...s, ...over });

describe('decideCheckout', () => {
  it('missing: clone, or fail under OFFLINE / ERROR_ON_CLONE / unreachable / unknown ref', () => {
    expect(decide({ state: 'missing' }, found())).toMatchObject({ action: 'clone' });
    expect(decide({ state: 'missing' }, found(), { offline: true })).toMatchObject({
      action: 'fail',
      message: expect.stringMatching(/OFFLINE=True/),
    });
    expect(decide({ state: 'missing' }, found(), { errorOnClone: true })).toMatchObject({
      action: 'fail',
      message: expect.stringMatching(/ERROR_ON_CLONE=True/),
    });
    expect(decide({ state: 'missing' }, { state: 'unreachable', error: 'Could not resolve host' })).toMatchObject({
      action: 'fail',
      message: 'nova: cannot clone https://opendev.org/openstack/nova.git: Could not resolve host',
    });
    expect(decide({ state: 'missing' }, { state: 'no-such-ref' })).toMatchObject({ action: 'fail' });
  });

  it('present, same ref, no RECLONE: kept without asking the remote', () => {
    const local = present({ dirty: ['nova/api.py'] });
    expect(needsRemote(local, repo, s)).toBe(false);
    expect(decide(local, { state: 'not-contacted' })).toEqual({
      action: 'keep',
      summary: 'using branch master at aaaaaaaaaa, 1 file(s) changed locally',
    });
  });

  it('RECLONE: up to date, behind, dirty, local commits', () => {
    expect(needsRemote(present(), repo, { ...s, reclone: true })).toBe(true);
    expect(decide(present(), found(A), { reclone: true })).toMatchObject({
      action: 'keep',
      summary: expect.stringMatching(/^up to date/),
    });
    expect(decide(present(), found(B), { reclone: true })).toMatchObject({
      action: 'update',
      from: A,
      to: B,
      why: 'behind',
      fetched: true,
    });
    const dirty = decide(present({ dirty: ['nova/api.py', 'setup.cfg'] }), found(B), { reclone: true });
    expect(dirty).toMatchObject({ action: 'keep', atRisk: { files: ['nova/api.py', 'setup.cfg'], commits: [] } });
    const commits = decide(
      present({ localOnly: [{ sha: 'c'.repeat(40), subject: 'WIP' }], localOnlyMore: 2 }),
      found(B),
      { reclone: true },
    );
    expect(commits.action === 'keep' && commits.warning).toContain(
      '3 local commit(s) not on any remote: cccccccccc "WIP" and 2 more',
    );
  });

  it('dirty but already at the target: nothing to lose, nothing to warn about', () => {
    const r = decide(present({ dirty: ['x.py'] }), found(A), { reclone: true });
    expect(r).toMatchObject({ action: 'keep' });
    expect(r.action === 'keep' && r.warning).toBeUndefined();
  });

  it('a changed ref is noticed without RECLONE', () => {
    const local = present({ recordedRef: 'stable/zed', branch: 'stable/zed', localTarget: undefined });
    expect(refChanged(local as Extract<LocalCheckout, { state: 'present' }>, 'master')).toBe(true);
    expect(needsRemote(local, repo, s)).toBe(true);
    expect(decide(local, found(B))).toMatchObject({ action: 'update', why: 'ref-changed' });
    // a checkout tstack never recorded counts as unchanged when it sits on the ref
    expect(
      refChanged(present({ recordedRef: undefined }) as Extract<LocalCheckout, { state: 'present' }>, 'master'),
    ).toBe(false);
  });

  it('OFFLINE never asks the remote and uses what is there', () => {
    expect(needsRemote(present(), repo, { ...s, offline: true, reclone: true })).toBe(false);
    expect(decide(present(), { state: 'not-contacted' }, { offline: true, reclone: true })).toMatchObject({
      action: 'keep',
      summary: expect.stringMatching(/OFFLINE/),
    });
    const moved = present({ recordedRef: '1.0', localTarget: { ref: 'refs/heads/master', sha: B } });
    expect(decide(moved, { state: 'not-contacted' }, { offline: true })).toMatchObject({
      action: 'update',
      fetched: false,
      to: B,
      localRef: 'refs/heads/master',
    });
  });

  it('unreachable remote keeps the checkout with a warning; an unknown ref fails', () => {
    const r = decide(present(), { state: 'unreachable', error: 'fatal: unable to access' }, { reclone: true });
    expect(r).toMatchObject({
      action: 'keep',
      warning: expect.stringMatching(/could not be fetched \(fatal: unable to access\)/),
    });
    expect(decide(present({ localTarget: undefined }), { state: 'no-such-ref' }, { reclone: true })).toMatchObject({
      action: 'fail',
    });
    // unless the checkout has it as a local branch: the developer's own, never pushed
    expect(decide(present(), { state: 'no-such-ref' }, { reclone: true })).toMatchObject({
      action: 'keep',
      summary: expect.stringMatching(/local branch/),
    });
    const tag = present({ localTarget: { ref: 'refs/tags/1.0', sha: B } });
    expect(decide(tag, { state: 'no-such-ref' }, { reclone: true })).toMatchObject({ action: 'fail' });
  });

  it('an unusable directory fails; a foreign origin is left alone', () => {
    expect(decide({ state: 'unusable', detail: 'no .git' }, { state: 'not-contacted' })).toMatchObject({
      action: 'fail',
    });
    const fork = present({ originUrl: 'git@github.com:me/nova.git' });
    expect(needsRemote(fork, repo, { ...s, reclone: true })).toBe(false);
    expect(decide(fork, { state: 'not-contacted' }, { reclone: true })).toMatchObject({
      action: 'keep',
      warning: expect.stringMatching(/has origin git@github.com:me\/nova.git/),
    });
    expect(
      needsRemote(present({ originUrl: 'https://opendev.org/openstack/nova.git/' }), repo, { ...s, reclone: true }),
    ).toBe(true);
  });
});
