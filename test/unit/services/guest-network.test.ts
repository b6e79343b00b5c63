// What guests need from the network modules, as the commands the steps run
// (the E2E journey proves them on a real stack: DHCP, metadata, ping and ssh
// through a floating IP).

import { describe, expect, it } from 'vitest';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import type { StackContext, Step } from '../../../lib/types/stack.ts';
import { publicGatewayCidr } from '../../../lib/services/neutron.ts';
import { ml2OvnModule } from '../../../lib/services/neutron/ml2-ovn.ts';
import { ml2OvsModule } from '../../../lib/services/neutron/ml2-ovs.ts';
import { OVN_SERVICES, makePlan as planOf } from './fixture.ts';
import { ovsModule } from '../../../lib/services/ovs.ts';

class RecordingShell implements Shell {
  calls: string[][] = [];
  async run(argv: string[], _opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push(argv);
    return { code: 0, stdout: argv[0] === 'hostname' ? 'vm\n' : '', stderr: '' };
  }
}

async function runStep(step: Step | undefined, plan = planOf()): Promise<string[][]> {
  if (!step) throw new Error('no such step');
  const sh = new RecordingShell();
  const ctx = {
    plan,
    sh,
    log: { info() {}, warn() {}, debug() {} },
    writeFile: async () => true,
  } as unknown as StackContext;
  await step.run(ctx);
  return sh.calls;
}

const stepOf = (steps: Step[] | undefined, id: string) => steps?.find((s) => s.id === id);

describe('guest networking on the userspace datapath', () => {
  it('br-ex carries the public gateway, as devstack configures it: the host reaches floating IPs', async () => {
    const plan = planOf();
    expect(publicGatewayCidr(plan)).toBe('172.24.4.1/24');
    // both backends: ML2/OVS (the agent's bridge_mappings) and ML2/OVN (ovn-bridge-mappings)
    const ovn = planOf({ Q_AGENT: 'ovn' }, { services: OVN_SERVICES });
    for (const [p, m] of [
      [plan, ml2OvsModule],
      [ovn, ml2OvnModule],
    ] as const) {
      const calls = await runStep(stepOf(m.steps!(p).start, 'neutron:br-ex'), p);
      expect(calls).toContainEqual([
        'ovs-vsctl',
        '--db=unix:/var/run/openvswitch/db.sock',
        '--may-exist',
        'add-br',
        'br-ex',
        '--',
        'set',
        'bridge',
        'br-ex',
        'datapath_type=netdev',
      ]);
      expect(calls).toContainEqual(['ip', 'addr', 'replace', '172.24.4.1/24', 'dev', 'br-ex']);
      expect(calls).toContainEqual(['ip', 'link', 'set', 'br-ex', 'up']);
    }
    expect(publicGatewayCidr(planOf({ FLOATING_RANGE: '203.0.113.0/25', PUBLIC_NETWORK_GATEWAY: '203.0.113.1' }))).toBe(
      '203.0.113.1/25',
    );
  });

  it('dnsmasq (user nobody) can get through /var/lib/neutron to its host and opts files', async () => {
    const plan = planOf();
    const calls = await runStep(stepOf(ml2OvsModule.steps!(plan).configure, 'ml2-ovs:configure'), plan);
    expect(calls).toContainEqual(['chmod', 'o+x', '/var/lib/neutron']);
  });

  it('ovs-vswitchd speaks vnet headers on taps (userspace TSO), set before it starts', async () => {
    const plan = planOf();
    const calls = await runStep(stepOf(ovsModule.steps!(plan).start, 'ovs:init'), plan);
    expect(calls).toContainEqual([
      'ovs-vsctl',
      '--no-wait',
      'set',
      'Open_vSwitch',
      '.',
      'other_config:userspace-tso-enable=true',
    ]);
    // ovs:init runs before the ovs-vswitchd pane starts
    expect(plan.processes.find((p) => p.name === 'ovs-vswitchd')!.after).toContain('ovs:init');
  });
});
