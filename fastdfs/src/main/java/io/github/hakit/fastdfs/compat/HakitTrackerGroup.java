package io.github.hakit.fastdfs.compat;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Peer;
import io.github.hakit.core.Upstream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import org.csource.fastdfs.ClientGlobal;
import org.csource.fastdfs.TrackerClient;
import org.csource.fastdfs.TrackerGroup;
import org.csource.fastdfs.TrackerServer;

/**
 * A fastdfs-client-java {@link TrackerGroup} whose {@link #getTrackerServer()} answers the tracker hakit's tracker
 * upstream would pick — healthy ones first (ACTIVE_TEST checks, Nginx passive accounting of hakit's own calls) —
 * instead of the stock group's blind rotation, which hands out a dead tracker every other call.
 *
 * <p>It changes <em>which</em> tracker stock code talks to, not how: a stock call on a tracker that dies before
 * the health checks notice still fails as it would without hakit (the stock client does not fail over once it was
 * given a tracker). For 0 failures, run the calls through {@link FailoverStorageClient}.
 *
 * <pre>{@code
 * FastDfsClient hakit = FastDfsClient.builder().trackers("10.0.0.1:22122,10.0.0.2:22122").build();
 * TrackerGroup group = new HakitTrackerGroup(hakit.trackers());
 * ClientGlobal.setG_tracker_group(group);                      // for code that calls new TrackerClient()
 * TrackerServer tracker = new TrackerClient(group).getTrackerServer();
 * String id = new StorageClient1(tracker, null).upload_file1(bytes, "jpg", null);
 * }</pre>
 *
 * <p>{@link ClientGlobal} is static: one tracker group per JVM for code that uses {@code new TrackerClient()}.
 * Prefer passing the group to {@link TrackerClient#TrackerClient(TrackerGroup)}.
 */
public class HakitTrackerGroup extends TrackerGroup {
    private final Upstream trackers;

    /** A group over the endpoints of {@code trackers} (e.g. {@code FastDfsClient.trackers()}). */
    public HakitTrackerGroup(Upstream trackers) {
        super(addresses(Objects.requireNonNull(trackers, "trackers")));
        this.trackers = trackers;
    }

    private static InetSocketAddress[] addresses(Upstream trackers) {
        List<Endpoint> endpoints = trackers.endpoints();
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("tracker upstream '" + trackers.name() + "' has no endpoints");
        }
        return endpoints.stream().map(e -> new InetSocketAddress(e.host(), e.port())).toArray(InetSocketAddress[]::new);
    }

    /** The upstream this group picks from. */
    public Upstream upstream() {
        return trackers;
    }

    /**
     * The tracker hakit picks (no connection is opened here, as in the stock group); the stock rotation when the
     * upstream has nothing usable to offer.
     */
    @Override
    public TrackerServer getTrackerServer() throws IOException {
        Peer peer = trackers.pick();
        if (peer == null) {
            return super.getTrackerServer();
        }
        try {
            Endpoint e = peer.endpoint();
            for (int i = 0; i < tracker_servers.length; i++) {
                InetSocketAddress a = tracker_servers[i];
                if (a.getPort() == e.port() && a.getHostString().equals(e.host())) {
                    return getTrackerServer(i);
                }
            }
            // endpoints changed since this group was made (Upstream.setEndpoints): still the picked tracker
            return new TrackerServer(new InetSocketAddress(e.host(), e.port()), -1);
        } finally {
            trackers.release(peer);
        }
    }

    @Override
    public Object clone() {
        return new HakitTrackerGroup(trackers);
    }
}
