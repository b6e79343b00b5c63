// The test image's own files: /init, busybox init's inittab and rcS, the DHCP
// hook, the metadata reader and a JSON flattener in awk, and the account
// files. All of it runs inside the guest (busybox ash and awk); nothing here
// runs on the host. The boot tells its story on both consoles (ttyS0 for
// `openstack console log show`, tty0 for the VNC console), CirrOS-style.

import type { CpioEntry } from './cpio.ts';

/** CirrOS's documented login; tempest and users expect it. */
export const GUEST_USER = 'cirros';
export const GUEST_PASSWORD = 'gocubsgo';
export const GUEST_UID = 1000;

/** tty0 first and ttyS0 last: both get the kernel's messages, and ttyS0 is /dev/console (nova's console log). */
export const KERNEL_CMDLINE = 'console=tty0 console=ttyS0,115200n8';

/**
 * Booted with `tstack.probe` on the kernel command line, /init prints this
 * line (plus the kernel release) on the console and powers off at once: a
 * fast, unambiguous check that a hypervisor can run a guest at all.
 */
export const PROBE_ARG = 'tstack.probe';
export const PROBE_MARKER = 'tstack-probe: init ran on';

/** Lines rcS prints, which tests and the E2E journey look for on the console. */
export const CONSOLE_MARKERS = {
  network: 'network: ', // "network: eth0 10.0.0.5/26 via DHCP from ..."
  metadata: 'metadata: from ', // "metadata: from config drive /dev/sr0" / "... metadata service ..."
  ssh: 'ssh: dropbear listening on port 22',
  login: "login as 'cirros' user. default password: 'gocubsgo'. use 'sudo' for root.",
} as const;

export interface GuestFileOptions {
  /** `uname -r` of the kernel, where /lib/modules/<release> lives. */
  kernelRelease: string;
  /** Modules in load order (names; files are /lib/modules/<release>/<name>.ko). */
  modules: readonly string[];
  /** Shown in the banner: what the image was built from. */
  builtFrom: string;
}

export const INIT = `#!/bin/sh
# PID 1 of the tstack test image until busybox init takes over (/etc/inittab).
/bin/busybox mount -t devtmpfs -o mode=0755 devtmpfs /dev
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
if grep -qw ${PROBE_ARG} /proc/cmdline; then
  echo "${PROBE_MARKER} $(uname -r)" > /dev/console
  poweroff -f
fi
exec /sbin/init
`;

export const INITTAB = `::sysinit:/etc/init.d/rcS
ttyS0::respawn:/sbin/getty -L 115200 ttyS0 vt100
tty1::respawn:/sbin/getty 38400 tty1
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/umount -a -r
`;

/** Sourced by the scripts: say() writes a line on both consoles and in /var/log/cirros.log. */
export const COMMON_SH = `# shellcheck shell=sh
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
say() {
  for t in /dev/ttyS0 /dev/tty0; do echo "$*" 2>/dev/null >"$t"; done
  echo "$*" >>/var/log/cirros.log
}
# A command's output, line by line, through say() with a prefix.
say_output() {
  prefix=$1
  shift
  "$@" 2>&1 | while IFS= read -r line; do say "$prefix$line"; done
}
`;

export function rcS(opts: GuestFileOptions): string {
  return `#!/bin/sh
# Boot in CirrOS's order: modules, network (DHCP on the first NIC), metadata
# (config drive, else 169.254.169.254), ssh, user-data. Each step says what it
# did on the consoles.
. /lib/cirros/common.sh
say "=== tstack test image (CirrOS-compatible): kernel $(uname -r), built from ${opts.builtFrom} ==="
hostname -F /etc/hostname
ip link set lo up
# cirros may ping without being root (busybox ping falls back to ICMP datagram sockets)
sysctl -q -w net.ipv4.ping_group_range="0 2147483647"

loaded=0
while IFS= read -r m; do
  if insmod "/lib/modules/$(uname -r)/$m.ko" 2>/dev/null; then
    loaded=$((loaded + 1))
  else
    say "modules: $m failed to load"
  fi
done </lib/modules/$(uname -r)/load-order
say "modules: $loaded of ${opts.modules.length} loaded"

# CirrOS's password, hashed here so the image holds no fixed salt
sed -i "s|^${GUEST_USER}:[^:]*:|${GUEST_USER}:$(mkpasswd -m sha512 ${GUEST_PASSWORD}):|" /etc/shadow

first_nic() {
  for d in /sys/class/net/*; do
    [ -e "$d/device" ] && { echo "\${d##*/}"; return 0; }
  done
  return 1
}
i=0
until nic=$(first_nic) || [ $i -ge 50 ]; do usleep 100000; i=$((i + 1)); done
if [ -n "$nic" ]; then
  say "network: DHCP on $nic ($(cat /sys/class/net/$nic/address))"
  udhcpc -i "$nic" -s /usr/share/udhcpc/default.script -p "/run/udhcpc.$nic.pid" \\
    -t 10 -T 2 -A 10 -b -O mtu -O staticroutes -x "hostname:$(hostname)" >/dev/null 2>&1
  say "=== network info ==="
  say_output "  " sh -c "ip -4 -o addr show | awk '{ print \\$2, \\$4 }'"
  say_output "  route: " ip -4 route show
else
  say "network: no network interface"
fi

cirros-metadata || say "metadata: none applied"

mkdir -p /etc/dropbear
keys=""
for t in ed25519 ecdsa; do
  f=/etc/dropbear/dropbear_\${t}_host_key
  [ -s "$f" ] || dropbearkey -t "$t" -f "$f" >/dev/null 2>&1
  keys="$keys -r $f"
done
# shellcheck disable=SC2086
if dropbear $keys -p 22 -P /run/dropbear.pid; then
  say "${CONSOLE_MARKERS.ssh}"
else
  say "ssh: dropbear failed to start"
fi
say "-----BEGIN SSH HOST KEY FINGERPRINTS-----"
for f in /etc/dropbear/dropbear_*_host_key; do say_output "" sh -c "dropbearkey -y -f $f | grep -i fingerprint"; done
say "-----END SSH HOST KEY FINGERPRINTS-----"
say "-----BEGIN SSH HOST KEY KEYS-----"
for f in /etc/dropbear/dropbear_*_host_key; do
  say_output "" sh -c "dropbearkey -y -f $f | grep -E '^(ecdsa-|ssh-)'"
done
say "-----END SSH HOST KEY KEYS-----"

ud=/run/cirros/datasource/user-data
if [ -s "$ud" ] && [ "$(head -c 2 "$ud")" = "#!" ]; then
  cp "$ud" /run/cirros/user-data.run
  chmod 0755 /run/cirros/user-data.run
  say "user-data: running the script ($(wc -c <"$ud") bytes)"
  { /run/cirros/user-data.run; echo $? >/run/cirros/user-data.rc; } 2>&1 |
    while IFS= read -r line; do say "user-data: $line"; done
  say "user-data: exit $(cat /run/cirros/user-data.rc)"
elif [ -s "$ud" ]; then
  say "user-data: $(wc -c <"$ud") bytes, not a script (kept in $ud)"
fi

say "=== $(hostname) is up after $(cut -d' ' -f1 /proc/uptime)s ==="
say "${CONSOLE_MARKERS.login}"
`;
}

/** busybox udhcpc's hook: $1 is the event, the lease is in the environment. Configures the guest only. */
export const UDHCPC_SCRIPT = `#!/bin/sh
# udhcpc (busybox) calls this with $1 = deconfig | bound | renew | leasefail | nak
# and the lease in the environment: interface ip mask router dns domain mtu
# staticroutes serverid lease. It configures this guest, and writes the
# guest's /etc/resolv.conf.
. /lib/cirros/common.sh
case "$1" in
  deconfig)
    ip -4 addr flush dev "$interface"
    ip link set dev "$interface" up
    ;;
  bound | renew)
    [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
    if ! ip -4 -o addr show dev "$interface" | grep -q " $ip/"; then
      ip -4 addr flush dev "$interface"
      ip addr add "$ip/\${mask:-24}" \${broadcast:+broadcast "$broadcast"} dev "$interface"
    fi
    if [ -n "$staticroutes" ]; then
      # RFC 3442: with classless static routes the router option is ignored
      # shellcheck disable=SC2086
      set -- $staticroutes
      while [ $# -ge 2 ]; do
        if [ "$2" = 0.0.0.0 ]; then
          ip route replace "$1" dev "$interface"
        else
          ip route replace "$1" via "$2" dev "$interface"
        fi
        shift 2
      done
    elif [ -n "$router" ]; then
      for r in $router; do ip route replace default via "$r" dev "$interface" && break; done
    fi
    {
      [ -n "$domain" ] && echo "search $domain"
      for d in $dns; do echo "nameserver $d"; done
    } >/etc/resolv.conf
    say "network: $interface $ip/\${mask:-?} via DHCP from \${serverid:-?}" \\
      "(router \${router:-none}, dns \${dns:-none}, mtu \${mtu:-default}, lease \${lease:-?}s)"
    ;;
  leasefail | nak)
    say "network: $interface: DHCP $1"
    ;;
esac
exit 0
`;

/**
 * JSON on stdin -> one `path<TAB>value` line per scalar, paths joined with dots
 * (`hostname`, `public_keys.mykey`, `keys.0.data`). A string holding newlines
 * gives one line per non-empty line (several keys in one entry); null gives
 * nothing. Exit 1 with a message on stderr for input that is not JSON.
 */
export const JSON_AWK = `function fail(msg) { printf "cirros-json: %s at offset %d\\n", msg, p > "/dev/stderr"; exit 1 }
function ws() { while (p <= n && index(" \\t\\r\\n", substr(s, p, 1)) > 0) p++ }
function emit(path, v,    parts, m, i) {
  m = split(v, parts, "\\n")
  for (i = 1; i <= m; i++) if (parts[i] != "") print path "\\t" parts[i]
}
function hexval(h,    i, v) {
  v = 0
  h = tolower(h)
  for (i = 1; i <= 4; i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
  return v
}
function str(    out, c, e, v, chunk) {
  p++
  out = ""
  while (p <= n) {
    chunk = substr(s, p, 512)
    if (match(chunk, /^[^"\\\\]+/)) { out = out substr(chunk, 1, RLENGTH); p += RLENGTH; continue }
    c = substr(s, p, 1)
    if (c == "\\"") { p++; return out }
    e = substr(s, p + 1, 1)
    p += 2
    if (e == "n") out = out "\\n"
    else if (e == "t") out = out " "
    else if (e == "r" || e == "b" || e == "f") out = out ""
    else if (e == "u") {
      v = hexval(substr(s, p, 4))
      p += 4
      out = out ((v >= 32 && v < 127) ? sprintf("%c", v) : "?")
    }
    else out = out e
  }
  fail("unterminated string")
}
function value(path,    c, k, i, t) {
  ws()
  c = substr(s, p, 1)
  if (c == "{") {
    p++
    ws()
    if (substr(s, p, 1) == "}") { p++; return }
    while (1) {
      ws()
      if (substr(s, p, 1) != "\\"") fail("expected a key")
      k = str()
      ws()
      if (substr(s, p, 1) != ":") fail("expected ':'")
      p++
      value(path == "" ? k : path "." k)
      ws()
      c = substr(s, p, 1)
      p++
      if (c == "}") return
      if (c != ",") fail("expected ',' or '}'")
    }
  }
  if (c == "[") {
    p++
    ws()
    if (substr(s, p, 1) == "]") { p++; return }
    for (i = 0; ; i++) {
      value(path == "" ? i : path "." i)
      ws()
      c = substr(s, p, 1)
      p++
      if (c == "]") return
      if (c != ",") fail("expected ',' or ']'")
    }
  }
  if (c == "\\"") { emit(path, str()); return }
  t = substr(s, p, 64)
  if (match(t, /^(true|false|null|-?[0-9][0-9.eE+-]*)/)) {
    if (substr(t, 1, RLENGTH) != "null") emit(path, substr(t, 1, RLENGTH))
    p += RLENGTH
    return
  }
  fail("unexpected character")
}
{ s = s $0 "\\n" }
END {
  n = length(s)
  p = 1
  value("")
  ws()
  if (p <= n) fail("trailing data")
}
`;

/** Finds and applies metadata; run by rcS, can be re-run by root. */
export const METADATA_SCRIPT = `#!/bin/sh
# Metadata as CirrOS reads it: a config drive (a filesystem labelled config-2)
# first, else the metadata service at 169.254.169.254 (OpenStack's JSON, else
# EC2's paths). Applies the hostname (its first label) and the public SSH keys
# (~cirros/.ssh/authorized_keys), and keeps the user-data for rcS.
. /lib/cirros/common.sh
DS=/run/cirros/datasource
MD=http://169.254.169.254
TRIES=\${CIRROS_MD_TRIES:-20}
rm -rf "$DS"
mkdir -p "$DS"

# busybox-static 1.35's wget crashes with -T: bound it with timeout(1) instead
fetch() { timeout 10 wget -q -O "$2" "$1" 2>/dev/null || { rm -f "$2"; return 1; }; }

# nova labels it config-2; FAT keeps labels upper case (mtools writes CONFIG-2)
config_drive() { findfs LABEL=config-2 2>/dev/null || findfs LABEL=CONFIG-2 2>/dev/null; }

from_config_drive() {
  mnt=/run/cirros/config-drive
  mkdir -p "$mnt"
  mount -o ro "$1" "$mnt" 2>/dev/null || { say "metadata: cannot mount the config drive $1"; return 1; }
  ok=1
  md="$mnt/openstack/latest/meta_data.json"
  if [ -f "$md" ] && cirros-json <"$md" >"$DS/meta_data.flat"; then
    ok=0
    [ -f "$mnt/openstack/latest/user_data" ] && cp "$mnt/openstack/latest/user_data" "$DS/user-data"
  fi
  umount "$mnt"
  return $ok
}

from_openstack() {
  fetch "$MD/openstack/latest/meta_data.json" "$DS/meta_data.json" || return 1
  cirros-json <"$DS/meta_data.json" >"$DS/meta_data.flat" || return 1
  fetch "$MD/openstack/latest/user_data" "$DS/user-data" || true
}

from_ec2() {
  fetch "$MD/latest/meta-data/hostname" "$DS/ec2-hostname" || return 1
  printf 'hostname\\t%s\\n' "$(cat "$DS/ec2-hostname")" >"$DS/meta_data.flat"
  if fetch "$MD/latest/meta-data/instance-id" "$DS/ec2-id"; then
    printf 'uuid\\t%s\\n' "$(cat "$DS/ec2-id")" >>"$DS/meta_data.flat"
  fi
  if fetch "$MD/latest/meta-data/public-keys/" "$DS/ec2-keys"; then
    while IFS='=' read -r idx name || [ -n "$idx" ]; do
      [ -n "$idx" ] || continue
      fetch "$MD/latest/meta-data/public-keys/$idx/openssh-key" "$DS/ec2-key" || continue
      while IFS= read -r k || [ -n "$k" ]; do
        [ -n "$k" ] && printf 'public_keys.%s\\t%s\\n' "\${name:-$idx}" "$k"
      done <"$DS/ec2-key" >>"$DS/meta_data.flat"
    done <"$DS/ec2-keys"
  fi
  fetch "$MD/latest/user-data" "$DS/user-data" || true
}

src=""
dev=$(config_drive)
if [ -z "$dev" ] && ls -d /sys/block/sr* >/dev/null 2>&1; then
  # a CD-ROM drive: its medium may still be settling
  i=0
  while [ -z "$dev" ] && [ $i -lt 10 ]; do usleep 200000; dev=$(config_drive); i=$((i + 1)); done
fi
if [ -n "$dev" ] && from_config_drive "$dev"; then src="config drive $dev"; fi
if [ -z "$src" ]; then
  say "metadata: no config drive, asking $MD"
  i=0
  while [ $i -lt "$TRIES" ]; do
    if from_openstack; then src="metadata service $MD (openstack)"; break; fi
    if from_ec2; then src="metadata service $MD (ec2)"; break; fi
    i=$((i + 1))
    [ $((i % 5)) -eq 0 ] && [ $i -lt "$TRIES" ] && say "metadata: no answer from $MD yet ($i of $TRIES tries)"
    sleep 2
  done
fi
if [ -z "$src" ]; then
  say "metadata: none found (no config drive, no answer from $MD)"
  exit 1
fi

get() { awk -F'\\t' -v k="$1" '$1 == k { print $2; exit }' "$DS/meta_data.flat"; }
host=$(get hostname)
[ -n "$host" ] || host=$(get name)
host=$(echo "\${host%%.*}" | tr -c 'A-Za-z0-9\\n-' '-')
if [ -n "$host" ]; then
  echo "$host" >/etc/hostname
  hostname "$host"
  grep -q " $host\\$" /etc/hosts || echo "127.0.1.1 $host" >>/etc/hosts
fi
home=/home/${GUEST_USER}
mkdir -p "$home/.ssh"
awk -F'\\t' 'index($1, "public_keys.") == 1 { print $2 }' "$DS/meta_data.flat" >"$home/.ssh/authorized_keys"
chmod 0700 "$home/.ssh"
chmod 0600 "$home/.ssh/authorized_keys"
chown -R ${GUEST_USER}:${GUEST_USER} "$home/.ssh"
nkeys=$(grep -c . "$home/.ssh/authorized_keys")
names=$(awk -F'\\t' 'index($1, "public_keys.") == 1 && !((n = substr($1, 13)) in seen) {
  seen[n]; printf "%s%s", sep, n; sep = " "
}' "$DS/meta_data.flat")

say "${CONSOLE_MARKERS.metadata}$src"
say "metadata: instance-id=$(get uuid) hostname=$host"
say "metadata: $nkeys public key(s)\${names:+ ($names)} -> $home/.ssh/authorized_keys"
if [ -s "$DS/user-data" ]; then
  say "metadata: user-data $(wc -c <"$DS/user-data") bytes"
else
  say "metadata: no user-data"
fi
exit 0
`;

const PASSWD = `root:x:0:0:root:/root:/bin/sh
${GUEST_USER}:x:${GUEST_UID}:${GUEST_UID}:${GUEST_USER}:/home/${GUEST_USER}:/bin/sh
`;
const GROUP = `root:x:0:
tty:x:5:
${GUEST_USER}:x:${GUEST_UID}:
`;
// cirros's hash is written by rcS at boot. root's password is empty: with a
// setuid busybox, `su` then needs no password, which is how `sudo` (below)
// gives cirros root without one, as CirrOS's sudoers does. dropbear refuses
// empty passwords, so this opens no SSH login.
const SHADOW = `root::18262:0:99999:7:::
${GUEST_USER}:!:18262:0:99999:7:::
`;
const ISSUE = `tstack test image (CirrOS-compatible) \\n \\l
${CONSOLE_MARKERS.login}

`;
const PROFILE = `export PATH=/sbin:/bin:/usr/sbin:/usr/bin
export PS1='$(whoami)@$(hostname):$(pwd)\\$ '
`;

/** CirrOS's `sudo CMD...` (and `sudo -i` / `sudo -s`) for cirros, through busybox's su. */
export const SUDO = `#!/bin/sh
# sudo as CirrOS has it for cirros (no password), through busybox su: root's
# password is empty in this test image and busybox is setuid root.
if [ "$(id -u)" = 0 ]; then
  [ $# -gt 0 ] && exec "$@"
  exec /bin/sh
fi
case "$1" in
  '' | -i | -s) exec su -s /bin/sh root ;;
  -*) echo "sudo: only 'sudo CMD [ARGS]', 'sudo -i' and 'sudo -s' in this image" >&2; exit 1 ;;
esac
# POSIXLY_CORRECT: su's getopt stops at \`root\`, leaving the command's own options alone
POSIXLY_CORRECT=1 exec su -s /bin/sh -c 'unset POSIXLY_CORRECT; exec "$0" "$@"' root "$@"
`;

/**
 * CirrOS has curl; tempest logs in and runs `curl URL` and `curl -X POST -d
 * DATA URL` against the metadata service (test_server_basic_ops). This image
 * has busybox's wget, so curl is that, for the options such calls use.
 */
export const CURL = `#!/bin/sh
# curl through busybox wget: GET, or POST with -d; -o FILE; -m SECONDS; -s/-S/-f/-L/-k accepted
method=GET data= out=- max= url=
while [ $# -gt 0 ]; do
  case "$1" in
    -X | --request) method=$2; shift 2 ;;
    -d | --data | --data-raw) data=$2; [ "$method" = GET ] && method=POST; shift 2 ;;
    -o | --output) out=$2; shift 2 ;;
    -m | --max-time | --connect-timeout) max=$2; shift 2 ;;
    -s | -S | -sS | -f | -sf | -fsS | -L | -k | --silent | --show-error | --fail | --location | --insecure) shift ;;
    -*) echo "curl: $1 is not supported by this image's curl (busybox wget)" >&2; exit 2 ;;
    *) url=$1; shift ;;
  esac
done
[ -n "$url" ] || { echo "curl: no URL given" >&2; exit 2; }
case "$method" in
  GET) set -- -q -O "$out" ;;
  POST) set -- -q -O "$out" --post-data "$data" ;;
  *) echo "curl: -X $method is not supported by this image's curl (busybox wget: GET, POST)" >&2; exit 2 ;;
esac
# busybox-static 1.35's wget crashes with -T: bound it with timeout(1) instead
[ -n "$max" ] && exec busybox timeout "$max" busybox wget "$@" "$url"
exec busybox wget "$@" "$url"
`;

/**
 * util-linux's 'blkid -L LABEL' (tempest finds the config drive with
 * 'blkid -L config-2 -o device'): busybox's blkid has no -L, its findfs does
 * the same. Anything else goes to busybox's blkid.
 */
export const BLKID = `#!/bin/sh
if [ "$1" = -L ] && [ -n "$2" ]; then
  exec busybox findfs "LABEL=$2"
fi
exec busybox blkid "$@"
`;

const OS_RELEASE = `PRETTY_NAME="tstack test image (CirrOS-compatible)"
NAME="tstack-cirros"
ID=tstack-cirros
ID_LIKE=cirros
HOME_URL="https://docs.openstack.org/devstack/"
`;

/** Every file and directory of the image that is not copied from a Debian package. */
export function guestFiles(opts: GuestFileOptions): CpioEntry[] {
  const mods = `lib/modules/${opts.kernelRelease}`;
  const exe = (path: string, data: string): CpioEntry => ({ path, kind: 'file', data, mode: 0o755 });
  const text = (path: string, data: string, mode = 0o644): CpioEntry => ({ path, kind: 'file', data, mode });
  return [
    exe('init', INIT),
    exe('etc/init.d/rcS', rcS(opts)),
    text('etc/inittab', INITTAB),
    text('lib/cirros/common.sh', COMMON_SH),
    exe('usr/share/udhcpc/default.script', UDHCPC_SCRIPT),
    exe('usr/bin/cirros-metadata', METADATA_SCRIPT),
    text('lib/cirros/json.awk', JSON_AWK),
    exe('usr/bin/cirros-json', '#!/bin/sh\nexec awk -f /lib/cirros/json.awk "$@"\n'),
    exe('usr/bin/sudo', SUDO),
    exe('usr/bin/curl', CURL),
    exe('usr/bin/blkid', BLKID),
    text('etc/os-release', OS_RELEASE),
    text(`${mods}/load-order`, opts.modules.map((m) => `${m}\n`).join('')),
    text('etc/passwd', PASSWD),
    text('etc/group', GROUP),
    text('etc/shadow', SHADOW, 0o600),
    text('etc/shells', '/bin/sh\n/bin/ash\n'),
    text('etc/hostname', 'cirros\n'),
    text('etc/hosts', '127.0.0.1 localhost\n'),
    text('etc/issue', ISSUE),
    text('etc/profile', PROFILE),
    { path: 'dev/console', kind: 'chardev', major: 5, minor: 1, mode: 0o600 },
    { path: 'bin/sh', kind: 'symlink', target: 'busybox' },
    { path: 'var/run', kind: 'symlink', target: '../run' },
    ...['bin', 'sbin', 'usr/bin', 'usr/sbin', 'proc', 'sys', 'run', 'mnt', 'var/log', 'etc/dropbear'].map(
      (path): CpioEntry => ({ path, kind: 'dir' }),
    ),
    { path: 'tmp', kind: 'dir', mode: 0o1777 },
    { path: 'root', kind: 'dir', mode: 0o700 },
    { path: `home/${GUEST_USER}`, kind: 'dir', mode: 0o755, uid: GUEST_UID, gid: GUEST_UID },
  ];
}

/** SYSLINUX's configuration on the image's FAT filesystem: boot at once, no menu. */
export function syslinuxCfg(kernel: string, initrd: string): string {
  return `DEFAULT linux
PROMPT 0
TIMEOUT 1
LABEL linux
  KERNEL ${kernel}
  INITRD ${initrd}
  APPEND ${KERNEL_CMDLINE}
`;
}
