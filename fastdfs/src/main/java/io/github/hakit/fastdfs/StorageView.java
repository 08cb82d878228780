package io.github.hakit.fastdfs;

import java.time.Instant;

/**
 * One storage as a tracker lists it.
 *
 * <pre>{@code
 * for (StorageView s : group.storages()) {
 *     log.info("{} {}", s.address(), s.status());
 * }
 * }</pre>
 *
 * @param id storage id, or its IP when the cluster does not use storage ids
 * @param host IP address
 * @param port storage port
 * @param status state on the tracker
 * @param version server version string
 * @param lastHeartbeat last heartbeat the tracker received (epoch 0 when unknown)
 */
public record StorageView(String id, String host, int port, StorageStatus status, String version,
        Instant lastHeartbeat) {
    /** {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }
}
