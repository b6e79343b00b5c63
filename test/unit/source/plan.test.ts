// The plans of the source method over the real registry: every OpenStack pane
// runs code from a checkout, every checkout is listed, and every executable a
// pane runs (a console script, or the wsgi-file of its uwsgi ini) is one the
// venv will have after `pip install -e` (a pbr-generated name under
// $DATA_DIR/venv/bin), or the checkout's own file (horizon).

import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatPlan } from '../../../lib/plan/format.ts';
import { venvDir } from '../../../lib/source/paths.ts';
import type { Plan, ServiceModule } from '../../../lib/types/stack.ts';
import type { ProcessSpec } from '../../../lib/types/process.ts';
import { UWSGI } from '../../../lib/services/common.ts';
import type { RunOptions, Shell } from '../../../lib/types/shell.ts';
import { sourceRepos } from '../../../lib/source/index.ts';
import { declaredScripts } from '../../../lib/source/scripts.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { DEFAULT_SERVICES, makePlan } from '../services/fixture.ts';
import { SETUP_CFG_SCRIPTS } from './entrypoints.ts';
import { fakeContext } from './planfixture.ts';

const ALL_SERVICES = `${DEFAULT_SERVICES},c-api,c-sch,c-vol,horizon`;
/** Infrastructure panes: their code is always the distro's. */
const PACKAGE_PANES = new Set([
  'mysql',
  'rabbit',
  'memcached',
  'ovsdb-server',
  'ovs-vswitchd',
  'ovs-tap-guard',
  'tgtd',
  'virtlogd',
  'libvirtd',
]);

afterEach(() => clearSecrets());

function sourcePlan(values: Record<string, string> = {}): Plan {
  return makePlan(
    { SOURCE_DEPS: 'distro', GIT_BASE: 'file:///srv/git', ...values },
    { services: ALL_SERVICES, method: 'source' },
  );
}

class NullShell implements Shell {
  readonly calls: string[][] = [];
  async run(argv: string[], _opts?: RunOptions) {
    this.calls.push(argv);
    return { code: 0, stdout: '', stderr: '' };
  }
}

/** The files a module's configure steps write, in memory (nothing on disk). */
async function configuredFiles(plan: Plan, module: ServiceModule): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const ctx = fakeContext(plan, new NullShell());
  ctx.writeFile = async (path, content) => {
    files.set(path, content);
    return true;
  };
  for (const step of module.steps?.(plan).configure ?? []) await step.run(ctx);
  return files;
}

function iniValue(text: string, key: string): string | undefined {
  return new RegExp(`^${key}\\s*=\\s*(.+)$`, 'm').exec(text)?.[1].trim();
}

/** The module that owns a pane. */
function owner(plan: Plan, pane: ProcessSpec): ServiceModule {
  const m = plan.services.find((s) => s.processes(plan).some((p) => p.name === pane.name));
  if (!m) throw new Error(`no module runs ${pane.name}`);
  return m;
}

describe('plans with INSTALL_METHOD=source', () => {
  it('every OpenStack pane runs code from a checkout; infrastructure panes from packages', () => {
    const plan = sourcePlan();
    expect(plan.processes.length).toBeGreaterThanOrEqual(22);
    for (const pane of plan.processes) {
      expect(pane.codeFrom, pane.name).toBe(PACKAGE_PANES.has(pane.name) ? 'package' : 'checkout');
    }
  });

  it('every module with an OpenStack pane declares its checkout, and every checkout is installed and listed', () => {
    const plan = sourcePlan();
    // a pane's checkout is its project's: ML2/OVN's metadata agent runs neutron's, which the neutron module declares
    const withCode = new Set(
      plan.processes.filter((p) => p.codeFrom === 'checkout').map((p) => owner(plan, p).project),
    );
    expect([...withCode].sort()).toEqual(['cinder', 'glance', 'horizon', 'keystone', 'neutron', 'nova', 'placement']);
    for (const name of withCode) {
      const repos = plan.services.find((s) => s.name === name)!.repos ?? [];
      expect(
        repos.map((r) => r.name),
        name,
      ).toEqual([name]);
    }
    expect(plan.repos.map((r) => r.name).sort()).toEqual([...withCode].sort());
    for (const r of plan.repos) {
      expect(r.url).toBe(`file:///srv/git/openstack/${r.name}.git`);
      expect(r.dir).toBe(join('/opt/stack', r.name));
      expect(r.distroPackage).toBe(r.name === 'horizon' ? 'python3-django-horizon' : `python3-${r.name}`);
    }
    expect(
      sourceRepos(plan)
        .installRepos.map((r) => r.name)
        .sort(),
    ).toEqual([...withCode].sort());
    // SOURCE_DEPS=distro: the packages that supply the dependencies are installed
    for (const r of plan.repos) expect(plan.packages).toContain(r.distroPackage);
    const text = formatPlan(plan);
    expect(text).toMatch(
      new RegExp(`^Checkouts \\(7\\): .*${plan.repos.map((r) => `${r.name}@master`).join(', ')}`, 'm'),
    );
    for (const p of plan.processes)
      expect(text).toMatch(new RegExp(`^  ${p.name}\\s+\\S+\\s+\\S+\\s+${p.codeFrom}\\b`, 'm'));
  });

  it("a checkout pane's code is its project's checkout and the LIBS_FROM_GIT libraries (restart digest)", () => {
    const plan = sourcePlan({ LIBS_FROM_GIT: 'oslo.config,os-vif' });
    for (const pane of plan.processes) {
      if (pane.codeFrom !== 'checkout') {
        expect(pane.codeDirs, pane.name).toBeUndefined();
        continue;
      }
      const own = join('/opt/stack', pane.project);
      expect(plan.repos.map((r) => r.dir)).toContain(own);
      expect(pane.codeDirs, pane.name).toEqual(['/opt/stack/oslo.config', '/opt/stack/os-vif', own]);
    }
    // every nova pane shares one checkout: an edit there restarts n-api, n-cond, n-sch and n-cpu alike
    const nova = plan.processes.filter((p) => p.project === 'nova' && p.codeFrom === 'checkout');
    expect(nova.map((p) => p.name)).toEqual(expect.arrayContaining(['n-api', 'n-cond', 'n-sch', 'n-cpu']));
    expect(makePlan({}, { services: ALL_SERVICES, method: 'distro' }).processes.some((p) => p.codeDirs)).toBe(false);
  });

  it('<SVC>_REPO and <SVC>_BRANCH override a service checkout', () => {
    const plan = sourcePlan({
      NOVA_REPO: '/srv/mine/nova',
      NOVA_BRANCH: 'refs/changes/12/3412/2',
      TARGET_BRANCH: 'stable/2023.1',
    });
    const nova = plan.repos.find((r) => r.name === 'nova')!;
    expect(nova).toMatchObject({ url: '/srv/mine/nova', ref: 'refs/changes/12/3412/2' });
    expect(plan.repos.find((r) => r.name === 'neutron')!.ref).toBe('stable/2023.1');
  });

  it("every pane's executable is a script pip generates in the venv (or the checkout's own wsgi.py)", async () => {
    const plan = sourcePlan();
    const venvBin = join(venvDir(plan), 'bin');
    const configured = new Map<string, Map<string, string>>();
    for (const pane of plan.processes.filter((p) => p.codeFrom === 'checkout')) {
      const module = owner(plan, pane);
      const scripts = declaredScripts(SETUP_CFG_SCRIPTS[module.project]);
      let executable: string;
      if (pane.argv[0] === UWSGI) {
        if (!configured.has(module.name)) configured.set(module.name, await configuredFiles(plan, module));
        const iniPath = pane.argv[pane.argv.indexOf('--ini') + 1];
        const ini = configured.get(module.name)!.get(iniPath);
        expect(ini, `${pane.name}: ${iniPath} not written by ${module.name}'s configure steps`).toBeDefined();
        expect(iniValue(ini!, 'virtualenv'), pane.name).toBe(venvDir(plan));
        executable = iniValue(ini!, 'wsgi-file')!;
      } else {
        executable = pane.argv[0];
      }
      if (module.name === 'horizon') {
        expect(executable).toBe(join('/opt/stack/horizon', 'openstack_dashboard', 'wsgi.py'));
        continue;
      }
      expect(dirname(executable), pane.name).toBe(venvBin);
      expect(
        scripts,
        `${pane.name} runs ${basename(executable)}, which ${module.project}'s setup.cfg does not declare`,
      ).toContain(basename(executable));
    }
    expect(configured.size).toBe(5); // keystone, placement, nova, cinder, horizon are served by uwsgi
  });

  it('with the distro method nothing comes from a checkout', () => {
    const plan = makePlan({}, { services: ALL_SERVICES, method: 'distro' });
    expect(plan.processes.every((p) => p.codeFrom === 'package')).toBe(true);
    expect(plan.repos).toEqual([]);
    for (const p of plan.processes) expect(p.argv[0].startsWith('/opt/stack')).toBe(false);
  });
});
