// The OVS clean hook's choice of leftover taps, from a real database file made
// with ovsdb-tool (Debian's openvswitch-common; no server, no root needed).

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INTERFACES_QUERY, leftoverTaps } from '../../../lib/services/ovs.ts';

const dir = mkdtempSync(join(tmpdir(), 'tstack-ovs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A database with br-int (its own internal port, one internal and one system interface) and br-ex. */
function database(): string {
  const db = join(dir, 'conf.db');
  execFileSync('ovsdb-tool', ['create', db, '/usr/share/openvswitch/vswitch.ovsschema']);
  const tx = [
    'Open_vSwitch',
    { op: 'insert', table: 'Interface', row: { name: 'br-int', type: 'internal' }, 'uuid-name': 'i1' },
    { op: 'insert', table: 'Interface', row: { name: 'qr-1234', type: 'internal' }, 'uuid-name': 'i2' },
    { op: 'insert', table: 'Interface', row: { name: 'eth9', type: '' }, 'uuid-name': 'i3' },
    { op: 'insert', table: 'Interface', row: { name: 'br-ex', type: 'internal' }, 'uuid-name': 'i4' },
    { op: 'insert', table: 'Port', row: { name: 'br-int', interfaces: ['named-uuid', 'i1'] }, 'uuid-name': 'p1' },
    { op: 'insert', table: 'Port', row: { name: 'qr-1234', interfaces: ['named-uuid', 'i2'] }, 'uuid-name': 'p2' },
    { op: 'insert', table: 'Port', row: { name: 'eth9', interfaces: ['named-uuid', 'i3'] }, 'uuid-name': 'p3' },
    { op: 'insert', table: 'Port', row: { name: 'br-ex', interfaces: ['named-uuid', 'i4'] }, 'uuid-name': 'p4' },
    {
      op: 'insert',
      table: 'Bridge',
      row: {
        name: 'br-int',
        datapath_type: 'netdev',
        ports: [
          'set',
          [
            ['named-uuid', 'p1'],
            ['named-uuid', 'p2'],
            ['named-uuid', 'p3'],
          ],
        ],
      },
      'uuid-name': 'b1',
    },
    {
      op: 'insert',
      table: 'Bridge',
      row: { name: 'br-ex', datapath_type: 'netdev', ports: ['named-uuid', 'p4'] },
      'uuid-name': 'b2',
    },
    {
      op: 'insert',
      table: 'Open_vSwitch',
      row: {
        bridges: [
          'set',
          [
            ['named-uuid', 'b1'],
            ['named-uuid', 'b2'],
          ],
        ],
      },
    },
  ];
  execFileSync('ovsdb-tool', ['transact', db, JSON.stringify(tx)]);
  return db;
}

describe('OVS clean: leftover taps of the netdev datapath', () => {
  it('are the internal interfaces of the database plus the datapath device; system interfaces are not touched', () => {
    const out = execFileSync('ovsdb-tool', ['query', database(), INTERFACES_QUERY], { encoding: 'utf8' });
    expect(leftoverTaps(out).sort()).toEqual(['br-ex', 'br-int', 'ovs-netdev', 'qr-1234']);
  });

  it('fall back to the datapath device alone when the database cannot be read', () => {
    expect(leftoverTaps('')).toEqual(['ovs-netdev']);
    expect(leftoverTaps('ovsdb-tool: I/O error')).toEqual(['ovs-netdev']);
  });
});
