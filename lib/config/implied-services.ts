// Services devstack starts without their name in ENABLED_SERVICES, because an enabled one needs them. tstack runs
// them as named services, so it adds them to the list and the plan says why (`./stack.ts --dry-run`).

import type { ImpliedService } from '../types/config.ts';

const OVS_AGENTS = ['q-agt', 'q-dhcp', 'q-l3'];
const OVN = ['ovn-controller', 'ovn-northd'];

/**
 * @param enabled the services after enable/disable
 * @param isDisabled disable_service named it: the user turned it off on purpose (memcached only; OVS is started for
 *   the agents in devstack whatever the list says)
 */
export function impliedServices(enabled: readonly string[], isDisabled: (name: string) => boolean): ImpliedService[] {
  const on = new Set(enabled);
  const out: ImpliedService[] = [];
  const add = (name: string, reason: string) => {
    if (!on.has(name) && !out.some((o) => o.name === name)) out.push({ name, reason });
  };
  if (on.has('key') && !isDisabled('memcached')) {
    add('memcached', "keystone caches tokens in memcached; devstack's start_keystone (re)starts it");
  }
  const agents = OVS_AGENTS.filter((a) => on.has(a));
  // with Q_AGENT=ovn these agents are refused when the plan is built, naming the services to enable instead
  if (agents.length > 0) {
    const needs = `${agents.join(', ')} ${agents.length > 1 ? 'need' : 'needs'}`;
    const why = `${needs} Open vSwitch; devstack installs and starts it for the OVS agent`;
    add('ovsdb-server', why);
    add('ovs-vswitchd', why);
  }
  const ovn = OVN.filter((a) => on.has(a));
  if (ovn.length > 0) {
    const needs = `${ovn.join(', ')} ${ovn.length > 1 ? 'need' : 'needs'}`;
    const why = `${needs} Open vSwitch; devstack's OVN setup enables ovsdb-server and ovs-vswitchd`;
    add('ovsdb-server', why);
    add('ovs-vswitchd', why);
  }
  if (on.has('neutron-ovn-metadata-agent')) {
    add('q-ovn-metadata-agent', 'neutron-ovn-metadata-agent is its new-style name in devstack');
  }
  if (on.has('q-ovn-agent')) {
    add(
      'q-ovn-metadata-agent',
      "q-ovn-agent's metadata extension: Debian's neutron (Zed) has no neutron-ovn-agent, its " +
        'neutron-ovn-metadata-agent serves metadata to OVN networks',
    );
  }
  return out;
}
