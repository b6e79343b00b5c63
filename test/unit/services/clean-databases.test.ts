// Every module that makes a database drops it (and its DB user) on
// `unstack --clean`; cinder's did not, and a cleaned machine kept its tables.
// The clean hooks run against a recording shell: no MariaDB, no root.

import { describe, expect, it } from 'vitest';
import { createContext } from '../../../lib/phases/context.ts';
import { sqlIdent } from '../../../lib/system/mysql.ts';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import { DEFAULT_SERVICES, makePlan } from './fixture.ts';

const log = { info() {}, warn() {}, debug() {} };

/** The databases each module's configure step makes (devstack's names). */
const DATABASES: Record<string, string[]> = {
  keystone: ['keystone'],
  glance: ['glance'],
  placement: ['placement'],
  nova: ['nova_api', 'nova', 'nova_cell0'],
  neutron: ['neutron'],
  cinder: ['cinder'],
};

describe('clean hooks drop their databases', () => {
  const plan = makePlan({}, { services: `${DEFAULT_SERVICES},c-api,c-sch,c-vol` });
  for (const [name, dbs] of Object.entries(DATABASES)) {
    it(`${name}: ${dbs.join(', ')} and the ${name} DB user`, async () => {
      const sql: string[] = [];
      const sh: Shell = {
        async run(argv: string[], opts?: RunOptions): Promise<RunResult> {
          if (argv[0] === 'mysql' && opts?.input) sql.push(opts.input);
          // nothing exists: no namespaces, no volume group, no vgs command
          return { code: argv[0] === 'sh' || argv[0] === 'vgs' ? 1 : 0, stdout: '', stderr: '' };
        },
      };
      const mod = plan.services.find((m) => m.name === name);
      expect(mod?.clean, `${name} has a clean hook`).toBeDefined();
      await mod!.clean!(
        createContext({
          plan,
          sh,
          log,
          force: false,
          openstack: async () => {
            throw new Error('no API in clean');
          },
        }),
      );
      const all = sql.join('');
      for (const db of dbs) expect(all).toContain(`DROP DATABASE IF EXISTS ${sqlIdent(db)};`);
      expect(all).toMatch(new RegExp(`DROP USER IF EXISTS '${name}'@`));
    });
  }
});
