package io.github.hakit.dubbo;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ZooKeeper for Dubbo and for the application, from one {@link ZooKeeperSettings}.
 *
 * <pre>{@code
 * ZooKeeperSettings zk = ZooKeeperSettings.builder("zk1:2181,zk2:2181,zk3:2181").build();
 * bootstrap.registry(HakitZooKeeper.registryConfig(zk));
 * try (CuratorFramework curator = HakitZooKeeper.newCurator(zk)) {
 *     curator.start();
 *     ...
 * }
 * }</pre>
 *
 * <p>Dubbo's ZooKeeper registry builds its own Curator client ({@code Curator5ZookeeperClient}: ensemble
 * from {@code backup=}, connection and session timeouts from the URL, operation retry fixed at
 * {@code RetryNTimes(1, 1000)}); hakit cannot change that retry without replacing Dubbo's client. What it
 * sets: the whole ensemble, both timeouts, and {@code retry.period}, the delay of Dubbo's failback retries,
 * which is also the delay before Dubbo re-registers its providers on a new session (5 s by default).
 */
public final class HakitZooKeeper {
    private static final Logger log = LoggerFactory.getLogger(HakitZooKeeper.class);

    /** Znodes readable and writable only by the identity that created them (the digest user). */
    private static final ACLProvider CREATOR_ONLY = new ACLProvider() {
        @Override
        public List<ACL> getDefaultAcl() {
            return ZooDefs.Ids.CREATOR_ALL_ACL;
        }

        @Override
        public List<ACL> getAclForPath(String path) {
            return ZooDefs.Ids.CREATOR_ALL_ACL;
        }
    };

    private HakitZooKeeper() {
    }

    /** {@code zookeeper://first?backup=second,third}, the form Dubbo's registry accepts for an ensemble. */
    public static String registryAddress(ZooKeeperSettings settings) {
        Objects.requireNonNull(settings, "settings");
        String first = settings.ensemble().get(0).toString();
        StringBuilder backup = new StringBuilder();
        for (int i = 1; i < settings.ensemble().size(); i++) {
            backup.append(backup.length() == 0 ? "" : ",").append(settings.ensemble().get(i));
        }
        return "zookeeper://" + first + (backup.length() == 0 ? "" : "?backup=" + backup);
    }

    /** A Dubbo registry config for the ensemble with hakit's timeouts and retry period. */
    public static RegistryConfig registryConfig(ZooKeeperSettings settings) {
        RegistryConfig registry = new RegistryConfig(registryAddress(settings));
        registry.setTimeout((int) settings.connectionTimeout().toMillis());
        registry.setSession((int) settings.sessionTimeout().toMillis());
        Map<String, String> parameters = new HashMap<>();
        parameters.put("retry.period", String.valueOf(settings.registrationRetryPeriod().toMillis()));
        parameters.put("file-cache", String.valueOf(settings.fileCache()));
        registry.setParameters(parameters);
        if (settings.digest() != null) {
            // Dubbo's Curator client then authenticates with digest user:password and creates every znode with
            // CREATOR_ALL_ACL (Curator5ZookeeperClient)
            registry.setUsername(settings.digest().user());
            registry.setPassword(settings.digest().password());
        }
        return registry;
    }

    /**
     * A Curator client (not started) for the ensemble, with a bounded exponential backoff retry and a
     * listener that logs every connection-state change once.
     */
    public static CuratorFramework newCurator(ZooKeeperSettings settings) {
        Objects.requireNonNull(settings, "settings");
        CuratorFrameworkFactory.Builder builder = CuratorFrameworkFactory.builder();
        if (settings.digest() != null) {
            builder.authorization("digest", settings.digest().auth().getBytes(StandardCharsets.UTF_8))
                    .aclProvider(CREATOR_ONLY);
        }
        CuratorFramework curator = builder
                .connectString(settings.connectString())
                .sessionTimeoutMs((int) settings.sessionTimeout().toMillis())
                .connectionTimeoutMs((int) settings.connectionTimeout().toMillis())
                .retryPolicy(new BoundedExponentialBackoffRetry((int) settings.retryBaseSleep().toMillis(),
                        (int) settings.retryMaxSleep().toMillis(), settings.retryMaxRetries()))
                .build();
        curator.getConnectionStateListenable().addListener(new StateLogger(settings.connectString()));
        return curator;
    }

    /**
     * One log line per connection-state change, with the session id (for LOST, the session that was
     * lost). Listener errors are logged by Curator, not thrown.
     */
    static final class StateLogger implements ConnectionStateListener {
        private final String ensemble;
        private volatile long lastSession;

        StateLogger(String ensemble) {
            this.ensemble = ensemble;
        }

        @Override
        public void stateChanged(CuratorFramework client, ConnectionState state) {
            long current;
            try {
                current = client.getZookeeperClient().getZooKeeper().getSessionId();
            } catch (Exception e) {
                current = 0;
            }
            String session = "0x" + Long.toHexString(current != 0 ? current : lastSession);
            switch (state) {
                case CONNECTED, RECONNECTED -> {
                    String previous = lastSession != 0 && lastSession != current
                            ? ", new session after 0x" + Long.toHexString(lastSession) : "";
                    lastSession = current;
                    log.info("ZooKeeper {} {} (session {}{})", ensemble, state, session, previous);
                }
                case READ_ONLY -> log.warn("ZooKeeper {} READ_ONLY: only reads are served (session {})", ensemble, session);
                case SUSPENDED -> log.warn("ZooKeeper {} SUSPENDED: connection lost, session {} may still live",
                        ensemble, session);
                case LOST -> log.warn("ZooKeeper {} LOST: session 0x{} expired or gave up; its ephemeral nodes are gone",
                        ensemble, Long.toHexString(lastSession));
                default -> log.info("ZooKeeper {} {}", ensemble, state);
            }
        }
    }
}
