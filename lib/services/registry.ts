// Every service module, in dependency order. Adding a service = one module
// here plus files/debs/<name>.

import type { ServiceModule } from '../types/stack.ts';
import { mysqlModule } from './mysql.ts';
import { rabbitModule } from './rabbit.ts';
import { memcachedModule } from './memcached.ts';
import { keystoneModule } from './keystone.ts';
import { glanceModule } from './glance.ts';
import { placementModule } from './placement.ts';
import { ovsModule } from './ovs.ts';
import { neutronModule } from './neutron.ts';
import { ml2OvnModule } from './neutron/ml2-ovn.ts';
import { ml2OvsModule } from './neutron/ml2-ovs.ts';
import { libvirtModule } from './libvirt.ts';
import { novaModule } from './nova.ts';
import { cinderModule } from './cinder.ts';
import { swiftModule } from './swift.ts';
import { heatModule } from './heat.ts';
import { horizonModule } from './horizon.ts';
import { tempestModule } from './tempest.ts';

export const SERVICE_MODULES: ServiceModule[] = [
  mysqlModule,
  rabbitModule,
  memcachedModule,
  keystoneModule,
  glanceModule,
  placementModule,
  ovsModule,
  neutronModule,
  ml2OvnModule,
  ml2OvsModule,
  libvirtModule,
  novaModule,
  cinderModule,
  swiftModule,
  heatModule,
  horizonModule,
  tempestModule,
];
