// ovs-tap-guard: the loop the pane runs, fed real `ip -o monitor link` lines,
// with a stand-in `ip` on PATH that records what it is asked to do.

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TAP_GUARD_LOOP, TAP_GUARD_PANE, ovsModule } from '../../../lib/services/ovs.ts';
import { OVN_SERVICES, makePlan } from './fixture.ts';

const dir = mkdtempSync(join(tmpdir(), 'tap-guard-'));
const calls = join(dir, 'calls');
writeFileSync(join(dir, 'ip'), `#!/bin/sh\necho "$*" >> ${calls}\n`);
chmodSync(join(dir, 'ip'), 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the loop on these monitor lines; returns what it printed and the `ip` commands it ran. */
function guard(lines: string[]): { out: string; ip: string[] } {
  rmSync(calls, { force: true });
  const out = execFileSync('/bin/sh', ['-c', TAP_GUARD_LOOP], {
    input: `${lines.join('\n')}\n`,
    env: { PATH: `${dir}:/usr/bin:/bin` },
    encoding: 'utf8',
  });
  let ip: string[] = [];
  try {
    ip = readFileSync(calls, 'utf8').trim().split('\n');
  } catch {
    // no call recorded
  }
  return { out, ip };
}

// As this kernel's `ip -o monitor link` prints them (addresses shortened)
const created =
  '973: tapbc63eb8c-aa: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \\    link/ether d2:56';
const upByLibvirt =
  '973: tapbc63eb8c-aa: <NO-CARRIER,BROADCAST,MULTICAST,UP> mtu 1500 qdisc pfifo_fast state DOWN group default';
const promiscUp =
  '973: tapbc63eb8c-aa: <BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP> mtu 1442 qdisc pfifo_fast state UP group default';
const downByVswitchd = '973: tapbc63eb8c-aa: <BROADCAST,MULTICAST,PROMISC> mtu 1442 qdisc pfifo_fast state DOWN';
const deleted = 'Deleted 973: tapbc63eb8c-aa: <BROADCAST,MULTICAST,PROMISC> mtu 1442 qdisc noop state DOWN';

describe('ovs-tap-guard', () => {
  it('sets up a tap that OVS made promiscuous while it was down, and says so', () => {
    const r = guard([created, upByLibvirt, downByVswitchd]);
    expect(r.ip).toEqual(['link set dev tapbc63eb8c-aa up']);
    expect(r.out).toContain('tapbc63eb8c-aa is promiscuous but down (<BROADCAST,MULTICAST,PROMISC>)');
  });

  it('leaves alone a tap being created, one that is up, a deleted one, and links that are not taps', () => {
    const r = guard([
      created,
      upByLibvirt,
      promiscUp,
      deleted,
      '5: br-int: <BROADCAST,MULTICAST,PROMISC> mtu 1500 qdisc noop state DOWN',
      '7: qr-1234@if3: <BROADCAST,MULTICAST,PROMISC> mtu 1450 qdisc noop state DOWN',
    ]);
    expect(r.ip).toEqual([]);
    expect(r.out).toBe('');
  });

  it('names a veth peer without its @ifN suffix', () => {
    expect(guard(['9: tap5a03be66-40@if2: <BROADCAST,MULTICAST,PROMISC> mtu 1500 state DOWN']).ip).toEqual([
      'link set dev tap5a03be66-40 up',
    ]);
  });

  it('runs beside ovs-vswitchd on the userspace datapath only, reading the monitor through that loop', () => {
    const netdev = ovsModule.processes!(makePlan({ Q_AGENT: 'ovn' }, { services: OVN_SERVICES }));
    const pane = netdev.find((p) => p.name === TAP_GUARD_PANE);
    expect(pane?.argv.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(pane?.argv[2]).toBe(`ip -o monitor link | { ${TAP_GUARD_LOOP}\n}`);
    expect(pane?.after).toEqual(['ovs-vswitchd']);
    const system = ovsModule.processes!(
      makePlan({ Q_AGENT: 'ovn', OVS_DATAPATH_TYPE: 'system' }, { services: OVN_SERVICES }),
    );
    expect(system.map((p) => p.name)).not.toContain(TAP_GUARD_PANE);
    expect(ovsModule.paneNames).toContain(TAP_GUARD_PANE);
  });
});
