// The shape every service module has. devstack's lib/<service> split
// (install -> configure -> init -> start -> stop -> cleanup) as typed hooks.
//
// Adding a service = one module in lib/services/ registered in registry.ts,
// plus its package list in files/debs/<module name>.

import type { ProcessSpec } from '../proc/types.ts';
import type { Plan } from '../plan/types.ts';
import type { Shell } from '../system/exec.ts';
import type { Logger } from '../util/logger.ts';
import type { OpenStackClient } from '../openstack/client.ts';

/** A git checkout the source method clones into $DEST/<dir>. */
export interface RepoSpec {
  /** Project name: keystone, nova, oslo.config... */
  name: string;
  /** Resolved URL (`<SVC>_REPO`, default $GIT_BASE/openstack/<name>.git). */
  url: string;
  /** Branch, tag, sha or refs/changes/... (`<SVC>_BRANCH`). */
  ref: string;
  /** Checkout directory, $DEST/<name>. */
  dir: string;
  /** The distro package that provides the same code (used with SOURCE_DEPS=distro). */
  distroPackage?: string;
}

export type NoteKind = 'info' | 'warning' | 'incomplete';

/** Everything a hook may use. Side effects only through these objects. */
export interface StackContext {
  plan: Plan;
  sh: Shell;
  log: Logger;
  /** Write a whole file (mode/owner applied); returns true when the content changed. */
  writeFile(path: string, content: string, opts?: { mode?: number; owner?: string; group?: string }): Promise<boolean>;
  /** REST client with one reused admin token; available from the `init` phase on (after keystone is up). */
  openstack(): Promise<OpenStackClient>;
  /**
   * Record a result for the summary. `incomplete` means the stack lacks
   * something it should have (e.g. the image was not seeded): the summary
   * marks it and stack.ts exits with EXIT.partial (3).
   */
  note(kind: NoteKind, message: string): void;
  /** `--force` was given: redo everything, recreate nothing silently. */
  force: boolean;
}

/** A unit of work for the phase runner. */
export interface Step {
  /** Unique id, `<service>:<what>`, e.g. `keystone:db-sync`. */
  id: string;
  title: string;
  /** Steps (ids) that must finish first, within the same phase. */
  after?: string[];
  /**
   * Inputs that make a finished step still valid. When set and equal to the
   * value recorded on the last successful run, the step is skipped on resume
   * (unless --force). When unset, the step always runs and must be idempotent.
   */
  fingerprint?: string;
  run(ctx: StackContext): Promise<void>;
}

export type PhaseName =
  | 'pre-install'
  | 'install'
  | 'configure'
  | 'post-config'
  | 'init'
  | 'start'
  | 'extra'
  | 'post-extra'
  | 'test-config';

export const PHASES: readonly PhaseName[] = [
  'pre-install',
  'install',
  'configure',
  'post-config',
  'init',
  'start',
  'extra',
  'post-extra',
  'test-config',
];

/** A service user plus its catalog entry, created through keystone's REST API after `key` is ready. */
export interface CatalogEntry {
  /** Service user name (nova, glance...); gets SERVICE_PASSWORD and the `service` role on project `service`. */
  user: string;
  /** Extra roles on the service project (devstack gives nova, glance, placement, cinder `admin`). */
  extraRoles?: string[];
  /** Catalog service: name and type (`nova`/`compute`, `cinderv3`/`volumev3`...). */
  service?: { name: string; type: string; description?: string };
  /** Endpoint URL for public/internal/admin; may contain `%(project_id)s`. */
  url?: string;
}

export interface ServiceModule {
  /** Module name: `mysql`, `rabbit`, `keystone`, `nova`, ... also the files/debs/<name> list. */
  name: string;
  /** TUI group. */
  project: string;
  /** The enabled-service short names this module owns (`n-api`, `n-cpu`, ...). */
  shortNames: readonly string[];
  /** Extra distro packages beyond files/debs/<name> that depend on the plan (e.g. libvirt for VIRT_DRIVER=libvirt). */
  extraPackages?(plan: Plan): string[];
  /** Git repositories for the source method. */
  repos?(plan: Plan): RepoSpec[];
  /** Per-phase steps. The `start` phase is generated from processes(); modules rarely add to it. */
  steps?(plan: Plan): Partial<Record<PhaseName, Step[]>>;
  /** The panes this module runs when enabled. */
  processes(plan: Plan): ProcessSpec[];
  /** Keystone service users and catalog entries. */
  catalog?(plan: Plan): CatalogEntry[];
  /**
   * After unstack stopped this module's panes: end what they left outside
   * their process groups and without the pane marker (daemons started through
   * sudo or that daemonise: neutron's dnsmasq and haproxy in namespaces,
   * RabbitMQ's epmd). Gets only a shell and a logger: unstack has no plan.
   */
  stop?(ctx: { sh: Shell; log: Logger }): Promise<void>;
  /** Teardown beyond stopping panes, for `unstack --clean`. */
  clean?(ctx: StackContext): Promise<void>;
  /** Config files this module writes (post-config targets, removed by --clean). */
  configFiles?(plan: Plan): string[];
}
