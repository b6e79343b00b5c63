// The lines a real run prints before its first step and repeats in its summary (lib/cli/commands/up.ts): each
// config warning once with file:line, then the unknown variables that are near misses of a real setting.
import { describe, expect, it } from 'vitest';
import { configWarnings } from '../../../lib/cli/commands/up.ts';
import { formatSummary } from '../../../lib/phases/summary.ts';
import { testPlan } from '../plan-fixture.ts';

describe('configWarnings', () => {
  it('one line per warning and near miss, each with file:line; the summary shows them as WARNING', () => {
    const plan = testPlan({ PUBLIC_BRIDGE_MTU: '9000', NOVA_BRANH: 'stable/2025.1', Q_AGENT: 'linuxbridge' });
    const lines = configWarnings(plan.config);
    expect(lines).toEqual([
      'test-local.conf:2: PUBLIC_BRIDGE_MTU is a devstack setting tstack does not read: tstack seeds ' +
        "devstack's networks and router (no MTU, veth or fixed network size)",
      'test-local.conf:4: Q_AGENT=linuxbridge: the linuxbridge agent is not implemented: tstack runs ML2/OVN (ovn) ' +
        'or ML2/OVS (openvswitch)',
      'test-local.conf:3: NOVA_BRANH is not a tstack setting; did you mean NOVA_BRANCH?',
    ]);
    const summary = formatSummary(
      plan,
      [],
      lines.map((message) => ({ kind: 'warning', message })),
    );
    for (const l of lines) expect(summary).toContain(`WARNING: ${l}`);
  });
});
