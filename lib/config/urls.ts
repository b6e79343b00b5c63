// The URLs of the stack, each written once: the API endpoints (keystone's
// included) and the connection URLs with credentials. Endpoints follow
// SERVICE_PROTOCOL and put an IPv6 SERVICE_HOST in brackets. Passwords may
// hold any printable character, so user and password are percent-encoded
// (RFC 3986, strictly: also ! ' ( ) *, which encodeURIComponent leaves alone
// and which confuse shell quoting and some URL parsers). SQLAlchemy and kombu
// decode them.

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

/**
 * `mysql+pymysql://user:<encoded>@DATABASE_HOST/<db>?charset=utf8`.
 * user and password default to DATABASE_USER and DATABASE_PASSWORD.
 */
export function databaseUrl(source: ValueSource, dbName: string, user?: string, password?: string): string {
  const u = user ?? settingOf(source, 'DATABASE_USER');
  const pw = password ?? settingOf(source, 'DATABASE_PASSWORD');
  secret(pw);
  const host = urlHost(settingOf(source, 'DATABASE_HOST'));
  const userinfo = `${encodeUserinfo(u)}:${encodeUserinfo(pw)}`;
  return `mysql+pymysql://${userinfo}@${host}/${encodeURIComponent(dbName)}?charset=utf8`;
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
