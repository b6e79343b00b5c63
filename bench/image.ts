// The test image (lib/image/test-image.ts): build time cold (empty package
// cache: apt-get download + build), rebuilt from the cached packages, and
// reused; its size; boot to SSH under TCG (plain qemu, a config drive with a
// fresh key, user networking); and the guest qemu's resident memory.
//
//   npm run bench:image [-- --boots 3] [--memory 256] [--no-cold]
//
// Targets (issue 11): image under 40 MB, boot to SSH within 60 s under TCG.
// The cold build downloads into a scratch files/ dir (about 33 MB from the
// Debian archive); the other figures use the repo's files/images cache.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { bootQemu, freePort, makeConfigDrive, waitForSsh } from '../lib/image/qemu.ts';
import { ensureTestImage, testImageDir } from '../lib/image/test-image.ts';
import { SystemShell } from '../lib/system/exec.ts';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const filesDir = resolve(import.meta.dirname, '../files');
const sh = new SystemShell();
const MiB = 1024 * 1024;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
};

async function main(): Promise<void> {
  const boots = Number(arg('boots', '2'));
  const memoryMiB = Number(arg('memory', '256'));
  const rows: [string, string][] = [];

  if (!process.argv.includes('--no-cold')) {
    const scratch = mkdtempSync(join(tmpdir(), 'tstack-bench-image-'));
    try {
      const [, ms] = await timed(() => ensureTestImage({ filesDir: scratch, sh }));
      rows.push(['build, cold (apt-get download + build)', s(ms)]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  const [built, rebuildMs] = await timed(() => ensureTestImage({ filesDir, sh, force: true }));
  rows.push(['build from cached .debs', s(rebuildMs)]);
  const [, reuseMs] = await timed(() => ensureTestImage({ filesDir, sh }));
  rows.push(['reuse of the cached image', s(reuseMs)]);
  rows.push([
    'image (qcow2)',
    `${(built.diskBytes / MiB).toFixed(1)} MiB (target < 40 MB: ${built.diskBytes < 40e6 ? 'met' : 'MISSED'})`,
  ]);
  rows.push([
    '  kernel / initramfs',
    `${(statSync(built.kernel).size / MiB).toFixed(1)} MiB / ${(statSync(built.initrd).size / MiB).toFixed(1)} MiB`,
  ]);

  const dir = mkdtempSync(join(tmpdir(), 'tstack-bench-boot-'));
  try {
    const key = join(dir, 'id_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    const drive = join(dir, 'config-drive.img');
    await makeConfigDrive(sh, join(testImageDir(filesDir), 'debs'), drive, {
      hostname: 'bench-vm',
      publicKeys: { bench: readFileSync(`${key}.pub`, 'utf8') },
    });
    for (let i = 1; i <= boots; i++) {
      const port = await freePort();
      const consoleLog = join(dir, `console-${i}.log`);
      const t0 = performance.now();
      const guest = await bootQemu({
        disk: built.disk,
        configDrive: { path: drive, format: 'vfat' },
        sshPort: port,
        consoleLog,
        memoryMiB,
      });
      try {
        await waitForSsh({ port, key, command: 'hostname' }, 300_000, () => guest.child.exitCode === null);
        const ms = performance.now() - t0;
        const rss = await guest.rssKiB();
        rows.push([
          `boot ${i} to SSH under TCG (-m ${memoryMiB})`,
          `${s(ms)} (target <= 60 s: ${ms <= 60_000 ? 'met' : 'MISSED'})`,
        ]);
        rows.push([`  guest qemu RSS at SSH`, `${(rss / 1024).toFixed(0)} MiB`]);
      } finally {
        await guest.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(`test image ${built.name} (kernel ${built.kernelRelease}); load average ${load}`);
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
