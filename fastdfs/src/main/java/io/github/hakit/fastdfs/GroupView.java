package io.github.hakit.fastdfs;

import java.util.List;

/**
 * One group as a tracker lists it, with its storages.
 *
 * <pre>{@code
 * GroupView g = client.clusterView().group("group1").orElseThrow();
 * boolean degraded = g.activeCount() < g.storageCount();
 * }</pre>
 *
 * @param name group name
 * @param totalMb total disk space
 * @param freeMb free disk space
 * @param storageCount storages in the group
 * @param activeCount ACTIVE storages (6.1x: writable)
 * @param storagePort the group's storage port, or -1 when its storages listen on different ports (a real 6.16
 *                    tracker says so with storage ids); each {@link StorageView#port()} is always exact
 * @param storages the storages (empty if they could not be listed)
 */
public record GroupView(String name, long totalMb, long freeMb, int storageCount, int activeCount, int storagePort,
        List<StorageView> storages) {
    public GroupView {
        storages = List.copyOf(storages);
    }
}
