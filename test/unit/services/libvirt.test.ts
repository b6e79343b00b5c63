// LIBVIRT_TYPE from a KVM probe (a fake runner stands in for qemu; the real
// runner is tested in test/integration/services), and the libvirt module's
// pure parts.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StackConfig } from '../../../lib/types/config.ts';
import {
  chooseLibvirtType,
  judgeProbe,
  type ProbeRunner,
  type VirtTypeHost,
} from '../../../lib/services/libvirt/virt-type.ts';
import { isNovaTap, kvmDeviceFixes, libvirtdConf, novaDomains } from '../../../lib/services/libvirt.ts';
import { ConfigError } from '../../../lib/util/errors.ts';
import { testConfig } from '../plan-fixture.ts';

const HUNG = {
  output: "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.popcnt [bit 23]\n",
  booted: false,
  timedOut: true,
};
const BOOTED = {
  output: '[    0.9] Run /init as init process\ntstack-probe: init ran on 6.1.0-50-cloud-amd64\n',
  booted: true,
  timedOut: false,
  exitCode: 0,
};

/** A config resolved for real (the default service set: n-cpu with libvirt); `env` plays the environment. */
function config(values: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}): StackConfig {
  return testConfig(values, { env });
}

function host(
  o: {
    kvm?: boolean;
    qemu?: string | undefined;
    guest?: boolean;
    answer?: Awaited<ReturnType<ProbeRunner['boot']>>;
  } = {},
) {
  const boots: string[][] = [];
  const cacheFile = join(mkdtempSync(join(tmpdir(), 'tstack-kvm-')), 'kvm-probe.json');
  const h: VirtTypeHost = {
    kvmDevice: () =>
      o.kvm === false
        ? { usable: false, detail: '/dev/kvm does not exist' }
        : { usable: true, detail: '/dev/kvm is usable' },
    qemuVersion: () => ('qemu' in o ? o.qemu : 'QEMU emulator version 7.2.22'),
    guest: async () => (o.guest === false ? undefined : { kernel: '/k/vmlinuz', initrd: '/k/initrd.img', id: 'img-1' }),
    runner: {
      async boot(argv) {
        boots.push(argv);
        return o.answer ?? HUNG;
      },
    },
    cacheFile,
  };
  return { h, boots, cacheFile };
}

describe('LIBVIRT_TYPE from the KVM probe', () => {
  it('a KVM guest that hangs: qemu (TCG), the reason says what the probe saw, and the answer is cached', async () => {
    const { h, boots, cacheFile } = host();
    const first = await chooseLibvirtType(config({}), h);
    expect(first).toMatchObject({ type: 'qemu', pending: false, forced: false });
    expect(first!.reason).toMatch(/did not reach its init within 15 s.*popcnt.*guests run under TCG/);
    expect(boots).toHaveLength(1);
    // the probe boots the guest under KVM with the CPU model nova gets for kvm, and asks its /init to power off
    expect(boots[0]).toEqual(expect.arrayContaining(['pc,accel=kvm', 'Nehalem', '/k/vmlinuz', '/k/initrd.img']));
    expect(boots[0][boots[0].indexOf('-append') + 1]).toContain('tstack.probe');
    const second = await chooseLibvirtType(config({}), h);
    expect(boots).toHaveLength(1);
    expect(second!.reason).toMatch(/\(cached probe\)/);
    expect(JSON.parse(readFileSync(cacheFile, 'utf8')).key).toMatch(
      /QEMU emulator version 7\.2\.22; cpu Nehalem; guest img-1/,
    );
  });

  it('a cache of another qemu (or guest) is not trusted: the probe runs again', async () => {
    const a = host();
    await chooseLibvirtType(config({}), a.h);
    const b = host({ qemu: 'QEMU emulator version 8.0', answer: BOOTED });
    writeFileSync(b.cacheFile, readFileSync(a.cacheFile));
    expect((await chooseLibvirtType(config({}), b.h))!.type).toBe('kvm');
    expect(b.boots).toHaveLength(1);
  });

  it('a KVM guest that boots: kvm', async () => {
    const { h } = host({ answer: BOOTED });
    expect(await chooseLibvirtType(config({}), h)).toMatchObject({
      type: 'kvm',
      reason: 'a KVM test guest booted to its init',
      pending: false,
    });
  });

  it('no /dev/kvm: qemu without probing', async () => {
    const { h, boots } = host({ kvm: false });
    expect(await chooseLibvirtType(config({}), h)).toMatchObject({
      type: 'qemu',
      reason: '/dev/kvm does not exist: guests run under TCG',
    });
    expect(boots).toHaveLength(0);
  });

  it('before qemu is installed (a first run): pending, decided by the step after the install', async () => {
    const { h, boots } = host({ qemu: undefined });
    expect(await chooseLibvirtType(config({}), h)).toMatchObject({ type: 'qemu', pending: true });
    expect(boots).toHaveLength(0);
  });

  it('LIBVIRT_TYPE=kvm where KVM guests cannot run: ConfigError with local.conf:line, the probe result', async () => {
    const { h } = host();
    const err = await chooseLibvirtType(config({ ADMIN_PASSWORD: 'x', LIBVIRT_TYPE: 'kvm' }), h).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^test-local.conf:3: LIBVIRT_TYPE=kvm, but KVM guests cannot run on this machine: ` +
          'a KVM test guest did not reach its init',
      ),
    );
    expect((err as Error).message).toMatch(/LIBVIRT_TYPE=qemu/);
    // without /dev/kvm too, and from the environment
    const env = await chooseLibvirtType(config({}, { LIBVIRT_TYPE: 'kvm' }), host({ kvm: false }).h).catch(
      (e: unknown) => e,
    );
    expect((env as Error).message).toMatch(
      /^LIBVIRT_TYPE=kvm \(from the environment\), but .*\/dev\/kvm does not exist/,
    );
  });

  it('LIBVIRT_TYPE=qemu is taken as it is; VIRT_DRIVER=fake or no n-cpu: no choice at all', async () => {
    const { h, boots } = host({ answer: BOOTED });
    expect(await chooseLibvirtType(config({ LIBVIRT_TYPE: 'qemu' }), h)).toMatchObject({
      type: 'qemu',
      reason: 'LIBVIRT_TYPE=qemu in local.conf',
      forced: true,
    });
    expect(await chooseLibvirtType(config({ VIRT_DRIVER: 'fake' }), h)).toBeUndefined();
    expect(await chooseLibvirtType(testConfig({}, { services: 'n-api' }), h)).toBeUndefined();
    expect(boots).toHaveLength(0);
  });

  it('judges qemu exiting early by its own message (MSR 0x10a with -cpu host)', () => {
    const r = judgeProbe({
      output: 'error: kvm run failed Invalid argument\nqemu-system-x86_64: error: failed to set MSR 0x10a to 0x0\n',
      booted: false,
      timedOut: false,
      exitCode: 1,
      deadlineMs: 15000,
    });
    expect(r).toEqual({
      works: false,
      detail:
        'a KVM test guest exited with code 1 before its init: error: kvm run failed Invalid argument / ' +
        'qemu-system-x86_64: error: failed to set MSR 0x10a to 0x0',
    });
  });
});

describe('libvirt module', () => {
  it('libvirtd config: the libvirt group owns the socket, no polkit (no D-Bus here), logs to the pane', () => {
    const conf = libvirtdConf();
    expect(conf).toContain('unix_sock_group = "libvirt"');
    expect(conf).toContain('auth_unix_rw = "none"');
    expect(conf).toContain('log_outputs = "3:stderr"');
  });

  it("/dev/kvm gets udev's group (kvm, rw) when it has another; nothing when it has it or is absent", () => {
    // this machine's node: crw-rw---- root:104 (a group other than kvm, 110)
    expect(kvmDeviceFixes({ gid: 104, mode: 0o20660 }, 110)).toEqual([['chgrp', 'kvm', '/dev/kvm']]);
    expect(kvmDeviceFixes({ gid: 104, mode: 0o20600 }, 110)).toEqual([
      ['chgrp', 'kvm', '/dev/kvm'],
      ['chmod', 'g+rw', '/dev/kvm'],
    ]);
    expect(kvmDeviceFixes({ gid: 110, mode: 0o20660 }, 110)).toEqual([]);
    expect(kvmDeviceFixes(undefined, 110)).toEqual([]);
    expect(kvmDeviceFixes({ gid: 104, mode: 0o20660 }, undefined)).toEqual([]);
  });

  it('clean removes only the domains nova defined, and only port-named taps', () => {
    const nova =
      '<domain type="qemu"><name>instance-0000000a</name><metadata>' +
      '<nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1"/></metadata></domain>';
    const mine = '<domain type="kvm"><name>my-own-vm</name></domain>';
    expect(
      novaDomains([
        { name: 'instance-0000000a.xml', xml: nova },
        { name: 'my-own-vm.xml', xml: mine },
        { name: 'x.txt', xml: nova },
      ]),
    ).toEqual(['instance-0000000a']);
    expect(isNovaTap('tapc3e2a901-b7')).toBe(true);
    expect(isNovaTap('tap0')).toBe(false);
    expect(isNovaTap('br-int')).toBe(false);
  });
});
