// A nova compute driver's part of the stack, devstack's lib/nova_plugins/hypervisor-*:
// the compute config's driver sections, the packages the driver imports, and
// the panes n-cpu waits for.

import type { Plan } from '../../types/stack.ts';
import type { IniSpec } from '../../util/ini.ts';

export interface Hypervisor {
  /** Sections merged into the compute config (nova-compute.conf). */
  sections(plan: Plan): IniSpec;
  /** Debian packages the driver needs in nova-compute's python. */
  packages(plan: Plan): string[];
  /** Panes n-cpu starts after. */
  after(plan: Plan): string[];
}
