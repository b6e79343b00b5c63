import { afterEach, describe, expect, it, vi } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPhases, type PhasePlan } from '../../../lib/phases/runner.ts';
import { StepJournal } from '../../../lib/phases/journal.ts';
import { ListrReporter } from '../../../lib/phases/listr-reporter.ts';
import type { StackContext, Step } from '../../../lib/types/stack.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('listr2 progress', () => {
  afterEach(() => vi.restoreAllMocks());

  it('draws a step that overlaps into the next phase there again, and ends with the run', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    const step = (id: string, ms: number, extra: Partial<Step> = {}): Step => ({
      id,
      title: `step ${id}`,
      ...extra,
      run: async () => {
        await sleep(ms);
      },
    });
    const phases: PhasePlan[] = [
      { name: 'install', steps: [step('apt', 5), step('key', 80, { overlapsUntil: 'start' })] },
      { name: 'configure', steps: [step('conf', 5)] },
      { name: 'start', steps: [step('pane', 5, { after: ['key'] })] },
    ];
    const reporter = new ListrReporter();
    const journal = new StepJournal(join(mkdtempSync(join(tmpdir(), 'tstack-l-')), 'steps.json'));
    const report = await runPhases(phases, {} as StackContext, { journal, reporter });
    await reporter.close();
    vi.restoreAllMocks();
    expect(report.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);
    const text = out.join('');
    expect(text).toContain('step key (runs on into the next phase)');
    expect(text).toContain('step key (running on from an earlier phase)');
    expect(text).toMatch(/step key \[0\.\d+s\]/);
  });
});
