package io.github.hakit.testkit.fastdfs;

/**
 * How the test trackers choose a storage for fetch-one / update queries (cmd 102 / 103).
 *
 * <pre>{@code
 * cluster.replicationDelay(Duration.ofSeconds(5));
 * cluster.fetchRouting(FetchRouting.IGNORE_SYNC); // reads may hit a replica that lacks a fresh file
 * }</pre>
 */
public enum FetchRouting {
    /**
     * Like {@code tracker_mem_get_storage_by_filename}: round robin over the ACTIVE storages of the group
     * that are the file's source or have synced from the source beyond the file's timestamp (a later second); when none
     * qualifies, any ACTIVE storage.
     */
    SYNC_AWARE,
    /**
     * Round robin over all ACTIVE storages regardless of sync state: reproduces a tracker whose sync
     * view is stale (heartbeats lag), which sends a download to a replica that has not received the file.
     */
    IGNORE_SYNC
}
