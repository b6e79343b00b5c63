// A re-run restarts a running pane whose module's config files changed: the
// start step puts a digest of those files into the spec it hands the
// supervisor, which restarts a pane whose spec differs (lib/proc/supervisor.ts).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configDigest, paneConfigFiles, startSteps } from '../../../lib/phases/stack-phases.ts';
import type { Plan } from '../../../lib/types/stack.ts';
import type { ProcessSpec } from '../../../lib/types/process.ts';
import { sameSpec } from '../../../lib/proc/launch.ts';

const dir = mkdtempSync(join(tmpdir(), 'tstack-digest-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const conf = join(dir, 'nova.conf');
const cnf = join(dir, 'tstack-db.cnf');
const pane: ProcessSpec = { name: 'n-cond', project: 'nova', argv: ['/usr/bin/nova-conductor'] };
const plan = {
  processes: [pane],
  services: [
    { name: 'nova', project: 'nova', shortNames: ['n-cond'], processes: () => [pane], configFiles: () => [conf, cnf] },
  ],
  int: () => 60,
} as unknown as Plan;

async function startedSpec(): Promise<ProcessSpec> {
  let started: ProcessSpec | undefined;
  const start = async (s: ProcessSpec) => {
    started = s;
    return undefined;
  };
  const [step] = startSteps(plan, { start, waitReady: async () => {} });
  await step.run({} as never);
  return started!;
}

describe('config digest of a pane', () => {
  it("names the owning module's config files; none written yet: the spec as planned", async () => {
    expect(paneConfigFiles(plan, 'n-cond')).toEqual([conf, cnf]);
    expect(paneConfigFiles(plan, 'nope')).toEqual([]);
    expect(configDigest([conf, cnf])).toBeUndefined();
    expect(await startedSpec()).toEqual(pane);
  });

  it('the same files give the same spec (no restart); a changed password file gives another (restart)', async () => {
    writeFileSync(conf, '[database]\nconnection = mysql+pymysql://nova@127.0.0.1/nova\n');
    writeFileSync(cnf, '[client]\npassword = "old"\n');
    const first = await startedSpec();
    expect(first.configDigest).toMatch(/^[0-9a-f]{16}$/);
    expect(sameSpec(first, await startedSpec())).toBe(true);
    writeFileSync(cnf, '[client]\npassword = "new"\n');
    expect(sameSpec(first, await startedSpec())).toBe(false);
  });
});

describe('the start step says why a running pane was replaced', () => {
  async function logged(restartedFor: 'spec' | 'code' | undefined): Promise<string[]> {
    const lines: string[] = [];
    const p = { ...pane, codeDirs: ['/opt/stack/oslo.config', '/opt/stack/nova'] };
    const [step] = startSteps({ ...plan, processes: [p] } as Plan, {
      start: async () => ({ restartedFor }),
      waitReady: async () => {},
    });
    await step.run({ log: { info: (m: string) => lines.push(m), warn: () => {}, debug: () => {} } } as never);
    return lines;
  }

  it('its checkouts moved on, its spec changed, or nothing (first start, unchanged)', async () => {
    expect(await logged('code')).toEqual([
      'n-cond: restarted, the code in /opt/stack/oslo.config, /opt/stack/nova changed since it started',
    ]);
    expect(await logged('spec')).toEqual(['n-cond: restarted, its command or config files changed']);
    expect(await logged(undefined)).toEqual([]);
  });
});
