// The CLI's side of "the modules own their settings": it gathers the rows,
// short names, passwords and repos of the registered modules (plus the
// LIBS_FROM_GIT libraries' override rows) into the catalog lib/config
// resolves against, so the configuration layer itself knows no module.

import type { SettingsCatalog } from '../types/config.ts';
import type { ServiceModule } from '../types/stack.ts';
import { buildCatalog } from '../config/catalog.ts';
import { libraryRows } from '../source/repos.ts';
import { SERVICE_MODULES } from '../services/registry.ts';

export function stackCatalog(modules: readonly ServiceModule[] = SERVICE_MODULES): SettingsCatalog {
  return buildCatalog(modules, libraryRows());
}
