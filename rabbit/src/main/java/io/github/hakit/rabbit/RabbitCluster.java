package io.github.hakit.rabbit;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.config.HaproxyBackendParser;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.Ticker;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.UpstreamStatus;
import io.github.resilience4j.core.IntervalFunction;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * A RabbitMQ cluster seen from the client: its nodes as a {@code core} {@link Upstream} (round robin, HAProxy-style
 * active checks through a real AMQP handshake, Nginx-style passive accounting of refused connections), and
 * connections that land on a healthy node and recover to the <em>next</em> healthy node quickly.
 *
 * <pre>{@code
 * try (RabbitCluster rabbit = RabbitCluster.builder()
 *         .endpoints("10.0.0.1:5672,10.0.0.2:5672,10.0.0.3:5672")
 *         .credentials("app", "secret")
 *         .build()) {
 *     rabbit.declareQuorumQueue("orders");
 *     try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.ofDefaults())) {
 *         publisher.publish("", "orders", props, body).join();      // completes on the broker's confirm
 *     }
 *     Connection c = rabbit.newConnection("orders-consumer");      // auto-recovering, health-ordered
 * }
 * }</pre>
 *
 * <p>Defaults, chosen for sub-second failover: checks every 1 s ({@code fastinter} 250 ms, {@code rise 2 fall 2},
 * probe timeout 1 s), connect and handshake timeouts 2 s, heartbeat 5 s, recovery after 50 ms doubling up to 1 s
 * (amqp-client's stock setting is a fixed 5 s).
 */
public final class RabbitCluster implements AutoCloseable {
    private final Settings settings;
    private final Upstream upstream;
    private final ScheduledExecutorService scheduler;
    private final boolean ownsScheduler;
    private final Optional<RabbitManagement> management;

    private RabbitCluster(Settings settings) {
        this.settings = settings;
        if (settings.scheduler != null) {
            this.scheduler = settings.scheduler;
            this.ownsScheduler = false;
        } else {
            AtomicInteger threads = new AtomicInteger();
            ScheduledThreadPoolExecutor own = new ScheduledThreadPoolExecutor(2, r -> {
                Thread t = new Thread(r, "hakit-rabbit-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            own.setRemoveOnCancelPolicy(true);
            this.scheduler = own;
            this.ownsScheduler = true;
        }
        Upstream.Builder up = Upstream.builder(settings.name)
                .endpoints(settings.endpoints)
                .balancer(Balancer.ROUND_ROBIN)
                .allDown(AllDownPolicy.tryAnyway())
                .nextUpstream(NextUpstreamPolicy.builder()
                        .attemptTimeout(settings.connectionTimeout)
                        .tries(settings.endpoints.size())
                        .build())
                .healthCheck(settings.healthCheck, probe(settings))
                .ticker(settings.ticker);
        if (settings.scheduler != null) {
            up.scheduler(settings.scheduler);
        }
        for (UpstreamListener listener : settings.listeners) {
            up.listener(listener);
        }
        this.upstream = up.build();
        this.management = settings.managementUrls.isEmpty() ? Optional.empty()
                : Optional.of(new RabbitManagement(settings.managementUrls, settings.user, settings.password,
                        settings.managementTimeout));
    }

    private io.github.hakit.core.health.Probe probe(Settings s) {
        AmqpHandshakeProbe amqp = new AmqpHandshakeProbe(this::baseFactory);
        if (s.managementProbe == null) {
            return amqp;
        }
        io.github.hakit.core.health.Probe management = s.managementProbe;
        return new io.github.hakit.core.health.Probe() {
            @Override
            public void check(Endpoint endpoint, Duration timeout) throws Exception {
                amqp.check(endpoint, timeout);
                management.check(endpoint, timeout);
            }

            @Override
            public String toString() {
                return amqp + " + " + management;
            }
        };
    }

    /** A builder; {@link Builder#endpoints} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The nodes as an upstream: health state, balancer, listeners. */
    public Upstream upstream() {
        return upstream;
    }

    /** The nodes' states as HAProxy's stats page would show them. */
    public UpstreamStatus status() {
        return upstream.status();
    }

    /** The management API client, when {@link Builder#managementUrls} were given. */
    public Optional<RabbitManagement> management() {
        return management;
    }

    /** The shared scheduler (recovery, deadlines, refreshes): the injected one, or the cluster's own. */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** The clock of every timing rule (health checks, publisher deadlines). */
    Ticker ticker() {
        return settings.ticker;
    }

    /** Whether the named endpoint takes traffic right now. */
    boolean takesTraffic(String endpointName) {
        io.github.hakit.core.EndpointStatus s = upstream.status(endpointName);
        return s != null && s.state().takesTraffic();
    }

    Settings settings() {
        return settings;
    }

    /**
     * A new factory with the credentials, virtual host, timeouts and TLS of this cluster (or, with
     * {@link Builder#connectionFactory}, a fresh copy of that factory with this cluster's timeouts); recovery off.
     */
    public ConnectionFactory baseFactory() {
        ConnectionFactory factory;
        if (settings.factoryTemplate != null) {
            factory = Objects.requireNonNull(settings.factoryTemplate.get(), "connection factory template gave null");
        } else {
            factory = new ConnectionFactory();
            factory.setUsername(settings.user);
            factory.setPassword(settings.password);
            factory.setVirtualHost(settings.virtualHost);
        }
        factory.setConnectionTimeout(millis(settings.connectionTimeout));
        factory.setHandshakeTimeout(millis(settings.handshakeTimeout));
        factory.setRequestedHeartbeat((int) settings.heartbeat.toSeconds());
        factory.setAutomaticRecoveryEnabled(false);
        factory.setTopologyRecoveryEnabled(false);
        if (settings.sslContext != null) {
            factory.useSslProtocol(settings.sslContext);
            if (settings.verifyHostname) {
                factory.enableHostnameVerification();
            }
        }
        return factory;
    }

    /**
     * A factory whose connections recover automatically (with topology: queues, bindings, consumers) after
     * {@link Builder#recoveryBackoff} delays; pair it with {@link #addressResolver()}.
     */
    public ConnectionFactory recoveringFactory() {
        ConnectionFactory factory = baseFactory();
        factory.setAutomaticRecoveryEnabled(true);
        factory.setTopologyRecoveryEnabled(true);
        IntervalFunction backoff = settings.recoveryBackoff;
        factory.setRecoveryDelayHandler(attempt -> backoff.apply(Math.max(1, attempt + 1)));
        return factory;
    }

    /** Health-ordered addresses for amqp-client (see {@link HealthyAddressResolver}). */
    public HealthyAddressResolver addressResolver() {
        return new HealthyAddressResolver(upstream, Optional::empty);
    }

    /** Health-ordered addresses that put the named endpoint first while it is healthy. */
    public HealthyAddressResolver addressResolver(Supplier<Optional<String>> preferredEndpoint) {
        return new HealthyAddressResolver(upstream, preferredEndpoint);
    }

    /**
     * An auto-recovering connection on the next healthy node (round robin): after a failure it reconnects to
     * the next healthy node and recovers its channels, queues, bindings and consumers.
     */
    public Connection newConnection(String connectionName) throws IOException, TimeoutException {
        return recoveringFactory().newConnection(null, addressResolver(), connectionName);
    }

    /** A connection without automatic recovery (the caller recovers), on the next healthy node. */
    public Connection newPlainConnection(String connectionName, Supplier<Optional<String>> preferredEndpoint)
            throws IOException, TimeoutException {
        return baseFactory().newConnection(null, addressResolver(preferredEndpoint), connectionName);
    }

    /** The endpoint a connection is on (matched by host and port), if it is one of this cluster's. */
    public Optional<Endpoint> endpointOf(Connection connection) {
        int port = connection.getPort();
        String host = connection.getAddress().getHostAddress();
        for (Endpoint e : upstream.endpoints()) {
            if (e.port() == port && (e.host().equals(host) || e.host().equals(connection.getAddress().getHostName()))) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /** A publisher with confirms, republish after failover and a bounded in-flight window. */
    public ReliablePublisher publisher(PublisherConfig config) {
        return new ReliablePublisher(this, config);
    }

    /**
     * Declares a durable quorum queue (idempotent for equal arguments) on a short-lived connection.
     *
     * @param extraArguments more {@code x-} arguments, e.g. {@code x-delivery-limit}
     */
    public void declareQuorumQueue(String queue, Map<String, Object> extraArguments) throws IOException {
        Objects.requireNonNull(queue, "queue");
        Map<String, Object> args = new java.util.HashMap<>(extraArguments);
        args.put("x-queue-type", "quorum");
        withChannel(ch -> ch.queueDeclare(queue, true, false, false, args));
    }

    /** {@link #declareQuorumQueue(String, Map)} without extra arguments. */
    public void declareQuorumQueue(String queue) throws IOException {
        declareQuorumQueue(queue, Map.of());
    }

    /** Runs {@code action} on a channel of a short-lived connection to a healthy node. */
    public void withChannel(ChannelAction action) throws IOException {
        try (Connection c = newPlainConnection("hakit-admin", Optional::empty); Channel ch = c.createChannel()) {
            action.run(ch);
        } catch (TimeoutException e) {
            throw new IOException("timed out talking to RabbitMQ: " + e.getMessage(), e);
        }
    }

    /** Something to do with a channel. */
    @FunctionalInterface
    public interface ChannelAction {
        void run(Channel channel) throws IOException;
    }

    /** A consumer that keeps consuming across node failures (see {@link ResilientConsumer}). */
    public ResilientConsumer consume(String queue, int prefetch, MessageHandler handler) throws IOException {
        return new ResilientConsumer(this, queue, prefetch, handler);
    }

    static int millis(Duration d) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, d.toMillis()));
    }

    @Override
    public void close() {
        upstream.close();
        if (ownsScheduler) {
            scheduler.shutdownNow();
        }
        management.ifPresent(RabbitManagement::close);
        if (settings.managementProbe != null) {
            settings.managementProbe.close();
        }
    }

    @Override
    public String toString() {
        return "RabbitCluster[" + settings.name + " " + upstream.endpoints() + "]";
    }

    /** Immutable settings, copied from the builder. */
    static final class Settings {
        final String name;
        final List<Endpoint> endpoints;
        final String user;
        final String password;
        final String virtualHost;
        final HealthCheckConfig healthCheck;
        final Duration connectionTimeout;
        final Duration handshakeTimeout;
        final Duration heartbeat;
        final IntervalFunction recoveryBackoff;
        final SSLContext sslContext;
        final boolean verifyHostname;
        final List<String> managementUrls;
        final Duration managementTimeout;
        final Ticker ticker;
        final List<UpstreamListener> listeners;
        final ManagementProbe managementProbe;
        final Supplier<ConnectionFactory> factoryTemplate;
        final ScheduledExecutorService scheduler;

        Settings(Builder b) {
            this.name = b.name;
            this.endpoints = List.copyOf(b.endpoints);
            this.user = b.user;
            this.password = b.password;
            this.virtualHost = b.virtualHost;
            this.healthCheck = b.healthCheck;
            this.connectionTimeout = b.connectionTimeout;
            this.handshakeTimeout = b.handshakeTimeout;
            this.heartbeat = b.heartbeat;
            this.recoveryBackoff = b.recoveryBackoff;
            this.sslContext = b.sslContext;
            this.verifyHostname = b.verifyHostname;
            this.managementUrls = List.copyOf(b.managementUrls);
            this.managementTimeout = b.managementTimeout;
            this.ticker = b.ticker;
            this.listeners = List.copyOf(b.listeners);
            this.managementProbe = b.managementProbe;
            this.factoryTemplate = b.factoryTemplate;
            this.scheduler = b.scheduler;
        }
    }

    /** Builder of a {@link RabbitCluster}. */
    public static final class Builder {
        private String name = "rabbitmq";
        private final List<Endpoint> endpoints = new ArrayList<>();
        private String user = "guest";
        private String password = "guest";
        private String virtualHost = "/";
        private HealthCheckConfig healthCheck = HealthCheckConfig.builder().inter(Duration.ofSeconds(1))
                .fastInter(Duration.ofMillis(250)).downInter(Duration.ofSeconds(1)).rise(2).fall(2)
                .timeout(Duration.ofSeconds(1)).build();
        private Duration connectionTimeout = Duration.ofSeconds(2);
        private Duration handshakeTimeout = Duration.ofSeconds(2);
        private Duration heartbeat = Duration.ofSeconds(5);
        private IntervalFunction recoveryBackoff = IntervalFunction.ofExponentialBackoff(
                Duration.ofMillis(50), 2.0, Duration.ofSeconds(1));
        private SSLContext sslContext;
        private boolean verifyHostname;
        private final List<String> managementUrls = new ArrayList<>();
        private Duration managementTimeout = Duration.ofSeconds(2);
        private Ticker ticker = Ticker.system();
        private final List<UpstreamListener> listeners = new ArrayList<>();
        private ManagementProbe managementProbe;
        private Supplier<ConnectionFactory> factoryTemplate;
        private ScheduledExecutorService scheduler;

        private Builder() {
        }

        /**
         * Start every connection and probe from a fresh factory given by {@code template} (e.g. a clone of the one
         * Spring Boot configured from {@code spring.rabbitmq.*}): its credentials, virtual host and TLS are used
         * instead of {@link #credentials}, {@link #virtualHost} and {@link #tls}; hakit still sets its timeouts,
         * heartbeat and recovery on each copy. The supplier must return a new factory on every call.
         */
        public Builder connectionFactory(Supplier<ConnectionFactory> template) {
            this.factoryTemplate = Objects.requireNonNull(template, "template");
            return this;
        }

        /** Also check each node through its management API after the AMQP handshake (off by default). */
        public Builder managementProbe(ManagementProbe probe) {
            this.managementProbe = Objects.requireNonNull(probe, "probe");
            return this;
        }

        /** Name of the upstream (logs, metrics); default {@code rabbitmq}. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Nodes as {@code host:port,host:port} (see {@link Endpoint#parseList}); use {@link #endpoints(List)} for weights and tags. */
        public Builder endpoints(String addresses) {
            Objects.requireNonNull(addresses, "addresses");
            this.endpoints.addAll(Endpoint.parseList(addresses));
            return this;
        }

        public Builder endpoints(List<Endpoint> list) {
            Objects.requireNonNull(list, "list");
            this.endpoints.addAll(list);
            return this;
        }

        /**
         * Nodes from HAProxy {@code server} lines as ops run them today, e.g.
         * {@code server a 10.0.0.1:5672 check inter 2s rise 2 fall 3}, one per line.
         */
        public Builder haproxyServers(String lines) {
            Objects.requireNonNull(lines, "lines");
            for (String line : lines.split("\n")) {
                if (!line.isBlank()) {
                    endpoints.add(HaproxyBackendParser.parseServer(line.trim()));
                }
            }
            return this;
        }

        public Builder credentials(String user, String password) {
            this.user = Objects.requireNonNull(user, "user");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        public Builder virtualHost(String vhost) {
            this.virtualHost = Objects.requireNonNull(vhost, "vhost");
            return this;
        }

        /** Active check timing (default inter 1s, fastinter 250ms, rise 2, fall 2, timeout 1s). */
        public Builder healthCheck(HealthCheckConfig config) {
            this.healthCheck = Objects.requireNonNull(config, "config");
            return this;
        }

        /** TCP connect timeout per node (default 2 s). */
        public Builder connectionTimeout(Duration timeout) {
            this.connectionTimeout = positive(timeout, "connectionTimeout");
            return this;
        }

        /** AMQP handshake timeout per node (default 2 s): bounds the cost of a node that accepts TCP and hangs. */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = positive(timeout, "handshakeTimeout");
            return this;
        }

        /** Requested AMQP heartbeat (default 5 s; whole seconds). */
        public Builder heartbeat(Duration interval) {
            this.heartbeat = positive(interval, "heartbeat");
            return this;
        }

        /** Delay before each connection recovery attempt (default 50 ms doubling to 1 s). */
        public Builder recoveryBackoff(IntervalFunction backoff) {
            this.recoveryBackoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /** amqps: connect with this TLS context; {@code verifyHostname} checks the node's certificate name. */
        public Builder tls(SSLContext context, boolean verifyHostname) {
            this.sslContext = Objects.requireNonNull(context, "context");
            this.verifyHostname = verifyHostname;
            return this;
        }

        /** Management API base URLs ({@code http://host:15672}), for cluster view and leader-aware placement. */
        public Builder managementUrls(List<String> urls) {
            Objects.requireNonNull(urls, "urls");
            urls.forEach(RabbitManagement::parse); // refused here, where the caller can tell which setting it was
            this.managementUrls.addAll(urls);
            return this;
        }

        /** Timeout of each management API request (default 2 s). */
        public Builder managementTimeout(Duration timeout) {
            this.managementTimeout = positive(timeout, "managementTimeout");
            return this;
        }

        /** The clock of every timing rule: health checks, publisher deadlines, stalls, elections (default system). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * The scheduler for health checks, publisher timers and recovery (default: the cluster's own two daemon
         * threads, shut down by {@link RabbitCluster#close()}); an injected one is the caller's to shut down.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Receives node state changes, retries and exhausted calls. */
        public Builder listener(UpstreamListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public RabbitCluster build() {
            if (endpoints.isEmpty()) {
                throw new IllegalStateException("no RabbitMQ endpoints configured");
            }
            return new RabbitCluster(new Settings(this));
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(what + " <= 0: " + d);
            }
            return d;
        }
    }
}
