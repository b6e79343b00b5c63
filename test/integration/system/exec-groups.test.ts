// SystemShell runs each command in a process group of its own, so a terminal's
// Ctrl-C (sent to the foreground group) reaches stack.ts but not the command a
// step has in flight; killRunningCommands still ends such commands on abort.
// Real child processes, no root needed.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TOP_DIR } from '../../../lib/util/paths.ts';

const TSX = `file://${join(TOP_DIR, 'node_modules', 'tsx', 'dist', 'loader.mjs')}`;
import { SystemShell, killRunningCommands } from '../../../lib/system/exec.ts';

/** Our own process group, from /proc (process.getpgid does not exist in Node). */
async function ownPgid(): Promise<number> {
  const { readFileSync } = await import('node:fs');
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('SystemShell process groups', () => {
  it("runs a command in its own process group, not the caller's", async () => {
    const sh = new SystemShell();
    const r = await sh.run(['sh', '-c', 'cut -d" " -f5 /proc/$$/stat; echo $$']);
    const [pgid, pid] = r.stdout.split('\n').map(Number);
    expect(pgid).toBe(pid); // the command leads its own group
    expect(pgid).not.toBe(await ownPgid());
  });

  it("a Ctrl-C to the caller's foreground group leaves the command in flight running to its end", async () => {
    // the caller runs in a group of its own here, as stack.ts does in a terminal's foreground group
    const child = spawn(process.execPath, ['--import', TSX, join(import.meta.dirname, 'fixtures', 'ctrl-c-child.ts')], {
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((r) => child.on('exit', r));
    // once the command is in flight, Ctrl-C the whole group
    await new Promise<void>((r) => child.stdout.on('data', () => out.includes('in flight') && r()));
    process.kill(-child.pid!, 'SIGINT');
    await exited;
    const result = JSON.parse(/^result (.*)$/m.exec(out)?.[1] ?? 'null') as {
      interrupted: boolean;
      code: number;
      stdout: string;
    };
    expect(result.interrupted).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('started\nsettled');
  });

  it('killRunningCommands ends a command in flight (the abort path)', async () => {
    const sh = new SystemShell();
    const t0 = Date.now();
    const running = sh.run(['sh', '-c', 'sleep 30 & wait'], { allowFailure: true });
    await new Promise((r) => setTimeout(r, 200));
    expect(killRunningCommands('SIGTERM')).toBe(1);
    const r = await running;
    expect(r.code).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
    // nothing is left to kill
    expect(killRunningCommands('SIGTERM')).toBe(0);
  });
});
