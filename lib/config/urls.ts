// The URLs of the stack, each written once: the API endpoints (keystone's
// included) and the connection URLs. Endpoints follow SERVICE_PROTOCOL and
// put an IPv6 SERVICE_HOST in brackets. The transport URL carries
// RABBIT_PASSWORD, percent-encoded (RFC 3986, strictly: also ! ' ( ) *, which
// encodeURIComponent leaves alone and which confuse shell quoting and some URL
// parsers); oslo.messaging decodes it. Database URLs carry no password at all
// (see databaseUrl).

import { isIP } from 'node:net';
import type { StackConfig } from '../types/config.ts';
import type { Plan } from '../types/stack.ts';
import { addSecret } from '../util/secrets.ts';
import { readSetting } from './read.ts';

/** A Plan or a StackConfig: anything the values can be read from. */
export type ValueSource = Pick<Plan, 'config'> | StackConfig;

function settingOf(source: ValueSource, name: string): string {
  return readSetting('values' in source ? source : source.config, name);
}

/**
 * Register a password and the exact form it takes in our URLs (mask() knows
 * encodeURIComponent's, not this stricter one).
 */
function secret(pw: string): void {
  addSecret(pw);
  addSecret(encodeUserinfo(pw));
}

/** Percent-encode for the userinfo part of a URL. */
export function encodeUserinfo(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** IPv6 literals need brackets in a URL authority. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** Characters a path may have to sit raw in a URL query that alembic's ConfigParser also reads (no `%`, `&`, `#`). */
const PLAIN_PATH = /^\/[A-Za-z0-9._/-]+$/;

/**
 * `mysql+pymysql://<user>@DATABASE_HOST/<db>?charset=utf8&read_default_file=<clientFile>`:
 * the password is not in the URL; PyMySQL reads it from the `[client]`
 * section of `clientFile` (lib/system/mysql.ts clientOptionFile). A URL
 * cannot carry it: keystone's db sync hands [database] connection to
 * alembic's ConfigParser unescaped, where every `%` of a percent-encoded
 * password is interpolation. The URL stays free of `%`: the path is
 * written raw, so it may only hold plain characters.
 */
export function databaseUrl(source: ValueSource, dbName: string, user: string, clientFile: string): string {
  if (!PLAIN_PATH.test(clientFile)) {
    throw new Error(`database client file ${clientFile}: only letters, digits and . _ - / are possible`);
  }
  const host = urlHost(settingOf(source, 'DATABASE_HOST'));
  const query = `charset=utf8&read_default_file=${clientFile}`;
  return `mysql+pymysql://${encodeUserinfo(user)}@${host}/${encodeURIComponent(dbName)}?${query}`;
}

/**
 * oslo.messaging's `rabbit://user:<encoded>@RABBIT_HOST:RABBIT_PORT/`.
 * user and password default to RABBIT_USERID and RABBIT_PASSWORD.
 */
export function transportUrl(source: ValueSource, user?: string, password?: string, vhost = ''): string {
  const u = user ?? settingOf(source, 'RABBIT_USERID');
  const pw = password ?? settingOf(source, 'RABBIT_PASSWORD');
  secret(pw);
  const host = urlHost(settingOf(source, 'RABBIT_HOST'));
  const port = settingOf(source, 'RABBIT_PORT');
  return `rabbit://${encodeUserinfo(u)}:${encodeUserinfo(pw)}@${host}:${port}/${encodeURIComponent(vhost)}`;
}

/** `SERVICE_PROTOCOL://SERVICE_HOST:port<path>`: where services and clients reach an API (catalog endpoints). */
export function serviceUrl(source: ValueSource, port: number, path = ''): string {
  return `${settingOf(source, 'SERVICE_PROTOCOL')}://${urlHost(settingOf(source, 'SERVICE_HOST'))}:${port}${path}`;
}

/** Keystone without a version (keystone_authtoken's auth_url and www_authenticate_uri). */
export function keystoneUrl(source: ValueSource): string {
  return serviceUrl(source, Number(settingOf(source, 'KEYSTONE_SERVICE_PORT')));
}

/** The identity v3 URL clients authenticate at: openrc, clouds.yaml, Horizon, the REST client, the summary. */
export function keystoneAuthUrl(source: ValueSource): string {
  return `${keystoneUrl(source)}/v3`;
}

/** The keystone region every endpoint is in. */
export function regionName(source: ValueSource): string {
  return settingOf(source, 'REGION_NAME');
}
