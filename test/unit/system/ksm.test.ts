// ENABLE_KSM: the counters, the step that switches ksmd on (a temp dir stands in for /sys/kernel/mm/ksm, and
// real tee writes it), unstack's restore, the plan marking every pane and the launcher's prctl helper.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { launchArgv, MEMORY_MERGE_ARGV } from '../../../lib/proc/launch.ts';
import { SystemShell } from '../../../lib/system/exec.ts';
import { ksmFigures, ksmSavedFile, ksmStep, readKsm, restoreKsm } from '../../../lib/system/ksm.ts';
import type { Plan, StackContext } from '../../../lib/types/stack.ts';
import { writeFileIfChanged } from '../../../lib/system/files.ts';
import { testPlan } from '../plan-fixture.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fake ksm sysfs dir with `run` and the counters, and a state dir. */
function fakeHost(run: string): { ksm: string; state: string } {
  const ksm = mkdtempSync(join(tmpdir(), 'tstack-ksm-'));
  const state = mkdtempSync(join(tmpdir(), 'tstack-state-'));
  dirs.push(ksm, state);
  writeFileSync(join(ksm, 'run'), `${run}\n`);
  writeFileSync(join(ksm, 'pages_sharing'), '38040\n');
  writeFileSync(join(ksm, 'pages_shared'), '11331\n');
  writeFileSync(join(ksm, 'full_scans'), '3\n');
  writeFileSync(join(ksm, 'general_profit'), '-3145728\n');
  return { ksm, state };
}

function ctxFor(plan: Plan, logged: string[]): StackContext {
  return {
    plan,
    sh: new SystemShell(),
    log: { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(`WARN ${m}`), debug() {} },
    writeFile: (path: string, content: string, o?: { mode?: number }) => writeFileIfChanged(path, content, o),
  } as unknown as StackContext;
}

const log = (into: string[]) => ({ info: (m: string) => into.push(m), warn() {}, debug() {} });

describe('ksm counters', () => {
  it('reads run, pages and the signed general_profit; nothing without a run file', () => {
    const files: Record<string, string> = { run: '1\n', pages_sharing: '958\n', general_profit: '-3145728\n' };
    expect(ksmFigures((n) => files[n])).toEqual({
      run: 1,
      pagesShared: 0,
      pagesSharing: 958,
      fullScans: 0,
      generalProfitBytes: -3145728,
    });
    expect(ksmFigures(() => undefined)).toBeUndefined();
    expect(readKsm('/nonexistent/ksm')).toBeUndefined();
  });
});

describe('ENABLE_KSM', () => {
  it('marks every pane of the plan, and none when off', () => {
    const on = testPlan({});
    expect(on.processes.length).toBeGreaterThan(10);
    expect(on.processes.every((p) => p.memoryMerge === true)).toBe(true);
    expect(testPlan({ ENABLE_KSM: 'False' }).processes.some((p) => p.memoryMerge)).toBe(false);
  });

  it('runs a marked pane through the prctl helper inside the wrapper, the user switch after it', () => {
    const spec = { name: 'q-svc', project: 'neutron', argv: ['/usr/bin/neutron-server'], user: 'neutron' };
    const plain = launchArgv(spec, '/s/panes/q-svc.exit');
    const marked = launchArgv({ ...spec, memoryMerge: true }, '/s/panes/q-svc.exit');
    expect(marked.slice(0, 5)).toEqual(plain.slice(0, 5));
    expect(marked.slice(5, 5 + MEMORY_MERGE_ARGV.length)).toEqual([...MEMORY_MERGE_ARGV]);
    expect(marked.slice(5 + MEMORY_MERGE_ARGV.length)).toEqual(plain.slice(5));
  });

  it('switches ksmd on, remembers what it found once, and unstack puts that back', async () => {
    const { ksm, state } = fakeHost('0');
    const plan = testPlan({ SERVICE_DIR: state });
    const logged: string[] = [];
    await ksmStep(plan, ksm).run(ctxFor(plan, logged));
    expect(readFileSync(join(ksm, 'run'), 'utf8').trim()).toBe('1');
    expect(readFileSync(ksmSavedFile(state), 'utf8').trim()).toBe('0');
    // a second ./stack.ts finds run=1, its own doing: the note still says 0
    await ksmStep(plan, ksm).run(ctxFor(plan, logged));
    expect(readFileSync(ksmSavedFile(state), 'utf8').trim()).toBe('0');
    expect(logged.at(-1)).toMatch(/run=0 before the stack/);

    const said: string[] = [];
    restoreKsm(state, log(said) as never, ksm);
    expect(readFileSync(join(ksm, 'run'), 'utf8').trim()).toBe('0');
    expect(said[0]).toMatch(/run=0 again/);
    // nothing recorded any more: a second unstack leaves ksmd alone
    writeFileSync(join(ksm, 'run'), '1\n');
    restoreKsm(state, log([]) as never, ksm);
    expect(readFileSync(join(ksm, 'run'), 'utf8').trim()).toBe('1');
  });

  it('leaves a host that already ran ksmd running after unstack', async () => {
    const { ksm, state } = fakeHost('1');
    const plan = testPlan({ SERVICE_DIR: state });
    await ksmStep(plan, ksm).run(ctxFor(plan, []));
    restoreKsm(state, log([]) as never, ksm);
    expect(readFileSync(join(ksm, 'run'), 'utf8').trim()).toBe('1');
  });

  it('warns and goes on on a kernel without KSM', async () => {
    const { state } = fakeHost('0');
    const plan = testPlan({ SERVICE_DIR: state });
    const logged: string[] = [];
    await ksmStep(plan, join(state, 'no-ksm')).run(ctxFor(plan, logged));
    expect(logged[0]).toMatch(/^WARN ENABLE_KSM: this kernel has no/);
  });
});
