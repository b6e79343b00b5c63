// The resolved plan: what will run, where, and how it is installed.
// Built by plan.ts from a StackConfig and the service registry; pure data.

import type { StackConfig } from '../config/types.ts';
import type { ProcessSpec } from '../proc/types.ts';
import type { ServiceModule, RepoSpec } from '../services/types.ts';

export type InstallMethod = 'source' | 'distro';

export interface MethodChoice {
  method: InstallMethod;
  /** Why: "INSTALL_METHOD=source in local.conf", "https://opendev.org unreachable; Debian 12 ships OpenStack Zed"... */
  reason: string;
}

export interface PlanDirs {
  dest: string; // $DEST
  dataDir: string; // $DATA_DIR
  logDir: string; // $LOGDIR
  /** Where panes and finished steps are recorded: $DATA_DIR/tstack (survives unstack, removed by --clean). */
  stateDir: string;
  /** Image cache etc.: <repo>/files */
  filesDir: string;
  /** The repo (where stack.ts lives); password file and clouds.yaml defaults are relative to local.conf. */
  topDir: string;
}

export interface Plan {
  config: StackConfig;
  /** Typed accessors over config.values. */
  get(name: string): string;
  bool(name: string): boolean;
  int(name: string): number;
  isEnabled(shortName: string): boolean;
  method: MethodChoice;
  dirs: PlanDirs;
  /** Enabled service modules in dependency order (mysql, rabbit, memcached, keystone, ...). */
  services: ServiceModule[];
  /** Every pane in start order. */
  processes: ProcessSpec[];
  /** Source checkouts (empty for distro). */
  repos: RepoSpec[];
  /** Distro packages to install. */
  packages: string[];
}
