// Databases and their users on the local MariaDB. root reaches the server
// through the unix socket (Debian's root@localhost uses unix_socket auth), so
// no root password is ever handled. SQL goes through stdin: it holds the
// password and stdin is never logged.

import { createHash } from 'node:crypto';
import type { Shell } from '../types/shell.ts';

export interface DatabaseSpec {
  /** Database name (nova_api, keystone...). */
  name: string;
  /** The service's DB user; granted everything on the database. */
  user: string;
  password: string;
}

/** Quote a string literal for MariaDB (backslash and quote escaped). */
export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Quote an identifier (database name). */
export function sqlIdent(s: string): string {
  return '`' + s.replace(/`/g, '``') + '`';
}

/**
 * MariaDB's mysql_native_password hash of the bytes PyMySQL sends for
 * `password`. PyMySQL 1.0 encodes a str password as Latin-1, while
 * `IDENTIFIED BY '<password>'` hashes the bytes the mysql client sent
 * (UTF-8): with a non-ASCII password the two differ and every service is
 * refused. So the user gets the hash of the Latin-1 bytes (DATABASE_PASSWORD
 * holds nothing above U+00FF: password-rules.ts), and no password, quoted
 * or not, is ever part of the SQL.
 */
export function nativePasswordHash(password: string): string {
  const sha1 = (b: Buffer) => createHash('sha1').update(b).digest();
  return `*${sha1(sha1(Buffer.from(password, 'latin1')))
    .toString('hex')
    .toUpperCase()}`;
}

/**
 * A PyMySQL option file (`read_default_file` of the database URL) with the
 * service's DB user and password. PyMySQL reads it with a RawConfigParser (no
 * `%` interpolation, no inline comments), strips the value's surrounding
 * whitespace and then one pair of matching quotes: a double-quoted value
 * arrives verbatim, whatever it holds (spaces at either end, `#`, `;`, `=`,
 * quotes, backslashes). Written UTF-8; the services read it under C.UTF-8.
 * Not meant for the mysql client, whose option parser takes backslash escapes.
 */
export function clientOptionFile(user: string, password: string): string {
  const header = '# Written by tstack: the database password of this service (PyMySQL read_default_file).';
  return [header, '[client]', `user = "${user}"`, `password = "${password}"`, ''].join('\n');
}

/** Hosts the service users connect from: the socket (localhost) and TCP on loopback. */
export const DB_USER_HOSTS = ['localhost', '127.0.0.1', '%'] as const;

/**
 * SQL that makes the database and user exist with the given password,
 * idempotently. `recreate` drops the database first (RECREATE_DATABASES or
 * --force); without it existing data is kept. ALTER USER makes a changed
 * password converge on a re-run.
 */
export function ensureDatabaseSql(db: DatabaseSpec, recreate: boolean): string {
  const lines: string[] = [];
  if (recreate) lines.push(`DROP DATABASE IF EXISTS ${sqlIdent(db.name)};`);
  lines.push(`CREATE DATABASE IF NOT EXISTS ${sqlIdent(db.name)} CHARACTER SET utf8;`);
  for (const host of DB_USER_HOSTS) {
    const who = `${sqlString(db.user)}@${sqlString(host)}`;
    const hash = sqlString(nativePasswordHash(db.password));
    lines.push(`CREATE USER IF NOT EXISTS ${who} IDENTIFIED BY PASSWORD ${hash};`);
    lines.push(`ALTER USER ${who} IDENTIFIED BY PASSWORD ${hash};`);
    lines.push(`GRANT ALL PRIVILEGES ON ${sqlIdent(db.name)}.* TO ${who};`);
  }
  lines.push('FLUSH PRIVILEGES;');
  return lines.join('\n') + '\n';
}

/** SQL for `unstack --clean`: the database and, when asked, its user. */
export function dropDatabaseSql(dbName: string, user?: string): string {
  const lines = [`DROP DATABASE IF EXISTS ${sqlIdent(dbName)};`];
  if (user) for (const host of DB_USER_HOSTS) lines.push(`DROP USER IF EXISTS ${sqlString(user)}@${sqlString(host)};`);
  return lines.join('\n') + '\n';
}

const MYSQL = ['mysql', '--protocol=socket', '-uroot', '--batch', '--skip-column-names'];

export async function databaseExists(sh: Shell, name: string): Promise<boolean> {
  const r = await sh.run([
    ...MYSQL,
    '-e',
    `SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${sqlString(name)}`,
  ]);
  return r.stdout.trim() === name;
}

/** Create (or keep) the database and its user; returns what happened. */
export async function ensureDatabase(
  sh: Shell,
  db: DatabaseSpec,
  recreate: boolean,
): Promise<'created' | 'kept' | 'recreated'> {
  const existed = await databaseExists(sh, db.name);
  await sh.run(MYSQL, { input: ensureDatabaseSql(db, recreate) });
  return !existed ? 'created' : recreate ? 'recreated' : 'kept';
}

export async function dropDatabase(sh: Shell, dbName: string, user?: string): Promise<void> {
  await sh.run(MYSQL, { input: dropDatabaseSql(dbName, user) });
}

/** One column of a query's rows (root over the socket); for cheap checks such as cell mappings. */
export async function queryColumn(sh: Shell, sql: string): Promise<string[]> {
  const r = await sh.run(MYSQL, { input: sql });
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/**
 * Each database's schema version (the rows of its alembic_version table) and identity (when that table
 * was created: a dropped and recreated database has a new one), one line per database; undefined when
 * a database or its alembic_version table is missing. One mysql call (a few ms) for all of them.
 */
export async function schemaVersions(sh: Shell, dbs: readonly string[]): Promise<string | undefined> {
  const sql = dbs.map(
    (db) =>
      `SELECT CONCAT_WS(' ', ${sqlString(db)}, (SELECT CREATE_TIME FROM information_schema.TABLES WHERE ` +
      `TABLE_SCHEMA = ${sqlString(db)} AND TABLE_NAME = 'alembic_version'), (SELECT GROUP_CONCAT(version_num ` +
      `ORDER BY version_num) FROM ${sqlIdent(db)}.alembic_version));`,
  );
  const r = await sh.run(MYSQL, { input: sql.join('\n'), allowFailure: true });
  const lines = r.stdout.split('\n').filter(Boolean);
  if (r.code !== 0 || lines.length !== dbs.length || lines.some((l) => l.split(' ').length < 4)) return undefined;
  return lines.join('\n');
}

/**
 * MariaDB's CHECKSUM TABLE of each table (`db.table`), one `db.table checksum` line each: the content a
 * step wrote, read in a few ms for small tables. undefined when a table is missing.
 */
export async function tableChecksums(sh: Shell, tables: readonly string[]): Promise<string | undefined> {
  const names = tables.map((t) => t.split('.').map(sqlIdent).join('.'));
  const r = await sh.run(MYSQL, { input: `CHECKSUM TABLE ${names.join(', ')};\n`, allowFailure: true });
  const lines = r.stdout.split('\n').filter(Boolean);
  if (r.code !== 0 || lines.length !== tables.length || lines.some((l) => /\tNULL$/.test(l))) return undefined;
  return lines.join('\n');
}

/** Run SQL as root through stdin (never logged: it may carry credentials). */
export async function execSql(sh: Shell, sql: string): Promise<void> {
  await sh.run(MYSQL, { input: sql });
}
