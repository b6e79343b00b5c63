import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chainSeconds,
  checkGraph,
  checkRun,
  formatTimings,
  runPhases,
  type PhasePlan,
} from '../../../lib/phases/runner.ts';
import { StepJournal } from '../../../lib/phases/journal.ts';
import { PlainReporter } from '../../../lib/phases/reporter.ts';
import type { StackContext, Step } from '../../../lib/types/stack.ts';
import { CommandError, StepError } from '../../../lib/util/errors.ts';
import { formatError } from '../../../lib/cli/exit.ts';

const ctx = {} as StackContext;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function journal() {
  return new StepJournal(join(mkdtempSync(join(tmpdir(), 'tstack-j-')), 'steps.json'));
}

function recorder() {
  const lines: string[] = [];
  return { lines, reporter: new PlainReporter((l) => lines.push(l), 0) };
}

describe('phase runner', () => {
  it('runs phases in order and steps after their dependencies', async () => {
    const events: string[] = [];
    const step = (id: string, after?: string[], ms = 5): Step => ({
      id,
      title: id,
      after,
      run: async () => {
        events.push(`start ${id}`);
        await sleep(ms);
        events.push(`end ${id}`);
      },
    });
    const phases: PhasePlan[] = [
      { name: 'install', steps: [step('b', ['a']), step('a')] },
      { name: 'init', steps: [step('c')] },
    ];
    const { reporter } = recorder();
    const report = await runPhases(phases, ctx, { journal: journal(), reporter });
    expect(events.indexOf('end a')).toBeLessThan(events.indexOf('start b'));
    expect(events.indexOf('end b')).toBeLessThan(events.indexOf('start c'));
    expect(report.phases.map((p) => p.name)).toEqual(['install', 'init']);
    expect(report.steps.map((s) => s.status)).toEqual(['done', 'done', 'done']);
  });

  it('runs independent steps concurrently, bounded by the concurrency limit', async () => {
    let running = 0;
    let peak = 0;
    const steps: Step[] = Array.from({ length: 6 }, (_, i) => ({
      id: `s${i}`,
      title: `s${i}`,
      run: async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(30);
        running--;
      },
    }));
    const t0 = Date.now();
    await runPhases([{ name: 'configure', steps }], ctx, {
      journal: journal(),
      reporter: recorder().reporter,
      concurrency: 3,
    });
    expect(peak).toBe(3);
    // 6 steps of 30 ms, 3 at a time: two waves, far less than 6 sequential steps.
    expect(Date.now() - t0).toBeLessThan(6 * 30);
  });

  it('reports a failure with its phase, step, command, exit code and tail, and runs nothing after it', async () => {
    const ran: string[] = [];
    const fail: Step = {
      id: 'keystone:db-sync',
      title: 'keystone db sync',
      run: async () => {
        throw new CommandError(
          'keystone-manage db_sync',
          3,
          ['line 1', 'Access denied for user'],
          '/opt/stack/logs/stack.log',
        );
      },
    };
    const dependent: Step = {
      id: 'keystone:bootstrap',
      title: 'bootstrap',
      after: ['keystone:db-sync'],
      run: async () => void ran.push('bootstrap'),
    };
    const { reporter, lines } = recorder();
    const err = await runPhases(
      [
        { name: 'init', steps: [fail, dependent] },
        { name: 'start', steps: [{ id: 'x', title: 'x', run: async () => void ran.push('x') }] },
      ],
      ctx,
      { journal: journal(), reporter },
    ).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.phase).toBe('init');
    expect(err.step).toBe('keystone:db-sync');
    expect(ran).toEqual([]);
    const text = formatError(err);
    expect(text).toContain("phase 'init'");
    expect(text).toContain('command: keystone-manage db_sync');
    expect(text).toContain('exit code: 3');
    expect(text).toContain('Access denied for user');
    expect(text).toContain('full log: /opt/stack/logs/stack.log');
    expect(lines.some((l) => l.includes('bootstrap: not run'))).toBe(true);
  });

  it(
    'resumes: steps finished with the same fingerprint are skipped, changed ones rerun, --force redoes ' + 'all',
    async () => {
      const j = journal();
      const count: Record<string, number> = {};
      const mk = (id: string, fingerprint?: string, failOnce = false): Step => ({
        id,
        title: id,
        fingerprint,
        run: async () => {
          count[id] = (count[id] ?? 0) + 1;
          if (failOnce && count[id] === 1) throw new Error('boom');
        },
      });
      const phases = (fpB = 'v1'): PhasePlan[] => [
        { name: 'install', steps: [mk('apt', 'pkgs-1'), mk('always')] },
        { name: 'init', steps: [mk('db', fpB, true)] },
      ];
      await expect(runPhases(phases(), ctx, { journal: j, reporter: recorder().reporter })).rejects.toBeInstanceOf(
        StepError,
      );
      expect(count).toEqual({ apt: 1, always: 1, db: 1 });
      // Re-run after the failure: apt is still valid and skipped; the failed step runs again.
      await runPhases(phases(), ctx, { journal: new StepJournal(j.file), reporter: recorder().reporter });
      expect(count).toEqual({ apt: 1, always: 2, db: 2 });
      // Changed inputs invalidate only that step.
      await runPhases(phases('v2'), ctx, { journal: new StepJournal(j.file), reporter: recorder().reporter });
      expect(count).toEqual({ apt: 1, always: 3, db: 3 });
      await runPhases(phases('v2'), ctx, {
        journal: new StepJournal(j.file),
        reporter: recorder().reporter,
        force: true,
      });
      expect(count).toEqual({ apt: 2, always: 4, db: 4 });
    },
  );

  it('stops starting steps once aborted (Ctrl-C) and says so', async () => {
    let abort = false;
    const ran: string[] = [];
    const steps: Step[] = [
      {
        id: 'a',
        title: 'a',
        run: async () => {
          ran.push('a');
          abort = true;
        },
      },
      { id: 'b', title: 'b', after: ['a'], run: async () => void ran.push('b') },
    ];
    const err = await runPhases([{ name: 'install', steps }], ctx, {
      journal: journal(),
      reporter: recorder().reporter,
      aborted: () => abort,
    }).catch((e) => e);
    expect(err.name).toBe('InterruptedError');
    expect(ran).toEqual(['a']);
  });

  it('gives a free slot to the step more steps wait for first', async () => {
    const order: string[] = [];
    const step = (id: string, after?: string[]): Step => ({
      id,
      title: id,
      after,
      run: async () => {
        order.push(id);
        await sleep(2);
      },
    });
    const phases: PhasePlan[] = [
      { name: 'start', steps: [step('lone'), step('seed'), step('db'), step('sync', ['db']), step('api', ['sync'])] },
    ];
    await runPhases(phases, ctx, { journal: journal(), reporter: recorder().reporter, concurrency: 1 });
    // db and then sync have steps waiting for them; lone, seed and api do not, and keep their order
    expect(order).toEqual(['db', 'sync', 'lone', 'seed', 'api']);
  });

  it('gives a free slot to the longest chain of expected seconds first, then to the step more wait for', async () => {
    const order: string[] = [];
    const step = (id: string, after?: string[], expectSec?: number): Step => ({
      id,
      title: id,
      after,
      expectSec,
      run: async () => {
        order.push(id);
        await sleep(2);
      },
    });
    // placement's short sync has three panes waiting for it, neutron's long one a single pane
    const steps = [
      step('placement:db-sync', [], 3),
      step('start:placement-api', ['placement:db-sync']),
      ...['n-cond', 'n-api', 'n-cpu'].map((n) => step(`start:${n}`, ['start:placement-api'])),
      step('neutron:db-sync', [], 20),
      step('start:q-svc', ['neutron:db-sync']),
    ];
    const phases: PhasePlan[] = [{ name: 'start', steps }];
    expect(chainSeconds(phases).get('neutron:db-sync')).toBe(21);
    expect(chainSeconds(phases).get('placement:db-sync')).toBe(5);
    await runPhases(phases, ctx, { journal: journal(), reporter: recorder().reporter, concurrency: 1 });
    expect(order.slice(0, 2)).toEqual(['neutron:db-sync', 'placement:db-sync']);
  });

  it('rejects unknown dependencies and cycles before running anything', () => {
    const s = (id: string, after: string[]): Step => ({ id, title: id, after, run: async () => {} });
    expect(() => checkGraph('init', [s('a', ['zz'])])).toThrow(/unknown step 'zz'/);
    expect(() => checkGraph('init', [s('a', ['b']), s('b', ['a'])])).toThrow(/cycle/);
  });

  it('prints a per-phase timing table', async () => {
    const report = await runPhases(
      [
        {
          name: 'install',
          steps: [
            {
              id: 'apt',
              title: 'apt',
              run: async () => {
                await sleep(20);
              },
            },
          ],
        },
      ],
      ctx,
      { journal: journal(), reporter: recorder().reporter },
    );
    const table = formatTimings(report);
    expect(table).toMatch(/^phase\s+seconds\s+steps\s+skipped/);
    expect(table).toMatch(/install\s+0\.\d\s+1\s+0/);
    expect(table).toContain('apt');
  });
});

describe('overlapping steps (overlapsUntil)', () => {
  /** A step that logs its start and end; `gate` holds it until released. */
  function logged(events: string[], id: string, extra: Partial<Step> = {}, gate?: Promise<void>): Step {
    return {
      id,
      title: id,
      ...extra,
      run: async () => {
        events.push(`start ${id}`);
        await (gate ?? sleep(5));
        events.push(`end ${id}`);
      },
    };
  }

  it('run on into the next phases; a later step waits through `after`, the named phase for all', async () => {
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const phases: PhasePlan[] = [
      { name: 'install', steps: [logged(events, 'apt'), logged(events, 'db', { overlapsUntil: 'start' }, gate)] },
      {
        name: 'configure',
        steps: [
          {
            id: 'conf',
            title: 'conf',
            run: async () => {
              events.push('start conf');
              // the overlapping step is still running: its phase ended without it
              release();
            },
          },
        ],
      },
      { name: 'init', steps: [logged(events, 'sync', { after: ['db'] })] },
      { name: 'start', steps: [logged(events, 'pane')] },
      { name: 'extra', steps: [logged(events, 'seed')] },
    ];
    const { lines, reporter } = recorder();
    const report = await runPhases(phases, ctx, { journal: journal(), reporter });
    expect(events.indexOf('start conf')).toBeLessThan(events.indexOf('end db'));
    expect(events.indexOf('end db')).toBeLessThan(events.indexOf('start sync'));
    expect(events.indexOf('end db')).toBeLessThan(events.indexOf('start seed'));
    // each step once in the report, under its own phase
    expect(report.steps.map((s) => `${s.phase}/${s.id}`).sort()).toEqual(
      ['configure/conf', 'extra/seed', 'init/sync', 'install/apt', 'install/db', 'start/pane'].sort(),
    );
    expect(lines.some((l) => /phase install done in .* \(1 step\(s\) run on\)/.test(l))).toBe(true);
  });

  it('stop the run when one fails, naming its phase, after letting the steps under way settle', async () => {
    const ran: string[] = [];
    const step = (id: string, ms: number, extra: Partial<Step> = {}, fail = false): Step => ({
      id,
      title: id,
      ...extra,
      run: async () => {
        ran.push(id);
        await sleep(ms);
        if (fail) throw new Error(`${id} broke`);
        ran.push(`${id} ended`);
      },
    });
    const phases: PhasePlan[] = [
      { name: 'install', steps: [step('apt', 5), step('db', 30, { overlapsUntil: 'start' }, true)] },
      { name: 'configure', steps: [step('conf', 60)] },
      { name: 'start', steps: [step('pane', 5)] },
    ];
    const err = await runPhases(phases, ctx, { journal: journal(), reporter: recorder().reporter }).catch((e) => e);
    expect(err).toBeInstanceOf(StepError);
    expect(err.phase).toBe('install');
    expect(err.message).toContain('db broke');
    expect(ran).toEqual(['apt', 'db', 'apt ended', 'conf', 'conf ended']);
  });

  it('must end in a later phase, and cannot be named after it', () => {
    const s = (id: string, extra: Partial<Step> = {}): Step => ({ id, title: id, ...extra, run: async () => {} });
    expect(() => checkRun([{ name: 'start', steps: [s('a', { overlapsUntil: 'init' })] }])).toThrow(
      "phase start: step 'a' overlaps until init, which does not follow",
    );
    expect(() =>
      checkRun([
        { name: 'install', steps: [s('a', { overlapsUntil: 'init' })] },
        { name: 'init', steps: [s('b', { after: ['a'] })] },
        { name: 'start', steps: [s('c', { after: ['a'] })] },
      ]),
    ).toThrow("phase start: step 'c' waits for unknown step 'a'");
  });
});

describe('stamped steps', () => {
  /** A "db sync": at head once it ran for the current code version; a later step changes `shared`. */
  function world() {
    const state = { code: 'v1', schema: '', shared: 0, syncs: 0, seeds: 0 };
    const sync: Step = {
      id: 'sync',
      title: 'sync',
      stamp: async () => `${state.code} ${state.schema} ${state.shared}`,
      run: async () => {
        state.syncs++;
        state.schema = state.code;
      },
    };
    const seed: Step = {
      id: 'seed',
      title: 'seed',
      after: ['sync'],
      run: async () => {
        state.seeds++;
        state.shared = 1;
      },
    };
    return { state, phases: [{ name: 'init', steps: [sync, seed] }] as PhasePlan[] };
  }

  it('skip while their stamp equals the one recorded after the last run; --force and a change run them', async () => {
    const { state, phases } = world();
    const j = journal();
    const { reporter, lines } = recorder();
    await runPhases(phases, ctx, { journal: j, reporter });
    // the stamp is recorded again at the end: the seed changed what the sync's stamp reads
    const again = await runPhases(phases, ctx, { journal: j, reporter });
    expect(again.steps.map((s) => [s.id, s.status])).toEqual([
      ['sync', 'skipped'],
      ['seed', 'done'],
    ]);
    expect(lines.join('\n')).toContain('sync: skipped (unchanged since it last ran)');
    await runPhases(phases, ctx, { journal: j, reporter, force: true });
    expect(state.syncs).toBe(2);
    state.code = 'v2'; // a new package version
    await runPhases(phases, ctx, { journal: j, reporter });
    expect(state.syncs).toBe(3);
  });

  it('a run that skipped every stamped step reads each stamp once (no second read to record it)', async () => {
    const { phases } = world();
    let reads = 0;
    const sync = phases[0].steps[0];
    const counted: Step = { ...sync, stamp: async (c) => (reads++, sync.stamp!(c)) };
    const counting = [{ name: 'init', steps: [counted, phases[0].steps[1]] }] as PhasePlan[];
    const j = journal();
    const { reporter } = recorder();
    await runPhases(counting, ctx, { journal: j, reporter });
    expect(reads).toBe(3); // before (nothing recorded yet), after it ran, and after the whole run
    reads = 0;
    const warm = await runPhases(counting, ctx, { journal: j, reporter });
    expect(warm.steps.find((s) => s.id === 'sync')?.status).toBe('skipped');
    expect(reads).toBe(1);
    // and the next run still skips it: the journal kept the stamp
    expect((await runPhases(counting, ctx, { journal: j, reporter })).steps[0].status).toBe('skipped');
  });

  it('run when the stamp cannot be read (the database is down)', async () => {
    const j = journal();
    let runs = 0;
    const step: Step = {
      id: 'x',
      title: 'x',
      stamp: async () => {
        throw new Error('mysql is not running');
      },
      run: async () => void runs++,
    };
    const { reporter } = recorder();
    await runPhases([{ name: 'init', steps: [step] }], ctx, { journal: j, reporter });
    await runPhases([{ name: 'init', steps: [step] }], ctx, { journal: j, reporter });
    expect(runs).toBe(2);
  });
});
