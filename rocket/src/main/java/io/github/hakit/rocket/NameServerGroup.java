package io.github.hakit.rocket;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.config.HaproxyBackendParser;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.HealthState;
import io.github.hakit.core.HostPort;
import io.github.hakit.core.Ticker;
import io.github.hakit.core.config.NginxUpstreamParser;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.rocket.internal.NameServerProbe;
import io.github.hakit.rocket.internal.NameServerTraffic;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.netty.NettyRemotingAbstract;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The NameServers of one RocketMQ cluster, health-checked like HAProxy servers and kept current in
 * every client that uses them. The NameServers are the endpoints of a core {@link Upstream} whose active
 * check asks each for its cluster info ({@code GET_BROKER_CLUSTER_INFO}) every {@code checkInterval};
 * {@code fall} consecutive failures mark it DOWN, {@code rise} consecutive answers mark it UP again
 * (HAProxy's {@code check inter rise fall}; a HAProxy {@code server} line's own settings win). Attached clients get the list of UP
 * NameServers ({@code updateNameServerAddressList}; a removed NameServer's connection is closed), so a
 * dead or black-holed NameServer costs no caller time once detected. When none is UP, all are used
 * (nginx's "all down → try anyway"). When the brokers the NameServers route to change (a master dies
 * or returns), attached clients refresh their topic routes at once instead of at their next poll.
 *
 * <p><b>Readiness.</b> A NameServer that answers is not yet ready: right after a restart it knows no brokers until
 * they re-register (up to their {@code registerNameServerPeriod}, 30 s by default), and a client that asks it for a
 * route gets {@code NO_ROUTE}. A check therefore fails when the NameServer's broker set is empty, or a strict
 * subset of what another ready NameServer reported in its last check; like any failed check it counts towards
 * {@code fall}, and the NameServer comes back only after {@code rise} ready answers in a row (HAProxy's
 * {@code rise}). Broker sets are kept per NameServer: the brokers "changed" only when the union of what the ready
 * NameServers know changes, so two NameServers that disagree for a while cause no route refreshes. {@link #start()}
 * makes one check round (at most {@code checkTimeout}) so that a NameServer found dead or not ready starts DOWN
 * instead of UP.
 *
 * <p>Passive accounting: the clients' own NameServer requests count too. A request the client sends to a
 * NameServer and that stays unanswered for as long as the client waits (its {@code mqClientApiTimeout}) is a
 * failure, an answer a success, with Nginx's {@code max_fails}/{@code fail_timeout} (default 1 and 10 s) and, on
 * HAProxy {@code server} lines, their {@code observe} setting. So a frozen or half-open NameServer that a client is
 * waiting on leaves every client's list after one timed-out request, without waiting for {@code fall} checks.
 * hakit's producer and consumers register the accounting hook before their client starts; a client you build
 * yourself gets it by passing {@link #trafficHook()} to its constructor.
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
    private final NameServerTraffic.Sink trafficSink;
    /** One accounting hook per client request timeout in use (the timeout after which a request counts). */
    private final Map<Long, NameServerTraffic> traffic = new ConcurrentHashMap<>();
    private volatile Map<String, String> watched = Map.of();
    private final Set<MQClientInstance> clients = new CopyOnWriteArraySet<>();
    private volatile Upstream upstream;
    private volatile List<Endpoint> lastGoodSource = List.of();
    private volatile List<String> healthy = List.of();
    private volatile Observation lastObservation = new Observation(null, null, Instant.EPOCH);
    /** What each NameServer answered in its last check (an unanswered check removes its entry). */
    private final Map<String, Known> known = new ConcurrentHashMap<>();
    /** The brokers the ready NameServers know together; null before the first ready answer. */
    private Set<String> brokers;
    private final java.util.concurrent.atomic.AtomicLong brokerChanges = new java.util.concurrent.atomic.AtomicLong();
    private volatile ScheduledFuture<?> sourceTask;
    private volatile ScheduledFuture<?> sweepTask;
    private volatile boolean closed;

    private record Observation(String nameServer, ClusterInfo info, Instant at) {
    }

    /** A NameServer's last answer: its brokers ({@code name/id=address}), when, and whether it was ready. */
    private record Known(Set<String> brokers, long atNanos, boolean ready) {
    }

    /** A check that reached a NameServer that is not ready: it answered, but its routes are incomplete. */
    static final class NotReadyException extends Exception {
        private static final long serialVersionUID = 1L;

        NotReadyException(String message) {
            super(message, null, false, false);
        }
    }

    /** Asks one NameServer for its cluster info (a test replaces the real remoting probe). */
    @FunctionalInterface
    interface ClusterProbe {
        ClusterInfo check(String address, Duration timeout) throws Exception;
    }

    private final ClusterProbe clusterProbe;
    private final NameServerProbe ownProbe;

    private NameServerGroup(Builder config) {
        this.config = config;
        this.ownScheduler = config.scheduler == null;
        this.scheduler = ownScheduler ? Executors.newScheduledThreadPool(1, r -> {
            Thread t = new Thread(r, "hakit-namesrv-" + config.name);
            t.setDaemon(true);
            return t;
        }) : config.scheduler;
        this.ownProbe = config.probe == null ? new NameServerProbe(config.checkTimeout) : null;
        this.clusterProbe = config.probe != null ? config.probe : ownProbe::check;
        this.trafficSink = new NameServerTraffic.Sink() {
            @Override
            public void success(String endpointName, long latencyNanos) {
                record(endpointName, null, latencyNanos);
            }

            @Override
            public void timeout(String endpointName, long waitedNanos) {
                record(endpointName, FailureKind.TIMEOUT, waitedNanos);
            }
        };
    }

    /** The accounting hook for clients that wait {@code timeoutMillis} for a NameServer. */
    private NameServerTraffic traffic(long timeoutMillis) {
        return traffic.computeIfAbsent(timeoutMillis, t -> {
            NameServerTraffic hook = new NameServerTraffic(trafficSink, Duration.ofMillis(t).toNanos(),
                    config.ticker);
            hook.watch(watched);
            return hook;
        });
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
     * Reads the source (must succeed once), makes one check round (at most {@code checkTimeout} in all: a NameServer
     * that is unreachable or not ready starts DOWN as long as another one is ready; one not reached in time starts UP,
     * as HAProxy servers do) and starts the health checks and, for a dynamic source, its periodic refresh.
     *
     * @throws IllegalStateException when the source gives no addresses
     */
    public NameServerGroup start() {
        List<Endpoint> initial;
        try {
            initial = config.source.fetch(config.sourceTimeout, config::endpoint);
        } catch (Exception e) {
            throw new IllegalStateException("NameServer source " + config.source.describe() + " gave no addresses: " + e,
                    e);
        }
        lastGoodSource = initial;
        HealthCheckConfig.Builder checkBuilder = HealthCheckConfig.builder().inter(config.checkInterval)
                .rise(config.rise).fall(config.fall).timeout(config.checkTimeout);
        if (config.fastInter != null) {
            checkBuilder.fastInter(config.fastInter);
        }
        if (config.downInter != null) {
            checkBuilder.downInter(config.downInter);
        }
        HealthCheckConfig check = checkBuilder.build();
        Map<String, String> firstRound = firstRound(initial);
        Upstream.Builder ub = Upstream.builder("rocketmq-namesrv-" + config.name)
                .endpoints(initial)
                .healthCheck(check, (endpoint, timeout) -> check(endpoint.address(), timeout))
                .scheduler(scheduler)
                .ticker(config.ticker)
                .listener(new UpstreamListener() {
                    @Override
                    public void onStateChange(StateChange event) {
                        refreshHealthy();
                    }
                });
        if (config.probeExecutor != null) {
            ub.probeExecutor(config.probeExecutor);
        }
        upstream = ub.build();
        if (firstRound.containsValue(null)) {
            for (Endpoint e : initial) {
                String why = firstRound.get(e.address());
                if (why != null && !e.down()) {
                    upstream.setHealth(e.name(), Upstream.HealthCommand.DOWN);
                }
            }
        }
        watch(initial);
        refreshHealthy();
        scheduleSweep();
        if (!(config.source instanceof FixedSource || config.source instanceof FixedAddresses)) {
            scheduleSourceRefresh();
        }
        log.info("NameServer group {} started: {} (source {})", config.name, healthy, config.source.describe());
        return this;
    }

    /**
     * One check of every NameServer before the group starts, in parallel, each within {@code checkTimeout}: address
     * to {@code null} (ready) or the reason it is not (unreachable or not ready); NameServers not answered in time
     * are absent.
     */
    private Map<String, String> firstRound(List<Endpoint> endpoints) {
        List<String> addresses = endpoints.stream().filter(e -> !e.down()).map(Endpoint::address).distinct().toList();
        Map<String, String> out = new ConcurrentHashMap<>();
        if (addresses.isEmpty()) {
            return out;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                addresses.size(), r -> {
                    Thread t = new Thread(r, "hakit-namesrv-first-check-" + config.name);
                    t.setDaemon(true);
                    return t;
                });
        try {
            List<java.util.concurrent.Future<?>> checks = new java.util.ArrayList<>();
            for (String address : addresses) {
                checks.add(pool.submit(() -> {
                    try {
                        check(address, config.checkTimeout);
                        out.put(address, "");
                    } catch (Exception ex) {
                        out.put(address, String.valueOf(ex.getMessage()));
                    }
                }));
            }
            long deadline = config.ticker.read() + config.checkTimeout.toNanos() + 200_000_000L;
            for (java.util.concurrent.Future<?> f : checks) {
                try {
                    f.get(Math.max(1, deadline - config.ticker.read()), TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    // not answered in time: starts UP, as HAProxy servers do
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        // readiness is relative: judge every answer against all the others
        Map<String, String> judged = new LinkedHashMap<>();
        for (String address : addresses) {
            String why = out.get(address);
            if (why == null) {
                continue;
            }
            Known k = known.get(address);
            if (why.isEmpty() && k != null) {
                String notReady = notReady(address, k.brokers());
                known.put(address, new Known(k.brokers(), k.atNanos(), notReady == null));
                judged.put(address, notReady);
            } else {
                judged.put(address, why.isEmpty() ? null : why);
            }
        }
        return judged;
    }

    /** The active check: asks the NameServer for its cluster info and judges its readiness. */
    private ClusterInfo check(String address, Duration timeout) throws Exception {
        ClusterInfo info;
        try {
            info = clusterProbe.check(address, timeout);
        } catch (Exception e) {
            known.remove(address);
            throw e;
        }
        Set<String> mine = brokerSet(info);
        String why = notReady(address, mine);
        known.put(address, new Known(mine, config.ticker.read(), why == null));
        if (why == null) {
            lastObservation = new Observation(address, info, config.clock.instant());
        }
        brokersChanged();
        if (why != null) {
            throw new NotReadyException(why);
        }
        return info;
    }

    /** Why a NameServer that knows {@code mine} is not ready, or null when it is. */
    private String notReady(String address, Set<String> mine) {
        if (mine.isEmpty()) {
            return "NameServer " + address + " answers but knows no brokers";
        }
        long now = config.ticker.read();
        for (Map.Entry<String, Known> other : known.entrySet()) {
            Known k = other.getValue();
            if (!other.getKey().equals(address) && k.ready() && now - k.atNanos() <= freshNanos()
                    && k.brokers().size() > mine.size() && k.brokers().containsAll(mine)) {
                TreeSet<String> missing = new TreeSet<>(k.brokers());
                missing.removeAll(mine);
                return "NameServer " + address + " knows " + mine.size() + " of the " + k.brokers().size()
                        + " brokers " + other.getKey() + " knows (missing " + missing + ")";
            }
        }
        return null;
    }

    /** How long a NameServer's last answer counts for comparisons: two check periods and a timeout. */
    private long freshNanos() {
        Duration longest = config.checkInterval;
        if (config.downInter != null && config.downInter.compareTo(longest) > 0) {
            longest = config.downInter;
        }
        return longest.multipliedBy(2).plus(config.checkTimeout).toNanos();
    }

    /** Refreshes attached clients' routes when the brokers known to the ready NameServers change. */
    private void brokersChanged() {
        long now = config.ticker.read();
        Set<String> union = new TreeSet<>();
        boolean any = false;
        for (Known k : known.values()) {
            if (k.ready() && now - k.atNanos() <= freshNanos()) {
                union.addAll(k.brokers());
                any = true;
            }
        }
        if (!any) {
            return;
        }
        synchronized (this) {
            if (union.equals(brokers)) {
                return;
            }
            boolean first = brokers == null;
            brokers = union;
            if (first) {
                return;
            }
            brokerChanges.incrementAndGet();
        }
        log.info("brokers of {} changed ({}); refreshing client routes", config.name, union);
        for (MQClientInstance client : clients) {
            try {
                client.updateTopicRouteInfoFromNameServer();
            } catch (RuntimeException e) {
                log.warn("route refresh failed for client {}", client.getClientId(), e);
            }
        }
    }

    private void watch(List<Endpoint> endpoints) {
        Map<String, String> byAddress = new LinkedHashMap<>();
        for (Endpoint e : endpoints) {
            byAddress.putIfAbsent(e.address(), e.name());
        }
        watched = Map.copyOf(byAddress);
        traffic.values().forEach(t -> t.watch(watched));
    }

    /** An outcome of a client's own NameServer request ({@code kind} null: answered). */
    private void record(String endpointName, FailureKind kind, long nanos) {
        Upstream u = upstream;
        if (u == null || closed) {
            return;
        }
        try {
            if (kind == null) {
                u.recordSuccess(endpointName, nanos);
            } else {
                log.debug("a client's request to NameServer {} of {} got no answer within {} ms", endpointName,
                        config.name, nanos / 1_000_000);
                u.recordFailure(endpointName, kind, nanos);
            }
        } catch (IllegalArgumentException e) {
            log.debug("NameServer {} left group {} before its request ended", endpointName, config.name);
        }
    }

    private long sweepMillis() {
        return Math.max(50, Math.min(250, config.requestTimeout.toMillis() / 10));
    }

    private void scheduleSweep() {
        if (closed) {
            return;
        }
        try {
            sweepTask = scheduler.schedule(this::sweep, sweepMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("scheduler of NameServer group {} is shut down", config.name);
        }
    }

    private void scheduleSourceRefresh() {
        if (closed) {
            return;
        }
        try {
            sourceTask = scheduler.schedule(() -> {
                try {
                    refreshSource();
                } finally {
                    scheduleSourceRefresh();
                }
            }, config.sourceRefresh.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            log.debug("scheduler of NameServer group {} is shut down", config.name);
        }
    }

    /**
     * Expires the attached clients' unanswered NameServer requests (each expiry is a failure for the upstream). The
     * list clients use changes only on the upstream's state-change events, also when a {@code fail_timeout} ends.
     */
    private void sweep() {
        try {
            traffic.values().forEach(NameServerTraffic::sweep);
        } catch (RuntimeException e) {
            log.warn("NameServer accounting of {} failed", config.name, e);
        } finally {
            scheduleSweep();
        }
    }

    /** Recomputes the list clients use from the upstream's states and pushes it when it changed. */
    private void refreshHealthy() {
        Upstream u = upstream;
        if (u == null || closed) {
            return;
        }
        List<String> next;
        boolean allDown;
        synchronized (this) {
            List<EndpointStatus> all = u.status().endpoints();
            List<String> up = all.stream().filter(s -> s.state().takesTraffic()).map(EndpointStatus::address)
                    .distinct().toList();
            allDown = up.isEmpty() && !all.isEmpty();
            if (allDown) {
                // nginx's "all down -> try anyway", but never a server configured down (MAINT)
                List<String> notMaint = all.stream().filter(s -> s.state() != HealthState.MAINT)
                        .map(EndpointStatus::address).distinct().toList();
                up = notMaint.isEmpty() ? all.stream().map(EndpointStatus::address).distinct().toList() : notMaint;
            }
            if (up.equals(healthy)) {
                return;
            }
            healthy = up;
            next = up;
        }
        if (allDown) {
            log.warn("no NameServer of {} is UP; clients use all of them: {}", config.name, next);
        } else {
            log.info("NameServers in use for {}: {}", config.name, next);
        }
        for (MQClientInstance client : clients) {
            push(client, next);
        }
    }

    /** The brokers a NameServer routes to, as {@code name/id=address}. */
    private static Set<String> brokerSet(ClusterInfo info) {
        Set<String> out = new TreeSet<>();
        if (info == null || info.getBrokerAddrTable() == null) {
            return out;
        }
        for (BrokerData bd : info.getBrokerAddrTable().values()) {
            if (bd != null && bd.getBrokerAddrs() != null) {
                bd.getBrokerAddrs().forEach((id, addr) -> out.add(bd.getBrokerName() + "/" + id + "=" + addr));
            }
        }
        return out;
    }

    private void refreshSource() {
        List<Endpoint> fetched;
        try {
            fetched = config.source.fetch(config.sourceTimeout, config::endpoint);
        } catch (Exception e) {
            log.warn("NameServer source {} of {} failed, keeping {}: {}", config.source.describe(), config.name,
                    addresses(lastGoodSource), e.toString());
            return;
        }
        if (fetched.equals(lastGoodSource)) {
            return;
        }
        log.info("NameServer source {} of {} changed: {} -> {}", config.source.describe(), config.name,
                addresses(lastGoodSource), addresses(fetched));
        lastGoodSource = fetched;
        // NameServers that stay keep their health state; new ones start UP and are checked at once
        upstream.setEndpoints(fetched);
        watch(fetched);
        refreshHealthy();
    }

    private static List<String> addresses(List<Endpoint> endpoints) {
        return endpoints.stream().map(Endpoint::address).toList();
    }

    private static void push(MQClientInstance client, List<String> list) {
        // the remoting client keeps its chosen NameServer while it stays in the list and closes its
        // connection when it leaves (NettyRemotingClient#updateNameServerAddressList)
        client.getMQClientAPIImpl().updateNameServerAddressList(String.join(";", list));
    }

    /** How often the brokers known to the ready NameServers changed (each change refreshed the clients' routes). */
    long brokerChanges() {
        return brokerChanges.get();
    }

    /** The NameServers clients should use now, in RocketMQ's {@code namesrvAddr} form ({@code a:9876;b:9876}). */
    public String namesrvAddr() {
        return String.join(";", healthy);
    }

    /** The NameServers clients should use now. */
    public List<String> healthyAddresses() {
        return healthy;
    }

    /** The core upstream holding the NameServers (status table, listeners, metrics). */
    public Upstream upstream() {
        Upstream u = upstream;
        if (u == null) {
            throw new IllegalStateException("NameServer group " + config.name + " is not started");
        }
        return u;
    }

    /**
     * The passive-accounting hook for a client you create yourself: pass it to the client's constructor (e.g.
     * {@code new DefaultMQProducer(group, nameServers.trafficHook())}) so it is in place before the client starts,
     * then {@link #attach} the started client. It only reads requests; for ACL, compose it with the ACL hook.
     */
    public RPCHook trafficHook() {
        return traffic(config.requestTimeout.toMillis());
    }

    /**
     * The client instance {@code clientConfig} will start on, created now with the traffic hook (and
     * {@code userHook}, e.g. ACL, when not null) registered before anything runs on it: the remoting client's
     * hook list is not safe to change while requests flow. Its requests count as timeouts after the client's
     * own {@code mqClientApiTimeout}. Call it on a client built elsewhere (e.g. by rocketmq-spring) after its instance
     * name and other client settings are final and before it starts, then {@link #attach} the returned instance.
     */
    public MQClientInstance prepareInstance(ClientConfig clientConfig, RPCHook userHook) {
        MQClientInstance instance = MQClientManager.getInstance().getOrCreateMQClientInstance(clientConfig, userHook);
        long timeout = instance.getClientConfig().getMqClientApiTimeout();
        instance.getMQClientAPIImpl().getRemotingClient().registerRPCHook(traffic(timeout > 0 ? timeout
                : config.requestTimeout.toMillis()));
        return instance;
    }

    /** NameServer requests of attached clients now in flight (answered or expired ones leave). */
    public int pendingRequests() {
        return traffic.values().stream().mapToInt(NameServerTraffic::pendingRequests).sum();
    }

    /** Keeps a started client's NameServer list equal to {@link #healthyAddresses()} from now on. */
    public void attach(MQClientInstance client) {
        Objects.requireNonNull(client, "client");
        if (clients.add(client)) {
            if (client.getMQClientAPIImpl().getRemotingClient() instanceof NettyRemotingAbstract remoting
                    && remoting.getRPCHook().stream().noneMatch(traffic::containsValue)) {
                log.warn("client {} was started without the traffic hook of NameServer group {}: its NameServer "
                        + "requests do not count (pass trafficHook() to its constructor)", client.getClientId(),
                        config.name);
            }
            push(client, healthy);
        }
    }

    /** Stops updating a client (call before shutting it down). */
    public void detach(MQClientInstance client) {
        clients.remove(client);
    }

    /** NameServer states and the brokers they route to. */
    public ClusterView clusterView() {
        List<ClusterView.NameServerState> states = upstream().status().endpoints().stream()
                .map(s -> new ClusterView.NameServerState(s.address(), s.state().takesTraffic(), s.statusText()))
                .toList();
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
        if (sweepTask != null) {
            sweepTask.cancel(false);
        }
        traffic.values().forEach(NameServerTraffic::close);
        if (upstream != null) {
            upstream.close();
        }
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
        if (ownProbe != null) {
            ownProbe.close();
        }
        clients.clear();
        known.clear();
    }

    /** Where endpoints come from: a {@link NameServerSource} read as {@code host:port} endpoints. */
    private interface EndpointSource {
        /** The endpoints; plain {@code host:port} addresses become endpoints through {@code endpointOf}. */
        List<Endpoint> fetch(Duration timeout, Function<String, Endpoint> endpointOf) throws Exception;

        String describe();
    }

    private record FixedSource(List<Endpoint> endpoints, String describe) implements EndpointSource {
        @Override
        public List<Endpoint> fetch(Duration timeout, Function<String, Endpoint> endpointOf) {
            return endpoints;
        }
    }

    private record FixedAddresses(List<String> addresses) implements EndpointSource {
        @Override
        public List<Endpoint> fetch(Duration timeout, Function<String, Endpoint> endpointOf) {
            return addresses.stream().map(endpointOf).toList();
        }

        @Override
        public String describe() {
            return "static " + addresses;
        }
    }

    private record DynamicSource(NameServerSource source) implements EndpointSource {
        @Override
        public List<Endpoint> fetch(Duration timeout, Function<String, Endpoint> endpointOf) throws Exception {
            return NameServerAddresses.validate(source.fetch(timeout)).stream().map(endpointOf).toList();
        }

        @Override
        public String describe() {
            return source.describe();
        }
    }

    /**
     * Configuration. Defaults follow HAProxy's {@code check}: interval 2 s, rise 2, fall 3; a check
     * times out after 1 s; a dynamic source is read every 30 s with a 3 s timeout.
     */
    public static final class Builder {
        private final String name;
        private EndpointSource source;
        private Duration checkInterval = Duration.ofSeconds(2);
        private Duration checkTimeout = Duration.ofSeconds(1);
        private int rise = 2;
        private int fall = 3;
        private Duration fastInter;
        private Duration downInter;
        private Duration sourceRefresh = Duration.ofSeconds(30);
        private Duration sourceTimeout = Duration.ofSeconds(3);
        private Duration requestTimeout = Duration.ofSeconds(3);
        private int maxFails = Endpoint.DEFAULT_MAX_FAILS;
        private Duration failTimeout = Endpoint.DEFAULT_FAIL_TIMEOUT;
        private ScheduledExecutorService scheduler;
        private Clock clock = Clock.systemUTC();
        private Ticker ticker = Ticker.system();
        private ClusterProbe probe;
        private java.util.concurrent.Executor probeExecutor;

        private Builder(String name) {
            this.name = HaProducer.Builder.nonBlank(name, "group name");
        }

        /** A fixed list in RocketMQ's {@code namesrvAddr} form ({@code a:9876;b:9876}; commas work too). */
        public Builder addresses(String namesrvAddr) {
            return addresses(NameServerAddresses.parseList(namesrvAddr));
        }

        /** A fixed list of {@code host:port}. */
        public Builder addresses(List<String> addresses) {
            this.source = new FixedAddresses(NameServerAddresses.validate(addresses));
            return this;
        }

        /**
         * The {@code server} lines of an Nginx {@code upstream} block (the one ops keep in front of the
         * NameServers' HTTP address server, or a stream block); {@code down} servers are kept out of use.
         * Weights do not apply: the RocketMQ client picks its NameServer itself.
         */
        public Builder nginxUpstream(String config) {
            List<Endpoint> endpoints = NginxUpstreamParser.parse(config).endpoints();
            this.source = new FixedSource(endpoints, "nginx " + NameServerGroup.addresses(endpoints));
            return this;
        }

        /**
         * A HAProxy {@code backend} (e.g. {@code server ns1 10.0.0.1:9876 check inter 2s rise 2 fall 3}):
         * each server's own check timing overrides the group's; {@code disabled} servers are kept out of use.
         */
        public Builder haproxyBackend(String config) {
            List<Endpoint> endpoints = HaproxyBackendParser.parse(config).endpoints();
            this.source = new FixedSource(endpoints, "haproxy " + NameServerGroup.addresses(endpoints));
            return this;
        }

        /** A source that may change at run time (e.g. {@link HttpNameServerSource}). */
        public Builder source(NameServerSource source) {
            this.source = new DynamicSource(Objects.requireNonNull(source, "source"));
            return this;
        }

        /**
         * Every active-check setting at once (HAProxy {@code inter}, {@code fastinter}, {@code downinter},
         * {@code rise}, {@code fall}, {@code timeout}), e.g. from a {@code HealthCheckSettings} property block.
         */
        public Builder healthCheck(HealthCheckConfig check) {
            Objects.requireNonNull(check, "check");
            checkInterval(check.inter());
            checkTimeout(check.timeout());
            rise(check.rise());
            fall(check.fall());
            this.fastInter = check.fastInter();
            this.downInter = check.downInter();
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

        /**
         * How long a request of a client built with {@link #trafficHook()} may stay unanswered before it counts
         * as a timeout: that client's {@code mqClientApiTimeout} (RocketMQ's default, 3 s). &gt; 0. hakit's
         * producers and consumers are timed by their own {@code mqClientApiTimeout}.
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = HaProducer.Builder.positive(timeout, "requestTimeout");
            return this;
        }

        /**
         * Nginx {@code max_fails} for NameServers given as plain addresses (a static list or an address source):
         * failed client requests within {@code failTimeout} that take a NameServer out of the clients' lists for
         * {@code failTimeout}; 0 turns passive accounting off. Default 1. Nginx and HAProxy server lines carry
         * their own.
         */
        public Builder maxFails(int maxFails) {
            if (maxFails < 0 || maxFails > 100) {
                throw new IllegalArgumentException("maxFails must be 0..100: " + maxFails);
            }
            this.maxFails = maxFails;
            return this;
        }

        /** Nginx {@code fail_timeout} for NameServers given as plain addresses (&gt; 0; default 10 s). */
        public Builder failTimeout(Duration failTimeout) {
            this.failTimeout = HaProducer.Builder.positive(failTimeout, "failTimeout");
            return this;
        }

        /**
         * The monotonic clock of the group: health checks, passive accounting of client requests and the
         * {@code fail_timeout}s of the NameServer upstream all run on it (default {@link Ticker#system()}).
         */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** Replaces the remoting probe (tests). */
        Builder probe(ClusterProbe probe) {
            this.probe = Objects.requireNonNull(probe, "probe");
            return this;
        }

        /** Where health checks run (default: a pool owned by the group's upstream); tests run them on a fake clock. */
        Builder probeExecutor(java.util.concurrent.Executor executor) {
            this.probeExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        Endpoint endpoint(String address) {
            HostPort hp = HostPort.parse(address);
            return Endpoint.builder(hp.host(), hp.port()).maxFails(maxFails).failTimeout(failTimeout).build();
        }

        /**
         * The scheduler for checks, {@code fail_timeout} ends and refreshes (default: a daemon thread owned by the
         * group). Only one-shot {@code schedule} calls are made on it.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The wall clock for observation timestamps ({@link ClusterView#observedAt()}). */
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
