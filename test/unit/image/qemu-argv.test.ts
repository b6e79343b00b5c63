// The qemu command line of the test boots: nothing is routed off the host
// (restrict=on), config drives sit where libvirt puts nova's, and the image is
// never written (snapshot=on).

import { describe, expect, it } from 'vitest';
import { qemuArgv } from '../../../lib/image/qemu.ts';

const netdev = (argv: string[]) => argv[argv.indexOf('-netdev') + 1];
const drives = (argv: string[]) => argv.flatMap((a, i) => (a === '-drive' ? [argv[i + 1]] : []));

describe('qemuArgv', () => {
  it('boots the image read-only under TCG with only the SSH port forwarded in', () => {
    const argv = qemuArgv({ disk: '/i.qcow2', sshPort: 2222, consoleLog: '/c.log' });
    expect(argv.slice(0, 3)).toEqual(['qemu-system-x86_64', '-machine', 'pc,accel=tcg']);
    expect(drives(argv)).toEqual(['file=/i.qcow2,if=virtio,format=qcow2,snapshot=on']);
    expect(netdev(argv)).toBe('user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:2222-:22');
    expect(argv).toContain('file:/c.log');
  });

  it('puts an iso9660 config drive on the IDE CD-ROM and a vfat one on virtio', () => {
    const iso = qemuArgv({
      disk: '/i',
      sshPort: 1,
      consoleLog: '/c',
      configDrive: { path: '/cd.iso', format: 'iso9660' },
    });
    expect(drives(iso)[1]).toBe('file=/cd.iso,if=ide,media=cdrom,format=raw,readonly=on');
    const vfat = qemuArgv({
      disk: '/i',
      sshPort: 1,
      consoleLog: '/c',
      configDrive: { path: '/cd.img', format: 'vfat' },
    });
    expect(drives(vfat)[1]).toBe('file=/cd.img,if=virtio,format=raw,readonly=on');
  });

  it("forwards the metadata address to a local port inside qemu's own (restricted) network", () => {
    const argv = qemuArgv({ disk: '/i', sshPort: 1, consoleLog: '/c', metadataPort: 8775 });
    expect(netdev(argv)).toBe(
      'user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:1-:22,net=169.254.169.0/24,' +
        'guestfwd=tcp:169.254.169.254:80-cmd:busybox nc 127.0.0.1 8775',
    );
  });
});
