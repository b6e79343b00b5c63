import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Supervisor } from '../../../lib/proc/supervisor.ts';
import { cleanStack } from '../../../lib/phases/clean.ts';
import { SystemShell } from '../../../lib/system/exec.ts';
import type { Plan, ServiceModule } from '../../../lib/types/stack.ts';
import type { Logger } from '../../../lib/types/logger.ts';
import { testPlan } from '../../unit/plan-fixture.ts';

const quiet: Logger = { info() {}, warn() {}, debug() {} };

/** The plan of a stack under `root` ($DEST) running only `modules`, resolved for real. */
function cleanPlan(root: string, modules: ServiceModule[], topDir = root): Plan {
  const services = modules.flatMap((m) => m.shortNames);
  return testPlan(
    { DEST: root, CLOUDS_YAML: join(root, 'clouds.yaml') },
    { services, catalogModules: modules, modules, topDir },
  );
}
let sup: Supervisor | undefined;
afterEach(async () => {
  await sup?.stopAll({});
});

describe('unstack --clean', () => {
  it(
    'runs the clean hooks with mysql up (restarting it if stopped), then stops it and removes files and ' + 'dirs',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'tstack-clean-'));
      const dirs = {
        dest: root,
        dataDir: join(root, 'data'),
        logDir: join(root, 'logs'),
        stateDir: join(root, 'status'),
        filesDir: join(root, 'files'),
        topDir: join(root, 'top'),
      };
      for (const d of [dirs.dataDir, dirs.logDir, dirs.stateDir, dirs.topDir]) mkdirSync(d, { recursive: true });
      const conf = join(root, 'etc', 'svc.conf');
      mkdirSync(join(root, 'etc'));
      writeFileSync(conf, '[DEFAULT]\n');
      writeFileSync(join(dirs.topDir, 'openrc'), 'export OS_PASSWORD=x\n');
      writeFileSync(join(dirs.dataDir, 'blob'), 'data');

      sup = new Supervisor({ stateDir: dirs.stateDir, logDir: dirs.logDir });
      // A stand-in for MariaDB: a real process the hooks can see running.
      await sup.start({ name: 'mysql', project: 'infra', argv: ['/bin/sleep', '300'] });
      await sup.stop('mysql'); // as after `unstack -a`
      const seen: string[] = [];
      const mod = (name: string, order: string[]): ServiceModule => ({
        name,
        project: name,
        shortNames: [name],
        processes: () => [],
        configFiles: () => (name === 'svc' ? [conf] : []),
        async clean() {
          const rec = sup!.record('mysql')!;
          order.push(`${name}:mysql-${sup!.isRunning(rec) ? 'up' : 'down'}`);
        },
      });
      const modules = [mod('db', seen), mod('svc', seen)];
      const plan = cleanPlan(root, modules, dirs.topDir);

      const r = await cleanStack({ plan, sup, sh: new SystemShell(), log: quiet });
      // Hooks ran last-started first, each while mysql was running again.
      expect(seen).toEqual(['svc:mysql-up', 'db:mysql-up']);
      // mysql is stopped at the end, and every generated file and state dir is gone.
      expect(existsSync(conf)).toBe(false);
      expect(existsSync(join(dirs.topDir, 'openrc'))).toBe(false);
      expect(existsSync(dirs.dataDir)).toBe(false);
      expect(existsSync(dirs.stateDir)).toBe(false);
      expect(existsSync(dirs.logDir)).toBe(false);
      expect(r.removed).toEqual(expect.arrayContaining([conf, dirs.dataDir + '/', dirs.stateDir + '/']));
      expect(r.warnings).toEqual([]);
    },
  );

  it('a failing hook is reported and does not keep the others from running', async () => {
    const root = mkdtempSync(join(tmpdir(), 'tstack-clean-'));
    const dirs = {
      dest: root,
      dataDir: join(root, 'data'),
      logDir: join(root, 'logs'),
      stateDir: join(root, 'status'),
      filesDir: root,
      topDir: root,
    };
    sup = new Supervisor({ stateDir: dirs.stateDir, logDir: dirs.logDir });
    const ran: string[] = [];
    const plan = cleanPlan(root, [
      { name: 'a', project: 'a', shortNames: ['a'], processes: () => [], clean: async () => void ran.push('a') },
      {
        name: 'b',
        project: 'b',
        shortNames: ['b'],
        processes: () => [],
        clean: async () => {
          throw new Error('vg busy');
        },
      },
    ]);
    const r = await cleanStack({ plan, sup, sh: new SystemShell(), log: quiet });
    expect(ran).toEqual(['a']);
    expect(r.warnings).toEqual(['clean b: vg busy']);
  });
  it(
    'with nothing recorded (a second --clean), starts mysql from the plan for the hooks and stops it ' + 'again',
    async () => {
      const root = mkdtempSync(join(tmpdir(), 'tstack-clean-'));
      const dirs = {
        dest: root,
        dataDir: join(root, 'data'),
        logDir: join(root, 'logs'),
        stateDir: join(root, 'status'),
        filesDir: root,
        topDir: root,
      };
      sup = new Supervisor({ stateDir: dirs.stateDir, logDir: dirs.logDir });
      const seen: string[] = [];
      const plan = cleanPlan(root, [
        {
          name: 'db',
          project: 'db',
          shortNames: ['db'],
          // a stand-in for MariaDB: a real process
          processes: () => [{ name: 'mysql', project: 'infra', argv: ['/bin/sleep', '300'] }],
          clean: async () => {
            const rec = sup!.record('mysql');
            seen.push(rec && sup!.isRunning(rec) ? 'mysql-up' : 'mysql-down');
          },
        },
      ]);
      const r = await cleanStack({ plan, sup, sh: new SystemShell(), log: quiet });
      expect(seen).toEqual(['mysql-up']);
      expect(r.warnings).toEqual([]);
      // stopped again, and its state went with the state dir
      expect(sup.records().filter((x) => sup!.isRunning(x))).toEqual([]);
      expect(existsSync(dirs.stateDir)).toBe(false);
    },
  );
});
