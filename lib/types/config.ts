// Configuration types. lib/config/localconf.ts parses local.conf into a LocalConf;
// lib/config/resolve.ts turns it plus the settings table and the environment into a StackConfig.

/** Where a line came from, so every error can say `file:line`. */
export interface SourcePos {
  file: string;
  line: number;
}

/** Types a setting may have; each has a validator in settings.ts. */
export type SettingType =
  | 'string'
  | 'bool' // devstack's trueorfalse: 1 yes Yes YES true True TRUE / 0 no No NO false False FALSE
  | 'int'
  | 'path'
  | 'url'
  | 'cidr'
  | 'ip'
  | 'list' // comma separated
  | 'password'
  | 'enum';

/**
 * Facts about this machine that computed defaults need (HOST_IP,
 * API_WORKERS). Behind an interface so resolution is testable anywhere.
 */
export interface HostFacts {
  /** Interface of the first IPv4 default route (`ip -f inet route`), if any. */
  defaultRouteInterface(): string | undefined;
  /** IPv4 addresses configured on `iface`, in the kernel's order. */
  ipv4Addresses(iface: string): string[];
  cpuCount(): number;
  /** `uname -m`. */
  machine(): string;
}

/** One row of the settings table: the single source of truth for --help, `config` and the README. */
export interface Setting {
  name: string;
  type: SettingType;
  /**
   * A literal default, or a shell-style template expanded against the other
   * settings (`${DEST}/data`), or a function for computed defaults (HOST_IP).
   */
  default: string | ((get: (name: string) => string, host: HostFacts) => string);
  /** How the default is described in docs when it is computed. */
  defaultDoc?: string;
  description: string;
  /** Grouping for --help and the README (paths, network, services, passwords...). */
  group: string;
  choices?: readonly string[];
  /**
   * Values devstack accepts that tstack does not implement, with what it does instead: local.conf may set them,
   * the default applies and the run warns (Q_AGENT=ovn).
   */
  replacedChoices?: Readonly<Record<string, string>>;
  /** Secrets are masked everywhere (config output, logs, errors). */
  secret?: boolean;
}

/** One `[[phase|file]]` block other than local|localrc, kept for the service modules to merge. */
export interface MetaSection {
  phase: MetaPhase;
  /** The target file with variables expanded (`$NOVA_CONF` -> /etc/nova/nova.conf). */
  file: string;
  /** The file name as written in local.conf, before expansion. */
  rawFile: string;
  pos: SourcePos;
  /** INI content: section -> ordered options; a key repeated in a section has several values. */
  sections: IniSection[];
}

export type MetaPhase = 'local' | 'post-config' | 'extra' | 'post-extra' | 'test-config';

export interface IniSection {
  name: string;
  options: IniOption[];
}

export interface IniOption {
  key: string;
  /** One value normally; several when the key was repeated (a multi-valued option). */
  values: string[];
  pos: SourcePos;
}

/** `enable_plugin NAME URL [REF]`, recorded for later. */
export interface PluginSpec {
  name: string;
  url: string;
  ref: string;
  pos: SourcePos;
}

/** A variable set in local.conf that the settings table does not know (plugins read these). */
export interface UnknownVariable {
  name: string;
  value: string;
  pos: SourcePos;
}

/**
 * Something local.conf asks for that tstack accepts but does differently, or not at all (a plugin's meta-section,
 * a devstack variable tstack does not read). lib/config returns these as data; the CLI prints each once.
 */
export interface ConfigWarning {
  message: string;
  pos?: SourcePos;
}

/** A service added because an enabled one needs it, as devstack adds it. */
export interface ImpliedService {
  name: string;
  /** Why devstack runs it. */
  reason: string;
}

/** The fully resolved configuration: every setting has a validated value. */
export interface StackConfig {
  /** Resolved string value of every known setting and every unknown variable. */
  values: Readonly<Record<string, string>>;
  /** Enabled service short names in order, after enable/disable/negation. */
  enabledServices: readonly string[];
  plugins: readonly PluginSpec[];
  metaSections: readonly MetaSection[];
  unknownVariables: readonly UnknownVariable[];
  /** Services devstack starts without being asked (memcached for keystone), already in enabledServices. */
  implied: readonly ImpliedService[];
  /** What tstack accepted but does differently or not at all, in file order. */
  warnings: readonly ConfigWarning[];
  /**
   * Values local.conf generates (`NAME=$(openssl rand -hex 10)`) that are not saved yet: the first real run saves
   * them with the passwords, so a re-run keeps them.
   */
  generated: Readonly<Record<string, string>>;
  /** The local.conf that was read, or undefined when none exists. */
  localConfPath?: string;
  /** The local.conf line that set each setting local.conf sets (warnings name it). */
  positions: Readonly<Record<string, SourcePos>>;
  /** Where each value came from, for `./stack.ts config`. */
  origins: Readonly<Record<string, 'default' | 'local.conf' | 'environment' | 'password-file' | 'generated'>>;
  /** The rows, service names and passwords this config was resolved against. */
  catalog: SettingsCatalog;
}

/** An ENABLED_SERVICES short name: one a module runs, or one of devstack's that tstack only recognises. */
export interface ServiceName {
  name: string;
  /** OpenStack project (or infra piece) the name belongs to. */
  project: string;
  /** A registered service module runs it. */
  implemented: boolean;
  description: string;
}

/** A password asked once (or generated) and saved to .localrc.password. */
export interface PasswordSpec {
  name: string;
  /** Enabled service short names that need it. */
  neededBy: readonly string[];
  prompt: string;
}

/** A git checkout of the source method: its `<PREFIX>_REPO` and `<PREFIX>_BRANCH` rows follow from it. */
export interface RepoDecl {
  /** Project name: keystone, nova, oslo.config... ($DEST/<name>, $GIT_BASE/openstack/<name>.git). */
  name: string;
  /** The distro package that provides the same code (used with SOURCE_DEPS=distro). */
  distroPackage?: string;
  /** Variable prefix when it is not the upper-cased name (oslo.config -> OSLOCFG). */
  prefix?: string;
}

/**
 * What a service module tells the configuration layer (ServiceModule extends
 * it). The CLI gathers these from the registry, so lib/config knows no module.
 */
export interface ConfigContribution {
  name: string;
  project: string;
  /** The ENABLED_SERVICES short names this module runs. */
  shortNames: readonly string[];
  /** Settings rows that belong to this service (its config files, its knobs, its ports). */
  settings?: readonly Setting[];
  /** Password settings it needs while one of its short names is enabled (asked before anything runs). */
  passwords?: readonly string[];
  /** Its checkouts for the source method. */
  repos?: readonly RepoDecl[];
}

/** Every setting, service name and password this tstack knows: the core table plus the modules' contributions. */
export interface SettingsCatalog {
  /** Core rows first, then each contribution's in registry order. */
  readonly settings: readonly Setting[];
  /** Groups in display order. */
  readonly groups: readonly string[];
  readonly serviceNames: readonly ServiceName[];
  /** In asking order. */
  readonly passwords: readonly PasswordSpec[];
  setting(name: string): Setting | undefined;
  serviceName(name: string): ServiceName | undefined;
}
