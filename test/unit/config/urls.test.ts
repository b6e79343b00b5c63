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
import { clearSecrets, mask, MASK } from '../../../lib/util/secrets.ts';
import { fakeHost } from './helpers.ts';
import { stackCatalog } from '../../../lib/cli/catalog.ts';

afterEach(() => clearSecrets());

const SPECIAL = `p@ss:/w%rd#?&$'" x`;
const config = (body: string) =>
  resolveConfig({
    localConf: parseLocalConf(`[[local|localrc]]\n${body}`, 'local.conf'),
    env: {},
    host: fakeHost(),
    savedPasswords: {},
    catalog: stackCatalog(),
  });

describe('databaseUrl', () => {
  it('encodes every special character and round-trips through URL parsing', () => {
    const c = config(`DATABASE_PASSWORD='${SPECIAL.replace(/'/g, `'\\''`)}'\nDATABASE_HOST=db.example`);
    const url = databaseUrl(c, 'nova_api');
    expect(url).toBe('mysql+pymysql://root:p%40ss%3A%2Fw%25rd%23%3F%26%24%27%22%20x@db.example/nova_api?charset=utf8');
    const parsed = new URL(url);
    expect(parsed.protocol).toBe('mysql+pymysql:');
    expect(parsed.hostname).toBe('db.example');
    expect(parsed.pathname).toBe('/nova_api');
    expect(parsed.search).toBe('?charset=utf8');
    expect(decodeURIComponent(parsed.username)).toBe('root');
    expect(decodeURIComponent(parsed.password)).toBe(SPECIAL);
  });

  it('takes an explicit user and password, and brackets IPv6 hosts', () => {
    const c = config('DATABASE_HOST=fd00::5\nDATABASE_PASSWORD=x');
    const url = databaseUrl(c, 'keystone', 'key stone', 'a b');
    expect(url).toBe('mysql+pymysql://key%20stone:a%20b@[fd00::5]/keystone?charset=utf8');
    expect(new URL(url).hostname).toBe('[fd00::5]');
  });

  it('accepts a Plan-shaped source and registers the password as a secret', () => {
    const c = config('DATABASE_PASSWORD=hunter2hunter2');
    const url = databaseUrl({ config: c }, 'glance');
    expect(mask(url)).toBe(`mysql+pymysql://root:${MASK}@127.0.0.1/glance?charset=utf8`);
  });
});

describe('transportUrl', () => {
  it('encodes user and password, port 5672, vhost /', () => {
    const c = config(`RABBIT_PASSWORD='${SPECIAL.replace(/'/g, `'\\''`)}'\nRABBIT_HOST=mq.example`);
    const url = transportUrl(c);
    expect(url).toBe('rabbit://stackrabbit:p%40ss%3A%2Fw%25rd%23%3F%26%24%27%22%20x@mq.example:5672/');
    const parsed = new URL(url);
    expect([parsed.hostname, parsed.port, parsed.pathname]).toEqual(['mq.example', '5672', '/']);
    expect(decodeURIComponent(parsed.password)).toBe(SPECIAL);
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
    expect(decodeURIComponent(new URL(databaseUrl(config(''), 'd', 'u', unicode)).password)).toBe(unicode);
  });
});

describe('service URLs', () => {
  it('follow SERVICE_PROTOCOL and SERVICE_HOST, with the port and path given', () => {
    expect(serviceUrl(config(''), 8774, '/v2.1')).toBe('http://127.0.0.1:8774/v2.1');
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
    expect(keystoneAuthUrl(config(''))).toBe('http://127.0.0.1:5000/v3');
  });

  it('read the region from REGION_NAME', () => {
    expect(regionName(config(''))).toBe('RegionOne');
    expect(regionName(config('REGION_NAME=RegionTwo'))).toBe('RegionTwo');
  });
});
