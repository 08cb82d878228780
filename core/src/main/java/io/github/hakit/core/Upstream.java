package io.github.hakit.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A named set of endpoints with a balancing policy, passive (Nginx) and active (HAProxy) health, and Nginx
 * next-upstream retries. Thread-safe; one instance per cluster, shared by all callers.
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
 * <h2>Picking</h2>
 * {@link #pick()} returns a preallocated {@link Peer}; the caller reports the outcome with exactly one of
 * {@link #success}, {@link #failure} or {@link #release}. {@link #execute} does all of that plus retries.
 *
 * <p>Round robin is Nginx's smooth weighted round robin to the pick: while every usable endpoint has its full
 * effective weight and no failures, picks read a precomputed schedule through an atomic counter (no lock, no
 * allocation, O(1) at any size); a failure, a health or membership change, or a retry that excludes endpoints
 * switches to the exact algorithm under a short lock, which hands back to the schedule once Nginx's state returns
 * to its all-zero point. The lock stays because recovering effective weights change every peer's state on every
 * pick: that is Nginx's algorithm, and a CAS per peer would cost more than the lock.
 */
public final class Upstream implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Upstream.class);

    private final String name;
    private final Balancer balancer;
    private final NextUpstreamPolicy policy;
    private final FailureClassifier classifier;
    private final AllDownPolicy allDown;
    private final int maxEjectionPercent;
    private final HealthCheckConfig defaultCheck;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final Probe probe;
    private final ScheduledExecutorService scheduler;
    private final Executor probeExecutor;
    /** The executors this upstream created (and shuts down on close); injected ones belong to the caller. */
    private final List<ExecutorService> ownedExecutors;
    private final Executor listenerExecutor;
    private final List<UpstreamListener> listeners = new CopyOnWriteArrayList<>();
    private final RetryBudget budget;
    private final HealthChecker checker;

    /** Guards Nginx round-robin state, passive failure accounting, membership and snapshot publication. */
    private final Object lock = new Object();
    private volatile Snapshot snapshot;
    private final AtomicLong rrCounter = new AtomicLong();
    /** True while picks may read the precomputed schedule. Written under {@link #lock}. */
    private volatile boolean scheduleMode;
    private volatile boolean panicking;
    private volatile boolean closed;

    private Upstream(Builder b) {
        UpstreamConfig cfg = b.config();
        this.name = cfg.name();
        this.balancer = cfg.balancer();
        this.policy = cfg.nextUpstream();
        this.allDown = cfg.allDown();
        this.maxEjectionPercent = cfg.maxEjectionPercent();
        this.defaultCheck = cfg.healthCheck();
        this.classifier = b.classifier;
        this.ticker = b.ticker;
        this.sleeper = b.sleeper;
        this.probe = b.probe;
        this.listenerExecutor = b.listenerExecutor;
        if (b.logging) {
            listeners.add(new LoggingUpstreamListener());
        }
        listeners.addAll(b.listeners);
        this.budget = new RetryBudget(policy.budget(), ticker);
        boolean checks = probe != null && hasChecks(cfg.endpoints());
        List<ExecutorService> owned = new ArrayList<>(2);
        if (checks && b.scheduler == null) {
            ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(daemonThreads("hakit-check-" + name));
            owned.add(s);
            this.scheduler = s;
        } else {
            this.scheduler = b.scheduler;
        }
        if (checks && b.probeExecutor == null) {
            ExecutorService e = Executors.newCachedThreadPool(daemonThreads("hakit-probe-" + name));
            owned.add(e);
            this.probeExecutor = e;
        } else {
            this.probeExecutor = b.probeExecutor;
        }
        this.ownedExecutors = List.copyOf(owned);
        synchronized (lock) {
            publish(buildPeers(cfg.endpoints(), Map.of()), true);
        }
        this.checker = checks ? new HealthChecker(this, probe, scheduler, probeExecutor, ticker) : null;
        if (checker != null) {
            checker.start(snapshot.all());
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

    /** The endpoints, primaries then backups, in declared order. */
    public List<Endpoint> endpoints() {
        Snapshot s = snapshot;
        List<Endpoint> out = new ArrayList<>(s.primaries.length + s.backups.length);
        for (Peer p : s.all()) {
            out.add(p.endpoint());
        }
        return out;
    }

    public void addListener(UpstreamListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(UpstreamListener listener) {
        listeners.remove(listener);
    }

    // ------------------------------------------------------------------------------------------------ picking

    /**
     * Picks an endpoint for one call and takes a call slot on it; returns {@code null} when no endpoint is usable
     * (and the all-down policy does not route anyway). Allocation-free.
     */
    public Peer pick() {
        return pick(0, false, null);
    }

    /** Picks with a consistent-hash key ({@link Balancer#CONSISTENT_HASH}); other balancers ignore the key. */
    public Peer pick(String hashKey) {
        return hashKey == null ? pick() : pick(Ketama.hashKey(hashKey), true, null);
    }

    private Peer pick(int hash, boolean hashed, Tried tried) {
        Snapshot s = snapshot;
        switch (balancer) {
            case ROUND_ROBIN:
                if (tried == null && scheduleMode) {
                    SwrrSchedule schedule = s.schedule;
                    if (schedule != null) {
                        long position = rrCounter.getAndIncrement();
                        Peer p = s.primaries[schedule.order[(int) (position % schedule.length())]];
                        if (p.tryAcquire()) {
                            return p;
                        }
                        // full (max_conns): Nginx skips it in this pick, which leaves the steady state
                        return lockedPick(tried, position);
                    }
                }
                return lockedPick(tried, -1);
            case LEAST_CONN:
                return lockedPick(tried, -1);
            case P2C_PEAK_EWMA:
                return p2cPick(s, tried);
            case FIRST:
                return firstPick(s, tried);
            case CONSISTENT_HASH:
                return hashed ? hashPick(s, hash, tried) : lockedPick(tried, -1);
            default:
                throw new IllegalStateException("unknown balancer " + balancer);
        }
    }

    private Peer lockedPick(Tried tried, long schedulePosition) {
        List<Runnable> events = null;
        Peer chosen;
        synchronized (lock) {
            Snapshot s = snapshot;
            leaveScheduleMode(s, schedulePosition);
            long now = ticker.read();
            chosen = balancer == Balancer.LEAST_CONN
                    ? leastConnPeer(s.primaries, s.panic, tried, now)
                    : swrrPeer(s.primaries, s.panic, tried, now);
            if (chosen == null && s.backups.length > 0) {
                chosen = balancer == Balancer.LEAST_CONN
                        ? leastConnPeer(s.backups, false, tried, now)
                        : swrrPeer(s.backups, false, tried, now);
            }
            if (chosen == null) {
                events = new ArrayList<>(1);
                chosen = allDownPick(s, tried, now, events);
            } else if (panicking && !s.panic) {
                events = new ArrayList<>(1);
                endPanic(events, "an endpoint is usable again");
            }
            if (chosen != null) {
                chosen.conns.incrementAndGet();
            }
            maybeEnterScheduleMode(s);
        }
        fire(events);
        return chosen;
    }

    /**
     * Nginx's {@code ngx_http_upstream_get_peer}, step for step: skip tried, down, failed (max_fails within
     * fail_timeout) and full (max_conns) peers; add effective weight to current weight; recover effective weight
     * by one; choose the largest current weight (first on ties); subtract the total from it. Caller holds the lock.
     */
    private Peer swrrPeer(Peer[] peers, boolean ignoreHealth, Tried tried, long now) {
        if (peers.length == 1 && snapshot.single) {
            // Nginx's single-peer path: only down and max_conns are checked, failures are never counted
            Peer p = peers[0];
            return p.eligible(ignoreHealth) && (tried == null || !tried.contains(p)) && !p.full() ? p : null;
        }
        Peer best = null;
        long total = 0;
        for (Peer p : peers) {
            if (!usable(p, ignoreHealth, tried, now)) {
                continue;
            }
            int ew = Math.min(p.effectiveWeight, p.rampedWeight(p.weight, now));
            p.currentWeight += ew;
            total += ew;
            if (p.effectiveWeight < p.weight) {
                p.effectiveWeight++;
            }
            if (best == null || p.currentWeight > best.currentWeight) {
                best = p;
            }
        }
        if (best == null) {
            return null;
        }
        best.currentWeight -= (int) total;
        if (now - best.checked > best.failTimeoutNanos) {
            best.checked = now;
        }
        return best;
    }

    /**
     * Nginx's {@code ngx_http_upstream_get_least_conn_peer}: the lowest {@code conns / weight}; among ties, smooth
     * weighted round robin. Caller holds the lock.
     */
    private Peer leastConnPeer(Peer[] peers, boolean ignoreHealth, Tried tried, long now) {
        Peer best = null;
        int bestIndex = -1;
        boolean many = false;
        for (int i = 0; i < peers.length; i++) {
            Peer p = peers[i];
            if (!usable(p, ignoreHealth, tried, now)) {
                continue;
            }
            long lhs = best == null ? 0 : (long) p.conns.get() * best.weight;
            long rhs = best == null ? 0 : (long) best.conns.get() * p.weight;
            if (best == null || lhs < rhs) {
                best = p;
                bestIndex = i;
                many = false;
            } else if (lhs == rhs) {
                many = true;
            }
        }
        if (best == null) {
            return null;
        }
        if (many) {
            Peer first = best;
            long total = 0;
            for (int i = bestIndex; i < peers.length; i++) {
                Peer p = peers[i];
                if (!usable(p, ignoreHealth, tried, now)) {
                    continue;
                }
                if ((long) p.conns.get() * first.weight != (long) first.conns.get() * p.weight) {
                    continue;
                }
                int ew = Math.min(p.effectiveWeight, p.rampedWeight(p.weight, now));
                p.currentWeight += ew;
                total += ew;
                if (p.effectiveWeight < p.weight) {
                    p.effectiveWeight++;
                }
                if (p.currentWeight > best.currentWeight) {
                    best = p;
                }
            }
            best.currentWeight -= (int) total;
        }
        if (now - best.checked > best.failTimeoutNanos) {
            best.checked = now;
        }
        return best;
    }

    private boolean usable(Peer p, boolean ignoreHealth, Tried tried, long now) {
        if (tried != null && tried.contains(p)) {
            return false;
        }
        if (!p.eligible(ignoreHealth)) {
            return false;
        }
        if (!ignoreHealth && p.passivelyFailed(now)) {
            return false;
        }
        return !p.full();
    }

    private Peer p2cPick(Snapshot s, Tried tried) {
        Peer[] peers = s.primaries;
        long now = ticker.read();
        int n = peers.length;
        if (n > 0) {
            ThreadLocalRandom random = ThreadLocalRandom.current();
            Peer a = null;
            Peer b = null;
            for (int i = 0; i < 4 && b == null; i++) {
                Peer c = peers[random.nextInt(n)];
                if (c != a && usable(c, s.panic, tried, now)) {
                    if (a == null) {
                        a = c;
                    } else {
                        b = c;
                    }
                }
            }
            if (a == null) {
                for (Peer c : peers) {
                    if (usable(c, s.panic, tried, now)) {
                        a = c;
                        break;
                    }
                }
            }
            if (a != null) {
                Peer chosen = b == null || cost(a, now) <= cost(b, now) ? a : b;
                if (chosen.tryAcquire()) {
                    return chosen;
                }
            }
        }
        return lockedFallback(s, tried);
    }

    private double cost(Peer p, long now) {
        double ewma;
        synchronized (p.ewmaLock) {
            ewma = decayed(p, now);
        }
        int w = Math.max(1, p.rampedWeight(p.weight, now));
        return (ewma + 1) * (p.conns.get() + 1) / w;
    }

    /** Peak EWMA as in Finagle/Linkerd: decays toward 0 with a 10 s time constant between observations. */
    private static double decayed(Peer p, long now) {
        long td = Math.max(0, now - p.ewmaStamp);
        return p.ewmaNanos * Math.exp(-td / (double) EWMA_DECAY_NANOS);
    }

    private static final long EWMA_DECAY_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Latency charged for a failed call, so that fast failures never look fast. */
    static final long FAILURE_PENALTY_NANOS = TimeUnit.SECONDS.toNanos(1);

    private void observeLatency(Peer p, long rttNanos, long now) {
        synchronized (p.ewmaLock) {
            double current = decayed(p, now);
            if (rttNanos > current) {
                p.ewmaNanos = rttNanos; // peak: jump up at once
            } else {
                double w = Math.exp(-Math.max(0, now - p.ewmaStamp) / (double) EWMA_DECAY_NANOS);
                p.ewmaNanos = current * w + rttNanos * (1 - w);
            }
            p.ewmaStamp = now;
        }
    }

    private Peer firstPick(Snapshot s, Tried tried) {
        long now = ticker.read();
        for (Peer p : s.primaries) {
            if (usable(p, s.panic, tried, now) && p.tryAcquire()) {
                return p;
            }
        }
        return lockedFallback(s, tried);
    }

    private Peer hashPick(Snapshot s, int hash, Tried tried) {
        Ketama ring = s.ring;
        if (ring != null && !ring.isEmpty()) {
            long now = ticker.read();
            int point = ring.firstPoint(hash);
            // Nginx's ngx_http_upstream_get_chash_peer walks up to 20 points before falling back to round robin
            for (int i = 0; i < 20; i++) {
                Peer p = s.primaries[ring.owner(point + i)];
                if (usable(p, s.panic, tried, now) && p.tryAcquire()) {
                    return p;
                }
            }
        }
        return lockedPick(tried, -1);
    }

    /** Backups, then the all-down policy, under the lock. */
    private Peer lockedFallback(Snapshot s, Tried tried) {
        List<Runnable> events = new ArrayList<>(1);
        Peer chosen;
        synchronized (lock) {
            long now = ticker.read();
            chosen = s.backups.length > 0 ? swrrPeer(s.backups, false, tried, now) : null;
            if (chosen == null) {
                chosen = allDownPick(s, tried, now, events);
            }
            if (chosen != null) {
                chosen.conns.incrementAndGet();
            }
        }
        fire(events);
        return chosen;
    }

    /** No primary or backup is usable. Caller holds the lock. */
    private Peer allDownPick(Snapshot s, Tried tried, long now, List<Runnable> events) {
        if (tried != null && tried.count > 0 && hasUntriedUsable(s, tried, now)) {
            return null;
        }
        if (allDown.mode() == AllDownPolicy.Mode.FAIL_FAST) {
            // Nginx: "all peers failed, mark them as live for quick recovery", and this request fails
            for (Peer p : s.primaries) {
                p.fails = 0;
            }
            return null;
        }
        Peer p = swrrPeer(s.primaries, true, tried, now);
        if (p == null && s.backups.length > 0) {
            p = swrrPeer(s.backups, true, tried, now);
        }
        if (p != null && !panicking) {
            panicking = true;
            String reason = "no endpoint is usable; trying " + p.endpoint().name() + " anyway";
            events.add(() -> forEachListener(l -> l.onPanic(new UpstreamListener.Panic(name, true, reason))));
        }
        return p;
    }

    private boolean hasUntriedUsable(Snapshot s, Tried tried, long now) {
        for (Peer p : s.all()) {
            if (!tried.contains(p) && usable(p, s.panic, null, now)) {
                return true;
            }
        }
        return false;
    }

    private void endPanic(List<Runnable> events, String reason) {
        panicking = false;
        events.add(() -> forEachListener(l -> l.onPanic(new UpstreamListener.Panic(name, false, reason))));
    }

    /** Caller holds the lock. */
    private void leaveScheduleMode(Snapshot s, long position) {
        if (scheduleMode) {
            scheduleMode = false;
            if (s.schedule != null) {
                s.schedule.materialize(s.primaries, position >= 0 ? position : rrCounter.get());
            }
        }
    }

    /**
     * Hands picks back to the schedule once Nginx's state is the schedule's start state: every usable primary at
     * full effective weight, no failures, no slow start, all current weights 0. Caller holds the lock.
     */
    private void maybeEnterScheduleMode(Snapshot s) {
        if (scheduleMode || s.schedule == null || balancer != Balancer.ROUND_ROBIN) {
            return;
        }
        for (int i : s.schedule.peers) {
            Peer p = s.primaries[i];
            // with max_fails=0 Nginx still counts fails but never uses them, so they do not break the steady state
            boolean failsMatter = p.fails != 0 && p.endpoint().maxFails() != 0;
            if (p.currentWeight != 0 || p.effectiveWeight != p.weight || failsMatter
                    || p.rampStart != Long.MIN_VALUE) {
                return;
            }
        }
        rrCounter.set(0);
        scheduleMode = true;
    }

    // ------------------------------------------------------------------------------------------------ outcomes

    /** The call on {@code peer} succeeded after {@code latencyNanos}. */
    public void success(Peer peer, long latencyNanos) {
        peer.conns.decrementAndGet();
        succeeded(peer, latencyNanos);
    }

    /**
     * Reports a successful call to endpoint {@code endpointName} that was not routed through {@link #pick()}: a
     * client library that chooses its server itself (RocketMQ's NameServer client) tells the upstream how its own
     * calls went. It feeds the same passive accounting as {@link #success}; no slot is held or released.
     *
     * @throws IllegalArgumentException when no endpoint has that name, or the latency is negative
     */
    public void recordSuccess(String endpointName, long latencyNanos) {
        Peer peer = recorded(endpointName, latencyNanos);
        if (peer.fails != 0) {
            // Nginx's get_peer stamps "checked" when it selects a peer whose fail_timeout has passed; here the
            // library selected it when the call started
            long started = ticker.read() - latencyNanos;
            synchronized (lock) {
                if (started - peer.checked > peer.failTimeoutNanos) {
                    peer.checked = started;
                }
            }
        }
        succeeded(peer, latencyNanos);
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

    private Peer recorded(String endpointName, long latencyNanos) {
        Objects.requireNonNull(endpointName, "endpointName");
        if (latencyNanos < 0) {
            throw new IllegalArgumentException("negative latency for " + endpointName + ": " + latencyNanos + " ns");
        }
        return peer(endpointName);
    }

    private void succeeded(Peer peer, long latencyNanos) {
        peer.successes.increment();
        if (balancer == Balancer.P2C_PEAK_EWMA) {
            observeLatency(peer, latencyNanos, ticker.read());
        }
        if (peer.check != null && peer.endpoint().observe() != null) {
            checker.observeSuccess(peer);
        }
        markLive(peer);
    }

    /**
     * The call on {@code peer} failed with {@code kind}. Kinds that {@link FailureKind#countsAsFailure() count}
     * feed Nginx's passive accounting; 403/404 move on without counting.
     */
    public void failure(Peer peer, FailureKind kind, long latencyNanos) {
        peer.conns.decrementAndGet();
        failed(peer, kind, latencyNanos);
    }

    private void failed(Peer peer, FailureKind kind, long latencyNanos) {
        if (!kind.countsAsFailure()) {
            markLive(peer);
            return;
        }
        peer.failures.increment();
        long now = ticker.read();
        if (balancer == Balancer.P2C_PEAK_EWMA) {
            observeLatency(peer, Math.max(latencyNanos, FAILURE_PENALTY_NANOS), now);
        }
        ObserveConfig observe = peer.endpoint().observe();
        if (observe != null && peer.check != null && observe.layer().counts(kind)) {
            checker.observeError(peer, kind);
        }
        List<Runnable> events = null;
        synchronized (lock) {
            Snapshot s = snapshot;
            if (s.single || !s.contains(peer)) {
                return;
            }
            leaveScheduleMode(s, -1);
            // Nginx ngx_http_upstream_free_round_robin_peer, NGX_PEER_FAILED branch
            peer.fails++;
            peer.accessed = now;
            peer.checked = now;
            int maxFails = peer.endpoint().maxFails();
            if (maxFails != 0) {
                peer.effectiveWeight -= peer.weight / maxFails;
                if (peer.fails >= maxFails && !peer.passivelyDown) {
                    events = new ArrayList<>(1);
                    eject(s, peer, now, events);
                }
            }
            if (peer.effectiveWeight < 0) {
                peer.effectiveWeight = 0;
            }
        }
        fire(events);
    }

    /** Returns the slot of a picked peer that was not called (no outcome to report). */
    public void release(Peer peer) {
        peer.conns.decrementAndGet();
    }

    /** Nginx's success branch: {@code if (accessed < checked) fails = 0}. */
    private void markLive(Peer peer) {
        if (peer.fails == 0) {
            return;
        }
        List<Runnable> events = null;
        synchronized (lock) {
            if (peer.fails != 0 && peer.accessed < peer.checked) {
                peer.fails = 0;
                if (peer.passivelyDown) {
                    peer.passivelyDown = false;
                    startRamp(peer);
                    events = new ArrayList<>(1);
                    stateEvent(events, peer, HealthState.DOWN, HealthState.UP, "a call succeeded after fail_timeout");
                }
                maybeEnterScheduleMode(snapshot);
            }
        }
        fire(events);
    }

    /** Caller holds the lock. Applies the ejection cap (Envoy's max_ejection_percent). */
    private void eject(Snapshot s, Peer peer, long now, List<Runnable> events) {
        if (!peer.backup && maxEjectionPercent < 100) {
            int ejected = 0;
            for (Peer p : s.primaries) {
                if (p != peer && p.passivelyDown && p.passivelyFailed(now)) {
                    ejected++;
                }
            }
            if ((ejected + 1) * 100 > maxEjectionPercent * s.primaries.length) {
                peer.fails = peer.endpoint().maxFails() - 1;
                String cause = "not ejected: " + ejected + " of " + s.primaries.length
                        + " already out (max ejection " + maxEjectionPercent + "%)";
                events.add(() -> log.warn("upstream {}: {} {}", name, peer.endpoint().name(), cause));
                return;
            }
        }
        peer.passivelyDown = true;
        if (!peer.activeUp) {
            return; // already DOWN by active checks: no change to report
        }
        stateEvent(events, peer, HealthState.UP, HealthState.DOWN, peer.fails + " failure(s) within fail_timeout "
                + peer.endpoint().failTimeout().toSeconds() + "s; unavailable for " + peer.endpoint().failTimeout().toSeconds() + "s");
    }

    void startRamp(Peer peer) {
        if (!peer.endpoint().slowStart().isZero()) {
            peer.rampStart = ticker.read();
        }
    }

    // ------------------------------------------------------------------------------------------------ execute

    /** Runs an idempotent call with Nginx next-upstream retries. */
    public <T> T execute(UpstreamCall<T> call) {
        return execute(CallOptions.idempotent(), call, null);
    }

    /** Runs a call with Nginx next-upstream retries. */
    public <T> T execute(CallOptions options, UpstreamCall<T> call) {
        return execute(options, call, null);
    }

    /**
     * Runs {@code call} on picked endpoints until it succeeds or the policy says stop:
     * <ul>
     *   <li>a failure whose kind is not in the policy's conditions ends the call;</li>
     *   <li>a non-idempotent call whose request may have been sent is not retried unless
     *       {@link NextUpstreamPolicy#nonIdempotent()};</li>
     *   <li>each retry goes to an endpoint not yet tried in this round, up to {@code tries} attempts, within
     *       {@code timeout}, and only while the retry budget allows;</li>
     *   <li>exceptions the classifier does not recognise as endpoint failures are rethrown at once.</li>
     * </ul>
     * When every attempt failed with a classified result (e.g. HTTP 502), the last result is returned, as Nginx
     * passes on the last response. Otherwise a {@link NoLiveEndpointException} lists every attempt.
     *
     * @param resultClassifier classifies returned values as failures; {@code null} = every return is a success
     */
    public <T> T execute(CallOptions options, UpstreamCall<T> call, ResultClassifier<? super T> resultClassifier) {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(call, "call");
        if (closed) {
            throw new IllegalStateException("upstream '" + name + "' is closed");
        }
        long start = ticker.read();
        long overall = policy.timeout().toNanos();
        long deadline = overall == 0 ? Long.MAX_VALUE : start + overall;
        int maxTries = policy.tries() == 0 ? Integer.MAX_VALUE : policy.tries();
        long attemptNanos = policy.attemptTimeout().toNanos();
        budget.deposit();
        Tried tried = null; // allocated at the first failure: the happy path allocates no tried-set
        List<AttemptRecord> attempts = new ArrayList<>(2);
        T lastResult = null;
        boolean lastWasResult = false;
        int round = 1;
        String reason;
        Throwable lastError = null;
        int hash = options.hashKey() == null ? 0 : Ketama.hashKey(options.hashKey());
        while (true) {
            if (attempts.size() >= maxTries) {
                reason = "tries limit " + maxTries + " reached";
                break;
            }
            long now = ticker.read();
            if (now - deadline >= 0) {
                reason = "timeout " + policy.timeout().toMillis() + " ms elapsed";
                break;
            }
            if (tried != null && tried.snapshot != snapshot) {
                tried = tried.rebase(snapshot);
            }
            Peer peer = pick(hash, options.hashKey() != null, tried);
            if (peer == null) {
                if (tried != null && round < policy.rounds()) {
                    Duration wait = Duration.ofMillis(policy.backoff().apply(round));
                    long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - ticker.read();
                    if (wait.toNanos() >= left) {
                        reason = "timeout " + policy.timeout().toMillis() + " ms would elapse during backoff";
                        break;
                    }
                    try {
                        sleeper.sleep(wait);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        reason = "interrupted during backoff";
                        lastError = e;
                        break;
                    }
                    round++;
                    tried = null;
                    continue;
                }
                reason = attempts.isEmpty() ? "no live endpoints: " + describeStates() : "no endpoint left to try";
                break;
            }
            if (!attempts.isEmpty()) {
                if (!budget.tryWithdraw()) {
                    release(peer);
                    reason = "retry budget exhausted";
                    break;
                }
                fireRetry(attempts.get(attempts.size() - 1));
            }
            long left = deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - now;
            AttemptImpl attempt = new AttemptImpl(peer.endpoint(), attempts.size() + 1,
                    Duration.ofNanos(Math.max(1, Math.min(attemptNanos, left))));
            long t0 = ticker.read();
            T result;
            try {
                result = call.call(attempt);
            } catch (Throwable t) {
                long elapsed = ticker.read() - t0;
                if (t instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                Failure f = t instanceof InterruptedException || t instanceof Error ? null : classifier.classify(t);
                if (f == null) {
                    release(peer);
                    throw rethrow(t, attempts);
                }
                failure(peer, f.kind(), elapsed);
                tried = markTried(tried, peer);
                AttemptRecord record = new AttemptRecord(peer.endpoint(), attempt.number(), f.kind(), t,
                        Duration.ofNanos(elapsed), f.requestMayHaveBeenSent());
                attempts.add(record);
                lastWasResult = false;
                lastError = t;
                String stop = stopReason(f.kind(), f.requestMayHaveBeenSent(), options);
                if (stop != null) {
                    reason = stop;
                    break;
                }
                continue;
            }
            long elapsed = ticker.read() - t0;
            FailureKind kind = resultClassifier == null ? null : resultClassifier.classify(result);
            if (kind == null || !policy.retriesOn(kind)) {
                success(peer, elapsed);
                return result;
            }
            failure(peer, kind, elapsed);
            tried = markTried(tried, peer);
            AttemptRecord record = new AttemptRecord(peer.endpoint(), attempt.number(), kind, null,
                    Duration.ofNanos(elapsed), true);
            attempts.add(record);
            if (lastWasResult) {
                resultClassifier.discard(lastResult);
            }
            lastResult = result;
            lastWasResult = true;
            String stop = stopReason(kind, true, options);
            if (stop != null) {
                reason = stop;
                break;
            }
        }
        if (lastWasResult) {
            return lastResult;
        }
        List<AttemptRecord> done = List.copyOf(attempts);
        String why = reason;
        forEachListener(l -> l.onExhausted(new UpstreamListener.Exhausted(name, done, why)));
        throw new NoLiveEndpointException(name, reason, done, lastError);
    }

    private Tried markTried(Tried tried, Peer peer) {
        Tried t = tried == null ? new Tried(snapshot) : tried;
        t.add(peer);
        return t;
    }

    private String stopReason(FailureKind kind, boolean sent, CallOptions options) {
        if (!policy.retriesOn(kind)) {
            return kind.nginxName() + " is not a next-upstream condition";
        }
        if (sent && !options.isIdempotent() && !policy.nonIdempotent()) {
            return "not retried: the non-idempotent request may have reached the endpoint";
        }
        return null;
    }

    private RuntimeException rethrow(Throwable t, List<AttemptRecord> attempts) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new UpstreamCallException(name, "call failed: " + t, attempts, t);
    }

    private void fireRetry(AttemptRecord record) {
        if (!listeners.isEmpty()) {
            forEachListener(l -> l.onRetry(new UpstreamListener.Retry(name, record)));
        }
    }

    private String describeStates() {
        StringBuilder sb = new StringBuilder();
        for (EndpointStatus e : status().endpoints()) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(e.name()).append(' ').append(e.statusText());
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------------------------------------ admin

    /** Operator drain (HAProxy DRAIN): no new calls; calls in flight finish. */
    public void drain(String endpointName) {
        setAdmin(endpointName, Peer.Admin.DRAIN, "drain requested");
    }

    /** Operator maintenance (HAProxy MAINT): no calls, no checks. */
    public void maintenance(String endpointName) {
        setAdmin(endpointName, Peer.Admin.MAINT, "maintenance requested");
    }

    /** Back to service after {@link #drain} or {@link #maintenance}. */
    public void ready(String endpointName) {
        setAdmin(endpointName, Peer.Admin.READY, "ready requested");
    }

    /** Changes an endpoint's weight at run time (0..1,000,000; 0 = no new calls). */
    public void setWeight(String endpointName, int weight) {
        if (weight < 0 || weight > Endpoint.MAX_WEIGHT) {
            throw new IllegalArgumentException("weight out of range 0.." + Endpoint.MAX_WEIGHT + ": " + weight);
        }
        synchronized (lock) {
            Peer p = peer(endpointName);
            p.weight = weight;
            p.effectiveWeight = weight;
            republish();
        }
    }

    private void setAdmin(String endpointName, Peer.Admin admin, String cause) {
        List<Runnable> events = new ArrayList<>(1);
        synchronized (lock) {
            Peer p = peer(endpointName);
            HealthState from = stateOf(p, ticker.read());
            p.admin = admin;
            if (admin == Peer.Admin.READY) {
                startRamp(p);
            }
            republish();
            HealthState to = stateOf(p, ticker.read());
            if (from != to) {
                stateEvent(events, p, from, to, cause);
            }
        }
        fire(events);
    }

    private Peer peer(String endpointName) {
        Peer p = snapshot.byName.get(endpointName);
        if (p == null) {
            throw new IllegalArgumentException("unknown endpoint '" + endpointName + "' in upstream '" + name
                    + "'; known: " + snapshot.byName.keySet());
        }
        return p;
    }

    /**
     * Replaces the endpoints (a NameServer list refresh, a registry notification). Endpoints that stay (same name
     * and address) keep their health state; new ones start as configured.
     */
    public void setEndpoints(List<Endpoint> endpoints) {
        UpstreamConfig validated = UpstreamConfig.of(name, endpoints);
        List<Peer> added = new ArrayList<>();
        synchronized (lock) {
            Snapshot old = snapshot;
            leaveScheduleMode(old, -1);
            Map<String, Peer> keep = new HashMap<>();
            for (Peer p : old.all()) {
                keep.put(p.endpoint().name() + "@" + p.endpoint().address(), p);
            }
            Peer[] peers = buildPeers(validated.endpoints(), keep);
            for (Peer p : peers) {
                if (!old.contains(p)) {
                    added.add(p);
                }
            }
            publish(peers, true);
        }
        if (checker != null) {
            checker.start(added);
        }
    }

    private Peer[] buildPeers(List<Endpoint> endpoints, Map<String, Peer> keep) {
        Peer[] peers = new Peer[endpoints.size()];
        int primary = 0;
        int backup = 0;
        for (int i = 0; i < peers.length; i++) {
            Endpoint e = endpoints.get(i);
            int index = e.backup() ? backup++ : primary++;
            Peer old = keep.get(e.name() + "@" + e.address());
            if (old != null && old.endpoint().equals(e)) {
                old.index = index; // under the lock; picks read the snapshot arrays, not this field
                peers[i] = old;
            } else {
                HealthCheckConfig check = probe == null ? null : e.healthCheck() != null ? e.healthCheck() : defaultCheck;
                if (e.observe() != null && check == null) {
                    throw new IllegalArgumentException("endpoint " + e.name() + " has 'observe' but no health check"
                            + " (HAProxy requires 'check' with 'observe')");
                }
                peers[i] = new Peer(e, index, check);
            }
        }
        return peers;
    }

    /** Rebuilds the snapshot from the current peers (admin or health change). Caller holds the lock. */
    void republish() {
        Snapshot s = snapshot;
        leaveScheduleMode(s, -1);
        publish(s.all(), false);
    }

    /** Publishes a new immutable snapshot. Caller holds the lock and has left schedule mode. */
    private void publish(Peer[] all, boolean membership) {
        Snapshot old = snapshot;
        List<Peer> primaries = new ArrayList<>();
        List<Peer> backups = new ArrayList<>();
        for (Peer p : all) {
            (p.backup ? backups : primaries).add(p);
        }
        Peer[] prim = primaries.toArray(new Peer[0]);
        Peer[] back = backups.toArray(new Peer[0]);
        int healthy = 0;
        int candidates = 0;
        for (Peer p : prim) {
            if (p.eligible(true)) {
                candidates++;
                if (p.activeUp) {
                    healthy++;
                }
            }
        }
        boolean panic = allDown.mode() == AllDownPolicy.Mode.PANIC && allDown.panicThreshold() > 0
                && candidates > 0 && healthy * 100 < allDown.panicThreshold() * candidates;
        SwrrSchedule schedule = null;
        if (balancer == Balancer.ROUND_ROBIN) {
            int[] ids = new int[prim.length];
            int[] weights = new int[prim.length];
            int n = 0;
            for (Peer p : prim) {
                if (p.eligible(panic)) {
                    ids[n] = p.index;
                    weights[n] = p.weight;
                    n++;
                }
            }
            schedule = SwrrSchedule.compute(Arrays.copyOf(ids, n), Arrays.copyOf(weights, n));
        }
        Ketama ring = balancer != Balancer.CONSISTENT_HASH ? null
                : !membership && old != null && old.ring != null ? old.ring : Ketama.build(prim);
        boolean single = prim.length == 1 && back.length == 0;
        Snapshot s = new Snapshot(prim, back, schedule, ring, panic, single);
        List<Runnable> events = new ArrayList<>(1);
        if (panic != (old != null && old.panic)) {
            String reason = healthy + " of " + candidates + " primaries healthy, panic threshold "
                    + allDown.panicThreshold() + "%";
            panicking = panic;
            events.add(() -> forEachListener(l -> l.onPanic(new UpstreamListener.Panic(name, panic, reason))));
        }
        snapshot = s;
        maybeEnterScheduleMode(s);
        fire(events); // under the lock: listeners must not call back into admin operations synchronously
    }

    // ------------------------------------------------------------------------------------------------ status

    /** A point-in-time view of every endpoint, HAProxy-style. */
    public UpstreamStatus status() {
        Snapshot s = snapshot;
        long now = ticker.read();
        List<EndpointStatus> rows = new ArrayList<>();
        synchronized (lock) {
            for (Peer p : s.all()) {
                HealthState state = stateOf(p, now);
                rows.add(new EndpointStatus(p.endpoint().name(), p.endpoint().address(), p.backup, state,
                        statusText(p, state, now), p.weight, p.effectiveWeight, p.conns.get(), p.fails,
                        p.successes.sum(), p.failures.sum(), p.lastCheck, p.endpoint().zone()));
            }
        }
        return new UpstreamStatus(name, balancer, rows, s.panic || panicking);
    }

    HealthState stateOf(Peer p, long now) {
        if (p.endpoint().down() || p.admin == Peer.Admin.MAINT) {
            return HealthState.MAINT;
        }
        if (p.admin == Peer.Admin.DRAIN || p.weight == 0) {
            return HealthState.DRAIN;
        }
        HealthCheckConfig c = p.check;
        if (c != null) {
            synchronized (p) {
                if (!p.activeUp) {
                    return p.health > 0 ? HealthState.GOING_UP : HealthState.DOWN;
                }
                if (p.health < c.rise() + c.fall() - 1) {
                    return p.passivelyFailed(now) ? HealthState.DOWN : HealthState.GOING_DOWN;
                }
            }
        }
        return p.passivelyFailed(now) ? HealthState.DOWN : HealthState.UP;
    }

    private static String statusText(Peer p, HealthState state, long now) {
        HealthCheckConfig c = p.check;
        switch (state) {
            case GOING_DOWN:
                // HAProxy stats: "UP %d/%d", health - rise + 1, fall
                return "UP " + (p.health - c.rise() + 1) + "/" + c.fall();
            case GOING_UP:
                // HAProxy stats: "DOWN %d/%d", health, rise
                return "DOWN " + p.health + "/" + c.rise();
            case DOWN:
                return p.activeUp && p.passivelyFailed(now) ? "DOWN (passive)" : "DOWN";
            default:
                return state.name();
        }
    }

    // ------------------------------------------------------------------------------------------------ events

    void stateEvent(List<Runnable> events, Peer p, HealthState from, HealthState to, String cause) {
        UpstreamListener.StateChange e = new UpstreamListener.StateChange(name, p.endpoint(), from, to, cause);
        events.add(() -> forEachListener(l -> l.onStateChange(e)));
    }

    void fire(List<Runnable> events) {
        if (events != null) {
            for (Runnable r : events) {
                r.run();
            }
        }
    }

    private void forEachListener(Consumer<UpstreamListener> action) {
        for (UpstreamListener l : listeners) {
            listenerExecutor.execute(() -> {
                try {
                    action.accept(l);
                } catch (RuntimeException e) {
                    log.warn("upstream {}: listener {} threw", name, l, e);
                }
            });
        }
    }

    Object lock() {
        return lock;
    }

    Snapshot snapshot() {
        return snapshot;
    }

    /** Stops health checks and the executors this upstream created. */
    @Override
    public void close() {
        closed = true;
        if (checker != null) {
            checker.stop();
        }
        for (ExecutorService e : ownedExecutors) {
            e.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "Upstream[" + name + ", " + balancer + ", " + snapshot.all().length + " endpoints]";
    }

    // ------------------------------------------------------------------------------------------------ types

    /** Immutable routing view published on every membership, admin or health change. */
    static final class Snapshot {
        final Peer[] primaries;
        final Peer[] backups;
        final SwrrSchedule schedule;
        final Ketama ring;
        final boolean panic;
        final boolean single;
        final Map<String, Peer> byName;
        private final Peer[] all;

        Snapshot(Peer[] primaries, Peer[] backups, SwrrSchedule schedule, Ketama ring, boolean panic, boolean single) {
            this.primaries = primaries;
            this.backups = backups;
            this.schedule = schedule;
            this.ring = ring;
            this.panic = panic;
            this.single = single;
            this.all = new Peer[primaries.length + backups.length];
            System.arraycopy(primaries, 0, all, 0, primaries.length);
            System.arraycopy(backups, 0, all, primaries.length, backups.length);
            Map<String, Peer> names = new HashMap<>();
            for (Peer p : all) {
                names.put(p.endpoint().name(), p);
            }
            this.byName = Map.copyOf(names);
        }

        Peer[] all() {
            return all;
        }

        boolean contains(Peer p) {
            Peer[] arr = p.backup ? backups : primaries;
            return p.index < arr.length && arr[p.index] == p;
        }
    }

    /** Endpoints already tried by one call (Nginx's {@code rrp->tried}); a handful at most, compared by identity. */
    static final class Tried {
        final Snapshot snapshot;
        private final List<Peer> peers = new ArrayList<>(4);
        int count;

        Tried(Snapshot s) {
            this.snapshot = s;
        }

        boolean contains(Peer p) {
            for (int i = 0; i < peers.size(); i++) {
                if (peers.get(i) == p) {
                    return true;
                }
            }
            return false;
        }

        void add(Peer p) {
            if (!contains(p)) {
                peers.add(p);
                count++;
            }
        }

        Tried rebase(Snapshot s) {
            Tried t = new Tried(s);
            for (Peer p : peers) {
                if (s.contains(p)) {
                    t.add(p);
                }
            }
            return t;
        }
    }

    private record AttemptImpl(Endpoint endpoint, int number, Duration timeout) implements Attempt {
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

        /** Takes endpoints, balancer, policy, default check and all-down policy from a parsed config. */
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

        /** Scheduler for health checks (default: a daemon thread owned by the upstream). */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Where probes run (default: a cached daemon pool owned by the upstream). */
        public Builder probeExecutor(Executor executor) {
            this.probeExecutor = Objects.requireNonNull(executor, "probeExecutor");
            return this;
        }

        /** Where listeners run (default: the thread that caused the event). */
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
            if (config != null) {
                if (endpoints != null) {
                    return config.withEndpoints(endpoints);
                }
                return config;
            }
            if (endpoints == null) {
                throw new IllegalArgumentException("upstream '" + name + "' has no endpoints");
            }
            return new UpstreamConfig(name, endpoints, balancer, nextUpstream, healthCheck, allDown, maxEjectionPercent);
        }

        public Upstream build() {
            return new Upstream(this);
        }
    }
}
