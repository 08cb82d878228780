package io.github.hakit.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * HAProxy active health checks for the endpoints of one upstream. One health counter per endpoint, from 0 to
 * {@code rise + fall - 1}, as in HAProxy's {@code check.c}:
 * <ul>
 *   <li>a failed check: {@code if (health > rise) health--; else health = 0;} — at 0 the endpoint is DOWN;</li>
 *   <li>a passed check: {@code if (health < rise + fall - 1) { health++; if (health >= rise) health = rise + fall - 1; }}
 *       — reaching {@code rise} marks it UP;</li>
 *   <li>the next check comes after {@code inter} when health is full, {@code downinter} when DOWN at 0, and
 *       {@code fastinter} in between ({@code srv_getinter}).</li>
 * </ul>
 * A checked endpoint starts UP with {@code health = rise} ("up, but will fall down at first failure"), and the first
 * check runs at once. {@code observe} errors apply HAProxy's {@code on-error} actions ({@code __health_adjust}).
 */
final class HealthChecker {
    private final Upstream upstream;
    private final Probe probe;
    private final ScheduledExecutorService scheduler;
    private final Executor probeExecutor;
    private final Ticker ticker;
    private volatile boolean stopped;

    HealthChecker(Upstream upstream, Probe probe, ScheduledExecutorService scheduler, Executor probeExecutor,
            Ticker ticker) {
        this.upstream = upstream;
        this.probe = probe;
        this.scheduler = scheduler;
        this.probeExecutor = probeExecutor;
        this.ticker = ticker;
    }

    void start(Peer[] peers) {
        start(Arrays.asList(peers));
    }

    void start(List<Peer> peers) {
        for (Peer p : peers) {
            if (p.check != null) {
                schedule(p, 0);
            }
        }
    }

    void stop() {
        stopped = true;
        for (Peer p : upstream.snapshot().all()) {
            synchronized (p) {
                p.checkGeneration++;
                if (p.nextCheck != null) {
                    p.nextCheck.cancel(false);
                }
            }
        }
    }

    private void schedule(Peer p, long delayNanos) {
        synchronized (p) {
            if (stopped) {
                return;
            }
            long generation = ++p.checkGeneration;
            if (p.nextCheck != null) {
                p.nextCheck.cancel(false);
            }
            p.nextCheckAt = ticker.read() + delayNanos;
            try {
                p.nextCheck = scheduler.schedule(() -> run(p, generation), delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                p.nextCheck = null; // scheduler shut down: the upstream is closing
            }
        }
    }

    private void run(Peer p, long generation) {
        synchronized (p) {
            if (stopped || generation != p.checkGeneration) {
                return;
            }
        }
        HealthCheckConfig c = p.check;
        if (!upstream.snapshot().contains(p)) {
            return; // removed from the upstream
        }
        if (p.admin == Peer.Admin.MAINT || p.endpoint().down()) {
            schedule(p, c.inter().toNanos()); // HAProxy does not check servers in maintenance
            return;
        }
        AtomicBoolean done = new AtomicBoolean();
        long timeoutNanos = c.timeout().toNanos();
        ScheduledFuture<?> timer;
        try {
            timer = scheduler.schedule(() -> {
                if (done.compareAndSet(false, true)) {
                    complete(p, false, "timeout after " + c.timeout().toMillis() + " ms");
                }
            }, timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            return;
        }
        try {
            probeExecutor.execute(() -> {
                String cause = null;
                try {
                    probe.check(p.endpoint(), c.timeout());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    cause = "interrupted";
                } catch (Exception | LinkageError e) {
                    cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                }
                if (done.compareAndSet(false, true)) {
                    timer.cancel(false);
                    complete(p, cause == null, cause);
                }
            });
        } catch (RejectedExecutionException e) {
            timer.cancel(false);
        }
    }

    private void complete(Peer p, boolean ok, String cause) {
        if (stopped) {
            return;
        }
        Transition t = apply(p, ok, ok ? "check passed" : "check failed: " + cause);
        publish(p, t);
        schedule(p, interval(p));
    }

    /** HAProxy's {@code srv_getinter}. */
    private static long interval(Peer p) {
        HealthCheckConfig c = p.check;
        synchronized (p) {
            if (p.health == c.rise() + c.fall() - 1) {
                return c.inter().toNanos();
            }
            if (!p.activeUp && p.health == 0) {
                return c.downInter().toNanos();
            }
            return c.fastInter().toNanos();
        }
    }

    /** Applies one check result to the health counter. */
    private static Transition apply(Peer p, boolean ok, String cause) {
        HealthCheckConfig c = p.check;
        synchronized (p) {
            boolean wasUp = p.activeUp;
            int max = c.rise() + c.fall() - 1;
            if (ok) {
                if (p.health < max) {
                    p.health++;
                    if (p.health >= c.rise()) {
                        p.health = max;
                    }
                }
            } else if (p.health > c.rise()) {
                p.health--;
            } else {
                p.health = 0;
            }
            p.activeUp = p.health >= c.rise();
            p.lastCheck = ok ? "L4OK" : cause;
            return new Transition(wasUp, p.activeUp, cause);
        }
    }

    private void publish(Peer p, Transition t) {
        if (t.wasUp == t.isUp) {
            return;
        }
        List<Runnable> events = new ArrayList<>(1);
        synchronized (upstream.lock()) {
            long now = ticker.read();
            // the effective state before the change: passive failures may already have taken it out
            HealthState from = t.wasUp && !p.passivelyFailed(now) ? HealthState.UP : HealthState.DOWN;
            if (t.isUp) {
                // a passing check is evidence of health: clear Nginx's failure window so the endpoint takes
                // traffic now rather than after fail_timeout (its effective weight still recovers gradually)
                p.fails = 0;
                p.passivelyDown = false;
                upstream.startRamp(p);
            }
            upstream.republish();
            HealthState to = t.isUp ? HealthState.UP : HealthState.DOWN;
            if (from != to) {
                HealthCheckConfig c = p.check;
                String cause = t.isUp ? c.rise() + " successful check(s)" : t.cause;
                upstream.stateEvent(events, p, from, to, cause);
            }
        }
        upstream.fire(events);
    }

    void observeSuccess(Peer p) {
        synchronized (p) {
            p.consecutiveErrors = 0;
        }
    }

    /** HAProxy's {@code __health_adjust} for an observed error. */
    void observeError(Peer p, FailureKind kind) {
        ObserveConfig observe = p.endpoint().observe();
        HealthCheckConfig c = p.check;
        Transition t = null;
        synchronized (p) {
            p.consecutiveErrors++;
            if (p.consecutiveErrors < observe.errorLimit()) {
                return;
            }
            String cause = p.consecutiveErrors + " consecutive " + kind.nginxName() + " errors observed (on-error "
                    + observe.onError().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")";
            p.consecutiveErrors = 0;
            switch (observe.onError()) {
                case FASTINTER:
                    break;
                case SUDDEN_DEATH:
                    if (p.health > c.rise()) {
                        p.health = c.rise() + 1;
                    }
                    t = apply(p, false, cause);
                    break;
                case FAIL_CHECK:
                    t = apply(p, false, cause);
                    break;
                case MARK_DOWN:
                    p.health = c.rise();
                    t = apply(p, false, cause);
                    break;
                default:
                    throw new IllegalStateException("unknown on-error " + observe.onError());
            }
        }
        if (t != null) {
            publish(p, t);
        }
        // every on-error action forces fastinter for the next check
        long fast = c.fastInter().toNanos();
        long due;
        synchronized (p) {
            due = p.nextCheckAt - ticker.read();
        }
        if (due > fast) {
            schedule(p, fast);
        }
    }

    private record Transition(boolean wasUp, boolean isUp, String cause) {
    }
}
