// A small in-process stand-in for the keystone, nova, neutron and glance JSON
// APIs: just enough state and behaviour to check the seeding functions' calls
// (what they send, and that a re-run sends no writes). It is a seam test
// helper, not an OpenStack: the real proof is the E2E test against a stack.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { RestClient } from '../../../lib/openstack/rest.ts';

export interface RecordedRequest {
  method: string;
  /** Path with query, after the service prefix (`/v3/users?domain_id=default`). */
  path: string;
  service: 'identity' | 'compute' | 'network' | 'image' | 'other';
  body?: any;
  bytes?: number;
  headers: Record<string, string | string[] | undefined>;
}

type Obj = Record<string, any>;

export class FakeOpenStack {
  server!: Server;
  base = '';
  requests: RecordedRequest[] = [];
  tokensIssued = 0;
  readonly token = 'tok-' + randomUUID();
  adminPassword = 'admin-pass';
  region = 'RegionOne';
  /** Fail the next N requests of a given path prefix with 503 (warming-up service). */
  failNext: { prefix: string; count: number; status: number }[] = [];

  // keystone
  roles: Obj[] = [];
  projects: Obj[] = [];
  users: Obj[] = [];
  groups: Obj[] = [];
  assignments: { actor: { user?: string; group?: string }; scope: Obj; role: string }[] = [];
  regions: Obj[] = [];
  services: Obj[] = [];
  endpoints: Obj[] = [];
  // nova
  flavors: Obj[] = [];
  // neutron
  subnetpools: Obj[] = [];
  networks: Obj[] = [];
  subnets: Obj[] = [];
  routers: Obj[] = [];
  /** Aliases GET /v2.0/extensions lists (neutron's with service_plugins=router). */
  networkExtensions = ['router', 'external-net', 'auto-allocated-topology', 'subnet_allocation'];
  ports: Obj[] = [];
  securityGroups: Obj[] = [];
  // glance
  images: Obj[] = [];
  imageData = new Map<string, number>();

  /** State as keystone-manage bootstrap leaves it. */
  constructor() {
    for (const name of ['admin', 'member', 'reader']) this.roles.push({ id: randomUUID(), name, domain_id: null });
    this.projects.push({ id: randomUUID(), name: 'admin', domain_id: 'default' });
    const admin = { id: randomUUID(), name: 'admin', domain_id: 'default', password: this.adminPassword };
    this.users.push(admin);
    this.assignments.push({
      actor: { user: admin.id },
      scope: { project: { id: this.projects[0].id } },
      role: this.roles[0].id,
    });
    this.regions.push({ id: 'RegionOne' });
    const ks = { id: randomUUID(), name: 'keystone', type: 'identity' };
    this.services.push(ks);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => this.send(res, 500, { error: { message: String(err) } }));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    for (const iface of ['public', 'internal', 'admin']) {
      this.endpoints.push({
        id: randomUUID(),
        service_id: this.services[0].id,
        interface: iface,
        region_id: 'RegionOne',
        url: `${this.base}/identity/v3`,
      });
    }
    return this.base;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  get authUrl(): string {
    return `${this.base}/identity/v3`;
  }

  /** The REST client logged in as admin (project admin, RegionOne), as the seeding steps get it. */
  adminClient(): Promise<RestClient> {
    return RestClient.login({
      authUrl: this.authUrl,
      username: 'admin',
      password: this.adminPassword,
      projectName: 'admin',
      region: 'RegionOne',
    });
  }

  /** Writes (anything but GET) recorded since `from`. */
  writes(from = 0): RecordedRequest[] {
    return this.requests.slice(from).filter((r) => r.method !== 'GET');
  }

  private catalog() {
    const ep = (type: string, name: string, path: string) => ({
      type,
      name,
      endpoints: [
        // Another region first, to check the client picks REGION_NAME's.
        { interface: 'public', region_id: 'OtherRegion', region: 'OtherRegion', url: `http://192.0.2.99:1/${path}` },
        { interface: 'internal', region_id: this.region, region: this.region, url: `http://192.0.2.99:2/${path}` },
        { interface: 'public', region_id: this.region, region: this.region, url: `${this.base}/${path}` },
      ],
    });
    return [
      ep('identity', 'keystone', 'identity/v3'),
      ep('compute', 'nova', 'compute/v2.1'),
      ep('network', 'neutron', 'network'),
      ep('image', 'glance', 'image'),
    ];
  }

  private send(res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url!, this.base);
    const [, prefix, ...rest] = url.pathname.split('/');
    const service = (
      ['identity', 'compute', 'network', 'image'].includes(prefix) ? prefix : 'other'
    ) as RecordedRequest['service'];
    const path = '/' + rest.join('/') + url.search;
    const isJson = String(req.headers['content-type'] ?? '').includes('json');
    const body = raw.length && isJson ? JSON.parse(raw.toString()) : undefined;
    this.requests.push({
      method: req.method!,
      path,
      service,
      body,
      bytes: isJson ? undefined : raw.length,
      headers: req.headers,
    });

    const fail = this.failNext.find((f) => f.count > 0 && path.startsWith(f.prefix));
    if (fail) {
      fail.count--;
      return this.send(res, fail.status, { error: { message: 'Service Unavailable' } });
    }
    const q = url.searchParams;
    const segs = rest.filter(Boolean);

    if (service === 'identity' && req.method === 'POST' && path === '/v3/auth/tokens') {
      const pw = body?.auth?.identity?.password?.user;
      const user = this.users.find((u) => u.name === pw?.name);
      if (!user || user.password !== pw.password)
        return this.send(res, 401, {
          error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
        });
      this.tokensIssued++;
      const project = this.projects.find((p) => p.name === body.auth.scope?.project?.name);
      return this.send(
        res,
        201,
        { token: { catalog: this.catalog(), project: { id: project?.id, name: project?.name } } },
        { 'X-Subject-Token': this.token },
      );
    }
    if (req.headers['x-auth-token'] !== this.token) return this.send(res, 401, { error: { message: 'bad token' } });

    if (service === 'identity') return this.identity(req.method!, segs.slice(1), q, body, res);
    if (service === 'compute') return this.compute(req.method!, segs.slice(1), q, body, res);
    if (service === 'network') return this.network(req.method!, segs.slice(1), q, body, res);
    if (service === 'image') return this.image(req.method!, segs, q, body, raw.length, res);
    this.send(res, 404, { error: { message: 'not found' } });
  }

  private filter(list: Obj[], q: URLSearchParams): Obj[] {
    return list.filter((x) =>
      [...q.entries()].every(([k, v]) => k === 'is_public' || String(x[k]) === v || (v === 'true' && x[k] === true)),
    );
  }

  private identity(method: string, s: string[], q: URLSearchParams, body: any, res: ServerResponse) {
    const coll: Record<string, [Obj[], string]> = {
      roles: [this.roles, 'role'],
      projects: [this.projects, 'project'],
      users: [this.users, 'user'],
      groups: [this.groups, 'group'],
      regions: [this.regions, 'region'],
      services: [this.services, 'service'],
      endpoints: [this.endpoints, 'endpoint'],
    };
    if (s[0] === 'role_assignments' && method === 'GET') {
      const uid = q.get('user.id');
      const gid = q.get('group.id');
      const list = this.assignments
        .filter((a) => (uid ? a.actor.user === uid : a.actor.group === gid))
        .map((a) => ({
          role: { id: a.role },
          scope: a.scope,
          ...(a.actor.user ? { user: { id: a.actor.user } } : { group: { id: a.actor.group } }),
        }));
      return this.send(res, 200, { role_assignments: list });
    }
    // PUT /projects/{p}/users/{u}/roles/{r}, /domains/{d}/groups/{g}/roles/{r}, /system/users/{u}/roles/{r}
    if (method === 'PUT' && s.includes('roles')) {
      const scope =
        s[0] === 'system'
          ? { system: { all: true } }
          : s[0] === 'projects'
            ? { project: { id: s[1] } }
            : { domain: { id: s[1] } };
      const [kind, actorId, , roleId] = s[0] === 'system' ? s.slice(1) : s.slice(2);
      if (!this.roles.some((r) => r.id === roleId))
        return this.send(res, 404, { error: { message: `Could not find role: ${roleId}.` } });
      const actor = kind === 'users' ? { user: actorId } : { group: actorId };
      if (
        !this.assignments.some(
          (a) =>
            JSON.stringify(a.actor) === JSON.stringify(actor) &&
            JSON.stringify(a.scope) === JSON.stringify(scope) &&
            a.role === roleId,
        )
      ) {
        this.assignments.push({ actor, scope, role: roleId });
      }
      return this.send(res, 204);
    }
    const c = coll[s[0]];
    if (!c) return this.send(res, 404, { error: { message: `no ${s[0]}` } });
    const [list, singular] = c;
    if (method === 'GET' && s.length === 1) return this.send(res, 200, { [s[0]]: this.filter(list, q) });
    if (method === 'POST' && s.length === 1) {
      const obj = { id: randomUUID(), ...body[singular] };
      if (s[0] === 'users' && list.some((u) => u.name === obj.name))
        return this.send(res, 409, {
          error: {
            message:
              `Conflict occurred attempting to store user - Duplicate entry found with name ${obj.name} at ` +
              `domain ID default.`,
          },
        });
      list.push(obj);
      return this.send(res, 201, { [singular]: obj });
    }
    if (method === 'DELETE' && s.length === 2) {
      list.splice(
        list.findIndex((x) => x.id === s[1]),
        1,
      );
      return this.send(res, 204);
    }
    if (method === 'PATCH' && s.length === 2) {
      const obj = list.find((x) => x.id === s[1]);
      if (!obj) return this.send(res, 404, { error: { message: 'not found' } });
      Object.assign(obj, body[singular]);
      return this.send(res, 200, { [singular]: obj });
    }
    this.send(res, 405, { error: { message: 'method not allowed' } });
  }

  private compute(method: string, s: string[], _q: URLSearchParams, body: any, res: ServerResponse) {
    if (s[0] !== 'flavors') return this.send(res, 404, { itemNotFound: { message: 'nope', code: 404 } });
    if (method === 'GET' && (s[1] === 'detail' || s.length === 1))
      return this.send(res, 200, { flavors: this.flavors });
    if (method === 'GET' && s.length === 2)
      return this.send(res, 200, { flavor: this.flavors.find((f) => f.id === s[1]) });
    if (method === 'DELETE' && s.length === 2) {
      this.flavors = this.flavors.filter((f) => f.id !== s[1]);
      return this.send(res, 202);
    }
    if (method === 'POST' && s.length === 1) {
      const f = { ...body.flavor, extra_specs: {} };
      if (this.flavors.some((x) => x.id === f.id || x.name === f.name))
        return this.send(res, 409, {
          conflictingRequest: { code: 409, message: `Flavor with name ${f.name} already exists.` },
        });
      this.flavors.push(f);
      return this.send(res, 200, { flavor: f });
    }
    if (method === 'POST' && s[2] === 'os-extra_specs') {
      const f = this.flavors.find((x) => x.id === decodeURIComponent(s[1]));
      Object.assign(f!.extra_specs, body.extra_specs);
      return this.send(res, 200, { extra_specs: f!.extra_specs });
    }
    this.send(res, 405, {});
  }

  private network(method: string, s: string[], q: URLSearchParams, body: any, res: ServerResponse) {
    const coll: Record<string, [Obj[], string]> = {
      subnetpools: [this.subnetpools, 'subnetpool'],
      networks: [this.networks, 'network'],
      subnets: [this.subnets, 'subnet'],
      routers: [this.routers, 'router'],
      ports: [this.ports, 'port'],
      'security-groups': [this.securityGroups, 'security_group'],
    };
    if (s[0] === 'extensions' && method === 'GET') {
      return this.send(res, 200, { extensions: this.networkExtensions.map((alias) => ({ alias, name: alias })) });
    }
    if (s[0] === 'security-group-rules' && method === 'POST') {
      const r = body.security_group_rule;
      const sg = this.securityGroups.find((g) => g.id === r.security_group_id)!;
      const rule = { id: randomUUID(), remote_group_id: null, port_range_min: null, port_range_max: null, ...r };
      sg.security_group_rules.push(rule);
      return this.send(res, 201, { security_group_rule: rule });
    }
    const c = coll[s[0]];
    if (!c) return this.send(res, 404, { NeutronError: { message: `no ${s[0]}`, type: 'HTTPNotFound' } });
    const [list, singular] = c;
    if (method === 'GET' && s.length === 1) {
      if (
        s[0] === 'security-groups' &&
        q.get('project_id') &&
        !this.securityGroups.some((g) => g.project_id === q.get('project_id') && g.name === 'default')
      ) {
        // neutron makes a project's default group on first sight
        this.securityGroups.push({
          id: randomUUID(),
          name: 'default',
          project_id: q.get('project_id'),
          security_group_rules: [
            {
              direction: 'egress',
              ethertype: 'IPv4',
              protocol: null,
              port_range_min: null,
              port_range_max: null,
              remote_ip_prefix: null,
              remote_group_id: null,
            },
            {
              direction: 'ingress',
              ethertype: 'IPv4',
              protocol: null,
              port_range_min: null,
              port_range_max: null,
              remote_ip_prefix: null,
              remote_group_id: 'self',
            },
          ],
        });
      }
      return this.send(res, 200, { [s[0] === 'security-groups' ? 'security_groups' : s[0]]: this.filter(list, q) });
    }
    if (method === 'POST' && s.length === 1) {
      const obj: Obj = { id: randomUUID(), project_id: this.projects[0].id, ...body[singular] };
      if (s[0] === 'subnets' && obj.subnetpool_id) {
        const taken = this.subnets.filter((x) => x.subnetpool_id === obj.subnetpool_id).length;
        obj.cidr = `10.0.0.${taken * 64}/${obj.prefixlen}`;
      }
      if (s[0] === 'routers' && !obj.external_gateway_info) obj.external_gateway_info = null;
      list.push(obj);
      return this.send(res, 201, { [singular]: obj });
    }
    if (method === 'PUT' && s[0] === 'routers' && s[2] === 'add_router_interface') {
      const port = {
        id: randomUUID(),
        device_id: s[1],
        network_id: this.subnets.find((x) => x.id === body.subnet_id)?.network_id,
        fixed_ips: [{ subnet_id: body.subnet_id }],
      };
      this.ports.push(port);
      return this.send(res, 200, { id: s[1], subnet_id: body.subnet_id, port_id: port.id });
    }
    if (method === 'DELETE' && s.length === 2) {
      list.splice(
        list.findIndex((x) => x.id === s[1]),
        1,
      );
      return this.send(res, 204);
    }
    if (method === 'PUT' && s.length === 2) {
      const obj = list.find((x) => x.id === s[1]);
      Object.assign(obj!, body[singular]);
      return this.send(res, 200, { [singular]: obj });
    }
    this.send(res, 405, {});
  }

  private image(method: string, s: string[], q: URLSearchParams, body: any, bytes: number, res: ServerResponse) {
    if (s[0] !== 'v2' || s[1] !== 'images') return this.send(res, 404, {});
    if (method === 'GET' && s.length === 2) return this.send(res, 200, { images: this.filter(this.images, q) });
    if (method === 'GET' && s.length === 3)
      return this.send(
        res,
        200,
        this.images.find((i) => i.id === s[2]),
      );
    if (method === 'POST' && s.length === 2) {
      const img = { id: randomUUID(), status: 'queued', ...body };
      this.images.push(img);
      return this.send(res, 201, img);
    }
    if (method === 'PUT' && s[3] === 'file') {
      const img = this.images.find((i) => i.id === s[2])!;
      this.imageData.set(img.id, bytes);
      img.status = 'active';
      img.size = bytes;
      return this.send(res, 204);
    }
    if (method === 'DELETE' && s.length === 3) {
      this.images = this.images.filter((i) => i.id !== s[2]);
      return this.send(res, 204);
    }
    this.send(res, 405, {});
  }
}
