import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import { SystemShell } from '../../../lib/system/exec.ts';
import { neutronModule } from '../../../lib/services/neutron.ts';
import { rabbitModule } from '../../../lib/services/rabbit.ts';

const log = { info() {}, warn() {}, debug() {} };

describe('neutron stop hook', () => {
  it('ends the processes inside its namespaces only (a real child stands in for dnsmasq)', async () => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise<string | null>((r) => child.on('exit', (_c, sig) => r(sig)));
    const calls: string[][] = [];
    const real = new SystemShell();
    const sh: Shell = {
      async run(argv: string[], opts?: RunOptions): Promise<RunResult> {
        calls.push(argv);
        if (argv.join(' ') === 'ip netns list')
          return { code: 0, stdout: 'qdhcp-8a6f0d8b-4924-4ddd-bfda-c638f9fcf849 (id: 0)\nother-ns\n', stderr: '' };
        if (argv[0] === 'ip')
          return { code: 0, stdout: argv[3].startsWith('qdhcp-') ? `${child.pid}\n` : '', stderr: '' };
        return real.run(argv, opts); // kill, for real
      },
    };
    await neutronModule.stop!({ sh, log });
    expect(await exited).toBe('SIGTERM');
    expect(calls.filter((c) => c[0] === 'ip' && c[2] === 'pids').map((c) => c[3])).toEqual([
      'qdhcp-8a6f0d8b-4924-4ddd-bfda-c638f9fcf849',
    ]);
  });

  it('does nothing when no namespace has processes', async () => {
    const calls: string[][] = [];
    const sh: Shell = { run: async (argv) => (calls.push(argv), { code: 0, stdout: '', stderr: '' }) };
    await neutronModule.stop!({ sh, log });
    expect(calls).toEqual([['ip', 'netns', 'list']]);
  });
});

describe('rabbit stop hook', () => {
  it('asks epmd to exit, on loopback', async () => {
    const calls: { argv: string[]; opts?: RunOptions }[] = [];
    const sh: Shell = { run: async (argv, opts) => (calls.push({ argv, opts }), { code: 0, stdout: '', stderr: '' }) };
    await rabbitModule.stop!({ sh, log });
    expect(calls[0].argv).toEqual(['/usr/bin/epmd', '-kill']);
    expect(calls[0].opts?.allowFailure).toBe(true);
  });
});
