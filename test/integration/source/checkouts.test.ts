// Several checkouts at once, with progress, against real bare repos.

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mapLimit } from '../../../lib/util/concurrency.ts';
import { parseGitProgress, syncCheckouts, type CheckoutProgress } from '../../../lib/source/checkouts.ts';
import { progressReporter } from '../../../lib/source/index.ts';
import type { RepoSpec } from '../../../lib/types/service.ts';
import { git, makeRemote, RecordingShell, type Remote } from './gitfixture.ts';
import { MemoryLogger } from '../../unit/source/planfixture.ts';

let remote: Remote;
beforeEach(() => {
  remote = makeRemote();
});
afterEach(() => remote.cleanup());

describe('parallel checkouts', () => {
  it('clones several repos at most N at a time, reporting each phase, and a failure spares the others', async () => {
    const names = ['keystone', 'glance', 'nova', 'placement'];
    const repos: RepoSpec[] = names.map((n) => ({
      name: n,
      url: `file://${remote.bare}`,
      ref: 'master',
      dir: join(remote.root, 'dest', n),
    }));
    repos.push({
      name: 'broken',
      url: `file://${remote.root}/missing.git`,
      ref: 'master',
      dir: join(remote.root, 'dest', 'broken'),
    });
    const events: CheckoutProgress[] = [];
    const sh = new RecordingShell();
    const outcomes = await syncCheckouts(
      repos,
      { reclone: false, offline: false, errorOnClone: false, depth: 0 },
      { sh, concurrency: 2, onProgress: (p) => events.push(p) },
    );

    expect(outcomes.map((o) => o.repo.name)).toEqual([...names, 'broken']);
    for (const o of outcomes.slice(0, 4)) {
      expect(o.action?.action).toBe('clone');
      expect(o.head).toBe(git(remote.bare, 'rev-parse', 'master'));
    }
    expect(outcomes[4].error).toMatch(/cannot clone .*missing\.git/);

    // Concurrency from the progress stream: between `inspecting` and `done`/`failed` a repo is in flight.
    let inFlight = 0;
    let most = 0;
    for (const e of events) {
      if (e.phase === 'inspecting') most = Math.max(most, ++inFlight);
      if (e.phase === 'done' || e.phase === 'failed') inFlight--;
    }
    expect(most).toBe(2);

    const phases = (n: string) => events.filter((e) => e.repo === n && e.percent === undefined).map((e) => e.phase);
    expect(phases('keystone')).toEqual(['queued', 'inspecting', 'cloning', 'checking-out', 'done']);
    expect(phases('broken')).toEqual(['queued', 'inspecting', 'failed']);
    expect(events.at(-1)).toMatchObject({ finished: 5, total: 5 });
    expect(events.find((e) => e.repo === 'keystone' && e.phase === 'done')?.detail).toMatch(
      /^keystone: cloned file:.* master at [0-9a-f]{10} \(\d+\.\d s\)$/,
    );
  });

  it('reports progress lines to the log: phases at info, percentages at debug; every one to the step', () => {
    const log = new MemoryLogger();
    const step: string[] = [];
    const report = progressReporter(log, (l) => step.push(l));
    report({ repo: 'nova', phase: 'cloning', finished: 0, total: 2 });
    for (const percent of [1, 10, 30, 31, 80, 100])
      report({ repo: 'nova', phase: 'cloning', percent, detail: 'Receiving objects', finished: 0, total: 2 });
    report({ repo: 'nova', phase: 'done', detail: 'nova: cloned x master at abc (1.0 s)', finished: 1, total: 2 });
    report({ repo: 'glance', phase: 'failed', detail: 'cannot clone', finished: 2, total: 2 });
    expect(log.lines).toEqual([
      'info: [0/2] nova: cloning',
      'debug: [0/2] nova: Receiving objects 1%',
      'debug: [0/2] nova: Receiving objects 30%',
      'debug: [0/2] nova: Receiving objects 80%',
      'debug: [0/2] nova: Receiving objects 100%',
      'info: [1/2] nova: cloned x master at abc (1.0 s)',
      'warn: [2/2] glance: cannot clone',
    ]);
    expect(step).toEqual([
      '[0/2] nova: cloning',
      ...[1, 10, 30, 31, 80, 100].map((p) => `[0/2] nova: Receiving objects ${p}%`),
      '[1/2] nova: done',
      '[2/2] glance: failed',
    ]);
  });

  it('parses git progress, including carriage-return updates', () => {
    expect(parseGitProgress('Receiving objects:  12% (1/8)\rReceiving objects:  45% (4/8)')).toEqual({
      stage: 'Receiving objects',
      percent: 45,
    });
    expect(parseGitProgress('remote: Counting objects: 100% (3/3), done.')).toEqual({
      stage: 'Counting objects',
      percent: 100,
    });
    expect(parseGitProgress('From file:///x')).toBeUndefined();
  });

  it('mapLimit keeps order and the limit', async () => {
    let now = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 3, 2], 2, async (n) => {
      most = Math.max(most, ++now);
      await new Promise((r) => setTimeout(r, n * 5));
      now--;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 30, 20]);
    expect(most).toBe(2);
  });
});
