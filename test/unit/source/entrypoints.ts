// The console and WSGI scripts each project's setup.cfg declares, in pbr's
// [entry_points] format: what `pip install -e` generates in the venv's bin/.
// Taken from Debian 12's packages (…/dist-packages/<project>-*.egg-info/entry_points.txt,
// keystone 22.0.2, glance 25.1.0, openstack_placement 8.0.0, neutron 21.0.0,
// nova 26.2.2, cinder 21.3.1), the releases SOURCE_DEPS=distro installs against.
// Only the script groups; horizon declares none (uwsgi loads its wsgi.py).

export const SETUP_CFG_SCRIPTS: Readonly<Record<string, string>> = {
  keystone: `[entry_points]
console_scripts =
    keystone-manage = keystone.cmd.manage:main
    keystone-status = keystone.cmd.status:main
wsgi_scripts =
    keystone-wsgi-admin = keystone.server.wsgi:initialize_admin_application
    keystone-wsgi-public = keystone.server.wsgi:initialize_public_application
`,
  glance: `[entry_points]
console_scripts =
    glance-api = glance.cmd.api:main
    glance-cache-cleaner = glance.cmd.cache_cleaner:main
    glance-cache-manage = glance.cmd.cache_manage:main
    glance-cache-prefetcher = glance.cmd.cache_prefetcher:main
    glance-cache-pruner = glance.cmd.cache_pruner:main
    glance-control = glance.cmd.control:main
    glance-manage = glance.cmd.manage:main
    glance-replicator = glance.cmd.replicator:main
    glance-scrubber = glance.cmd.scrubber:main
    glance-status = glance.cmd.status:main
wsgi_scripts =
    glance-wsgi-api = glance.common.wsgi_app:init_app
`,
  placement: `[entry_points]
console_scripts =
    placement-manage = placement.cmd.manage:main
    placement-status = placement.cmd.status:main
wsgi_scripts =
    placement-api = placement.wsgi:init_application
`,
  neutron: `[entry_points]
console_scripts =
    ml2ovn-trace = neutron.cmd.ovn.ml2ovn_trace:main
    neutron-db-manage = neutron.db.migration.cli:main
    neutron-debug = neutron.debug.shell:main
    neutron-dhcp-agent = neutron.cmd.eventlet.agents.dhcp:main
    neutron-ipset-cleanup = neutron.cmd.ipset_cleanup:main
    neutron-keepalived-state-change = neutron.cmd.keepalived_state_change:main
    neutron-l3-agent = neutron.cmd.eventlet.agents.l3:main
    neutron-linuxbridge-agent = neutron.cmd.eventlet.plugins.linuxbridge_neutron_agent:main
    neutron-linuxbridge-cleanup = neutron.cmd.linuxbridge_cleanup:main
    neutron-macvtap-agent = neutron.cmd.eventlet.plugins.macvtap_neutron_agent:main
    neutron-metadata-agent = neutron.cmd.eventlet.agents.metadata:main
    neutron-metering-agent = neutron.cmd.eventlet.services.metering_agent:main
    neutron-netns-cleanup = neutron.cmd.netns_cleanup:main
    neutron-openvswitch-agent = neutron.cmd.eventlet.plugins.ovs_neutron_agent:main
    neutron-ovn-db-sync-util = neutron.cmd.ovn.neutron_ovn_db_sync_util:main
    neutron-ovn-metadata-agent = neutron.cmd.eventlet.agents.ovn_metadata:main
    neutron-ovn-migration-mtu = neutron.cmd.ovn.migration_mtu:main
    neutron-ovs-cleanup = neutron.cmd.ovs_cleanup:main
    neutron-pd-notify = neutron.cmd.pd_notify:main
    neutron-remove-duplicated-port-bindings = neutron.cmd.remove_duplicated_port_bindings:main
    neutron-rootwrap = oslo_rootwrap.cmd:main
    neutron-rootwrap-daemon = oslo_rootwrap.cmd:daemon
    neutron-rpc-server = neutron.cmd.eventlet.server:main_rpc_eventlet
    neutron-sanitize-port-binding-profile-allocation = neutron.cmd.sanitize_port_binding_profile_allocation:main
    neutron-sanitize-port-mac-addresses = neutron.cmd.sanitize_port_mac_addresses:main
    neutron-sanity-check = neutron.cmd.sanity_check:main
    neutron-server = neutron.cmd.eventlet.server:main
    neutron-sriov-nic-agent = neutron.cmd.eventlet.plugins.sriov_nic_neutron_agent:main
    neutron-status = neutron.cmd.status:main
    neutron-usage-audit = neutron.cmd.eventlet.usage_audit:main
wsgi_scripts =
    neutron-api = neutron.cmd.eventlet.server:main_api_eventlet
`,
  nova: `[entry_points]
console_scripts =
    nova-api = nova.cmd.api:main
    nova-api-metadata = nova.cmd.api_metadata:main
    nova-api-os-compute = nova.cmd.api_os_compute:main
    nova-compute = nova.cmd.compute:main
    nova-conductor = nova.cmd.conductor:main
    nova-manage = nova.cmd.manage:main
    nova-novncproxy = nova.cmd.novncproxy:main
    nova-policy = nova.cmd.policy:main
    nova-rootwrap = oslo_rootwrap.cmd:main
    nova-rootwrap-daemon = oslo_rootwrap.cmd:daemon
    nova-scheduler = nova.cmd.scheduler:main
    nova-serialproxy = nova.cmd.serialproxy:main
    nova-spicehtml5proxy = nova.cmd.spicehtml5proxy:main
    nova-status = nova.cmd.status:main
wsgi_scripts =
    nova-api-wsgi = nova.api.openstack.compute.wsgi:init_application
    nova-metadata-wsgi = nova.api.metadata.wsgi:init_application
`,
  cinder: `[entry_points]
console_scripts =
    cinder-api = cinder.cmd.api:main
    cinder-backup = cinder.cmd.backup:main
    cinder-manage = cinder.cmd.manage:main
    cinder-rootwrap = oslo_rootwrap.cmd:main
    cinder-rtstool = cinder.cmd.rtstool:main
    cinder-scheduler = cinder.cmd.scheduler:main
    cinder-status = cinder.cmd.status:main
    cinder-volume = cinder.cmd.volume:main
    cinder-volume-usage-audit = cinder.cmd.volume_usage_audit:main
wsgi_scripts =
    cinder-wsgi = cinder.wsgi.wsgi:initialize_application
`,
  horizon: '',
};
