// ENABLED_SERVICES the way devstack builds it (functions-common: enable_service, disable_service,
// disable_all_services, disable_negated_services, verify_disabled_services; lib/<project>: is_<project>_enabled).
//
// - disable_service X records X in DISABLED_SERVICES: a later enable_service X is skipped with a warning, and an
//   ENABLED_SERVICES assignment that brings X back is an error (devstack dies in verify_disabled_services).
// - The project names are groups, with devstack's exact reach: `disable_service cinder` (or keystone) turns off
//   every c-* service, also one enabled later (is_cinder_enabled reads DISABLED_SERVICES first). For nova, glance,
//   neutron, swift and trove, is_service_enabled keeps a legacy special case (true while any n-*, g-*, q-*, s-*,
//   tr-* service is listed) that wins over DISABLED_SERVICES, and is_placement_enabled never reads it: there
//   `disable_service nova` changes nothing while its services are listed, and tstack says so.
//   `enable_service swift` enables every s-* service, and `keystone` runs keystone; `enable_service nova` (or
//   neutron, glance, cinder) only makes devstack install the project and start none of its services, so tstack
//   warns and runs none.
// - `-name` entries remove the name (ENABLED_SERVICES+=,-horizon), after every enable_service and at the end.
// Each statement costs time in proportion to its own names: 10,000 enable_service lines stay linear.

import type { ConfigWarning, SourcePos } from '../types/config.ts';
import { ConfigError } from '../util/errors.ts';

export interface ServiceGroup {
  name: string;
  /** The services devstack counts as this project (is_<name>_enabled). */
  member: (service: string) => boolean;
  /** What the members look like, for messages. */
  members: string;
  /** `enable_service <name>` enables these (swift's backward compatibility, keystone's own name). */
  enables?: readonly string[];
  /**
   * `disable_service <name>` turns the members off. False where devstack's is_service_enabled stays true while a
   * member is listed (its legacy special cases), or where is_<name>_enabled never reads DISABLED_SERVICES.
   */
  disables: boolean;
  /** is_service_enabled's legacy special case: the project counts as enabled while one of these is listed. */
  legacy?: (service: string) => boolean;
  /** lib/<name> has is_<name>_enabled: a member listed and the name not in DISABLED_SERVICES. */
  fn: boolean;
  /** Its is_<name>_enabled never reads DISABLED_SERVICES (placement). */
  fnIgnoresDisabled?: boolean;
}

const prefix = (p: string) => (s: string) => s.startsWith(p);

export const SERVICE_GROUPS: readonly ServiceGroup[] = [
  {
    name: 'nova',
    member: prefix('n-'),
    members: 'n-api, n-cond, n-sch, n-cpu, ...',
    disables: false,
    legacy: prefix('n-'),
    fn: true,
  },
  { name: 'glance', member: prefix('g-'), members: 'g-api', disables: false, legacy: prefix('g-'), fn: true },
  { name: 'cinder', member: prefix('c-'), members: 'c-api, c-sch, c-vol, c-bak', disables: true, fn: true },
  {
    name: 'neutron',
    member: (s) => s.startsWith('q-') || s.startsWith('neutron-'),
    members: 'q-svc, q-agt, q-dhcp, q-l3, q-meta, ...',
    disables: false,
    legacy: prefix('q-'),
    fn: true,
  },
  {
    name: 'swift',
    member: prefix('s-'),
    members: 's-proxy, s-object, s-container, s-account',
    enables: ['s-proxy', 's-object', 's-container', 's-account'],
    disables: false,
    legacy: prefix('s-'),
    fn: true,
  },
  { name: 'keystone', member: (s) => s === 'key', members: 'key', enables: ['key'], disables: true, fn: true },
  { name: 'trove', member: prefix('tr-'), members: 'tr-*', disables: false, legacy: prefix('tr-'), fn: false },
  {
    name: 'placement',
    member: (s) => s === 'placement-api',
    members: 'placement-api',
    disables: false,
    fn: true,
    fnIgnoresDisabled: true,
  },
];

export function serviceGroup(name: string): ServiceGroup | undefined {
  return SERVICE_GROUPS.find((g) => g.name === name);
}

/** Split a service list; devstack tolerates spaces and empty entries. */
export function splitList(value: string): string[] {
  return value
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const where = (pos: SourcePos) => `${pos.file}:${pos.line}`;

/** Which statement put a name in the list last; undefined for names that came from the environment or defaults. */
type Origin = SourcePos | undefined;

export class ServiceList {
  /** The list in order (a Map keeps insertion order and finds a name in constant time). */
  private readonly names = new Map<string, Origin>();
  /** DISABLED_SERVICES, with the disable_service line. */
  private readonly disabled = new Map<string, SourcePos>();
  private negations = 0;
  /** Names a `-name` entry removed: turned off on purpose, like disable_service. */
  private readonly negated = new Set<string>();
  private cached: string | undefined;
  readonly warnings: ConfigWarning[] = [];

  constructor(initial: string) {
    for (const n of splitList(initial)) this.add(n, undefined);
  }

  /** The list as devstack's ENABLED_SERVICES string. */
  get value(): string {
    this.cached ??= [...this.names.keys()].join(',');
    return this.cached;
  }

  private add(name: string, pos: Origin): void {
    if (this.names.has(name)) {
      // Same place in the list; the statement that named it last is the one a warning points at.
      if (pos) this.names.set(name, pos);
      return;
    }
    this.names.set(name, pos);
    if (name.startsWith('-')) this.negations++;
    this.cached = undefined;
  }

  private remove(name: string): void {
    if (this.names.delete(name)) {
      if (name.startsWith('-')) this.negations--;
      this.cached = undefined;
    }
  }

  /** `ENABLED_SERVICES=...` */
  assign(value: string, pos: SourcePos): void {
    this.names.clear();
    this.negations = 0;
    this.cached = undefined;
    this.append(value, pos);
  }

  /** `ENABLED_SERVICES+=...` */
  append(value: string, pos: SourcePos): void {
    for (const n of splitList(value)) this.add(n, pos);
  }

  enable(names: readonly string[], pos: SourcePos): void {
    // devstack decides every name against the list as it was before the statement, then appends: it appends only
    // what is_service_enabled says is off (a project name stays as written: finish() says what it runs).
    const add: string[] = [];
    for (const name of names) {
      const off = this.disabled.get(name);
      if (off) {
        this.warnings.push({
          message: `enable_service ${name}: ${name} stays disabled (disable_service at ${where(off)}), as in devstack`,
          pos,
        });
        continue;
      }
      // a listed name is only marked as named here last
      if (this.names.has(name) || !this.enabledAsDevstack(name)) add.push(name);
    }
    for (const name of add) this.add(name, pos);
    this.disableNegated();
  }

  disable(names: readonly string[], pos: SourcePos): void {
    for (const name of names) {
      if (!this.disabled.has(name)) this.disabled.set(name, pos);
      this.remove(name);
    }
  }

  /** devstack's is_service_enabled for one name, as the list stands (an `if` in localrc asks it). */
  isEnabled(name: string): boolean {
    return this.names.has(name) || this.enabledAsDevstack(name);
  }

  /** devstack's is_service_enabled for a name that is not listed as such: a project, or s-* through `swift`. */
  private enabledAsDevstack(name: string): boolean {
    const group = serviceGroup(name);
    if (!group) return name.startsWith('s-') && this.names.has('swift');
    const listed = [...this.names.keys()];
    const readsDisabled = !group.fnIgnoresDisabled;
    const fn = group.fn && !(readsDisabled && this.disabled.has(name)) && listed.some((n) => group.member(n));
    return fn || (group.legacy !== undefined && listed.some((n) => group.legacy!(n)));
  }

  /** disable_service named it (DISABLED_SERVICES), or its project, or a `-name` entry. */
  isDisabled(name: string): boolean {
    if (this.disabled.has(name) || this.negated.has(name)) return true;
    return SERVICE_GROUPS.some((g) => g.disables && this.disabled.has(g.name) && g.member(name));
  }

  disableAll(): void {
    this.names.clear();
    this.negations = 0;
    this.cached = undefined;
  }

  /** devstack's disable_negated_services: `-x` removes itself and x. */
  private disableNegated(): void {
    if (this.negations === 0) return;
    for (const n of [...this.names.keys()]) {
      if (!n.startsWith('-')) continue;
      this.remove(n);
      this.remove(n.slice(1));
      this.negated.add(n.slice(1));
    }
  }

  /**
   * The services that run, after devstack's end-of-file steps (negations, verify_disabled_services) and its
   * project checks (a disabled project turns off its members; a project name alone runs nothing).
   */
  finish(): string[] {
    this.disableNegated();
    for (const [name, pos] of this.names) {
      const off = this.disabled.get(name);
      if (off) {
        throw new ConfigError(
          `ENABLED_SERVICES${pos ? ` (set at ${where(pos)})` : ''} brings back '${name}', which disable_service ` +
            `turned off at ${where(off)}; devstack stops here too (verify_disabled_services): remove one of the two`,
          pos ?? off,
        );
      }
    }
    const offGroups = SERVICE_GROUPS.filter((g) => g.disables && this.disabled.has(g.name));
    for (const g of SERVICE_GROUPS.filter((x) => !x.disables && this.disabled.has(x.name))) {
      const still = [...this.names.keys()].filter((n) => g.member(n));
      if (still.length === 0) continue;
      this.warnings.push({
        message:
          `disable_service ${g.name} changes nothing in devstack while ${still.join(', ')} ` +
          `${still.length > 1 ? 'are' : 'is'} enabled (is_service_enabled ${g.name} stays true), so they run; ` +
          'disable them by name',
        pos: this.disabled.get(g.name),
      });
    }
    const enabled: string[] = [];
    // Members named after their project was disabled, by statement: one warning per line.
    const kept = new Map<SourcePos, { group: string; names: string[] }>();
    for (const [name, pos] of this.names) {
      const group = serviceGroup(name);
      if (group) {
        for (const n of group.enables ?? []) if (!this.names.has(n)) enabled.push(n);
        if (!group.enables && ![...this.names.keys()].some((n) => group.member(n))) {
          this.warnings.push({
            message:
              `'${name}' in ENABLED_SERVICES names no service: devstack then installs ${name} but starts none of ` +
              `${group.members}; tstack runs none of them (enable the services you want by name)`,
            pos,
          });
        }
        continue;
      }
      const off = offGroups.find((g) => g.member(name));
      if (off) {
        if (pos && pos.line > this.disabled.get(off.name)!.line) {
          const entry = kept.get(pos) ?? { group: off.name, names: [] };
          entry.names.push(name);
          kept.set(pos, entry);
        }
        continue;
      }
      enabled.push(name);
    }
    for (const [pos, { group, names }] of kept) {
      this.warnings.push({
        message:
          `${names.join(', ')} ${names.length > 1 ? 'stay' : 'stays'} disabled: disable_service ${group} at ` +
          `${where(this.disabled.get(group)!)} turns off all of ${group}, as in devstack`,
        pos,
      });
    }
    return [...new Set(enabled)];
  }
}
