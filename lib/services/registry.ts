// Every service module, in dependency order. Adding a service = one module
// here plus files/debs/<name>.

import type { ServiceModule } from './types.ts';

export const SERVICE_MODULES: ServiceModule[] = [];
