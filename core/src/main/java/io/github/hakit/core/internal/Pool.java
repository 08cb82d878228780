package io.github.hakit.core.internal;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.HealthState;
import io.github.hakit.core.Ticker;
import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.health.HealthCheckConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The endpoints of one upstream and everything that routes over them: the lock, the published routing view, the
 * balancer's picker, Nginx passive health, the all-down policy, panic routing, and the memory of endpoints
 * learned from per-call candidate lists (OkHttp's {@code RouteDatabase} idea). Every health transition is applied
 * here, under the lock, and delivered to listeners after it is released. Not API.
 */
public final class Pool {
    private static final Logger log = LoggerFactory.getLogger(Pool.class);
    /** Healthy, idle endpoints learned from per-call lists are forgotten beyond this many. */
    static final int MAX_DYNAMIC = 4096;

    private final String name;
    private final Object lock = new Object();
    private final Ticker ticker;
    private final PassiveHealth passive;
    private final AllDownPolicy allDown;
    private final Events events;
    private final ScheduledExecutorService scheduler;
    private Picker picker;
    private volatile Routing routing;
    private volatile boolean panicking;
    private final Map<String, Node> dynamic = new ConcurrentHashMap<>();
    private final AtomicBoolean expiryArmed = new AtomicBoolean();
    private long expiryAt;

    public Pool(String name, Ticker ticker, PassiveHealth passive, AllDownPolicy allDown, Events events,
            ScheduledExecutorService scheduler) {
        this.name = name;
        this.ticker = ticker;
        this.passive = passive;
        this.allDown = allDown;
        this.events = events;
        this.scheduler = scheduler;
    }

    /** Sets the picker and publishes the first view. */
    public void start(Picker picker, Node[] nodes) {
        this.picker = picker;
        Pending ev = new Pending();
        synchronized (lock) {
            publishLocked(nodes, true, ev);
        }
        ev.fire();
    }

    public String name() {
        return name;
    }

    public Object lock() {
        return lock;
    }

    public Routing routing() {
        return routing;
    }

    public Ticker ticker() {
        return ticker;
    }

    public PassiveHealth passive() {
        return passive;
    }

    public Picker picker() {
        return picker;
    }

    public Events events() {
        return events;
    }

    public AllDownPolicy allDown() {
        return allDown;
    }

    /** The upstream's scheduler (timers, off-lock work such as large schedule builds). */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    // ------------------------------------------------------------------------------------------------ picking

    /** Whether {@code p} may take this call: not tried, eligible, not passively failed (unless ignored), not full. */
    public boolean usable(Node p, boolean ignoreHealth, CallState call, long nanos) {
        if (call != null && call.tried(p)) {
            return false;
        }
        if (!p.eligible(ignoreHealth)) {
            return false;
        }
        if (!ignoreHealth && p.passivelyFailed(passive.time(nanos))) {
            return false;
        }
        return !p.full();
    }

    /** A picked node for {@code call}, or {@code null} when none is usable and the all-down policy says so. */
    public Node pick(CallState call) {
        return pick(call, ticker.read());
    }

    /** {@link #pick(CallState)} at a time the caller has read already. */
    public Node pick(CallState call, long nanos) {
        Routing r = routing;
        Node n = picker.pick(r, call, nanos);
        if (n != null) {
            if (panicking && !r.panic) {
                endPanic("an endpoint is usable again");
            }
            return n;
        }
        Pending ev = new Pending();
        synchronized (lock) {
            n = allDownLocked(routing, call, nanos, ev);
        }
        ev.fire();
        return n;
    }

    /** No primary or backup is usable. Caller holds the lock. */
    private Node allDownLocked(Routing r, CallState call, long nanos, Pending ev) {
        if (allDown.mode() == AllDownPolicy.Mode.FAIL_FAST) {
            // Nginx 1.22 ngx_http_upstream_get_round_robin_peer: "no live upstreams" (NGX_BUSY) for as long as the
            // peers stay out; unlike older versions it does not reset their failure counts
            return null;
        }
        picker.perturbLocked(r); // the plain algorithm below works on the nodes' own current weights
        Node p = Swrr.pickLocked(this, r, r.primaries, true, call, nanos);
        if (p == null && r.backups.length > 0) {
            p = Swrr.pickLocked(this, r, r.backups, true, call, nanos);
        }
        picker.settledLocked(r);
        if (p != null && !panicking) {
            panicking = true;
            String reason = "no endpoint is usable; trying " + p.endpoint.name() + " anyway";
            ev.add(() -> events.panic(true, reason));
        }
        return p;
    }

    private void endPanic(String reason) {
        boolean ended;
        synchronized (lock) {
            ended = panicking && !routing.panic;
            if (ended) {
                panicking = false;
            }
        }
        if (ended) {
            events.panic(false, reason);
        }
    }

    /** Whether routing currently ignores health. */
    public boolean panic() {
        return routing.panic || panicking;
    }

    // ------------------------------------------------------------------------------------------------ views

    /** Publishes a new routing view from {@code all} (membership, admin or health change). Caller holds the lock. */
    public void publishLocked(Node[] all, boolean membership, Pending ev) {
        Routing old = routing;
        if (old != null) {
            picker.perturbLocked(old);
        }
        List<Node> primaries = new ArrayList<>();
        List<Node> backups = new ArrayList<>();
        for (Node p : all) {
            (p.backup ? backups : primaries).add(p);
        }
        Node[] prim = primaries.toArray(new Node[0]);
        Node[] back = backups.toArray(new Node[0]);
        for (int i = 0; i < prim.length; i++) {
            prim[i].index = i;
        }
        for (int i = 0; i < back.length; i++) {
            back[i].index = i;
        }
        int healthy = 0;
        int candidates = 0;
        for (Node p : prim) {
            if (p.eligible(true)) {
                candidates++;
                if (p.activeUp) {
                    healthy++;
                }
            }
        }
        boolean panic = allDown.mode() == AllDownPolicy.Mode.PANIC && allDown.panicThreshold() > 0
                && candidates > 0 && healthy * 100 < allDown.panicThreshold() * candidates;
        Routing next = new Routing(prim, back, panic, null);
        next = next.withData(picker.prepare(next, old, membership));
        if (panic != (old != null && old.panic)) {
            String reason = healthy + " of " + candidates + " primaries healthy, panic threshold "
                    + allDown.panicThreshold() + "%";
            panicking = panic;
            ev.add(() -> events.panic(panic, reason));
        }
        routing = next;
        picker.settledLocked(next);
    }

    /** Republishes the current nodes (admin or health change). Caller holds the lock. */
    public void republishLocked(Pending ev) {
        publishLocked(routing.all(), false, ev);
    }

    // ------------------------------------------------------------------------------------------------ nodes

    /** The configured node named {@code endpointName}, or a dynamic one, or {@code null}. */
    public Node find(String endpointName) {
        Node n = routing.byName.get(endpointName);
        return n != null ? n : dynamic.get(endpointName);
    }

    /** The memory entry for an endpoint of a per-call candidate list, created on first sight. */
    public Node remember(Endpoint e, long nanos) {
        Node n = routing.byName.get(e.name());
        if (n != null) {
            return n;
        }
        n = dynamic.get(e.name());
        if (n != null && n.endpoint.equals(e)) {
            n.lastUsed = nanos;
            return n;
        }
        Node created = new Node(e, -1, null, true, passive.failTimeout(e), nanos);
        if (n != null) {
            // same name, other parameters (new address): keep the health memory of the name
            synchronized (lock) {
                created.fails = n.fails;
                created.accessed = n.accessed;
                created.checked = n.checked;
                created.ejected = n.ejected;
            }
        }
        dynamic.put(e.name(), created);
        if (dynamic.size() > MAX_DYNAMIC) {
            dynamic.values().removeIf(d -> d.fails == 0 && d.conns.get() == 0 && d != created);
        }
        return created;
    }

    /** Dynamic nodes, for status and expiry. */
    public List<Node> dynamicNodes() {
        return new ArrayList<>(dynamic.values());
    }

    // ------------------------------------------------------------------------------------------------ outcomes

    /** Stamps {@code checked} for a call a client library routed itself (Nginx's get_peer step). */
    public void selected(Node n, long nanos) {
        synchronized (lock) {
            Routing r = routing;
            boolean member = r.contains(n);
            if (member) {
                picker.nodeChangingLocked(r, n);
            }
            passive.selectedLocked(n, nanos);
            if (member) {
                picker.nodeChangedLocked(r, n, nanos);
            }
        }
    }

    /** A state sink collecting into {@code ev}; stamps the node's last change. */
    public StateSink sink(Pending ev, long nanos) {
        return new StateSink() {
            @Override
            public void changed(Node n, HealthState from, HealthState to, String cause) {
                n.lastChange = nanos;
                n.lastChangeCause = cause;
                ev.add(() -> events.stateChange(n.endpoint, from, to, cause));
            }

            @Override
            public void note(Node n, String warning) {
                ev.add(() -> log.warn("upstream {}: {} {}", name, n.endpoint.name(), warning));
            }
        };
    }

    /** An attempt on {@code n} failed in a way that counts (Nginx {@code NGX_PEER_FAILED}). */
    public void failed(Node n, long nanos) {
        Pending ev = new Pending();
        long ends;
        synchronized (lock) {
            Routing r = routing;
            boolean member = r.contains(n);
            if (!member && !n.dynamic) {
                return; // removed meanwhile
            }
            if (member && r.single) {
                return; // Nginx: a single-server upstream never counts failures
            }
            if (member) {
                picker.nodeChangingLocked(r, n);
            }
            ends = passive.failedLocked(n, nanos, member ? r.primaries : null, sink(ev, nanos));
            if (member) {
                picker.nodeChangedLocked(r, n, nanos);
            }
        }
        ev.fire();
        if (ends >= 0) {
            armExpiry(ends, nanos);
        }
    }

    /** An attempt on {@code n} succeeded (or was handed back to the caller). */
    public void succeeded(Node n, long nanos) {
        if (n.fails == 0) {
            return;
        }
        Pending ev = new Pending();
        synchronized (lock) {
            Routing r = routing;
            boolean member = r.contains(n);
            if (!member && !n.dynamic) {
                return;
            }
            if (member) {
                picker.nodeChangingLocked(r, n);
            }
            StateSink sink = sink(ev, nanos);
            if (n.ejected) {
                passive.expireLocked(List.of(n), nanos, sink);
            }
            passive.succeededLocked(n, nanos, sink);
            if (member) {
                picker.nodeChangedLocked(r, n, nanos);
            }
        }
        ev.fire();
    }

    /** Ends every ejection whose window is over (and panic routing that is no longer needed), firing events. */
    public void expire() {
        long nanos = ticker.read();
        Pending ev = new Pending();
        long next;
        synchronized (lock) {
            List<Node> nodes = new ArrayList<>(List.of(routing.all()));
            nodes.addAll(dynamic.values());
            next = passive.expireLocked(nodes, nanos, sink(ev, nanos));
        }
        ev.fire();
        if (panicking && !routing.panic && anyUsable(nanos)) {
            endPanic("an endpoint is usable again");
        }
        if (next >= 0) {
            armExpiry(next, nanos);
        }
    }

    private boolean anyUsable(long nanos) {
        for (Node n : routing.all()) {
            if (n.eligible(false) && !n.passivelyFailed(passive.time(nanos))) {
                return true;
            }
        }
        return false;
    }

    /** Makes sure {@link #expire()} runs at {@code atNanos} (ticker time). */
    private void armExpiry(long atNanos, long nanos) {
        if (scheduler == null) {
            return;
        }
        synchronized (lock) {
            if (expiryArmed.get() && expiryAt - atNanos <= 0) {
                return;
            }
            expiryArmed.set(true);
            expiryAt = atNanos;
        }
        try {
            scheduler.schedule(() -> {
                synchronized (lock) {
                    if (expiryAt == atNanos) {
                        expiryArmed.set(false);
                    }
                }
                expire();
            }, Math.max(0, atNanos - nanos), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
            expiryArmed.set(false);
        }
    }

    // ------------------------------------------------------------------------------------------------ status

    /** The state HAProxy's stats page would show for {@code p}. */
    public HealthState stateOf(Node p, long nanos) {
        if (p.endpoint.down() || p.admin == Node.Admin.MAINT) {
            return HealthState.MAINT;
        }
        HealthCheckConfig c = p.check;
        boolean ejected = p.ejected && p.passivelyFailed(passive.time(nanos));
        if (c != null && p.checksEnabled) {
            synchronized (p) {
                if (!p.activeUp) {
                    return p.health > 0 ? HealthState.GOING_UP : HealthState.DOWN;
                }
                if (ejected) {
                    return HealthState.DOWN;
                }
                if (p.stopping) {
                    return HealthState.STOPPING;
                }
                if (p.admin == Node.Admin.DRAIN) {
                    return HealthState.DRAIN;
                }
                if (p.health < c.rise() + c.fall() - 1) {
                    return HealthState.GOING_DOWN;
                }
                return HealthState.UP;
            }
        }
        if (!p.activeUp) {
            return HealthState.DOWN;
        }
        if (ejected) {
            return HealthState.DOWN;
        }
        if (p.stopping) {
            return HealthState.STOPPING;
        }
        return p.admin == Node.Admin.DRAIN ? HealthState.DRAIN : HealthState.UP;
    }

    /**
     * HAProxy's status column ({@code stats_fill_sv_stats} of HAProxy 2.6 {@code src/stats.c}): {@code UP},
     * {@code UP 2/3}, {@code DOWN}, {@code DOWN 1/2}, {@code NOLB}, {@code DRAIN}, {@code MAINT}, and
     * {@code no check} for an UP server without active checks; Nginx's passive ejection shows as
     * {@code DOWN (passive)}.
     */
    public String statusText(Node p, HealthState state) {
        HealthCheckConfig c = p.check;
        boolean checked = c != null && p.checksEnabled;
        switch (state) {
            case GOING_DOWN:
                // "UP %d/%d": health - rise + 1, fall
                return "UP " + (p.health - c.rise() + 1) + "/" + c.fall();
            case GOING_UP:
                // "DOWN %d/%d": health, rise
                return "DOWN " + p.health + "/" + c.rise();
            case DOWN:
                return p.activeUp ? "DOWN (passive)" : "DOWN";
            case STOPPING:
                return checked && p.health < c.rise() + c.fall() - 1
                        ? "NOLB " + (p.health - c.rise() + 1) + "/" + c.fall() : "NOLB";
            case UP:
                return checked ? "UP" : "no check";
            default:
                return state.name();
        }
    }
}
