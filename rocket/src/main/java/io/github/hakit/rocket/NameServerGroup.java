package io.github.hakit.rocket;

import io.github.hakit.rocket.internal.NameServerProbe;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NameServers of one RocketMQ cluster, health-checked like HAProxy servers and kept current in
 * every client that uses them. Each NameServer is asked for its cluster info
 * ({@code GET_BROKER_CLUSTER_INFO}) every {@code checkInterval}; {@code fall} consecutive failures mark it
 * DOWN, {@code rise} consecutive answers mark it UP again. Attached clients get the list of UP
 * NameServers ({@code updateNameServerAddressList}; a removed NameServer's connection is closed), so a
 * dead or black-holed NameServer costs no caller time once detected. When none is UP, all are used
 * (nginx's "all down → try anyway"). When the brokers the NameServers route to change (a master dies
 * or returns), attached clients refresh their topic routes at once instead of at their next poll.
 *
 * <p>Addresses come from a {@link NameServerSource}: a fixed list or an HTTP address server, refreshed
 * every {@code sourceRefresh}; a failing or empty refresh keeps the last good list.
 *
 * <pre>{@code
 * NameServerGroup nameServers = NameServerGroup.builder("orders")
 *         .addresses("10.0.0.1:9876;10.0.0.2:9876;10.0.0.3:9876")
 *         .checkInterval(Duration.ofSeconds(2)).rise(2).fall(3)
 *         .build().start();
 * HaProducer producer = HaProducer.builder("order-producer").nameServers(nameServers).build().start();
 * }</pre>
 */
public final class NameServerGroup implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NameServerGroup.class);

    private final Builder config;
    private final ScheduledExecutorService scheduler;
    private final boolean ownScheduler;
    private final NameServerProbe probe;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Set<MQClientInstance> clients = new CopyOnWriteArraySet<>();
    private volatile List<String> lastGoodSource = List.of();
    private volatile List<String> healthy = List.of();
    private volatile Observation lastObservation = new Observation(null, null, Instant.EPOCH);
    private volatile String brokerFingerprint = "";
    private ScheduledFuture<?> sourceTask;
    private volatile boolean closed;

    private record Observation(String nameServer, ClusterInfo info, Instant at) {
    }

    /** Health of one NameServer, HAProxy style; guarded by the group's lock. */
    private final class Member {
        final String address;
        boolean up = true;
        int okInARow;
        int failedInARow;
        String lastError = "";
        ScheduledFuture<?> task;

        Member(String address) {
            this.address = address;
        }

        String state() {
            if (up) {
                return failedInARow == 0 ? "UP" : "UP " + failedInARow + "/" + config.fall;
            }
            return okInARow == 0 ? "DOWN" : "DOWN " + okInARow + "/" + config.rise;
        }
    }

    private NameServerGroup(Builder config) {
        this.config = config;
        this.ownScheduler = config.scheduler == null;
        this.scheduler = ownScheduler ? Executors.newScheduledThreadPool(2, r -> {
            Thread t = new Thread(r, "hakit-namesrv-" + config.name);
            t.setDaemon(true);
            return t;
        }) : config.scheduler;
        this.probe = new NameServerProbe(config.checkTimeout);
    }

    /** A builder for the group {@code name} (used in thread names, logs and client instance names). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The group's name. */
    public String name() {
        return config.name;
    }

    /**
     * Reads the source (must succeed once), probes every NameServer once (so a client started next sees
     * only answering ones), then schedules health checks and source refreshes.
     *
     * @throws IllegalStateException when the source gives no addresses
     */
    public NameServerGroup start() {
        List<String> initial;
        try {
            initial = NameServerAddresses.validate(config.source.fetch(config.sourceTimeout));
        } catch (Exception e) {
            throw new IllegalStateException("NameServer source " + config.source.describe() + " gave no addresses: " + e,
                    e);
        }
        lastGoodSource = initial;
        synchronized (this) {
            for (String address : initial) {
                members.put(address, new Member(address));
            }
        }
        initial.parallelStream().forEach(this::check);
        synchronized (this) {
            recomputeHealthy();
            members.values().forEach(this::schedule);
        }
        if (!(config.source instanceof FixedSource)) {
            long refresh = config.sourceRefresh.toMillis();
            sourceTask = scheduler.scheduleWithFixedDelay(this::refreshSource, refresh, refresh, TimeUnit.MILLISECONDS);
        }
        log.info("NameServer group {} started: {} (healthy {})", config.name, initial, healthy);
        return this;
    }

    private void schedule(Member m) {
        long inter = config.checkInterval.toMillis();
        m.task = scheduler.scheduleWithFixedDelay(() -> check(m.address), inter, inter, TimeUnit.MILLISECONDS);
    }

    private void check(String address) {
        if (closed) {
            return;
        }
        ClusterInfo info = null;
        Exception error = null;
        try {
            info = probe.check(address, config.checkTimeout);
        } catch (Exception e) {
            error = e;
        }
        boolean changed;
        synchronized (this) {
            Member m = members.get(address);
            if (m == null) {
                return; // removed meanwhile
            }
            changed = record(m, error);
        }
        if (info != null) {
            observe(address, info);
        }
        if (changed) {
            pushToClients();
        }
    }

    /** Applies one check result with rise/fall; true when the member changed UP/DOWN. */
    private boolean record(Member m, Exception error) {
        if (error == null) {
            m.failedInARow = 0;
            if (!m.up && ++m.okInARow >= config.rise) {
                m.up = true;
                m.okInARow = 0;
                log.info("NameServer {} of {} is UP", m.address, config.name);
                return recomputeHealthy();
            }
            return false;
        }
        m.lastError = error.toString();
        m.okInARow = 0;
        if (m.up && ++m.failedInARow >= config.fall) {
            m.up = false;
            m.failedInARow = 0;
            log.warn("NameServer {} of {} is DOWN after {} failed checks: {}", m.address, config.name, config.fall,
                    m.lastError);
            return recomputeHealthy();
        }
        if (m.up) {
            log.debug("NameServer {} check failed ({}): {}", m.address, m.state(), m.lastError);
        }
        return false;
    }

    private boolean recomputeHealthy() {
        List<String> up = members.values().stream().filter(m -> m.up).map(m -> m.address).toList();
        List<String> next = up.isEmpty() ? List.copyOf(members.keySet()) : up;
        if (up.isEmpty() && !members.isEmpty()) {
            log.warn("no NameServer of {} is UP; clients use all of them: {}", config.name, next);
        }
        boolean changed = !next.equals(healthy);
        healthy = next;
        return changed;
    }

    private void observe(String address, ClusterInfo info) {
        lastObservation = new Observation(address, info, config.clock.instant());
        String fingerprint = fingerprint(info);
        if (!fingerprint.equals(brokerFingerprint)) {
            boolean first = brokerFingerprint.isEmpty();
            brokerFingerprint = fingerprint;
            if (!first) {
                log.info("brokers of {} changed ({}); refreshing client routes", config.name, fingerprint);
                for (MQClientInstance client : clients) {
                    try {
                        client.updateTopicRouteInfoFromNameServer();
                    } catch (RuntimeException e) {
                        log.warn("route refresh failed for client {}", client.getClientId(), e);
                    }
                }
            }
        }
    }

    private static String fingerprint(ClusterInfo info) {
        if (info.getBrokerAddrTable() == null) {
            return "";
        }
        return new TreeMap<>(info.getBrokerAddrTable()).entrySet().stream()
                .map(e -> e.getKey() + "=" + new TreeMap<>(e.getValue().getBrokerAddrs()))
                .collect(Collectors.joining(","));
    }

    private void refreshSource() {
        List<String> fetched;
        try {
            fetched = NameServerAddresses.validate(config.source.fetch(config.sourceTimeout));
        } catch (Exception e) {
            log.warn("NameServer source {} of {} failed, keeping {}: {}", config.source.describe(), config.name,
                    lastGoodSource, e.toString());
            return;
        }
        if (fetched.equals(lastGoodSource)) {
            return;
        }
        log.info("NameServer source {} of {} changed: {} -> {}", config.source.describe(), config.name, lastGoodSource,
                fetched);
        lastGoodSource = fetched;
        boolean changed;
        synchronized (this) {
            for (String gone : new ArrayList<>(members.keySet())) {
                if (!fetched.contains(gone)) {
                    Member m = members.remove(gone);
                    m.task.cancel(false);
                }
            }
            List<Member> added = new ArrayList<>();
            for (String address : fetched) {
                if (!members.containsKey(address)) {
                    // new addresses start UP, like HAProxy servers; the first checks follow at once
                    Member m = new Member(address);
                    members.put(address, m);
                    added.add(m);
                }
            }
            added.forEach(this::schedule);
            changed = recomputeHealthy();
        }
        fetched.forEach(a -> scheduler.execute(() -> check(a)));
        if (changed) {
            pushToClients();
        }
    }

    private void pushToClients() {
        List<String> list = healthy;
        log.info("NameServers in use for {}: {}", config.name, list);
        for (MQClientInstance client : clients) {
            push(client, list);
        }
    }

    private static void push(MQClientInstance client, List<String> list) {
        // the remoting client keeps its chosen NameServer while it stays in the list and closes its
        // connection when it leaves (NettyRemotingClient#updateNameServerAddressList)
        client.getMQClientAPIImpl().updateNameServerAddressList(String.join(";", list));
    }

    /** The NameServers clients should use now, in RocketMQ's {@code namesrvAddr} form ({@code a:9876;b:9876}). */
    public String namesrvAddr() {
        return String.join(";", healthy);
    }

    /** The NameServers clients should use now. */
    public List<String> healthyAddresses() {
        return healthy;
    }

    /** Keeps a started client's NameServer list equal to {@link #healthyAddresses()} from now on. */
    public void attach(MQClientInstance client) {
        Objects.requireNonNull(client, "client");
        if (clients.add(client)) {
            push(client, healthy);
        }
    }

    /** Stops updating a client (call before shutting it down). */
    public void detach(MQClientInstance client) {
        clients.remove(client);
    }

    /** NameServer states and the brokers they route to. */
    public ClusterView clusterView() {
        List<ClusterView.NameServerState> states;
        synchronized (this) {
            states = members.values().stream()
                    .map(m -> new ClusterView.NameServerState(m.address, healthy.contains(m.address) && m.up, m.state()))
                    .toList();
        }
        Observation o = lastObservation;
        Map<String, ClusterView.BrokerGroup> brokers = new TreeMap<>();
        if (o.info() != null && o.info().getBrokerAddrTable() != null) {
            for (BrokerData bd : o.info().getBrokerAddrTable().values()) {
                Map<Long, String> slaves = new TreeMap<>(bd.getBrokerAddrs());
                Optional<String> master = Optional.ofNullable(slaves.remove(0L));
                brokers.put(bd.getBrokerName(), new ClusterView.BrokerGroup(bd.getBrokerName(), bd.getCluster(), master,
                        slaves));
            }
        }
        return new ClusterView(states, brokers, o.at(), Optional.ofNullable(o.nameServer()));
    }

    @Override
    public void close() {
        closed = true;
        if (sourceTask != null) {
            sourceTask.cancel(false);
        }
        synchronized (this) {
            members.values().forEach(m -> {
                if (m.task != null) {
                    m.task.cancel(false);
                }
            });
        }
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
        probe.close();
        clients.clear();
    }

    private record FixedSource(List<String> addresses) implements NameServerSource {
        @Override
        public List<String> fetch(Duration timeout) {
            return addresses;
        }

        @Override
        public String describe() {
            return "static " + addresses;
        }
    }

    /**
     * Configuration. Defaults follow HAProxy's {@code check}: interval 2 s, rise 2, fall 3; a check
     * times out after 1 s; a dynamic source is read every 30 s with a 3 s timeout.
     */
    public static final class Builder {
        private final String name;
        private NameServerSource source;
        private Duration checkInterval = Duration.ofSeconds(2);
        private Duration checkTimeout = Duration.ofSeconds(1);
        private int rise = 2;
        private int fall = 3;
        private Duration sourceRefresh = Duration.ofSeconds(30);
        private Duration sourceTimeout = Duration.ofSeconds(3);
        private ScheduledExecutorService scheduler;
        private Clock clock = Clock.systemUTC();

        private Builder(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("blank group name: " + name);
            }
            this.name = name;
        }

        /** A fixed list in RocketMQ's {@code namesrvAddr} form ({@code a:9876;b:9876}; commas work too). */
        public Builder addresses(String namesrvAddr) {
            return addresses(NameServerAddresses.parseList(namesrvAddr));
        }

        /** A fixed list of {@code host:port}. */
        public Builder addresses(List<String> addresses) {
            this.source = new FixedSource(NameServerAddresses.validate(addresses));
            return this;
        }

        /** A source that may change at run time (e.g. {@link HttpNameServerSource}). */
        public Builder source(NameServerSource source) {
            this.source = Objects.requireNonNull(source, "source");
            return this;
        }

        /** HAProxy {@code inter} (> 0). */
        public Builder checkInterval(Duration interval) {
            this.checkInterval = HaProducer.Builder.positive(interval, "checkInterval");
            return this;
        }

        /** Timeout of one check (> 0). */
        public Builder checkTimeout(Duration timeout) {
            this.checkTimeout = HaProducer.Builder.positive(timeout, "checkTimeout");
            return this;
        }

        /** HAProxy {@code rise}: answers in a row that mark a DOWN NameServer UP (1..100). */
        public Builder rise(int rise) {
            this.rise = count(rise, "rise");
            return this;
        }

        /** HAProxy {@code fall}: failed checks in a row that mark an UP NameServer DOWN (1..100). */
        public Builder fall(int fall) {
            this.fall = count(fall, "fall");
            return this;
        }

        private static int count(int n, String what) {
            if (n < 1 || n > 100) {
                throw new IllegalArgumentException(what + " must be 1..100: " + n);
            }
            return n;
        }

        /** How often a dynamic source is read (> 0). */
        public Builder sourceRefresh(Duration interval) {
            this.sourceRefresh = HaProducer.Builder.positive(interval, "sourceRefresh");
            return this;
        }

        /** Timeout of one source read (> 0). */
        public Builder sourceTimeout(Duration timeout) {
            this.sourceTimeout = HaProducer.Builder.positive(timeout, "sourceTimeout");
            return this;
        }

        /** The scheduler for checks and refreshes (default: two daemon threads owned by the group). */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The clock for observation timestamps. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public NameServerGroup build() {
            if (source == null) {
                throw new IllegalStateException("no NameServer addresses: call addresses(...) or source(...)");
            }
            return new NameServerGroup(this);
        }
    }
}
