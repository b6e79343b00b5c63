import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import {
  RestClient,
  OpenStackApiError,
  OpenStackConnectionError,
  errorMessage,
  findEndpoint,
} from '../../../lib/openstack/rest.ts';
import { clearSecrets } from '../../../lib/util/secrets.ts';
import { FakeOpenStack } from '../seed/fake-openstack.ts';

/** A call that should have failed did not. */
const unexpected = (): never => {
  throw new Error('expected a failure');
};

describe('RestClient against the fake keystone', () => {
  let os: FakeOpenStack;
  beforeEach(async () => {
    os = new FakeOpenStack();
    os.adminPassword = `p'a"s$ s`;
    os.users[0].password = os.adminPassword;
    await os.start();
  });
  afterEach(async () => {
    await os.stop();
    clearSecrets();
  });

  const login = (opts = {}) =>
    RestClient.login(
      { authUrl: os.authUrl, username: 'admin', password: os.adminPassword, projectName: 'admin', region: 'RegionOne' },
      { backoffMs: 10, ...opts },
    );

  it('issues one token and reuses it for every call', async () => {
    const c = await login();
    await c.get('identity', '/roles');
    await c.get('compute', '/flavors/detail');
    await c.get('network', '/v2.0/networks');
    expect(os.tokensIssued).toBe(1);
    const authBody = os.requests[0].body;
    expect(authBody.auth.identity.password.user).toEqual({
      name: 'admin',
      domain: { id: 'default' },
      password: os.adminPassword,
    });
    expect(authBody.auth.scope.project).toEqual({ name: 'admin', domain: { id: 'default' } });
    expect(os.requests.slice(1).every((r) => r.headers['x-auth-token'] === os.token)).toBe(true);
  });

  it('picks the public endpoint of REGION_NAME from the token catalog', async () => {
    const c = await login();
    expect(c.endpoint('compute')).toBe(`${os.base}/compute/v2.1`);
    expect(c.endpoint('identity')).toBe(os.authUrl);
    expect(() => c.endpoint('volumev3')).toThrow(
      /no public 'volumev3' endpoint in region RegionOne.*compute, identity, image, network/,
    );
  });

  it('retries a 503 with backoff, then succeeds', async () => {
    const c = await login();
    os.failNext.push({ prefix: '/v3/roles', count: 2, status: 503 });
    const r = await c.get<{ roles: unknown[] }>('identity', '/roles');
    expect(r.roles.length).toBe(3);
    expect(os.requests.filter((x) => x.path === '/v3/roles').length).toBe(3);
  });

  it('gives up after the retries and names method, URL, status and the message, without secrets', async () => {
    const c = await login({ retries: 2 });
    os.failNext.push({ prefix: '/v3/roles', count: 10, status: 503 });
    const err = await c.get('identity', '/roles').then(unexpected, (e: unknown) => e as OpenStackApiError);
    expect(err).toBeInstanceOf(OpenStackApiError);
    expect(err.message).toBe(`GET ${os.authUrl}/roles failed: HTTP 503: Service Unavailable`);
    expect(os.requests.filter((x) => x.path === '/v3/roles').length).toBe(3);
  });

  it('reports keystone errors with their message and never the password', async () => {
    const err = await RestClient.login({
      authUrl: os.authUrl,
      username: 'admin',
      password: 'wrong-password',
      projectName: 'admin',
      region: 'RegionOne',
    }).then(unexpected, (e: unknown) => e as OpenStackApiError);
    expect(err).toBeInstanceOf(OpenStackApiError);
    expect(err.status).toBe(401);
    expect(err.message).toContain('POST');
    expect(err.message).toContain('/auth/tokens');
    expect(err.message).toContain('requires authentication');
    expect(err.message).not.toContain('wrong-password');
  });

  it('does not retry a 409 and shows nova-style messages', async () => {
    const c = await login();
    await c.post('compute', '/flavors', { flavor: { id: '1', name: 'm1.tiny', ram: 1, disk: 1, vcpus: 1 } });
    const err = await c
      .post('compute', '/flavors', { flavor: { id: '1', name: 'm1.tiny', ram: 1, disk: 1, vcpus: 1 } })
      .then(unexpected, (e: unknown) => e as OpenStackApiError);
    expect(err.status).toBe(409);
    expect(err.message).toMatch(
      /^POST http:.*\/compute\/v2\.1\/flavors failed: HTTP 409: Flavor with name m1.tiny already exists\.$/,
    );
    expect(os.requests.filter((r) => r.method === 'POST' && r.path === '/v2.1/flavors').length).toBe(2);
  });

  it('logs in again once when the token is rejected (expired)', async () => {
    const c = await login();
    (os as { token: string }).token = 'rotated';
    // The fake hands out its current token; simulate expiry by changing what it accepts and issues.
    await c.get('identity', '/roles');
    expect(os.tokensIssued).toBe(2);
  });
});

describe('RestClient connection failures', () => {
  it('retries a refused connection, then names the URL and the cause', async () => {
    // A port that was just free: nothing listens there.
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const t0 = Date.now();
    const err = await RestClient.login(
      {
        authUrl: `http://127.0.0.1:${port}/v3`,
        username: 'admin',
        password: 'secret-pw',
        projectName: 'admin',
        region: 'RegionOne',
      },
      { retries: 3, backoffMs: 20 },
    ).then(unexpected, (e: unknown) => e as OpenStackApiError);
    expect(err).toBeInstanceOf(OpenStackConnectionError);
    expect(err.message).toBe(`POST http://127.0.0.1:${port}/v3/auth/tokens failed: ECONNREFUSED after 4 attempts`);
    // 20 + 40 + 80 ms of backoff
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('times out a request that gets no answer', async () => {
    const sockets: import('node:net').Socket[] = [];
    const srv = createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    const err = await RestClient.login(
      {
        authUrl: `http://127.0.0.1:${port}/v3`,
        username: 'admin',
        password: 'secret-pw',
        projectName: 'admin',
        region: 'RegionOne',
      },
      { timeoutMs: 300, retries: 0 },
    ).then(unexpected, (e: unknown) => e as OpenStackApiError);
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => srv.close(() => r()));
    expect(err.message).toBe(`POST http://127.0.0.1:${port}/v3/auth/tokens failed: timed out`);
  });
});

describe('pure helpers', () => {
  it('finds nested messages of each service', () => {
    expect(errorMessage('{"error":{"code":404,"message":"Could not find project: x.","title":"Not Found"}}')).toBe(
      'Could not find project: x.',
    );
    expect(
      errorMessage('{"NeutronError":{"type":"HTTPNotFound","message":"Network n could not be found.","detail":""}}'),
    ).toBe('Network n could not be found.');
    expect(errorMessage('{"errors":[{"status":409,"title":"Conflict","detail":"already exists"}]}')).toBe(
      'already exists',
    );
    expect(errorMessage('<html><body><h1>409 Conflict</h1>Image storage media is full</body></html>')).toBe(
      '409 Conflict Image storage media is full',
    );
  });

  it('substitutes the project id and falls back to a region-less endpoint', () => {
    const cat = [{ type: 'volumev3', endpoints: [{ interface: 'public', url: 'http://h:8776/v3/%(project_id)s/' }] }];
    expect(findEndpoint(cat, 'volumev3', 'RegionOne', 'abc')).toBe('http://h:8776/v3/abc');
    expect(findEndpoint(cat, 'compute', 'RegionOne')).toBeUndefined();
  });
});
