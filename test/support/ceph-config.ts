/**
 * ceph.conf of a throw-away single-host Ceph cluster for tests: one monitor (msgr v1 only, no cephx),
 * one OSD whose BlueStore lives in a sparse file, one radosgw on loopback. Each setting below that is
 * not a plain default cost time to find; the comment says why it is there.
 */
export interface CephLayout {
  readonly dir: string;
  readonly fsid: string;
  readonly monPort: number;
  readonly rgwPort: number;
  readonly osdBytes: number;
}

export function cephConfig({ dir, fsid, monPort, rgwPort, osdBytes }: CephLayout): string {
  return `[global]
fsid = ${fsid}
mon_host = v1:127.0.0.1:${String(monPort)}
public_network = 127.0.0.0/8
# v1 only: monmaptool writes a v2 address for a non-default port otherwise and v1 clients hang.
ms_bind_msgr2 = false
auth_cluster_required = none
auth_service_required = none
auth_client_required = none
run_dir = ${dir}/run
admin_socket = ${dir}/run/$name.asok
log_file = ${dir}/log/$name.log
pid_file = ${dir}/run/$name.pid
keyring = ${dir}/keyring
crash_dir = ${dir}/crash
erasure_code_dir = /usr/lib/x86_64-linux-gnu/ceph/erasure-code
plugin_dir = /usr/lib/x86_64-linux-gnu/ceph
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 1
mon_warn_on_insecure_global_id_reclaim_allowed = false
mon_max_pg_per_osd = 1000
osd_crush_chooseleaf_type = 0
debug_ms = 0

[mon]
mon_data = ${dir}/mon.$id
mon_cluster_log_file = ${dir}/log/cluster.log
# Default 1 s: every pool radosgw creates waited for it (17 s start instead of ~4 s).
paxos_propose_interval = 0.05
paxos_min_wait = 0.01

[osd]
osd_data = ${dir}/osd.$id
osd_objectstore = bluestore
# The block file defaults to $osd_data/block; naming that path in bluestore_block_path makes a self-symlink.
bluestore_block_create = true
bluestore_block_size = ${String(osdBytes)}
bluestore_fsck_on_mount = false
bluestore_fsck_on_mkfs = false
bluestore_fsck_on_umount = false
# Pacific ignores targets below 896 MiB; the cache size is what really bounds memory.
osd_memory_target = 939524096
bluestore_cache_autotune = false
bluestore_cache_size = 134217728
osd_class_dir = /usr/lib/x86_64-linux-gnu/rados-classes
osd_op_num_shards = 2
osd_op_num_threads_per_shard = 1
# The OSD's own crush update on start failed with "wrong fsid" about once in six starts: placed by hand.
osd_class_update_on_start = false
osd_crush_update_on_start = false

[client.rgw.a]
rgw_data = ${dir}/rgw
rgw_frontends = beast endpoint=127.0.0.1:${String(rgwPort)}
rgw_thread_pool_size = 64
rgw_enable_usage_log = false
# Deleted objects otherwise wait 2 h for garbage collection and a long run fills the block file.
rgw_gc_obj_min_wait = 60
rgw_gc_processor_period = 60
log_file = ${dir}/log/rgw.log
`;
}
