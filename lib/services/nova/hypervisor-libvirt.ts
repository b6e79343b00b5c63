// VIRT_DRIVER=libvirt: real guests through the libvirt module's libvirtd.
//
// virt_type and cpu_mode must fit together: under TCG (qemu) nova's `none`
// lets qemu pick its default model, which TCG emulates completely; devstack's
// custom Nehalem is for KVM, where the host CPU must offer the model.
//
// VIFs: nova (Zed) asks os-vif to create the OVS port itself (delegate_create)
// and hands libvirt an `ethernet` interface on the tap of that name; libvirt
// creates the tap and qemu opens it, and ovs-vswitchd's userspace (netdev)
// datapath picks the device up as a system port of br-int. Nothing in this
// needs OVS's kernel module.

import type { Plan } from '../../types/stack.ts';
import type { LibvirtType } from '../libvirt/virt-type.ts';
import { localHost } from '../common.ts';
import type { Hypervisor } from './hypervisor.ts';

/** The chosen type: the plan's decision (settled by the KVM probe), else the setting. */
export function libvirtType(plan: Plan): LibvirtType {
  const d = plan.decisions?.find((x) => x.setting === 'LIBVIRT_TYPE');
  return (d?.value ?? plan.get('LIBVIRT_TYPE')) === 'kvm' ? 'kvm' : 'qemu';
}

/** LIBVIRT_CPU_MODE when set; else what fits the type chosen at run time (the row's default cannot know it). */
export function cpuMode(plan: Plan, type: LibvirtType): string {
  const origin = plan.config.origins.LIBVIRT_CPU_MODE;
  if (origin === 'local.conf' || origin === 'environment') return plan.get('LIBVIRT_CPU_MODE');
  return type === 'qemu' ? 'none' : 'custom';
}

export const libvirtHypervisor: Hypervisor = {
  sections(plan) {
    const type = libvirtType(plan);
    const mode = cpuMode(plan, type);
    return {
      DEFAULT: { compute_driver: 'libvirt.LibvirtDriver' },
      libvirt: {
        virt_type: type,
        cpu_mode: mode,
        // devstack pins a model old enough for any host (and for nested qemu in the gate)
        cpu_models: mode === 'custom' ? plan.get('LIBVIRT_CPU_MODEL') : undefined,
        live_migration_uri: 'qemu+ssh://stack@%s/system',
      },
      // os-vif talks to ovsdb from nova-compute itself (user nova), not from privsep: the socket is root's,
      // so TCP to the manager the OVS agent opens, as neutron's agents do (and devstack)
      os_vif_ovs: { ovsdb_connection: `tcp:${localHost(plan)}:6640` },
    };
  },
  // nova's libvirt driver imports the python binding; nothing of nova-compute-kvm is needed
  packages: () => ['python3-libvirt'],
  after: () => ['libvirtd'],
};
