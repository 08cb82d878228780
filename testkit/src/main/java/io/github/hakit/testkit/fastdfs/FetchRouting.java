package io.github.hakit.testkit.fastdfs;

/**
 * How the test trackers choose storages for fetch-one / fetch-all / update queries (cmd 102 / 105 / 103), after
 * {@code tracker_mem_get_storage_by_filename} of FastDFS 6.16: a storage is offered for a file when it is the file's
 * source, when the file is older than a day, when the storage has reported a sync timestamp past the file's second,
 * or when it has reported the second before and the file is older than 300 s. Appender and slave files are offered
 * from their source only; update queries name the source. Fetch-all lists every storage offered, in group order,
 * so for a fresh file that is not yet on the replica it names the source alone, also while the source is
 * {@link FdfsServer#freeze() frozen}.
 *
 * <pre>{@code
 * cluster.storage("group1", 1).pauseReplication(); // fresh files stay on their source
 * cluster.fetchRouting(FetchRouting.TRACKER_616);  // replicas count only once a later file synced (or 300 s)
 * }</pre>
 */
public enum FetchRouting {
    /**
     * The rule above, with a replica counting as synced for a file as soon as it has applied it (a cluster whose
     * storages report sync at once). The default: with replication running, reads reach the replicas quickly.
     */
    SYNC_AWARE,
    /**
     * The rule above exactly as a real storage reports: a replica's sync timestamp is that of the last file it
     * received, and a file of second T is offered on the replica only once a file of a later second has been
     * synced to it (a real storage reports at most every {@code heart_beat_interval}, 30 s), or after 300 s.
     * Observed on a 6.16.1 cluster: a fresh file stays source-only for longer than a minute.
     */
    TRACKER_616,
    /**
     * Every ACTIVE storage regardless of sync state or file kind: reproduces a tracker whose sync view is stale,
     * which sends a download to a replica that has not received the file.
     */
    IGNORE_SYNC
}
