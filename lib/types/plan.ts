// How the plan installs and where it keeps things. The Plan itself is in
// stack.ts, with the module and step types it refers to.

export type InstallMethod = 'source' | 'distro';

export interface MethodChoice {
  method: InstallMethod;
  /** Why: "INSTALL_METHOD=source in local.conf", "https://opendev.org unreachable; Debian 12 ships OpenStack Zed"... */
  reason: string;
}

/**
 * A setting tstack chose by looking at the machine (LIBVIRT_TYPE from the KVM
 * probe), shown with its reason by --dry-run. `pending`: the probe needs what
 * the install phase brings; a step of that phase settles `value`.
 */
export interface PlanDecision {
  setting: string;
  value: string;
  reason: string;
  pending?: boolean;
  /** The user set the value; the probe only confirms it (or fails the run). */
  forced?: boolean;
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
