import { describe, expect, it } from 'vitest';
import { buildPhases } from '../../../lib/phases/stack-phases.ts';
import { checkRun, type PhasePlan } from '../../../lib/phases/runner.ts';
import { APT_STEP, aptInstallSteps, EARLY_APT_STEP, LATE_APT_STEP } from '../../../lib/system/apt.ts';
import { SERVICE_MODULES } from '../../../lib/services/registry.ts';
import type { ServiceModule, Step } from '../../../lib/types/stack.ts';
import { DEFAULT_SERVICES, makePlan, OVN_SERVICES } from '../services/fixture.ts';
import { seedSteps } from '../../../lib/seed/index.ts';
import { testPlan } from '../plan-fixture.ts';

const panes = { start: async () => undefined, waitReady: async () => undefined };
const catalog: Step = { id: 'keystone:catalog', title: 'service users and catalog', run: async () => {} };

function phasesOf(plan: ReturnType<typeof makePlan>): PhasePlan[] {
  return buildPhases(plan, { install: aptInstallSteps(plan), catalog, seed: seedSteps(plan), panes });
}

/** Every step id `id` waits for, directly or through others, within one phase. */
function waitsFor(steps: Step[], id: string): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const out = new Set<string>();
  const visit = (s: Step) => {
    for (const a of s.after ?? []) {
      if (out.has(a)) continue;
      out.add(a);
      visit(byId.get(a)!);
    }
  };
  visit(byId.get(id)!);
  return out;
}

describe('the infrastructure starts while apt installs the rest (earlyStart)', () => {
  const plan = makePlan();
  const phases = phasesOf(plan);
  const phase = (name: string) => phases.find((p) => p.name === name)!.steps;
  const ids = (name: string) => phase(name).map((s) => s.id);
  const early = [
    'mysql:configure',
    'keystone:configure',
    'keystone:keys',
    'start:mysql',
    'start:rabbit',
    'start:memcached',
    'keystone:db-sync',
    'keystone:bootstrap',
    'start:key',
    'keystone:catalog',
    'seed:accounts',
    // nova's databases and their sync need only nova-common and python3-nova (Step.earlyWave)
    'nova:configure',
    'nova:db',
    'nova:db-sync',
  ];

  it('names mysql, rabbit, memcached and keystone, and installs their packages in the early wave', () => {
    expect(plan.waves.early.modules).toEqual(['mysql', 'rabbit', 'memcached', 'keystone']);
    expect(plan.waves.early.packages).toEqual(
      expect.arrayContaining(['mariadb-server', 'rabbitmq-server', 'memcached', 'keystone', 'uwsgi-core']),
    );
    expect(plan.waves.early.packages.filter((p: string) => /nova|neutron|glance|cinder/.test(p))).toEqual([
      'nova-common',
      'python3-nova',
    ]);
  });

  it('moves their configure, init and start steps into the install phase, after the early wave only', () => {
    checkRun(phases);
    const install = phase('install');
    for (const id of early) {
      expect(ids('install')).toContain(id);
      const waits = waitsFor(install, id);
      expect(waits).toContain(EARLY_APT_STEP);
      // never behind the main wave: that is the overlap
      expect(waits).not.toContain(APT_STEP);
    }
    for (const name of ['configure', 'init', 'start']) for (const id of early) expect(ids(name)).not.toContain(id);
  });

  it("keeps each module's phases in order, and no other module's: MariaDB does not wait for keystone's keys", () => {
    const install = phase('install');
    expect(waitsFor(install, 'keystone:keys')).toContain('keystone:configure');
    expect(waitsFor(install, 'keystone:keys')).not.toContain('mysql:configure');
    expect(waitsFor(install, 'start:mysql')).toContain('mysql:configure');
    expect(waitsFor(install, 'start:mysql')).not.toContain('keystone:keys');
    expect(waitsFor(install, 'start:rabbit')).not.toContain('keystone:keys');
    expect(waitsFor(install, 'nova:db-sync')).not.toContain('keystone:keys');
    expect([...waitsFor(install, 'start:key')]).toEqual(
      expect.arrayContaining(['keystone:keys', 'keystone:bootstrap', 'keystone:db-sync', 'start:mysql']),
    );
    expect(waitsFor(install, 'start:key')).toContain('start:memcached');
    expect(waitsFor(install, 'keystone:catalog')).toContain('start:key');
    expect(waitsFor(install, 'seed:accounts')).toContain('keystone:catalog');
  });

  it('leaves the other services where they were; they wait for the moved steps they need through `after`', () => {
    checkRun(phases);
    expect(ids('start')).toEqual(expect.arrayContaining(['start:n-api', 'start:q-svc', 'neutron:db-sync']));
    expect(ids('configure')).toContain('neutron:configure');
    const step = (id: string) => phases.flatMap((p) => p.steps).find((s) => s.id === id)!;
    expect(step('start:n-api').after).toContain('keystone:catalog');
    expect(step('nova:db').after).toContain('start:mysql');
    expect(step('start:n-api').after).toContain('nova:db-sync');
    // every later step of nova names what of nova moved early, as phase order no longer says it
    expect(step('start:n-cond').after).toEqual(expect.arrayContaining(['nova:configure', 'nova:db-client']));
    // the demo project's network: the accounts are there by the extra phase
    expect(ids('extra')).toContain('seed:network');
    expect(step('seed:network').after ?? []).not.toContain('seed:accounts');
    // mapping the compute host waits for its record; the seeds do not need it, the extra phase ends after it
    expect(step('nova:discover-hosts').overlapsUntil).toBe('extra');
    expect(ids('start')).toContain('nova:discover-hosts');
    // the start phase does not end before them; nothing later needs to name them
    for (const id of early) expect(step(id).overlapsUntil).toBe('start');
    const moved = new Set(early);
    for (const p of phases.slice(phases.findIndex((p) => p.name === 'start') + 1)) {
      for (const s of p.steps) expect((s.after ?? []).filter((a) => moved.has(a))).toEqual([]);
    }
  });

  it('does nothing of the kind for a source install: the code comes after the whole apt run', () => {
    const source = phasesOf(makePlan({}, { method: 'source' }));
    const install = source.find((p) => p.name === 'install')!.steps.map((s) => s.id);
    expect(install).not.toContain('start:key');
    expect(source.find((p) => p.name === 'extra')!.steps.map((s) => s.id)).toContain('seed:accounts');
    expect(source.find((p) => p.name === 'start')!.steps.map((s) => s.id)).toContain('start:key');
  });

  it('refuses an early module whose step waits for a service that does not start early', () => {
    const keystone = SERVICE_MODULES.find((m) => m.name === 'keystone')!;
    const waitsForGlance: ServiceModule = {
      ...keystone,
      steps: (p) => {
        const steps = keystone.steps!(p);
        const start = (steps.start ?? []).map((s) =>
          s.id === 'keystone:bootstrap' ? { ...s, after: [...(s.after ?? []), 'glance:db-sync'] } : s,
        );
        return { ...steps, start };
      },
    };
    const modules = SERVICE_MODULES.map((m) => (m === keystone ? waitsForGlance : m));
    const plan = testPlan(
      { DATABASE_PASSWORD: 'd', RABBIT_PASSWORD: 'r', SERVICE_PASSWORD: 's', ADMIN_PASSWORD: 'a' },
      {
        modules,
        services: 'mysql,rabbit,memcached,key,g-api',
      },
    );
    expect(() => phasesOf(plan)).toThrow(
      'step keystone:bootstrap starts early, but waits for glance:db-sync, which does not',
    );
  });
});

describe("the dashboard's packages install last, while the others start (installWave late)", () => {
  const plan = makePlan({}, { services: `${DEFAULT_SERVICES},horizon` });
  const phases = phasesOf(plan);
  const step = (id: string) => phases.flatMap((p) => p.steps).find((s) => s.id === id)!;

  it('puts only what the dashboard alone needs in the late wave', () => {
    expect(plan.waves.late.modules).toEqual(['horizon']);
    expect(plan.waves.late.packages).toEqual(expect.arrayContaining(['openstack-dashboard', 'python3-django-horizon']));
    // keystone's too: in the early wave
    expect(plan.waves.late.packages).not.toContain('uwsgi-core');
    expect(step(APT_STEP).fingerprint).not.toContain('openstack-dashboard');
  });

  it('runs the late wave after the main one, on into the next phases up to extra', () => {
    checkRun(phases);
    const late = step(LATE_APT_STEP);
    expect(phases.find((p) => p.name === 'install')!.steps).toContain(late);
    expect(late.after).toEqual([APT_STEP]);
    expect(late.overlapsUntil).toBe('extra');
  });

  it("has the dashboard's own steps wait for it, and the other services' not", () => {
    for (const id of ['horizon:configure', 'horizon:static', 'start:horizon']) {
      expect(step(id).after).toContain(LATE_APT_STEP);
    }
    // nor do configure, init and start wait for the late wave: the dashboard's steps run on up to extra
    expect(step('horizon:configure').overlapsUntil).toBe('extra');
    expect(step('start:horizon').overlapsUntil).toBe('extra');
    // phase order no longer puts its configuring before its start: the start names it (bench:fresh started horizon
    // before its settings were written, and the next converge restarted it)
    expect(step('start:horizon').after).toEqual(expect.arrayContaining(['horizon:configure', 'horizon:static']));
    for (const id of ['nova:configure', 'nova:db-sync', 'start:n-api']) {
      expect(step(id).after ?? []).not.toContain(LATE_APT_STEP);
    }
  });
});

describe('start order', () => {
  it('starts nova-conductor after placement answers: it asks placement for its versions as it starts', () => {
    const phases = phasesOf(makePlan());
    const conductor = phases.flatMap((p) => p.steps).find((s) => s.id === 'start:n-cond')!;
    expect(conductor.after).toContain('start:placement-api');
  });

  it('starts ovn-controller after ovn-northd has filled the southbound database', () => {
    const plan = makePlan({ Q_AGENT: 'ovn' }, { services: OVN_SERVICES });
    const phases = phasesOf(plan);
    checkRun(phases);
    const controller = phases.flatMap((p) => p.steps).find((s) => s.id === 'start:ovn-controller')!;
    expect(controller.after).toContain('start:ovn-northd');
  });
});
