import { describe, expect, it } from 'vitest';
import type { RunOptions, RunResult, Shell } from '../../../lib/types/shell.ts';
import {
  AptStatusReader,
  formatAptStatus,
  debconfPreseed,
  aptInstallArgv,
  aptInstallStep,
  APT_STEP,
  aptInstallSteps,
  aptRuns,
  EARLY_APT_STEP,
  EATMYDATA,
  PREFETCH_STEP,
  simulatedVersions,
  BYTECOMPILE_EXCLUDE,
  BYTECOMPILE_EXCLUDE_FILE,
  POLICY_RC_D,
  missingFromDpkgQuery,
  simulatedInstalls,
} from '../../../lib/system/apt.ts';
import {
  dropDatabaseSql,
  ensureDatabase,
  ensureDatabaseSql,
  nativePasswordHash,
  sqlIdent,
  sqlString,
} from '../../../lib/system/mysql.ts';
import { ensureRabbitUser, parseUserList } from '../../../lib/system/rabbit.ts';
import { schemaVersions, tableChecksums } from '../../../lib/system/mysql.ts';
import type { StackContext } from '../../../lib/types/stack.ts';
import { makePlan } from '../services/fixture.ts';
import { SERVICE_MODULES } from '../../../lib/services/registry.ts';
import { buildPhases } from '../../../lib/phases/stack-phases.ts';
import { checkGraph } from '../../../lib/phases/runner.ts';

/** A Shell that records commands and answers from a script. */
class RecordingShell implements Shell {
  calls: { argv: string[]; opts: RunOptions }[] = [];
  constructor(private readonly answer: (argv: string[], opts: RunOptions) => Partial<RunResult> = () => ({})) {}
  async run(argv: string[], opts: RunOptions = {}): Promise<RunResult> {
    this.calls.push({ argv, opts });
    const a = this.answer(argv, opts);
    return { code: a.code ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
  }
}

describe('apt', () => {
  it('finds the packages dpkg does not report as installed', () => {
    const out =
      'keystone install ok installed\nglance-api deinstall ok config-files\nlibfoo:amd64 install ok installed\n';
    expect(missingFromDpkgQuery(['keystone', 'glance-api', 'libfoo', 'nova-common'], out)).toEqual([
      'glance-api',
      'nova-common',
    ]);
  });

  it('keeps local config edits and never prompts', () => {
    const argv = aptInstallArgv(['keystone']);
    expect(argv).toContain('Dpkg::Options::=--force-confold');
    expect(argv).toContain('-y');
    expect(argv[argv.length - 1]).toBe('keystone');
  });

  it('preseeds every configure_db question to false', () => {
    const dbQuestions = debconfPreseed(SERVICE_MODULES).filter((l) => /configure_db/.test(l));
    expect(dbQuestions.length).toBeGreaterThanOrEqual(6);
    for (const l of dbQuestions) expect(l).toMatch(/ boolean false$/);
  });

  it('lists simulated installs', () => {
    expect(simulatedInstalls('Inst a (1 x)\nConf a (1 x)\nInst b (2 y)\n')).toEqual(['a', 'b']);
  });

  it('installs in one run without Recommends (APT_NO_INSTALL_RECOMMENDS), else keeps the lean modules apart', () => {
    const lean = new Set(['qemu-system-x86']);
    expect(aptRuns(['keystone', 'qemu-system-x86'], lean, true)).toEqual([
      { packages: ['keystone', 'qemu-system-x86'], recommends: false },
    ]);
    expect(aptRuns(['keystone', 'qemu-system-x86'], lean, false)).toEqual([
      { packages: ['keystone'], recommends: true },
      { packages: ['qemu-system-x86'], recommends: false },
    ]);
    expect(aptRuns([], lean, true)).toEqual([]);
  });

  it("reads apt's status lines: files fetched, then packages installed (and unpacked), percent, package", () => {
    const r = new AptStatusReader(3);
    const seen = [
      'Get:1 http://deb.debian.org/debian bookworm/main amd64 libfoo amd64 1.0 [10 kB]',
      'dlstatus:1:33.3333:Retrieving file 1 of 3',
      'dlstatus:3:100:Retrieving file 3 of 3',
      'pmstatus:dpkg-exec:0.0000:Running dpkg',
      'pmstatus:libfoo:amd64:8.3333:Preparing libfoo:amd64',
      'pmstatus:libfoo:amd64:16.6667:Unpacking libfoo:amd64',
      'Setting up libfoo:amd64 (1.0) ...',
      'pmstatus:libfoo:amd64:50:Installed libfoo:amd64',
      'pmstatus:nova-common:58.3333:Preparing to configure nova-common (all)',
      'pmstatus:nova-common:66.6667:Installed nova-common (all)',
      'pmstatus:keystone:75:Configuring keystone (all)',
    ]
      .map((l) => r.line(l))
      .filter((s) => s !== undefined)
      .map((s) => formatAptStatus(s));
    expect(seen).toEqual([
      'download 1/3 files (33%)',
      'download 3/3 files (100%)',
      'install 0/3 packages (0%): dpkg-exec',
      'install 0/3 packages (8%): libfoo',
      'install 0/3 packages (16%), 1 unpacked: libfoo',
      'install 1/3 packages (50%): libfoo',
      'install 1/3 packages (58%): nova-common',
      'install 2/3 packages (66%): nova-common',
      'install 2/3 packages (75%): keystone',
    ]);
  });

  it('downloads first, then installs under eatmydata, with the status fd on stdout', () => {
    expect(aptInstallArgv(['a'], { downloadOnly: true, recommends: false }).slice(0, 6)).toEqual([
      'apt-get',
      'install',
      '-y',
      '--download-only',
      '--no-install-recommends',
      '-o',
    ]);
    const install = aptInstallArgv(['a'], { eatmydata: true });
    expect(install.slice(0, 3)).toEqual(['/usr/bin/eatmydata', 'apt-get', 'install']);
    expect(install).toContain('APT::Status-Fd=1');
    expect(install).not.toContain('--download-only');
  });

  it('the install step is fingerprinted by the package list and skips when all is installed', async () => {
    const plan = makePlan();
    plan.packages = ['nova-common', 'keystone'];
    const step = aptInstallStep(plan);
    expect(step.fingerprint).toBe('apt:keystone,nova-common');
    const sh = new RecordingShell((argv) =>
      argv[0] === 'dpkg-query' ? { stdout: 'keystone install ok installed\nnova-common install ok installed\n' } : {},
    );
    const logged: string[] = [];
    const ctx = {
      plan,
      sh,
      log: { info: (m: string) => logged.push(m), warn() {}, debug() {} },
    } as unknown as StackContext;
    await step.run(ctx);
    expect(sh.calls.map((c) => c.argv[0])).toEqual(['dpkg-query']);
    expect(logged[0]).toMatch(/already installed/);
  });

  it(
    'installs what is missing: finishes an interrupted dpkg first, preseeds, keeps daemons from starting, restores ' +
      'policy-rc.d',
    async () => {
      const plan = makePlan();
      plan.packages = ['keystone', 'memcached'];
      let installed = false;
      const sh = new RecordingShell((argv, opts) => {
        if (argv[0] === 'dpkg-query')
          return {
            stdout: installed
              ? 'keystone install ok installed\nmemcached install ok installed\n'
              : 'memcached install ok installed\n',
          };
        if (argv[0] === 'apt-get' && argv.includes('-s'))
          return { stdout: 'Inst keystone (2:22.0.2)\nInst python3-keystone (2:22.0.2)\n' };
        if (argv[0] === EATMYDATA) {
          // apt's status lines: the download, then dpkg
          for (const l of ['dlstatus:1:50:Retrieving file 1 of 2', 'pmstatus:dpkg-exec:0:Running dpkg'])
            opts.onLine?.(l);
          for (const l of ['pmstatus:keystone:40:Unpacking keystone', 'pmstatus:keystone:90:Installed keystone'])
            opts.onLine?.(l);
          installed = true;
        }
        return {};
      });
      const written: { path: string; content: string }[] = [];
      const logged: string[] = [];
      const progress: string[] = [];
      const ctx = {
        plan,
        sh,
        log: { info: (m: string) => logged.push(m), warn() {}, debug() {} },
        progress: (m: string) => progress.push(m),
        writeFile: async (path: string, content: string) => void written.push({ path, content }),
      } as unknown as StackContext;
      await aptInstallStep(plan).run(ctx);
      // (policy-rc.d is removed with rm, or put back when the host had one: checked below)
      const cmds = sh.calls.map((c) => c.argv.slice(0, 3).join(' ')).filter((c) => !c.startsWith('rm '));
      expect(cmds).toEqual([
        'dpkg-query -W -f',
        'dpkg --configure -a',
        'apt-get install -s',
        'dpkg-query -W -f', // eatmydata (APT_EATMYDATA), installed first the usual way
        'apt-get install -y',
        'debconf-set-selections',
        '/usr/bin/eatmydata apt-get install', // one apt-get: it downloads every .deb, then dpkg runs without fsync
        'dpkg-query -W -f',
      ]);
      expect(sh.calls[4].argv.at(-1)).toBe('eatmydata');
      expect(sh.calls.some((c) => c.argv.includes('--download-only'))).toBe(false);
      // the progress follows apt's status lines; the log splits download and install at dpkg's first line
      expect(progress).toEqual([
        'download 1/2 files (50%)',
        'install 0/2 packages (0%): dpkg-exec',
        'install 0/2 packages (40%), 1 unpacked: keystone',
        'install 1/2 packages (90%): keystone',
      ]);
      expect(logged.at(-1)).toMatch(/^apt: 2 package\(s\) downloaded in \d+ s, installed in \d+ s \(eatmydata\)$/);
      expect(sh.calls.find((c) => c.argv[0] === 'debconf-set-selections')!.opts.input).toContain(
        'keystone keystone/configure_db boolean false',
      );
      const install = sh.calls.find((c) => c.argv[0] === '/usr/bin/eatmydata')!;
      expect(install.argv).toContain('keystone');
      expect(install.argv).not.toContain('memcached');
      // APT_NO_INSTALL_RECOMMENDS defaults to True: the simulation counts what the install installs
      expect(install.argv).toContain('--no-install-recommends');
      expect(sh.calls[2].argv).toContain('--no-install-recommends');
      // policy-rc.d forbids starting daemons during the install (exit 101), then the host's own is put back or removed.
      expect(written[0]).toEqual({ path: '/usr/sbin/policy-rc.d', content: expect.stringMatching(/exit 101/) });
      const removed = sh.calls.filter((c) => c.argv[0] === 'rm').map((c) => c.argv.at(-1));
      expect(written.slice(2).some((w) => w.path === POLICY_RC_D) || removed.includes(POLICY_RC_D)).toBe(true);
      // APT_BYTECOMPILE_TESTS defaults to False: dh-python's exclude list is there before dpkg runs a postinst
      expect(written[1]).toEqual({ path: BYTECOMPILE_EXCLUDE_FILE, content: BYTECOMPILE_EXCLUDE });
    },
  );
});

describe('mysql', () => {
  it('quotes strings and identifiers', () => {
    expect(sqlString("it's a \\ test")).toBe("'it\\'s a \\\\ test'");
    expect(sqlIdent('we`ird')).toBe('`we``ird`');
  });

  it('creates idempotently, converges the password, and drops only when asked', () => {
    const spec = { name: 'nova_api', user: 'nova', password: "p'w" };
    const keep = ensureDatabaseSql(spec, false);
    expect(keep).not.toMatch(/DROP/);
    expect(keep).toContain('CREATE DATABASE IF NOT EXISTS `nova_api` CHARACTER SET utf8;');
    const hash = nativePasswordHash("p'w");
    expect(keep).toContain(`CREATE USER IF NOT EXISTS 'nova'@'127.0.0.1' IDENTIFIED BY PASSWORD '${hash}';`);
    expect(keep).toContain(`ALTER USER 'nova'@'localhost' IDENTIFIED BY PASSWORD '${hash}';`);
    expect(keep).toContain("GRANT ALL PRIVILEGES ON `nova_api`.* TO 'nova'@'%';");
    expect(ensureDatabaseSql(spec, true).startsWith('DROP DATABASE IF EXISTS `nova_api`;')).toBe(true);
    expect(dropDatabaseSql('nova', 'nova')).toContain("DROP USER IF EXISTS 'nova'@'localhost';");
  });

  it('sends SQL with the password hash on stdin, never the password, never on the command line', async () => {
    const sh = new RecordingShell((argv) => (argv.includes('-e') ? { stdout: '' } : {}));
    const r = await ensureDatabase(sh, { name: 'glance', user: 'glance', password: 'topsecret' }, false);
    expect(r).toBe('created');
    for (const c of sh.calls) expect(c.argv.join(' ')).not.toContain('topsecret');
    expect(sh.calls[1].opts.input).not.toContain('topsecret');
    expect(sh.calls[1].opts.input).toContain(`IDENTIFIED BY PASSWORD '${nativePasswordHash('topsecret')}'`);
  });
});

describe('rabbit', () => {
  it('parses list_users', () => {
    expect(parseUserList('user\ttags\nguest\t[administrator]\nstackrabbit\t[]\n')).toEqual(['guest', 'stackrabbit']);
  });

  it('adds stackrabbit with full permissions and deletes guest', async () => {
    const sh = new RecordingShell((argv) =>
      argv.includes('list_users') ? { stdout: 'user\ttags\nguest\t[administrator]\n' } : {},
    );
    expect(await ensureRabbitUser(sh, 'stackrabbit', 'pw')).toBe('created');
    const cmds = sh.calls.map((c) => c.argv.slice(1).join(' '));
    expect(cmds).toEqual([
      '-q list_users',
      'add_user -- stackrabbit pw',
      'set_permissions -p / stackrabbit .* .* .*',
      'delete_user guest',
    ]);
  });

  it('converges the password of an existing user and leaves an absent guest alone', async () => {
    const sh = new RecordingShell((argv) => (argv.includes('list_users') ? { stdout: 'stackrabbit\t[]\n' } : {}));
    expect(await ensureRabbitUser(sh, 'stackrabbit', 'new')).toBe('updated');
    expect(sh.calls.map((c) => c.argv[1])).toEqual(['-q', 'change_password', 'set_permissions']);
  });
});

describe('stamp queries', () => {
  it('read each database schema version and identity in one mysql call; a missing one is undefined', async () => {
    const sh = new RecordingShell(() => ({
      stdout: 'nova_api 2026-11-30 10:05:37 b30f573d3377\nnova 2026-11-30 10:06:14 ccb0fa1a2252\n',
    }));
    expect(await schemaVersions(sh, ['nova_api', 'nova'])).toBe(
      'nova_api 2026-11-30 10:05:37 b30f573d3377\nnova 2026-11-30 10:06:14 ccb0fa1a2252',
    );
    expect(sh.calls).toHaveLength(1);
    expect(sh.calls[0].opts.input).toContain('FROM `nova`.alembic_version');
    // a database synced to nothing (no rows: GROUP_CONCAT is NULL and CONCAT_WS leaves it out)
    const empty = new RecordingShell(() => ({ stdout: 'nova 2026-11-30 10:06:14\n' }));
    expect(await schemaVersions(empty, ['nova'])).toBeUndefined();
    const missing = new RecordingShell(() => ({ code: 1, stdout: '' }));
    expect(await schemaVersions(missing, ['nova'])).toBeUndefined();
  });

  it('checksum tables, undefined when one is missing (NULL)', async () => {
    const sh = new RecordingShell(() => ({ stdout: 'keystone.user\t1234\nneutron.networks\t99\n' }));
    expect(await tableChecksums(sh, ['keystone.user', 'neutron.networks'])).toBe(
      'keystone.user\t1234\nneutron.networks\t99',
    );
    expect(sh.calls[0].opts.input).toBe('CHECKSUM TABLE `keystone`.`user`, `neutron`.`networks`;\n');
    const gone = new RecordingShell(() => ({ stdout: 'keystone.user\tNULL\n' }));
    expect(await tableChecksums(gone, ['keystone.user'])).toBeUndefined();
  });
});

describe('apt waves', () => {
  const pendingKvm = () =>
    makePlan(
      { VIRT_DRIVER: 'libvirt' },
      { decisions: [{ setting: 'LIBVIRT_TYPE', value: 'qemu', reason: 'qemu not installed yet', pending: true }] },
    );
  const phases = (plan: ReturnType<typeof makePlan>) =>
    buildPhases(plan, {
      install: aptInstallSteps(plan),
      seed: [],
      panes: { start: async () => undefined, waitReady: async () => undefined },
    });

  it('installs the infrastructure and what the KVM probe boots with first; the probe overlaps the main wave', () => {
    const plan = pendingKvm();
    expect(plan.waves.early.packages).toEqual(
      expect.arrayContaining(['mariadb-server', 'rabbitmq-server', 'memcached', 'keystone', 'qemu-system-x86']),
    );
    expect(plan.waves.early.packages).not.toContain('python3-neutron');
    const install = phases(plan).find((p) => p.name === 'install')!;
    checkGraph('install', install.steps);
    const early = install.steps.find((s) => s.id === EARLY_APT_STEP)!;
    expect(early.title).toBe(
      `install ${plan.waves.early.packages.length} Debian package(s) first: mysql, rabbit, memcached, keystone, ` +
        'qemu-system-x86, qemu-utils, nova-common, python3-nova',
    );
    // its .debs are fetched while the early wave installs, into a cache of their own the main wave installs from
    const main = install.steps.find((s) => s.id === APT_STEP)!;
    expect(main.after).toEqual([EARLY_APT_STEP, PREFETCH_STEP]);
    expect(install.steps.find((s) => s.id === PREFETCH_STEP)!.after ?? []).toEqual([]);
    expect(install.steps.find((s) => s.id === 'libvirt:kvm-probe')!.after).toEqual([EARLY_APT_STEP]);
  });

  it('has only the infrastructure first once LIBVIRT_TYPE is known: the probe waits for the install', () => {
    const plan = makePlan({ VIRT_DRIVER: 'libvirt' });
    expect(plan.waves.early.packages).not.toContain('qemu-system-x86');
    const install = phases(plan).find((p) => p.name === 'install')!;
    checkGraph('install', install.steps);
    expect(install.steps.find((s) => s.id === 'libvirt:kvm-probe')!.after).toEqual([APT_STEP]);
  });

  it('reads the versions apt would install from its simulation, as apt-get download takes them', () => {
    const out = [
      'NOTE: This is only a simulation!',
      'Inst python3-nova (2:26.2.2-1~deb12u3 Debian:12.12/stable [all])',
      'Inst libc6 [2.36-9+deb12u9] (2.36-9+deb12u10 Debian-Security:12/stable-security [amd64])',
      'Conf python3-nova (2:26.2.2-1~deb12u3 Debian:12.12/stable [all])',
    ].join('\n');
    expect(simulatedVersions(out)).toEqual(['python3-nova=2:26.2.2-1~deb12u3', 'libc6=2.36-9+deb12u10']);
    expect(aptInstallArgv(['nova-api'], { archives: '/var/cache/tstack/debs' })).toEqual(
      expect.arrayContaining(['-o', 'Dir::Cache::Archives=/var/cache/tstack/debs/']),
    );
  });

  it('fetches ahead only what the early wave does not fetch itself (both at once share the bandwidth)', async () => {
    const plan = pendingKvm();
    const early = new Set(plan.waves.early.packages);
    const sh = new RecordingShell((argv) => {
      if (argv[0] === 'dpkg-query') return { stdout: '' };
      if (argv[0] === 'apt-get' && argv.includes('-s')) {
        // an early simulation names only early packages; the other one names everything
        const onlyEarly = argv
          .filter((a) => !a.startsWith('-') && a !== 'apt-get' && a !== 'install')
          .every((a) => early.has(a));
        const inst = ['Inst libc6 [2.36-9] (2.36-10 Debian:12 [amd64])', 'Inst python3-nova (2:26 Debian:12 [all])'];
        return { stdout: (onlyEarly ? inst : [...inst, 'Inst neutron-server (2:21 Debian:12 [all])']).join('\n') };
      }
      return {};
    });
    const ctx = { plan, sh, log: { info() {}, warn() {}, debug() {} } } as unknown as StackContext;
    await aptInstallSteps(plan)
      .find((s) => s.id === PREFETCH_STEP)!
      .run(ctx);
    const download = sh.calls.find((c) => c.argv[1] === 'download')!;
    expect(download.argv.slice(4)).toEqual(['neutron-server=2:21']);
    expect(download.opts.cwd).toBe('/var/cache/tstack/debs');
  });

  it('has no early wave for a source install that knows LIBVIRT_TYPE: the code comes after the whole apt run', () => {
    const plan = makePlan({ VIRT_DRIVER: 'libvirt' }, { method: 'source' });
    expect(plan.waves.early.modules).toEqual([]);
    expect(plan.waves.early.packages).toEqual([]);
    const install = phases(plan).find((p) => p.name === 'install')!;
    expect(install.steps.map((s) => s.id)).not.toContain(EARLY_APT_STEP);
  });
});
