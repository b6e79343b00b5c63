// The SettingsCatalog: the core settings table joined with what each service
// module contributes (its rows, its repos' <PREFIX>_REPO/_BRANCH rows, its
// short names and the passwords it needs). The CLI builds it from the
// registry and hands it to resolveConfig(), so this layer knows no module.
// Two declarations of one setting or one short name are a programming error.

import type {
  ConfigContribution,
  PasswordSpec,
  RepoDecl,
  ServiceName,
  Setting,
  SettingsCatalog,
} from '../types/config.ts';
import { CORE_SETTINGS, SETTING_GROUPS, gitBaseRepo } from './settings.ts';
import { DEVSTACK_SERVICE_NAMES } from './service-names.ts';

/**
 * The core passwords in asking order, with their prompts. ADMIN_PASSWORD comes
 * first because the documented minimal local.conf derives the others from it
 * (`SERVICE_PASSWORD=$ADMIN_PASSWORD`): once it is saved, those resolve and
 * are not asked. A module's own password is asked after these, with its row's
 * description as the prompt.
 */
export const PASSWORD_PROMPTS: Readonly<Record<string, string>> = {
  ADMIN_PASSWORD: 'Password of admin and the demo users (Horizon, clouds.yaml)',
  DATABASE_PASSWORD: 'Password for the database',
  RABBIT_PASSWORD: 'Password for RabbitMQ',
  SERVICE_PASSWORD: 'Password of the service users (nova, glance, ...)',
};

/** `keystone` -> KEYSTONE, `glance_store` -> GLANCE_STORE: the prefix of <X>_REPO / <X>_BRANCH. */
export function repoPrefix(r: RepoDecl): string {
  return r.prefix ?? r.name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** devstack's `<X>_REPO=${GIT_BASE}/openstack/<x>.git` and `<X>_BRANCH=$TARGET_BRANCH` for each checkout. */
export function repoRows(repos: readonly RepoDecl[], group = 'source'): Setting[] {
  return repos.flatMap((r) => [
    {
      name: `${repoPrefix(r)}_REPO`,
      type: 'url' as const,
      default: (get: (name: string) => string) => gitBaseRepo(get, r.name),
      defaultDoc: `$GIT_BASE/openstack/${r.name}.git`,
      description: `Git repository of ${r.name} (a URL or a local path).`,
      group,
    },
    {
      name: `${repoPrefix(r)}_BRANCH`,
      type: 'string' as const,
      default: '${TARGET_BRANCH}',
      description: `Branch, tag, sha or refs/changes/... of ${r.name} to check out.`,
      group,
    },
  ]);
}

class Catalog implements SettingsCatalog {
  private readonly byName: Map<string, Setting>;
  private readonly names: Map<string, ServiceName>;

  constructor(
    readonly settings: readonly Setting[],
    readonly groups: readonly string[],
    readonly serviceNames: readonly ServiceName[],
    readonly passwords: readonly PasswordSpec[],
  ) {
    this.byName = new Map(settings.map((s) => [s.name, s]));
    this.names = new Map(serviceNames.map((s) => [s.name, s]));
  }

  setting(name: string): Setting | undefined {
    return this.byName.get(name);
  }

  serviceName(name: string): ServiceName | undefined {
    return this.names.get(name);
  }
}

/**
 * Core rows, then each contribution's rows and repo rows, then `extraRows`
 * (rows of other layers, such as the LIBS_FROM_GIT libraries' overrides).
 * A module's short names take over devstack's names of the same spelling.
 */
export function buildCatalog(
  contributions: readonly ConfigContribution[],
  extraRows: readonly Setting[] = [],
): SettingsCatalog {
  const settings: Setting[] = [];
  const owner = new Map<string, string>();
  const add = (rows: readonly Setting[], who: string) => {
    for (const r of rows) {
      const first = owner.get(r.name);
      if (first) throw new Error(`setting ${r.name} is declared twice: by ${first} and by ${who}`);
      owner.set(r.name, who);
      settings.push(r);
    }
  };
  add(CORE_SETTINGS, 'lib/config/settings.ts');
  for (const c of contributions) add([...(c.settings ?? []), ...repoRows(c.repos ?? [])], `module ${c.name}`);
  add(extraRows, 'the extra rows');

  const groups = [...new Set([...SETTING_GROUPS, ...settings.map((s) => s.group)])];

  const implemented: ServiceName[] = [];
  const claimedBy = new Map<string, string>();
  for (const c of contributions) {
    for (const name of c.shortNames) {
      const first = claimedBy.get(name);
      if (first) throw new Error(`service short name ${name} is claimed by modules ${first} and ${c.name}`);
      claimedBy.set(name, c.name);
      implemented.push({
        name,
        project: c.project,
        implemented: true,
        description: `run by tstack's ${c.name} module`,
      });
    }
  }
  const serviceNames = [
    ...implemented,
    ...DEVSTACK_SERVICE_NAMES.filter((n) => !implemented.some((i) => i.name === n.name)),
  ];

  const needed = new Map<string, string[]>();
  for (const c of contributions) {
    for (const p of c.passwords ?? []) {
      const row = settings.find((s) => s.name === p);
      if (row?.type !== 'password')
        throw new Error(`module ${c.name} needs password ${p}, which is not a password row of the settings table`);
      needed.set(p, [...(needed.get(p) ?? []), ...c.shortNames]);
    }
  }
  const order = [...Object.keys(PASSWORD_PROMPTS), ...needed.keys()];
  const passwords: PasswordSpec[] = [...new Set(order)]
    .filter((n) => needed.has(n))
    .map((name) => ({
      name,
      neededBy: needed.get(name)!,
      prompt: PASSWORD_PROMPTS[name] ?? settings.find((s) => s.name === name)!.description,
    }));

  return new Catalog(settings, groups, serviceNames, passwords);
}
