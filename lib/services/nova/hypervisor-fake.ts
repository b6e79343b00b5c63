// VIRT_DRIVER=fake: nova's fake driver, the fast choice. Servers go ACTIVE in a
// second or two and their ports bind, but nothing boots and nothing is
// plugged into br-int (the ports stay DOWN), as in devstack.

import type { Hypervisor } from './hypervisor.ts';

export const fakeHypervisor: Hypervisor = {
  sections: () => ({ DEFAULT: { compute_driver: 'fake.FakeDriver' } }),
  packages: () => [],
  after: () => [],
};
