// A seeded generator of hostile local.conf text for the parser's fuzz test (and bench/localconf.ts): fragments
// of real local.conf syntax, shell metacharacters, headers, deep nesting and odd bytes, spliced at random.

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  '[[local|localrc]]',
  '[[local|localrc]]  # c',
  '[[post-config|$NOVA_CONF]]',
  '[[post-config|/$Q_PLUGIN_CONF_FILE]]',
  '[[post-config|$OCTAVIA_CONF]]',
  '[[post-config|$SWIFT_CONF_DIR/x.conf]]',
  '[[extra|$TEMPEST_CONFIG]]',
  '[[bogus|x]]',
  '[[ local | localrc ]]',
  '[DEFAULT]',
  '[ml2]',
  'debug = True',
  'a=b=c',
  'ADMIN_PASSWORD=secret',
  'DATABASE_PASSWORD=$ADMIN_PASSWORD',
  'SERVICE_PASSWORD="${ADMIN_PASSWORD:-x}"',
  'RABBIT_PASSWORD=$(openssl rand -hex 8)',
  'X=`uuidgen`',
  'Y=$(hostname)',
  'HOST_IP=10.0.0.',
  'HOST_IP=10.0.0.5',
  'DEST=/opt/stack',
  'DEST=relative',
  'LOGDAYS=x',
  'RECLONE=yes',
  'IMAGE_URLS="a\nb"',
  'ENABLED_SERVICES+=,-horizon',
  'ENABLED_SERVICES=key,mysql',
  'ENABLED_SERVICES+=,q-svc',
  'enable_service',
  'enable_service n-cpu q-agt',
  'enable_service nova neutron swift keystone',
  'disable_service cinder neutron placement',
  'disable_service horizon',
  'enable_service horizon',
  'disable_all_services',
  'disable_all_services x',
  'enable_plugin heat https://opendev.org/openstack/heat',
  'enable_plugin x',
  'export A=1 B',
  'if [[ "$A" == "1" ]]; then',
  'if is_service_enabled neutron; then B=2; fi',
  'if [ -z $A ]',
  'then',
  'elif test -n "$B"; then',
  'else A=3',
  'fi',
  'unset A REGION_NAME',
  'unset -f x',
  'unset ENABLED_SERVICES',
  'A=1; B=2 ;; C=3',
  'IP_VERSION=4+6',
  'IP_VERSION=5',
  'Q_ML2_TENANT_NETWORK_TYPE=vlan',
  'Q_ML2_PLUGIN_TYPE_DRIVERS=flat',
  'OVS_BRIDGE_MAPPINGS=public',
  'Q_FLOATING_ALLOCATION_POOL=start=1.2.3.4',
  'export 1x',
  'Q_AGENT=ovn',
  'Q_AGENT=other',
  'A+=more',
  'unknown_cmd a b',
  'A=1 b',
  '# comment',
  '',
  '\\',
  'A="unterminated',
  "B='unterminated",
  'C=${unterminated',
  'D=${A:-${B:-${C}}}',
  'E=${A%%x}',
  'F=${}',
  'G=$',
  'H=~/x',
  'I=a;b',
  'J=a|b',
  'K=a&&b',
  'L=(x)',
  'M="a\\\nb"',
  'N=\\$x',
  '\uFEFF',
  '\u00e9\u00e8',
  '\u0000',
  '\r',
];

const CHARS = ' \t\n$"\'`\\{}()[]|;&<>#=:-+,/~*?abcXYZ_019\u00e9\uFEFF\u0001';

function randomChars(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += CHARS[Math.floor(r() * CHARS.length)];
  return s;
}

/** One local.conf text: up to `lines` lines of fragments, random characters and their splices. */
export function hostileLocalConf(r: () => number, lines = 20): string {
  const out: string[] = [];
  const count = 1 + Math.floor(r() * lines);
  if (r() < 0.8) out.push('[[local|localrc]]');
  for (let i = 0; i < count; i++) {
    const pick = r();
    const frag = FRAGMENTS[Math.floor(r() * FRAGMENTS.length)];
    if (pick < 0.6) out.push(frag);
    else if (pick < 0.8) {
      const at = Math.floor(r() * (frag.length + 1));
      out.push(frag.slice(0, at) + randomChars(r, 1 + Math.floor(r() * 6)) + frag.slice(at));
    } else if (pick < 0.95) out.push(randomChars(r, Math.floor(r() * 40)));
    else {
      const depth = Math.floor(r() * 80);
      out.push(`Z=${'${A:-'.repeat(depth)}v${'}'.repeat(Math.floor(r() * (depth + 2)))}`);
    }
  }
  return out.join(r() < 0.1 ? '\r\n' : '\n');
}

/** Bytes that may or may not be UTF-8. */
export function hostileBytes(r: () => number, n = 64): Uint8Array {
  const b = new Uint8Array(1 + Math.floor(r() * n));
  for (let i = 0; i < b.length; i++) b[i] = r() < 0.7 ? 0x20 + Math.floor(r() * 0x5f) : Math.floor(r() * 256);
  return b;
}
