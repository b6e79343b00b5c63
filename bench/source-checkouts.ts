#!/usr/bin/env -S node --import tsx
// Prints figures (no assertions) for the source method's checkouts, against a
// local remote built from Debian's installed keystone (8 MB of Python, as in
// the E2E test; needs python3-keystone):
//  1. cloning N checkouts at concurrency 1, 2 and 4;
//  2. a re-run with nothing to do: without RECLONE (local inspection only) and
//     with RECLONE (ls-remote + fetch + inspection each).
//
//   npx tsx bench/source-checkouts.ts [--repos 6]

import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SystemShell } from '../lib/system/exec.ts';
import { syncCheckouts } from '../lib/source/checkouts.ts';
import type { CloneSettings } from '../lib/source/git.ts';
import type { RepoSpec } from '../lib/types/service.ts';
import { buildKeystoneRemote } from '../test/e2e/keystone-remote.ts';

const i = process.argv.indexOf('--repos');
const n = i > 0 ? Number(process.argv[i + 1]) : 6;
const root = mkdtempSync('/tmp/tstack-bench-source-');
const sh = new SystemShell();
const base: CloneSettings = { reclone: false, offline: false, errorOnClone: false, depth: 0 };

async function timed(label: string, repos: RepoSpec[], s: CloneSettings, concurrency: number) {
  const t0 = performance.now();
  const out = await syncCheckouts(repos, s, { sh, concurrency });
  const ms = performance.now() - t0;
  const failed = out.filter((o) => o.error);
  if (failed.length) throw new Error(failed.map((o) => o.error).join('\n'));
  const actions = [...new Set(out.map((o) => o.action?.action))].join('/');
  console.log(
    `${label.padEnd(44)} ${(ms / 1000).toFixed(2).padStart(6)} s  (${(ms / repos.length).toFixed(0)} ms per ` +
      `checkout; ${actions})`,
  );
}

try {
  const t0 = performance.now();
  const remote = await buildKeystoneRemote(root);
  console.log(
    `keystone ${remote.version} remote built from the installed package: ` +
      `${((performance.now() - t0) / 1000).toFixed(2)} s`,
  );
  for (const c of [1, 2, 4]) {
    const repos = Array.from({ length: n }, (_, k) => ({
      name: `keystone${k}`,
      url: `${remote.gitBase}/openstack/keystone.git`,
      ref: 'master',
      dir: join(root, `c${c}`, `keystone${k}`),
    }));
    await timed(`clone ${n} checkouts, concurrency ${c}`, repos, base, c);
    if (c === 4) {
      await timed(`re-run, nothing to do, RECLONE=False`, repos, base, c);
      await timed(`re-run, nothing to do, RECLONE=True`, repos, { ...base, reclone: true }, c);
      await timed(
        `clone ${n} checkouts, GIT_DEPTH=1, concurrency 4`,
        repos.map((r) => ({ ...r, dir: `${r.dir}-shallow` })),
        { ...base, depth: 1 },
        4,
      );
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
