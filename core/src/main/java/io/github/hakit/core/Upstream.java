package io.github.hakit.core;

import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.event.LoggingUpstreamListener;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.Probe;
import io.github.hakit.core.internal.ActiveHealth;
import io.github.hakit.core.internal.CallLoop;
import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Engine;
import io.github.hakit.core.internal.Events;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.PassiveHealth;
import io.github.hakit.core.internal.Pending;
import io.github.hakit.core.internal.Pool;
import io.github.hakit.core.internal.RetryBudget;
import io.github.hakit.core.internal.Routing;
import io.github.hakit.core.internal.Source;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A named set of endpoints with a balancing policy, passive (Nginx) and active (HAProxy) health, and Nginx
 * next-upstream retries — over its own endpoints or over any per-call list of candidates. Thread-safe; one
 * instance per cluster, shared by all callers.
 *
 * <pre>{@code
 * Upstream trackers = Upstream.builder("trackers")
 *     .endpoints("10.0.0.1:22122,10.0.0.2:22122")
 *     .nextUpstream(NextUpstreamPolicy.builder().attemptTimeout(Duration.ofSeconds(2)).build())
 *     .healthCheck(HealthCheckConfig.ofDefaults(), Probe.tcpConnect())
 *     .build();
 * String groups = trackers.execute(attempt -> listGroups(attempt.endpoint(), attempt.timeout()));
 * log.info("\n{}", trackers.status().render());
 * }</pre>
 *
 * <h2>How the parts fit</h2>
 * The balancer's picker ({@link Balancer}, one class per algorithm) chooses; Nginx passive health and HAProxy
 * active checks report transitions that this class applies in one place, under one lock, and delivers to
 * listeners after releasing it; the next-upstream loop runs {@link #execute} and {@link #executeAsync} over the
 * upstream's endpoints or over {@link Candidates}.
 *
 * <h2>Running a back end on core</h2>
 * <pre>{@code
 * Upstream brokers = Upstream.builder("orders-brokers").endpoints(List.of())   // per-call lists only
 *     .classifier(t -> t instanceof BusyException ? Failure.notSent(FailureKind.OVERLOADED)
 *                     : FailureClassifier.network().classify(t))
 *     .nextUpstream(NextUpstreamPolicy.builder().tries(3).timeout(Duration.ofSeconds(3))
 *         .shareDeadline(Duration.ofMillis(300))
 *         .conditions(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.OVERLOADED, FailureKind.UNAVAILABLE)
 *         .build())
 *     .scheduler(scheduler).ticker(ticker).build();
 * CompletionStage<SendResult> r = brokers.executeAsync(Candidates.rotating(brokerEndpoints(topic)),
 *     CallOptions.nonIdempotent(), attempt -> send(attempt.endpoint(), msg, attempt.timeout()), null);
 * }</pre>
 *
 * <h2>Picking by hand</h2>
 * {@link #pick()} returns a preallocated {@link Peer}; the caller reports the outcome with exactly one of
 * {@link #success}, {@link #failure} or {@link #release}. {@link #execute} does all of that plus retries.
 */
public final class Upstream implements AutoCloseable {
    private final String name;
    private final Balancer balancer;
    private final NextUpstreamPolicy policy;
    private final FailureClassifier classifier;
    private final HealthCheckConfig defaultCheck;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final Probe probe;
    private final ScheduledExecutorService scheduler;
    /** The executors this upstream created (and shuts down on close); injected ones belong to the caller. */
    private final List<ExecutorService> ownedExecutors;
    private final Events events;
    private final RetryBudget budget;
    private final Pool pool;
    private final ActiveHealth checker;
    private final CallLoop loop;
    private final Source own;
    private final AtomicLong rotation = new AtomicLong();
    private volatile boolean closed;

    private Upstream(Builder b) {
        UpstreamConfig cfg = b.config();
        this.name = cfg.name();
        this.balancer = cfg.balancer();
        this.policy = cfg.nextUpstream();
        this.defaultCheck = cfg.healthCheck();
        this.classifier = b.classifier;
        this.ticker = b.ticker;
        this.sleeper = b.sleeper;
        this.probe = b.probe;
        this.events = new Events(name, b.listenerExecutor);
        if (b.logging) {
            events.add(new LoggingUpstreamListener());
        }
        b.listeners.forEach(events::add);
        this.budget = new RetryBudget(policy.budget(), ticker);
        boolean checks = probe != null && hasChecks(cfg.endpoints());
        List<ExecutorService> owned = new ArrayList<>(2);
        if (b.scheduler == null) {
            // one daemon thread, started on the first timer (a check, an ejection's end) and gone when idle
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, daemonThreads("hakit-timer-" + name));
            s.setKeepAliveTime(10, TimeUnit.SECONDS);
            s.allowCoreThreadTimeOut(true);
            s.setRemoveOnCancelPolicy(true);
            owned.add(s);
            this.scheduler = s;
        } else {
            this.scheduler = b.scheduler;
        }
        Executor probes = b.probeExecutor;
        if (checks && probes == null) {
            ExecutorService e = Executors.newCachedThreadPool(daemonThreads("hakit-probe-" + name));
            owned.add(e);
            probes = e;
        }
        this.ownedExecutors = List.copyOf(owned);
        PassiveHealth passive = new PassiveHealth(cfg.wholeSeconds(), cfg.maxEjectionPercent());
        this.pool = new Pool(name, ticker, passive, cfg.allDown(), events, scheduler);
        this.checker = checks ? new ActiveHealth(probe, scheduler, probes, ticker, new CheckSink()) : null;
        pool.start(balancer.newPicker(pool), buildNodes(cfg.endpoints(), Map.of()));
        this.loop = new CallLoop(new UpstreamEngine());
        this.own = new Source() {
            @Override
            public Node pick(CallState call, long nanos) {
                if (call.triedCount() > 0) {
                    call.rebase(pool.routing());
                }
                return pool.pick(call, nanos);
            }

            @Override
            public int size() {
                return pool.routing().notDown;
            }
        };
        if (checker != null) {
            checker.start(List.of(pool.routing().all()));
        }
    }

    private boolean hasChecks(List<Endpoint> endpoints) {
        for (Endpoint e : endpoints) {
            if (e.healthCheck() != null || defaultCheck != null) {
                return true;
            }
        }
        return false;
    }

    private static java.util.concurrent.ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** A builder for an upstream called {@code name}. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The upstream's name. */
    public String name() {
        return name;
    }

    /** The balancing algorithm. */
    public Balancer balancer() {
        return balancer;
    }

    /** The retry policy. */
    public NextUpstreamPolicy policy() {
        return policy;
    }

    /** The configured endpoints, primaries then backups, in declared order. */
    public List<Endpoint> endpoints() {
        Routing r = pool.routing();
        List<Endpoint> out = new ArrayList<>(r.all().length);
        for (Node p : r.all()) {
            out.add(p.endpoint);
        }
        return out;
    }

    /** Retries, calls that ran out of attempts, and state changes since the upstream was built. */
    public EventCounts eventCounts() {
        return new EventCounts(events.retries.sum(), events.exhausted.sum(), events.stateChanges.sum());
    }

    /**
     * Event counts of an upstream.
     *
     * @param retries      attempts retried on another (or the same) endpoint
     * @param exhausted    calls that failed after all the attempts they were allowed
     * @param stateChanges endpoint state changes
     */
    public record EventCounts(long retries, long exhausted, long stateChanges) {
    }

    public void addListener(UpstreamListener listener) {
        events.add(listener);
    }

    public void removeListener(UpstreamListener listener) {
        events.remove(listener);
    }

    // ------------------------------------------------------------------------------------------------ picking

    /**
     * Picks an endpoint for one call and takes a call slot on it; returns {@code null} when no endpoint is usable
     * (and the all-down policy does not route anyway). Allocation-free for round robin.
     */
    public Peer pick() {
        return pool.pick(null);
    }

    /** Picks with a hash key ({@link Balancer#CONSISTENT_HASH}, {@link Balancer#HASH}); others ignore the key. */
    public Peer pick(String hashKey) {
        return hashKey == null ? pick() : pool.pick(new CallState(hashKey, CallState.crc32(hashKey)));
    }

    // ------------------------------------------------------------------------------------------------ outcomes

    private Node node(Peer peer) {
        if (peer instanceof Node n) {
            return n;
        }
        throw new IllegalArgumentException("not a peer of upstream '" + name + "': " + peer);
    }

    /** The call on {@code peer} succeeded after {@code latencyNanos}. */
    public void success(Peer peer, long latencyNanos) {
        Node n = node(peer);
        n.conns.decrementAndGet();
        succeeded(n, latencyNanos, ticker.read());
    }

    /**
     * The call on {@code peer} failed with {@code kind}. Kinds that {@link FailureKind#countsAsFailure() count}
     * feed Nginx's passive accounting; 403/404 and the neutral {@code REJECTED}/{@code NO_ROUTE} move on without
     * counting.
     */
    public void failure(Peer peer, FailureKind kind, long latencyNanos) {
        Objects.requireNonNull(kind, "kind");
        Node n = node(peer);
        n.conns.decrementAndGet();
        failed(n, kind, latencyNanos);
    }

    /** Returns the slot of a picked peer that was not called (no outcome to report). */
    public void release(Peer peer) {
        node(peer).conns.decrementAndGet();
    }

    /**
     * Reports a successful call to endpoint {@code endpointName} that was not routed through {@link #pick()}: a
     * client library that chooses its server itself (RocketMQ's NameServer client) tells the upstream how its own
     * calls went. It feeds the same passive accounting as {@link #success}; no slot is held or released.
     *
     * @throws IllegalArgumentException when no endpoint has that name, or the latency is negative
     */
    public void recordSuccess(String endpointName, long latencyNanos) {
        Node n = recorded(endpointName, latencyNanos);
        if (n.fails != 0) {
            // Nginx's get_peer stamps "checked" when it selects a peer whose fail_timeout has passed; here the
            // library selected it when the call started
            pool.selected(n, ticker.read() - latencyNanos);
        }
        succeeded(n, latencyNanos, ticker.read());
    }

    /**
     * Reports a failed call to endpoint {@code endpointName} that was not routed through {@link #pick()}. It feeds
     * the same passive accounting as {@link #failure}: Nginx's {@code max_fails}/{@code fail_timeout} and HAProxy's
     * {@code observe}.
     *
     * @throws IllegalArgumentException when no endpoint has that name, or the latency is negative
     */
    public void recordFailure(String endpointName, FailureKind kind, long latencyNanos) {
        Objects.requireNonNull(kind, "kind");
        failed(recorded(endpointName, latencyNanos), kind, latencyNanos);
    }

    private Node recorded(String endpointName, long latencyNanos) {
        Objects.requireNonNull(endpointName, "endpointName");
        if (latencyNanos < 0) {
            throw new IllegalArgumentException("negative latency for " + endpointName + ": " + latencyNanos + " ns");
        }
        return node(endpointName);
    }

    private void succeeded(Node n, long latencyNanos, long now) {
        n.successes.increment();
        n.lastUsed = now;
        pool.picker().observe(n, latencyNanos, false, now);
        if (checker != null && n.check != null && n.endpoint.observe() != null) {
            checker.observeSuccess(n);
        }
        pool.succeeded(n, now);
    }

    private void failed(Node n, FailureKind kind, long latencyNanos) {
        long now = ticker.read();
        n.lastUsed = now;
        if (!kind.countsAsFailure()) {
            pool.succeeded(n, now);
            return;
        }
        n.failures.increment();
        pool.picker().observe(n, latencyNanos, true, now);
        if (checker != null && n.check != null && n.endpoint.observe() != null
                && n.endpoint.observe().layer().counts(kind)) {
            checker.observeError(n, kind);
        }
        pool.failed(n, now);
    }

    // ------------------------------------------------------------------------------------------------ execute

    /** Runs an idempotent call with Nginx next-upstream retries over this upstream's endpoints. */
    public <T> T execute(UpstreamCall<T> call) {
        return execute(CallOptions.idempotent(), call, null);
    }

    /** Runs a call with Nginx next-upstream retries over this upstream's endpoints. */
    public <T> T execute(CallOptions options, UpstreamCall<T> call) {
        return execute(options, call, null);
    }

    /**
     * Runs {@code call} on picked endpoints until it succeeds or the policy says stop (see
     * {@link NextUpstreamPolicy}): a failure outside the policy's conditions, a non-idempotent request that may
     * have been sent, {@code tries} attempts (at most one per endpoint in a round), {@code timeout}, or the retry
     * budget end the call; exceptions the classifier does not recognise as endpoint failures are rethrown at once.
     * An answer the result classifier calls failed moves on while another try is allowed, and is otherwise
     * returned (and counts as a success, as in Nginx). When no attempt succeeds a {@link NoLiveEndpointException}
     * lists every attempt.
     *
     * @param resultClassifier classifies returned values as failures; {@code null} = every return is a success
     */
    public <T> T execute(CallOptions options, UpstreamCall<T> call, ResultClassifier<? super T> resultClassifier) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(call, "call");
        checkOpen();
        return loop.run(own, options, call, resultClassifier);
    }

    /** Like {@link #execute(CallOptions, UpstreamCall, ResultClassifier)} over a per-call list of candidates. */
    public <T> T execute(Candidates candidates, CallOptions options, UpstreamCall<T> call,
            ResultClassifier<? super T> resultClassifier) {
        Objects.requireNonNull(candidates, "candidates");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(call, "call");
        checkOpen();
        return loop.run(new CandidateSource(candidates), options, call, resultClassifier);
    }

    /** Like {@link #execute(Candidates, CallOptions, UpstreamCall, ResultClassifier)} without a result classifier. */
    public <T> T execute(Candidates candidates, CallOptions options, UpstreamCall<T> call) {
        return execute(candidates, options, call, null);
    }

    /**
     * The asynchronous {@link #execute(CallOptions, UpstreamCall, ResultClassifier)}: the same rules, retries
     * started from the completing attempt's thread, backoffs on the upstream's scheduler (never blocking). The
     * stage fails with {@link NoLiveEndpointException}, or with the exception the classifier did not recognise.
     */
    public <T> CompletionStage<T> executeAsync(CallOptions options, AsyncUpstreamCall<T> call,
            ResultClassifier<? super T> resultClassifier) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(call, "call");
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        return loop.runAsync(own, options, call, resultClassifier);
    }

    /** {@link #executeAsync(CallOptions, AsyncUpstreamCall, ResultClassifier)} over a per-call candidate list. */
    public <T> CompletionStage<T> executeAsync(Candidates candidates, CallOptions options, AsyncUpstreamCall<T> call,
            ResultClassifier<? super T> resultClassifier) {
        Objects.requireNonNull(candidates, "candidates");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(call, "call");
        if (closed) {
            return CompletableFuture.failedFuture(closedException());
        }
        return loop.runAsync(new CandidateSource(candidates), options, call, resultClassifier);
    }

    private void checkOpen() {
        if (closed) {
            throw closedException();
        }
    }

    private IllegalStateException closedException() {
        return new IllegalStateException("upstream '" + name + "' is closed");
    }

    /** Per-call candidates with the upstream's shared memory of failed endpoints. */
    private final class CandidateSource implements Source {
        private final Candidates candidates;
        private final List<Endpoint> list;
        private final long start;
        private boolean expanded;

        CandidateSource(Candidates candidates) {
            this.candidates = candidates;
            this.list = new ArrayList<>(candidates.endpoints());
            int n = list.size();
            this.start = candidates.isRotating() && n > 0 ? Math.floorMod(rotation.getAndIncrement(), (long) n) : 0;
        }

        @Override
        public int size() {
            return candidates.more() != null && !expanded ? Integer.MAX_VALUE / 2 : Math.max(1, list.size());
        }

        @Override
        public Node pick(CallState call, long nanos) {
            long now = nanos;
            while (true) {
                Node n = firstUsable(call, now);
                if (n != null) {
                    return n;
                }
                if (candidates.more() != null && !expanded) {
                    expanded = true;
                    List<Endpoint> more = candidates.more().get();
                    if (more != null) {
                        for (Endpoint e : more) {
                            if (e != null && list.stream().noneMatch(x -> x.name().equals(e.name()))) {
                                list.add(e);
                            }
                        }
                    }
                    now = ticker.read();
                    continue;
                }
                return pool.allDown().mode() == AllDownPolicy.Mode.FAIL_FAST ? null : postponed(call, now);
            }
        }

        private Node firstUsable(CallState call, long now) {
            int n = list.size();
            for (int i = 0; i < n; i++) {
                Node node = pool.remember(list.get((int) ((start + i) % n)), now);
                if (pool.usable(node, false, call, now) && node.tryAcquire()) {
                    if (node.fails != 0) {
                        synchronized (pool.lock()) {
                            pool.passive().selectedLocked(node, now);
                        }
                    }
                    return node;
                }
            }
            return null;
        }

        /** OkHttp: failed routes are tried last, the one whose ejection ends first before the others. */
        private Node postponed(CallState call, long now) {
            Node best = null;
            for (Endpoint e : list) {
                Node node = pool.remember(e, now);
                if (call.tried(node) || !node.eligible(true) || node.full()) {
                    continue;
                }
                if (best == null || node.checked < best.checked) {
                    best = node;
                }
            }
            if (best != null && best.tryAcquire()) {
                return best;
            }
            return null;
        }
    }

    /** The engine the next-upstream loop runs on. */
    private final class UpstreamEngine implements Engine {
        @Override
        public String name() {
            return name;
        }

        @Override
        public Pool pool() {
            return pool;
        }

        @Override
        public NextUpstreamPolicy policy() {
            return policy;
        }

        @Override
        public FailureClassifier classifier() {
            return classifier;
        }

        @Override
        public RetryBudget budget() {
            return budget;
        }

        @Override
        public Sleeper sleeper() {
            return sleeper;
        }

        @Override
        public ScheduledExecutorService scheduler() {
            return scheduler;
        }

        @Override
        public boolean roundRobinKind() {
            return balancer == Balancer.ROUND_ROBIN || balancer == Balancer.P2C_PEAK_EWMA;
        }

        @Override
        public void success(Node n, long latencyNanos, long nanos) {
            n.conns.decrementAndGet();
            succeeded(n, latencyNanos, nanos);
        }

        @Override
        public void failure(Node n, FailureKind kind, long latencyNanos) {
            Upstream.this.failure(n, kind, latencyNanos);
        }

        @Override
        public void release(Node n) {
            Upstream.this.release(n);
        }

        @Override
        public String describeStates() {
            StringBuilder sb = new StringBuilder();
            for (EndpointStatus e : status().endpoints()) {
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                sb.append(e.name()).append(' ').append(e.statusText());
            }
            return sb.length() == 0 ? "no endpoints" : sb.toString();
        }
    }

    // ------------------------------------------------------------------------------------------------ admin

    /** Operator drain (HAProxy {@code set server state drain}): no new calls; calls in flight finish. */
    public void drain(String endpointName) {
        setAdmin(endpointName, Node.Admin.DRAIN, "drain requested");
    }

    /** Operator maintenance (HAProxy {@code set server state maint}): no calls, no checks. */
    public void maintenance(String endpointName) {
        setAdmin(endpointName, Node.Admin.MAINT, "maintenance requested");
    }

    /**
     * Back to service after {@link #drain} or {@link #maintenance} (HAProxy {@code set server state ready}).
     * Leaving maintenance, a checked endpoint restarts one failed check away from DOWN ({@code health = rise}:
     * {@code UP 1/3} with {@code rise 2 fall 3}) and is checked at once, as HAProxy does.
     */
    public void ready(String endpointName) {
        setAdmin(endpointName, Node.Admin.READY, "ready requested");
    }

    /** HAProxy's {@code set server state ready|drain|maint}. */
    public void setState(String endpointName, AdminState state) {
        Objects.requireNonNull(state, "state");
        switch (state) {
            case READY -> ready(endpointName);
            case DRAIN -> drain(endpointName);
            case MAINT -> maintenance(endpointName);
            default -> throw new IllegalArgumentException("unknown state " + state);
        }
    }

    /**
     * HAProxy's {@code set server health up|stopping|down}: forces the active-health state ({@code up} and
     * {@code stopping} set the check's health to {@code rise + fall - 1}, {@code down} to 0); the next checks
     * continue from there.
     */
    public void setHealth(String endpointName, HealthCommand command) {
        Objects.requireNonNull(command, "command");
        Node n = node(endpointName);
        String cause = "set server health " + command.name().toLowerCase(java.util.Locale.ROOT);
        boolean up = command != HealthCommand.DOWN;
        boolean stopping = command == HealthCommand.STOPPING;
        HealthState from;
        synchronized (pool.lock()) {
            from = pool.stateOf(n, ticker.read());
        }
        synchronized (n) {
            if (n.check != null) {
                n.health = up ? n.check.rise() + n.check.fall() - 1 : 0;
            }
            n.activeUp = up;
            n.stopping = stopping;
        }
        applyTransition(n, from, up, cause);
    }

    /** HAProxy's {@code disable health}: no more active checks; the state stays as it is. */
    public void disableHealth(String endpointName) {
        Node n = node(endpointName);
        n.checksEnabled = false;
    }

    /** HAProxy's {@code enable health}: active checks run again (only for endpoints configured with checks). */
    public void enableHealth(String endpointName) {
        Node n = node(endpointName);
        if (n.check == null || checker == null) {
            throw new IllegalArgumentException("endpoint '" + endpointName + "' of upstream '" + name
                    + "' has no health check to enable");
        }
        n.checksEnabled = true;
        checker.checkNow(n);
    }

    /** Operator states of HAProxy's {@code set server state}. */
    public enum AdminState {
        READY, DRAIN, MAINT
    }

    /** Arguments of HAProxy's {@code set server health}. */
    public enum HealthCommand {
        UP, STOPPING, DOWN
    }

    /** Changes an endpoint's weight at run time (0..1,000,000; 0 = no new calls, status stays UP as in HAProxy). */
    public void setWeight(String endpointName, int weight) {
        if (weight < 0 || weight > Endpoint.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight out of range 0.." + Endpoint.MAX_WEIGHT + ": " + weight);
        }
        Pending ev = new Pending();
        synchronized (pool.lock()) {
            Node p = node(endpointName);
            pool.picker().perturbLocked(pool.routing());
            p.weight = weight;
            p.effective = (long) weight * Node.SCALE;
            pool.republishLocked(ev);
        }
        ev.fire();
    }

    private void setAdmin(String endpointName, Node.Admin admin, String cause) {
        Pending ev = new Pending();
        Node p;
        boolean leftMaint;
        synchronized (pool.lock()) {
            p = node(endpointName);
            long now = ticker.read();
            HealthState from = pool.stateOf(p, now);
            leftMaint = p.admin == Node.Admin.MAINT && admin != Node.Admin.MAINT;
            p.admin = admin;
            if (leftMaint && p.check != null && p.checksEnabled) {
                synchronized (p) {
                    // HAProxy 2.6 srv_update_status, leaving maintenance: "start OK but check immediately"
                    p.health = p.check.rise();
                    p.activeUp = true;
                }
            }
            if (admin == Node.Admin.READY) {
                startRamp(p, now);
            }
            pool.republishLocked(ev);
            HealthState to = pool.stateOf(p, now);
            if (from != to) {
                pool.sink(ev, now).changed(p, from, to, cause);
            }
        }
        ev.fire();
        if (leftMaint && checker != null) {
            checker.checkNow(p);
        }
    }

    private void startRamp(Node p, long now) {
        if (!p.endpoint.slowStart().isZero()) {
            p.rampStart = now;
        }
    }

    private Node node(String endpointName) {
        Objects.requireNonNull(endpointName, "endpointName");
        Node p = pool.find(endpointName);
        if (p == null) {
            throw new IllegalArgumentException("unknown endpoint '" + endpointName + "' in upstream '" + name
                    + "'; known: " + pool.routing().byName.keySet());
        }
        return p;
    }

    /** Applies an active-health transition of {@code n}: one place for every UP/DOWN change of a check. */
    private void applyTransition(Node n, HealthState from, boolean isUp, String cause) {
        Pending ev = new Pending();
        synchronized (pool.lock()) {
            if (!pool.routing().contains(n)) {
                return;
            }
            long now = ticker.read();
            if (isUp) {
                // a passing check is evidence of health: clear Nginx's failure window so the endpoint takes
                // traffic now rather than after fail_timeout (its effective weight still recovers gradually)
                n.fails = 0;
                n.ejected = false;
                startRamp(n, now);
            }
            pool.republishLocked(ev);
            HealthState to = pool.stateOf(n, now);
            if (from != to) {
                pool.sink(ev, now).changed(n, from, to, cause);
            }
        }
        ev.fire();
    }

    /** Receives the active checker's transitions. */
    private final class CheckSink implements ActiveHealth.Sink {
        @Override
        public void transition(Node n, boolean isUp, String cause) {
            long now = ticker.read();
            // the effective state before the change: passive failures may already have taken it out
            HealthState from = !isUp && !n.passivelyFailed(pool.passive().time(now)) ? HealthState.UP
                    : HealthState.DOWN;
            applyTransition(n, from, isUp, cause);
        }

        @Override
        public boolean member(Node n) {
            return pool.routing().contains(n);
        }
    }

    /**
     * Replaces the endpoints (a NameServer list refresh, a registry notification). Endpoints that stay (same name
     * and address) keep their health state; new ones start as configured.
     */
    public void setEndpoints(List<Endpoint> endpoints) {
        UpstreamConfig validated = UpstreamConfig.of(name, endpoints);
        List<Node> added = new ArrayList<>();
        Pending ev = new Pending();
        synchronized (pool.lock()) {
            Routing old = pool.routing();
            Map<String, Node> keep = new HashMap<>();
            for (Node p : old.all()) {
                keep.put(p.endpoint.name() + "@" + p.endpoint.address(), p);
            }
            Node[] nodes = buildNodes(validated.endpoints(), keep);
            for (Node p : nodes) {
                if (!old.contains(p)) {
                    added.add(p);
                }
            }
            pool.publishLocked(nodes, true, ev);
        }
        ev.fire();
        if (checker != null) {
            checker.start(added);
        }
    }

    private Node[] buildNodes(List<Endpoint> endpoints, Map<String, Node> keep) {
        Node[] nodes = new Node[endpoints.size()];
        long now = ticker.read();
        for (int i = 0; i < nodes.length; i++) {
            Endpoint e = endpoints.get(i);
            Node old = keep.get(e.name() + "@" + e.address());
            if (old != null && old.endpoint.equals(e)) {
                nodes[i] = old;
            } else {
                HealthCheckConfig check = probe == null ? null : e.healthCheck() != null ? e.healthCheck() : defaultCheck;
                if (e.observe() != null && check == null) {
                    throw new IllegalArgumentException("endpoint " + e.name() + " has 'observe' but no health check"
                            + " (HAProxy requires 'check' with 'observe')");
                }
                nodes[i] = new Node(e, i, check, false, pool.passive().failTimeout(e), now);
            }
        }
        return nodes;
    }

    // ------------------------------------------------------------------------------------------------ status

    /** A point-in-time view of every endpoint, HAProxy-style; ends ejections whose {@code fail_timeout} is over. */
    public UpstreamStatus status() {
        pool.expire();
        Routing r = pool.routing();
        long now = ticker.read();
        List<EndpointStatus> rows = new ArrayList<>(r.all().length);
        synchronized (pool.lock()) {
            for (Node p : r.all()) {
                rows.add(row(p, now));
            }
            for (Node p : pool.dynamicNodes()) {
                rows.add(row(p, now));
            }
        }
        return new UpstreamStatus(name, balancer, rows, pool.panic());
    }

    /**
     * The row of one endpoint (configured or learned from per-call candidates), or {@code null} when there is none
     * of that name; O(1), for meters and health details that look at one endpoint.
     */
    public EndpointStatus status(String endpointName) {
        Node p = pool.find(Objects.requireNonNull(endpointName, "endpointName"));
        if (p == null) {
            return null;
        }
        long now = ticker.read();
        synchronized (pool.lock()) {
            return row(p, now);
        }
    }

    private EndpointStatus row(Node p, long now) {
        HealthState state = pool.stateOf(p, now);
        long eff = Math.min(p.effective, p.rampedWeight(now));
        return new EndpointStatus(p.endpoint.name(), p.endpoint.address(), p.backup, state,
                pool.statusText(p, state), p.weight, (int) ((eff + Node.SCALE - 1) / Node.SCALE), p.conns.get(),
                p.fails, p.successes.sum(), p.failures.sum(), p.lastCheck, p.endpoint.zone(),
                p.check != null && p.checksEnabled, p.dynamic, Duration.ofNanos(Math.max(0, now - p.lastChange)),
                p.lastChangeCause);
    }

    /** Stops health checks and the executors this upstream created. */
    @Override
    public void close() {
        closed = true;
        if (checker != null) {
            checker.stop(pool.routing().all());
        }
        for (ExecutorService e : ownedExecutors) {
            e.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "Upstream[" + name + ", " + balancer + ", " + pool.routing().all().length + " endpoints]";
    }

    /**
     * Builder for {@link Upstream}.
     */
    public static final class Builder {
        private final String name;
        private UpstreamConfig config;
        private List<Endpoint> endpoints;
        private Balancer balancer = Balancer.ROUND_ROBIN;
        private NextUpstreamPolicy nextUpstream = NextUpstreamPolicy.ofDefaults();
        private HealthCheckConfig healthCheck;
        private AllDownPolicy allDown = AllDownPolicy.tryAnyway();
        private int maxEjectionPercent = 100;
        private Boolean wholeSeconds;
        private FailureClassifier classifier = FailureClassifier.network();
        private Probe probe;
        private Ticker ticker = Ticker.system();
        private Sleeper sleeper = Sleeper.blocking();
        private ScheduledExecutorService scheduler;
        private Executor probeExecutor;
        private Executor listenerExecutor = Runnable::run;
        private final List<UpstreamListener> listeners = new ArrayList<>();
        private boolean logging = true;

        private Builder(String name) {
            this.name = name;
        }

        /** Takes endpoints, balancer, policy, default check, all-down policy and time unit from a parsed config. */
        public Builder config(UpstreamConfig config) {
            this.config = Objects.requireNonNull(config, "config");
            return this;
        }

        public Builder endpoints(List<Endpoint> endpoints) {
            this.endpoints = List.copyOf(Objects.requireNonNull(endpoints, "endpoints"));
            return this;
        }

        public Builder endpoints(Endpoint... endpoints) {
            return endpoints(List.of(endpoints));
        }

        /** {@code host:port,host:port} shorthand. */
        public Builder endpoints(String addresses) {
            return endpoints(Endpoint.parseList(addresses));
        }

        public Builder balancer(Balancer balancer) {
            this.balancer = Objects.requireNonNull(balancer, "balancer");
            return this;
        }

        public Builder nextUpstream(NextUpstreamPolicy policy) {
            this.nextUpstream = Objects.requireNonNull(policy, "nextUpstream");
            return this;
        }

        public Builder allDown(AllDownPolicy allDown) {
            this.allDown = Objects.requireNonNull(allDown, "allDown");
            return this;
        }

        public Builder maxEjectionPercent(int percent) {
            this.maxEjectionPercent = percent;
            return this;
        }

        /**
         * {@code max_fails}/{@code fail_timeout} bookkeeping in whole seconds like Nginx's {@code ngx_time()}
         * ({@code true}, the default for parsed Nginx upstreams) or in nanoseconds ({@code false}, the default
         * for upstreams built in code; not Nginx).
         */
        public Builder wholeSeconds(boolean wholeSeconds) {
            this.wholeSeconds = wholeSeconds;
            return this;
        }

        /** Active checks for every endpoint without its own settings, with {@code probe}. */
        public Builder healthCheck(HealthCheckConfig config, Probe probe) {
            this.healthCheck = Objects.requireNonNull(config, "healthCheck");
            this.probe = Objects.requireNonNull(probe, "probe");
            return this;
        }

        /** The probe for endpoints that carry their own check settings (e.g. HAProxy {@code server ... check}). */
        public Builder probe(Probe probe) {
            this.probe = Objects.requireNonNull(probe, "probe");
            return this;
        }

        public Builder classifier(FailureClassifier classifier) {
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            return this;
        }

        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /**
         * Scheduler for health checks, ejection ends and asynchronous backoffs (default: one daemon thread owned by
         * the upstream, started on the first timer and stopped when idle).
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Where probes run (default: a cached daemon pool owned by the upstream). */
        public Builder probeExecutor(Executor executor) {
            this.probeExecutor = Objects.requireNonNull(executor, "probeExecutor");
            return this;
        }

        /** Where listeners run (default: the thread that caused the event, after the upstream's lock is released). */
        public Builder listenerExecutor(Executor executor) {
            this.listenerExecutor = Objects.requireNonNull(executor, "listenerExecutor");
            return this;
        }

        public Builder listener(UpstreamListener listener) {
            this.listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Whether to add the {@link LoggingUpstreamListener} (default true). */
        public Builder logging(boolean logging) {
            this.logging = logging;
            return this;
        }

        UpstreamConfig config() {
            UpstreamConfig c;
            if (config != null) {
                c = endpoints != null ? config.withEndpoints(endpoints) : config;
            } else {
                if (endpoints == null) {
                    throw new IllegalArgumentException("upstream '" + name + "' has no endpoints (for per-call "
                            + "candidates only, pass an empty list)");
                }
                c = new UpstreamConfig(name, endpoints, balancer, nextUpstream, healthCheck, allDown,
                        maxEjectionPercent, false);
            }
            if (wholeSeconds != null && wholeSeconds != c.wholeSeconds()) {
                c = new UpstreamConfig(c.name(), c.endpoints(), c.balancer(), c.nextUpstream(), c.healthCheck(),
                        c.allDown(), c.maxEjectionPercent(), wholeSeconds);
            }
            return c;
        }

        public Upstream build() {
            return new Upstream(this);
        }
    }
}
