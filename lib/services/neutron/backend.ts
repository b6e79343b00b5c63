// Which ML2 backend Q_AGENT chose, checked against the enabled services. Both
// backends share neutron-server (lib/services/neutron.ts); ML2/OVS runs
// neutron's agents (q-agt, q-dhcp, q-l3, q-meta), ML2/OVN runs OVN's daemons
// and its metadata agent (ml2-ovn.ts).

import type { Plan } from '../../types/stack.ts';
import { ConfigError } from '../../util/errors.ts';

export type Ml2Backend = 'ovn' | 'openvswitch';

/** Each backend's services, as devstack's guides enable them. */
export const BACKEND_SERVICES: Readonly<Record<Ml2Backend, readonly string[]>> = {
  ovn: ['ovn-northd', 'ovn-controller', 'q-ovn-metadata-agent'],
  openvswitch: ['q-agt', 'q-dhcp', 'q-l3', 'q-meta'],
};

const LABEL: Record<Ml2Backend, string> = { ovn: 'ML2/OVN', openvswitch: 'ML2/OVS' };

/**
 * The backend Q_AGENT names. devstack starts OVN only with Q_AGENT=ovn and
 * the OVS agent only with openvswitch, so the other backend's services
 * enabled would give a cloud whose ports never bind: refused, with what
 * devstack's guides write instead.
 */
export function ml2Backend(plan: Pick<Plan, 'get' | 'isEnabled' | 'config'>): Ml2Backend {
  const backend = plan.get('Q_AGENT') as Ml2Backend;
  const other: Ml2Backend = backend === 'ovn' ? 'openvswitch' : 'ovn';
  const wrong = BACKEND_SERVICES[other].filter((s) => plan.isEnabled(s));
  if (wrong.length === 0) return backend;
  const pos = plan.config.positions.Q_AGENT;
  const where = pos ? `${pos.file}:${pos.line}: ` : '';
  const set = pos ? `Q_AGENT=${backend}` : `Q_AGENT=${backend} (the default)`;
  throw new ConfigError(
    `${where}${set} runs ${LABEL[backend]}, but ${wrong.join(', ')} of ${LABEL[other]} ` +
      `${wrong.length > 1 ? 'are' : 'is'} enabled. Either set Q_AGENT=${other}, or ` +
      `disable_service ${BACKEND_SERVICES[other].join(' ')} and enable_service ${BACKEND_SERVICES[backend].join(' ')}`,
  );
}

/** The backend and why, for the plan (--dry-run); undefined when no neutron service runs here. */
export function backendChoice(plan: Plan): { setting: string; value: string; reason: string } | undefined {
  const services = ['q-svc', ...BACKEND_SERVICES.ovn, ...BACKEND_SERVICES.openvswitch];
  if (!services.some((s) => plan.isEnabled(s))) return undefined;
  const backend = ml2Backend(plan);
  const pos = plan.config.positions.Q_AGENT;
  const origin = pos ? `set in ${pos.file}:${pos.line}` : 'the default, as in devstack since 2021';
  const datapath = plan.get('OVS_DATAPATH_TYPE');
  const how =
    backend === 'ovn'
      ? "ovn-northd turns neutron's networks into flows, ovn-controller gives DHCP, routing and NAT itself " +
        '(no dnsmasq, no router namespaces, no L2/L3/DHCP agents); only the metadata agent stays'
      : 'the OVS agent programs br-int, the DHCP agent runs dnsmasq, the L3 agent routes and NATs in namespaces';
  return {
    setting: 'Q_AGENT',
    value: `${backend} (${LABEL[backend]}, mechanism drivers ${plan.get('Q_ML2_PLUGIN_MECHANISM_DRIVERS')})`,
    reason:
      `${origin}; ${how}; bridges on the ${datapath} datapath` +
      (datapath === 'netdev' ? ' (userspace: no openvswitch kernel module needed)' : ''),
  };
}
