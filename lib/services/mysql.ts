// MariaDB as a pane. Debian's postinst already initialised /var/lib/mysql;
// root authenticates over the unix socket, so no root password exists.

import { settingGroup } from '../config/settings.ts';
import { existsSync } from 'node:fs';
import type { Plan, ServiceModule } from '../types/stack.ts';
import { iniDoc, type IniDoc } from '../util/ini.ts';
import { databaseHost, writeConf } from './common.ts';

export const MARIADB_CNF = '/etc/mysql/mariadb.conf.d/99-tstack.cnf';
const DATADIR = '/var/lib/mysql';
export const MYSQL_PORT = 3306;

/**
 * MYSQL_REDUCE_MEMORY: devstack's values (lib/databases/mysql), for MySQL: a dev cloud's few MB of data need no
 * 128 MB pool. Debian's server is MariaDB, whose own caches devstack's list does not name: the Aria page cache
 * (system and internal temporary tables) and the MyISAM key cache take 128 MB each by default and the InnoDB log
 * buffer 16 MB; MariaDB touched them at start (its Memory_used: 326 MB with devstack's values alone, 45 MB with
 * these). A full stack's mariadbd measured 107 MiB PSS with devstack's values alone and 64 MiB with these too.
 */
const REDUCED_MEMORY = {
  read_buffer_size: '64K',
  innodb_buffer_pool_size: '16M',
  thread_stack: '192K',
  thread_cache_size: 8,
  tmp_table_size: '8M',
  sort_buffer_size: '8M',
  max_allowed_packet: '8M',
  // MariaDB's
  aria_pagecache_buffer_size: '8M',
  key_buffer_size: '8M',
  innodb_log_buffer_size: '2M',
};

/** my.cnf fragment: loopback only, enough connections for every service's pool, utf8. */
export function mariadbCnf(plan: Plan): IniDoc {
  return iniDoc({
    mysqld: {
      'bind-address': databaseHost(plan),
      max_connections: 1024,
      'default-storage-engine': 'innodb',
      innodb_file_per_table: 'on',
      'collation-server': 'utf8_general_ci',
      'character-set-server': 'utf8',
      skip_name_resolve: 1,
      ...(plan.bool('MYSQL_REDUCE_MEMORY') ? REDUCED_MEMORY : {}),
    },
  });
}

export const mysqlModule: ServiceModule = {
  name: 'mysql',
  installWave: 'early',
  project: 'infra',
  shortNames: ['mysql'],
  passwords: ['DATABASE_PASSWORD'],
  settings: settingGroup('tuning', [
    {
      name: 'MYSQL_REDUCE_MEMORY',
      type: 'bool',
      default: 'True',
      description:
        "Smaller MariaDB buffers and caches (devstack's values and default: a 16 MB InnoDB pool; also MariaDB's " +
        'Aria page cache and MyISAM key cache at 8 MB, its InnoDB log buffer at 2 MB).',
    },
  ]),
  configFiles: () => [MARIADB_CNF],
  steps: () => ({
    configure: [
      {
        id: 'mysql:configure',
        title: 'MariaDB settings and run directory',
        async run(ctx) {
          await writeConf(ctx, MARIADB_CNF, mariadbCnf(ctx.plan), 'root', 0o644);
          await ctx.sh.run(['install', '-d', '-o', 'mysql', '-g', 'root', '-m', '0755', '/run/mysqld']);
          if (!existsSync(`${DATADIR}/mysql`)) {
            // only when the data directory was removed by hand; the package normally initialises it
            await ctx.sh.run([
              'mariadb-install-db',
              '--user=mysql',
              `--datadir=${DATADIR}`,
              '--auth-root-authentication-method=socket',
            ]);
          }
        },
      },
    ],
  }),
  processes: () => [
    {
      name: 'mysql',
      project: 'infra',
      argv: ['/usr/sbin/mariadbd', `--datadir=${DATADIR}`],
      user: 'mysql',
      cwd: DATADIR,
      // mysqladmin ping exits 0 once the server answers (root over the socket)
      probe: { kind: 'command', argv: ['/usr/bin/mysqladmin', '--protocol=socket', 'ping'] },
      port: MYSQL_PORT,
      codeFrom: 'package',
      stopGraceSec: 30,
    },
  ],
};
