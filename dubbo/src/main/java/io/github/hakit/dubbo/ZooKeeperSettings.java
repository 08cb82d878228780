package io.github.hakit.dubbo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import io.github.hakit.core.HostPort;

/**
 * How hakit reaches ZooKeeper: the whole ensemble, timeouts, a bounded exponential retry policy for
 * Curator, and how soon Dubbo retries a failed (re-)registration.
 *
 * <pre>{@code
 * ZooKeeperSettings zk = ZooKeeperSettings.builder("zk1:2181,zk2:2181,zk3:2181")
 *     .sessionTimeout(Duration.ofSeconds(30))
 *     .build();
 * bootstrap.registry(HakitZooKeeper.registryConfig(zk));
 * CuratorFramework curator = HakitZooKeeper.newCurator(zk);   // for the application's own use
 * }</pre>
 *
 * @param ensemble every ZooKeeper member; a client fails over between them on the same session
 * @param sessionTimeout session timeout asked of the server (it clamps to 2..20 ticks); default 30 s
 * @param connectionTimeout how long the first connection may take; default 10 s
 * @param retryBaseSleep Curator retry: first sleep; default 100 ms
 * @param retryMaxSleep Curator retry: sleeps double up to this bound; default 5 s
 * @param retryMaxRetries Curator retry: attempts per operation; default 10
 * @param registrationRetryPeriod how soon Dubbo retries a failed registration, and re-registers after a
 *     new session: Dubbo's {@code retry.period}, 5 s by default in Dubbo, 200 ms here. Dubbo's retry timer
 *     ticks once per period and a retry fires one to two periods after it is scheduled (measured: stock
 *     Dubbo re-registered 10 s after a new session, 500 ms gave 0.6-1.0 s), so 200 ms keeps a provider
 *     out of the registry for well under a second
 * @param fileCache Dubbo's registry file cache in {@code ~/.dubbo} (addresses survive a registry outage at
 *     startup); default true
 * @param digest ZooKeeper digest authentication, or null: the registry and hakit's Curator authenticate with it
 *     and create their znodes readable and writable by that identity only ({@code CREATOR_ALL_ACL})
 */
public record ZooKeeperSettings(List<HostPort> ensemble, Duration sessionTimeout, Duration connectionTimeout,
        Duration retryBaseSleep, Duration retryMaxSleep, int retryMaxRetries, Duration registrationRetryPeriod,
        boolean fileCache, Digest digest) {

    /** Digest credentials; {@link #toString()} never shows the password. */
    public record Digest(String user, String password) {
        public Digest {
            if (user == null || user.isBlank() || user.contains(":")) {
                throw new IllegalArgumentException("ZooKeeper digest user must be non-blank without ':': '" + user + "'");
            }
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("ZooKeeper digest password for user '" + user + "' is empty");
            }
        }

        /** {@code user:password}, the form ZooKeeper's digest scheme takes. */
        public String auth() {
            return user + ":" + password;
        }

        @Override
        public String toString() {
            return user + ":****";
        }
    }

    public ZooKeeperSettings {
        ensemble = List.copyOf(Objects.requireNonNull(ensemble, "ensemble"));
        if (ensemble.isEmpty()) {
            throw new IllegalArgumentException("empty ZooKeeper ensemble");
        }
        positive(sessionTimeout, "sessionTimeout");
        positive(connectionTimeout, "connectionTimeout");
        positive(retryBaseSleep, "retryBaseSleep");
        positive(retryMaxSleep, "retryMaxSleep");
        positive(registrationRetryPeriod, "registrationRetryPeriod");
        if (retryMaxSleep.compareTo(retryBaseSleep) < 0) {
            throw new IllegalArgumentException("retryMaxSleep " + retryMaxSleep + " < retryBaseSleep " + retryBaseSleep);
        }
        if (retryMaxRetries < 0 || retryMaxRetries > 29) {
            throw new IllegalArgumentException("retryMaxRetries out of range 0..29: " + retryMaxRetries);
        }
    }

    private static void positive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be > 0: " + d);
        }
    }

    /** {@code host:port,host:port,...} for a ZooKeeper or Curator client. */
    public String connectString() {
        List<String> members = new ArrayList<>();
        for (HostPort member : ensemble) {
            members.add(member.toString());
        }
        return String.join(",", members);
    }

    /** A builder for the ensemble {@code "host:port,host:port,..."}. */
    public static Builder builder(String ensemble) {
        List<HostPort> members = new ArrayList<>();
        for (String member : Objects.requireNonNull(ensemble, "ensemble").split(",")) {
            if (!member.isBlank()) {
                members.add(HostPort.parse(member.trim()));
            }
        }
        return new Builder(members);
    }

    /** Builder with the defaults documented on the record. */
    public static final class Builder {
        private final List<HostPort> ensemble;
        private Duration sessionTimeout = Duration.ofSeconds(30);
        private Duration connectionTimeout = Duration.ofSeconds(10);
        private Duration retryBaseSleep = Duration.ofMillis(100);
        private Duration retryMaxSleep = Duration.ofSeconds(5);
        private int retryMaxRetries = 10;
        private Duration registrationRetryPeriod = Duration.ofMillis(200);
        private boolean fileCache = true;
        private Digest digest;

        private Builder(List<HostPort> ensemble) {
            this.ensemble = ensemble;
        }

        public Builder sessionTimeout(Duration d) {
            this.sessionTimeout = d;
            return this;
        }

        public Builder connectionTimeout(Duration d) {
            this.connectionTimeout = d;
            return this;
        }

        public Builder retry(Duration baseSleep, Duration maxSleep, int maxRetries) {
            this.retryBaseSleep = baseSleep;
            this.retryMaxSleep = maxSleep;
            this.retryMaxRetries = maxRetries;
            return this;
        }

        public Builder registrationRetryPeriod(Duration d) {
            this.registrationRetryPeriod = d;
            return this;
        }

        public Builder fileCache(boolean fileCache) {
            this.fileCache = fileCache;
            return this;
        }

        /** ZooKeeper digest authentication and creator-only ACLs for the registry and hakit's Curator. */
        public Builder digest(String user, String password) {
            this.digest = new Digest(user, password);
            return this;
        }

        public ZooKeeperSettings build() {
            return new ZooKeeperSettings(ensemble, sessionTimeout, connectionTimeout, retryBaseSleep, retryMaxSleep,
                    retryMaxRetries, registrationRetryPeriod, fileCache, digest);
        }
    }
}
