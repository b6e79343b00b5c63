// The guest's scripts, checked by the programs that run them in the guest:
// busybox's awk runs the JSON flattener on nova-shaped metadata, busybox's sh
// parses every script. (Their behaviour at boot is proven by the integration
// test, which boots the image and logs in with a key from a config drive.)

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CURL,
  CONSOLE_MARKERS,
  INIT,
  JSON_AWK,
  KERNEL_CMDLINE,
  METADATA_SCRIPT,
  PROBE_ARG,
  PROBE_MARKER,
  UDHCPC_SCRIPT,
  guestFiles,
  rcS,
  syslinuxCfg,
} from '../../../lib/image/guest-files.ts';

let dir: string;
let awkFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tstack-guest-'));
  awkFile = join(dir, 'json.awk');
  writeFileSync(awkFile, JSON_AWK);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function flatten(json: string): { code: number; lines: string[]; stderr: string } {
  const r = spawnSync('busybox', ['awk', '-f', awkFile], { input: json });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, lines: r.stdout.toString().split('\n').filter(Boolean), stderr: r.stderr.toString() };
}

const key1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMLf5ZCx/6WyYIpEoHg+3gyZcn5LHMYq2qVONDaOQJGV demo@tstack';
const key2 = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 other';

describe('cirros-json (busybox awk)', () => {
  it("flattens nova's meta_data.json: hostname, public keys, keys list, nested and empty values", () => {
    const meta = {
      uuid: '0c2a5e1e-1111-2222-3333-444455556666',
      meta: {},
      public_keys: { mykey: `${key1}\n` },
      keys: [{ name: 'mykey', type: 'ssh', data: `${key1}\n` }],
      hostname: 'vm-1.novalocal',
      name: 'vm-1',
      launch_index: 0,
      availability_zone: 'nova',
      project_id: 'p1',
      devices: [],
      dedicated_cpus: [],
      random_seed: null,
    };
    const r = flatten(JSON.stringify(meta));
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      'uuid\t0c2a5e1e-1111-2222-3333-444455556666',
      `public_keys.mykey\t${key1}`,
      'keys.0.name\tmykey',
      'keys.0.type\tssh',
      `keys.0.data\t${key1}`,
      'hostname\tvm-1.novalocal',
      'name\tvm-1',
      'launch_index\t0',
      'availability_zone\tnova',
      'project_id\tp1',
    ]);
  });

  it('decodes escapes, splits multi-line values into lines, and keeps numbers and booleans', () => {
    const text = `{ "a" : "q\\"b\\\\s\\/\\u0041\\u00e9" ,
      "k": {"two keys": "${key1}\\n${key2}\\n"}, "n": [-1.5e3, true, false, [ ]], "t": "x\\ty" }`;
    const r = flatten(text);
    expect(r.code).toBe(0);
    expect(r.lines).toEqual([
      'a\tq"b\\s/A?',
      `k.two keys\t${key1}`,
      `k.two keys\t${key2}`,
      'n.0\t-1.5e3',
      'n.1\ttrue',
      'n.2\tfalse',
      't\tx y',
    ]);
  });

  it('fails with a message on what is not JSON', () => {
    for (const bad of ['{"a": }', '{"a": "open', '[1 2]', '{"a":1} x']) {
      const r = flatten(bad);
      expect(r.code, bad).toBe(1);
      expect(r.stderr).toMatch(/^cirros-json: /);
    }
  });
});

describe('scripts', () => {
  const files = guestFiles({
    kernelRelease: '6.1.0-50-cloud-amd64',
    modules: ['virtio', 'virtio_net'],
    builtFrom: 'test',
  });
  const byPath = new Map(files.map((f) => [f.path, f]));
  const text = (p: string) => {
    const f = byPath.get(p);
    if (f?.kind !== 'file') throw new Error(`${p} is not a file`);
    return String(f.data);
  };

  it('are valid sh for busybox (sh -n)', () => {
    for (const p of [
      'init',
      'etc/init.d/rcS',
      'usr/share/udhcpc/default.script',
      'usr/bin/cirros-metadata',
      'usr/bin/cirros-json',
      'usr/bin/sudo',
      'usr/bin/curl',
      'usr/bin/blkid',
      'lib/cirros/common.sh',
    ]) {
      const r = spawnSync('busybox', ['sh', '-n', '-c', text(p)]);
      expect(r.stderr.toString(), p).toBe('');
      expect(r.status, p).toBe(0);
    }
    expect(text('init')).toBe(INIT);
    expect(text('usr/share/udhcpc/default.script')).toBe(UDHCPC_SCRIPT);
    expect(text('usr/bin/cirros-metadata')).toBe(METADATA_SCRIPT);
  });

  it('load the modules in the given order from /lib/modules/<release>', () => {
    expect(text('lib/modules/6.1.0-50-cloud-amd64/load-order')).toBe('virtio\nvirtio_net\n');
    expect(rcS({ kernelRelease: 'r', modules: ['a'], builtFrom: 'x' })).toContain(
      'insmod "/lib/modules/$(uname -r)/$m.ko"',
    );
  });

  it('never touch a host path: every write is inside the guest and DHCP runs only our hook', () => {
    const rc = text('etc/init.d/rcS');
    expect(rc).toContain('udhcpc -i "$nic" -s /usr/share/udhcpc/default.script');
    expect(UDHCPC_SCRIPT).toContain('>/etc/resolv.conf'); // the guest's, inside the initramfs
  });

  it('set up cirros like CirrOS: password, home owned by uid 1000, shells, login banner', () => {
    expect(text('etc/passwd')).toContain('cirros:x:1000:1000:cirros:/home/cirros:/bin/sh');
    expect(byPath.get('etc/shadow')).toMatchObject({ mode: 0o600 });
    expect(byPath.get('home/cirros')).toMatchObject({ kind: 'dir', uid: 1000, gid: 1000 });
    expect(text('etc/init.d/rcS')).toContain('mkpasswd -m sha512 gocubsgo');
    expect(text('etc/issue')).toContain(CONSOLE_MARKERS.login);
    // root has no password (su, hence sudo, asks none) but cannot log in over SSH: dropbear refuses empty passwords
    expect(text('etc/shadow').split('\n')[0]).toBe('root::18262:0:99999:7:::');
    expect(text('usr/bin/sudo')).toContain(
      `POSIXLY_CORRECT=1 exec su -s /bin/sh -c 'unset POSIXLY_CORRECT; exec "$0" "$@"' root "$@"`,
    );
  });

  it('boot from SYSLINUX with both consoles, ttyS0 last (it becomes /dev/console); the probe powers off', () => {
    expect(syslinuxCfg('vmlinuz', 'initrd.img')).toContain(`APPEND ${KERNEL_CMDLINE}`);
    expect(KERNEL_CMDLINE.split(' ').pop()).toMatch(/^console=ttyS0/);
    expect(INIT).toContain(`grep -qw ${PROBE_ARG} /proc/cmdline`);
    expect(INIT).toContain(PROBE_MARKER);
    expect(INIT).toContain('poweroff -f');
  });
});

describe("the image's curl (busybox wget), as tempest calls it", () => {
  const curl = (args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile('busybox', ['sh', '-c', CURL, 'curl', ...args], (e, out, err) =>
        resolve({ code: e ? Number(e.code ?? 1) : 0, out, err }),
      );
    });

  it('GETs a URL to stdout and POSTs -d data (the metadata password)', async () => {
    const posted: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.method === 'POST') posted.push(body);
        res.end(req.method === 'GET' ? '203.0.113.7' : '');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/latest/meta-data/public-ipv4`;
    try {
      expect(await curl([url])).toEqual({ code: 0, out: '203.0.113.7', err: '' });
      expect((await curl(['-s', '-m', '5', url])).out).toBe('203.0.113.7');
      expect((await curl(['-X', 'POST', '-d', 'abcXYZ123', url])).code).toBe(0);
      expect(posted).toEqual(['abcXYZ123']);
      const bad = await curl(['-X', 'PUT', url]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/-X PUT is not supported/);
    } finally {
      server.close();
    }
  });
});
