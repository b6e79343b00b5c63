// The test image for real: built from Debian's packages (apt-get download on
// the first run, the cache in files/images afterwards), twice, to the same
// bytes; then booted under qemu-system-x86_64 (TCG, user networking with
// nothing routed off the host) with a config drive carrying a fresh SSH key
// and a hostname, and logged in to as cirros with that key; then once more
// with the key from a metadata service instead (an HTTP server here, reached
// as 169.254.169.254 through qemu's guestfwd), as nova's guests get it.
// Needs: apt-get/dpkg-deb, qemu-img, qemu-system-x86_64, ssh, ssh-keygen.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CONSOLE_MARKERS, ensureTestImage, testImageDir, type TestImage } from '../../../lib/image/test-image.ts';
import {
  bootQemu,
  freePort,
  makeConfigDrive,
  waitForSsh,
  type ConfigDriveFormat,
  type RunningGuest,
} from '../../../lib/image/qemu.ts';
import { SystemShell } from '../../../lib/system/exec.ts';

const filesDir = resolve(import.meta.dirname, '../../../files');
const sh = new SystemShell();
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
let dir: string;
let image: TestImage;
let guest: RunningGuest | undefined;
let server: Server | undefined;

/** Boot, then ssh in with `key` running `command`; on failure the error carries the console's last lines. */
async function bootAndSsh(opts: {
  key: string;
  command: string;
  configDrive?: { path: string; format: ConfigDriveFormat };
  metadataPort?: number;
}) {
  const consoleLog = join(dir, `console-${Date.now()}.log`);
  const port = await freePort();
  guest = await bootQemu({
    disk: image.disk,
    configDrive: opts.configDrive,
    metadataPort: opts.metadataPort,
    sshPort: port,
    consoleLog,
  });
  const g = guest;
  try {
    const out = await waitForSsh(
      { port, key: opts.key, command: opts.command },
      180_000,
      () => g.child.exitCode === null,
    );
    return { ...out, guest: g, consoleLog };
  } catch (err) {
    const log = readFileSync(consoleLog, 'utf8');
    await g.stop();
    throw new Error(
      `${(err as Error).message}\n--- console log (last 40 lines) ---\n${log.split('\n').slice(-40).join('\n')}`,
    );
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tstack-test-image-'));
  image = await ensureTestImage({ filesDir, sh });
}, 600_000);
afterAll(async () => {
  await guest?.stop();
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('test image', () => {
  it('rebuilds to the same bytes from the cached packages, under 40 MB', async () => {
    const before = { disk: sha(image.disk), initrd: sha(image.initrd), kernel: sha(image.kernel) };
    const again = await ensureTestImage({ filesDir, sh, force: true });
    expect(again.cached).toBe(false);
    expect({ disk: sha(again.disk), initrd: sha(again.initrd), kernel: sha(again.kernel) }).toEqual(before);
    const reused = await ensureTestImage({ filesDir, sh });
    expect(reused.cached).toBe(true);
    expect(again.diskBytes).toBeLessThan(40 * 1024 * 1024);
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', again.disk]).toString()) as {
      format: string;
    };
    expect(info.format).toBe('qcow2');
    // modules come dependencies first, as read from the kernel package's own modules
    const { modules } = JSON.parse(readFileSync(join(testImageDir(filesDir), 'manifest.json'), 'utf8')) as {
      modules: string[];
    };
    expect(modules.indexOf('virtio_ring')).toBeLessThan(modules.indexOf('virtio_net'));
    expect(modules.indexOf('failover')).toBeLessThan(modules.indexOf('net_failover'));
    expect(modules.indexOf('cdrom')).toBeLessThan(modules.indexOf('isofs'));
  }, 600_000);

  // iso9660 is nova's default config_drive_format (a CD-ROM on IDE under libvirt's i440fx), vfat the other
  it.each([
    ['iso9660', /metadata: from config drive \/dev\/sr0/],
    ['vfat', /metadata: from config drive \/dev\/vd/],
  ] as const)(
    'boots under TCG, takes hostname and key from a %s config drive, runs user-data, lets cirros in (sudo, ping)',
    async (format, device) => {
      const key = join(dir, `id_${format}`);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tstack-test', '-f', key]);
      const drive = join(dir, `config-drive.${format}`);
      await makeConfigDrive(
        sh,
        join(testImageDir(filesDir), 'debs'),
        drive,
        {
          hostname: 'probe-vm.novalocal',
          publicKeys: { 'tstack-test': readFileSync(`${key}.pub`, 'utf8') },
          userData: '#!/bin/sh\necho "user-data says hi"\n',
        },
        format,
      );
      const out = await bootAndSsh({
        key,
        configDrive: { path: drive, format },
        command:
          'hostname; id -un; cat ~/.ssh/authorized_keys; sudo id -u; ' +
          'ping -c 1 -W 5 10.0.2.2 >/dev/null && echo ping-ok',
      });
      const g = out.guest;
      const consoleLog = out.consoleLog;
      const [hostname, user, authorized, sudoUid, ping] = out.stdout.split('\n');
      expect(hostname).toBe('probe-vm');
      expect(user).toBe('cirros');
      expect(authorized).toBe(readFileSync(`${key}.pub`, 'utf8').trim());
      expect(sudoUid).toBe('0'); // sudo without a password, as in CirrOS
      expect(ping).toBe('ping-ok'); // cirros may ping (qemu's gateway answers)
      console.log(
        `${format} config drive: boot to SSH under TCG: ${(out.ms / 1000).toFixed(1)}s; ` +
          `qemu RSS ${Math.round((await g.rssKiB()) / 1024)} MiB`,
      );

      // user-data runs after sshd starts: wait for its end on the console
      const deadline = Date.now() + 30_000;
      let log = readFileSync(consoleLog, 'utf8');
      while (Date.now() < deadline && !log.includes('user-data: exit')) {
        await new Promise((r) => setTimeout(r, 500));
        log = readFileSync(consoleLog, 'utf8');
      }
      expect(log).toContain(`${CONSOLE_MARKERS.network}eth0 10.0.2.15/24 via DHCP`);
      expect(log).toMatch(device);
      expect(log).toContain('metadata: 1 public key(s) (tstack-test)');
      expect(log).toContain(CONSOLE_MARKERS.ssh);
      expect(log).toContain('user-data: user-data says hi');
      expect(log).toContain('user-data: exit 0');
      await g.stop();
      expect(g.child.exitCode !== null || g.child.signalCode !== null).toBe(true);
    },
    300_000,
  );

  it("without a config drive, takes hostname and key from the metadata service's OpenStack paths", async () => {
    const key = join(dir, 'id_md');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'nova-keypair', '-f', key]);
    const meta = {
      uuid: '6f1d2c3b-0000-4000-8000-00000000abcd',
      hostname: 'md-vm.novalocal',
      name: 'md-vm',
      public_keys: { journey: readFileSync(`${key}.pub`, 'utf8') },
    };
    const { port, requests } = await metadataServer({ '/openstack/latest/meta_data.json': JSON.stringify(meta) });
    const out = await bootAndSsh({ key, metadataPort: port, command: 'hostname' });
    expect(out.stdout.trim()).toBe('md-vm');
    const log = readFileSync(out.consoleLog, 'utf8');
    expect(log).toContain('metadata: from metadata service http://169.254.169.254 (openstack)');
    expect(log).toContain('metadata: instance-id=6f1d2c3b-0000-4000-8000-00000000abcd hostname=md-vm');
    expect(log).toContain('metadata: no user-data');
    expect(requests).toContain('/openstack/latest/meta_data.json');
    expect(requests).toContain('/openstack/latest/user_data');
    await out.guest.stop();
  }, 300_000);

  it("falls back to EC2's paths (several keys, user-data) when the OpenStack ones are missing", async () => {
    const key = join(dir, 'id_ec2');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ec2-key', '-f', key]);
    const other = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMLf5ZCx/6WyYIpEoHg+3gyZcn5LHMYq2qVONDaOQJGV other@host';
    const { port, requests } = await metadataServer({
      '/latest/meta-data/hostname': 'ec2-vm.example.internal',
      '/latest/meta-data/instance-id': 'i-0123456789',
      '/latest/meta-data/public-keys/': '0=first\n1=second', // no final newline, as EC2 serves it
      '/latest/meta-data/public-keys/0/openssh-key': readFileSync(`${key}.pub`, 'utf8'),
      '/latest/meta-data/public-keys/1/openssh-key': other,
      '/latest/user-data': 'plain text, not a script\n',
    });
    const out = await bootAndSsh({ key, metadataPort: port, command: 'hostname; wc -l < .ssh/authorized_keys' });
    expect(out.stdout.split('\n').slice(0, 2)).toEqual(['ec2-vm', '2']);
    const log = readFileSync(out.consoleLog, 'utf8');
    expect(log).toContain('metadata: from metadata service http://169.254.169.254 (ec2)');
    expect(log).toContain('metadata: instance-id=i-0123456789 hostname=ec2-vm');
    expect(log).toContain('metadata: 2 public key(s) (first second)');
    expect(log).toContain('metadata: user-data 25 bytes');
    expect(requests.slice(0, 2)).toEqual(['/openstack/latest/meta_data.json', '/latest/meta-data/hostname']);
    await out.guest.stop();
  }, 300_000);
});

/** An HTTP server on 127.0.0.1 answering `paths` (404 otherwise), recording what was asked. */
async function metadataServer(paths: Record<string, string>): Promise<{ port: number; requests: string[] }> {
  server?.close();
  const requests: string[] = [];
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const body = paths[req.url ?? ''];
    if (body !== undefined) res.end(body);
    else {
      res.statusCode = 404;
      res.end('Not Found');
    }
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { port: (server.address() as { port: number }).port, requests };
}
