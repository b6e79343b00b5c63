// The KVM probe's runner with a real child process standing in for qemu: it
// must stop at the marker (killing the process) and give up at the deadline.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GUEST_BOOTED, probeArgv, qemuRunner } from '../../../lib/services/libvirt/virt-type.ts';

describe('the KVM probe runner', () => {
  it('a process printing the marker is "booted" and killed; one that stays silent times out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tstack-fake-qemu-'));
    const fake = join(dir, 'qemu');
    writeFileSync(
      fake,
      '#!/bin/sh\necho "[    0.1] Linux version 6.1"\n' +
        'if [ "$1" = boot ]; then echo "tstack-probe: init ran on 6.1"; fi\nexec sleep 30\n',
    );
    chmodSync(fake, 0o755);
    const t0 = Date.now();
    const ok = await qemuRunner.boot([fake, 'boot'], GUEST_BOOTED, 10_000);
    expect(ok).toMatchObject({ booted: true, timedOut: false });
    const hung = await qemuRunner.boot([fake, 'hang'], GUEST_BOOTED, 700);
    expect(hung).toMatchObject({ booted: false, timedOut: true });
    expect(hung.output).toContain('Linux version 6.1');
    // neither waited for the 30 s sleep
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(probeArgv({ kernel: '/k', id: 'x' })).not.toContain('-initrd');
  });
});
