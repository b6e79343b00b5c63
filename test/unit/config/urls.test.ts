import { afterEach, describe, expect, it } from 'vitest';
import {
  databaseUrl,
  encodeUserinfo,
  keystoneAuthUrl,
  keystoneUrl,
  regionName,
  serviceUrl,
  transportUrl,
} from '../../../lib/config/urls.ts';
import { parseLocalConf } from '../../../lib/config/localconf.ts';
import { resolveConfig } from '../../../lib/config/resolve.ts';
import { clearSecrets, mask } from '../../../lib/util/secrets.ts';
import { fakeHost } from './helpers.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';

afterEach(() => clearSecrets());

const SPECIAL = `p@ss:/w%rd#?&$'" x`;
/** RABBIT_PASSWORD takes anything but '/' (password-rules.ts). */
const RABBIT_SPECIAL = SPECIAL.replace('/', '');
const config = (body: string) =>
  resolveConfig({
    localConf: parseLocalConf(`[[local|localrc]]\n${body}`, 'local.conf'),
    env: {},
    host: fakeHost(),
    savedPasswords: {},
    catalog: stackCatalog(),
  });

describe('databaseUrl', () => {
  it('holds no password: PyMySQL reads it from the named option file; no % anywhere', () => {
    const c = config(`DATABASE_PASSWORD='${SPECIAL.replace(/'/g, `'\\''`)}'\nDATABASE_HOST=db.example`);
    const url = databaseUrl(c, 'nova_api', 'nova', '/etc/nova/tstack-db.cnf');
    expect(url).toBe('mysql+pymysql://nova@db.example/nova_api?charset=utf8&read_default_file=/etc/nova/tstack-db.cnf');
    const parsed = new URL(url);
    expect([parsed.hostname, parsed.pathname, parsed.username, parsed.password]).toEqual([
      'db.example',
      '/nova_api',
      'nova',
      '',
    ]);
    expect(parsed.searchParams.get('read_default_file')).toBe('/etc/nova/tstack-db.cnf');
  });

  it('brackets IPv6 hosts, encodes the user, refuses a file path that would need encoding', () => {
    const c = config('DATABASE_HOST=fd00::5\nDATABASE_PASSWORD=x');
    const url = databaseUrl(c, 'keystone', 'key stone', '/etc/keystone/tstack-db.cnf');
    expect(url).toBe(
      'mysql+pymysql://key%20stone@[fd00::5]/keystone?charset=utf8&read_default_file=/etc/keystone/tstack-db.cnf',
    );
    expect(new URL(url).hostname).toBe('[fd00::5]');
    expect(() => databaseUrl(c, 'k', 'k', '/etc/my dir/x.cnf')).toThrow(/only letters, digits/);
    expect(() => databaseUrl(c, 'k', 'k', 'relative.cnf')).toThrow(/only letters, digits/);
  });
});

describe('transportUrl', () => {
  it('encodes user and password, port 5672, vhost /', () => {
    const c = config(`RABBIT_PASSWORD='${RABBIT_SPECIAL.replace(/'/g, `'\\''`)}'\nRABBIT_HOST=mq.example`);
    const url = transportUrl(c);
    expect(url).toBe('rabbit://stackrabbit:p%40ss%3Aw%25rd%23%3F%26%24%27%22%20x@mq.example:5672/');
    const parsed = new URL(url);
    expect([parsed.hostname, parsed.port, parsed.pathname]).toEqual(['mq.example', '5672', '/']);
    expect(decodeURIComponent(parsed.password)).toBe(RABBIT_SPECIAL);
    expect(mask(url)).not.toContain('p%40ss');
  });

  it('every printable ASCII character survives the round trip', () => {
    let all = '';
    for (let i = 0x20; i < 0x7f; i++) all += String.fromCharCode(i);
    const enc = encodeUserinfo(all);
    expect(enc).toMatch(/^[A-Za-z0-9%._~-]+$/);
    const parsed = new URL(transportUrl(config('RABBIT_USERID=u'), 'u', all));
    expect(decodeURIComponent(parsed.password)).toBe(all);
    const unicode = 'pässwörd✓';
    expect(decodeURIComponent(new URL(transportUrl(config(''), 'u', unicode)).password)).toBe(unicode);
  });
});

describe('service URLs', () => {
  it('follow SERVICE_PROTOCOL and SERVICE_HOST (HOST_IP by default), with the port and path given', () => {
    expect(serviceUrl(config(''), 8774, '/v2.1')).toBe('http://192.0.2.2:8774/v2.1');
    expect(serviceUrl(config('HOST_IP=198.51.100.7'), 8774, '/v2.1')).toBe('http://198.51.100.7:8774/v2.1');
    expect(serviceUrl(config('SERVICE_PROTOCOL=https\nSERVICE_HOST=api.example'), 9292)).toBe(
      'https://api.example:9292',
    );
  });

  it('put an IPv6 SERVICE_HOST in brackets, so the URL parses back to host and port', () => {
    const url = serviceUrl(config('SERVICE_HOST=fd00::5'), 9696);
    expect(url).toBe('http://[fd00::5]:9696');
    expect([new URL(url).hostname, new URL(url).port]).toEqual(['[fd00::5]', '9696']);
  });

  it('give keystone one URL: its port row, unversioned for services and /v3 for clients', () => {
    const c = config('SERVICE_PROTOCOL=https\nSERVICE_HOST=::1\nKEYSTONE_SERVICE_PORT=5001');
    expect(keystoneUrl(c)).toBe('https://[::1]:5001');
    expect(keystoneAuthUrl(c)).toBe('https://[::1]:5001/v3');
    expect(keystoneAuthUrl(config(''))).toBe('http://192.0.2.2:5000/v3');
  });

  it('read the region from REGION_NAME', () => {
    expect(regionName(config(''))).toBe('RegionOne');
    expect(regionName(config('REGION_NAME=RegionTwo'))).toBe('RegionTwo');
  });
});
