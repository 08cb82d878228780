package io.github.hakit.core.internal;

import io.github.hakit.core.FailureKind;
import io.github.hakit.core.Ticker;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.ObserveConfig;
import io.github.hakit.core.health.Probe;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * HAProxy active health checks (HAProxy 2.6 {@code src/check.c}). One health counter per endpoint, from 0 to
 * {@code rise + fall - 1}:
 * <ul>
 *   <li>a failed check: {@code if (health > rise) health--; else health = 0;} — at 0 the endpoint is DOWN;</li>
 *   <li>a passed check: {@code if (health < rise + fall - 1) { health++; if (health >= rise) health = rise + fall - 1; }}
 *       — reaching {@code rise} marks it UP;</li>
 *   <li>the next check comes after {@code inter} when health is full, {@code downinter} when DOWN at 0, and
 *       {@code fastinter} in between ({@code srv_getinter});</li>
 *   <li>the first checks are spread over the interval as {@code start_checks()} spreads them: the server at
 *       position {@code i} of {@code n} checked servers starts after {@code max(mininter, inter) * i / n}.</li>
 * </ul>
 * A checked endpoint starts UP with {@code health = rise} ("up, but will fall down at first failure").
 * {@code observe} errors apply HAProxy's {@code on-error} actions ({@code __health_adjust}). The checker holds no
 * reference to the upstream: it reports each UP/DOWN transition to its {@link Sink}, which applies it. Not API.
 */
public final class ActiveHealth {
    /** HAProxy's {@code SRV_CHK_INTER_THRES}: intervals below it do not lower the spread interval. */
    private static final long INTER_THRESHOLD_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** Where transitions go. */
    public interface Sink {
        /** {@code n} changed from up to down or back; {@code cause} in words. */
        void transition(Node n, boolean isUp, String cause);

        /** Whether {@code n} still belongs to the upstream. */
        boolean member(Node n);
    }

    private final Probe probe;
    private final ScheduledExecutorService scheduler;
    private final Executor probeExecutor;
    private final Ticker ticker;
    private final Sink sink;
    private volatile boolean stopped;

    public ActiveHealth(Probe probe, ScheduledExecutorService scheduler, Executor probeExecutor, Ticker ticker,
            Sink sink) {
        this.probe = probe;
        this.scheduler = scheduler;
        this.probeExecutor = probeExecutor;
        this.ticker = ticker;
        this.sink = sink;
    }

    /** Starts checking {@code nodes}, spreading their first checks as HAProxy's {@code start_checks()} does. */
    public void start(List<Node> nodes) {
        int count = 0;
        long minInter = 0;
        for (Node p : nodes) {
            if (p.check != null) {
                count++;
                long inter = interval(p);
                if (inter >= INTER_THRESHOLD_NANOS && (minInter == 0 || minInter > inter)) {
                    minInter = inter;
                }
            }
        }
        int position = 0;
        for (Node p : nodes) {
            if (p.check != null) {
                long spread = Math.max(minInter, interval(p));
                schedule(p, spread / count * position + spread % count * position / count);
                position++;
            }
        }
    }

    public void stop(Node[] nodes) {
        stopped = true;
        for (Node p : nodes) {
            synchronized (p) {
                p.checkGeneration++;
                if (p.nextCheck != null) {
                    p.nextCheck.cancel(false);
                }
            }
        }
    }

    /** Runs the next check of {@code p} now (leaving maintenance: "start OK but check immediately"). */
    public void checkNow(Node p) {
        if (p.check != null) {
            schedule(p, 0);
        }
    }

    private void schedule(Node p, long delayNanos) {
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

    private void run(Node p, long generation) {
        synchronized (p) {
            if (stopped || generation != p.checkGeneration) {
                return;
            }
        }
        HealthCheckConfig c = p.check;
        if (!sink.member(p)) {
            return; // removed from the upstream
        }
        if (p.admin == Node.Admin.MAINT || p.endpoint.down() || !p.checksEnabled) {
            schedule(p, c.inter().toNanos()); // HAProxy does not check servers in maintenance or with checks off
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
                    probe.check(p.endpoint, c.timeout());
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

    private void complete(Node p, boolean ok, String cause) {
        if (stopped) {
            return;
        }
        if (p.checksEnabled && p.admin != Node.Admin.MAINT) {
            report(p, apply(p, ok, ok ? "check passed" : "check failed: " + cause));
        }
        schedule(p, interval(p));
    }

    /** HAProxy's {@code srv_getinter}. */
    private static long interval(Node p) {
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
    private static Transition apply(Node p, boolean ok, String cause) {
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
            return new Transition(wasUp, p.activeUp, p.activeUp ? c.rise() + " successful check(s)" : cause);
        }
    }

    private void report(Node p, Transition t) {
        if (t.wasUp != t.isUp) {
            sink.transition(p, t.isUp, t.cause);
        }
    }

    /**
     * HAProxy's {@code set server health up|stopping|down}: {@code up} and {@code stopping} set the health to
     * {@code rise + fall - 1}, {@code down} to 0.
     */
    public void force(Node p, boolean up, boolean stopping, String cause) {
        Transition t;
        synchronized (p) {
            boolean wasUp = p.activeUp;
            if (p.check != null) {
                p.health = up ? p.check.rise() + p.check.fall() - 1 : 0;
            }
            p.activeUp = up;
            p.stopping = up && stopping;
            t = new Transition(wasUp, up, cause);
        }
        report(p, t);
    }

    /** Leaving maintenance: HAProxy sets {@code health = rise} ("start OK but check immediately"). */
    public void leftMaintenance(Node p) {
        if (p.check == null || !p.checksEnabled) {
            return;
        }
        synchronized (p) {
            p.health = p.check.rise();
        }
        checkNow(p);
    }

    public void observeSuccess(Node p) {
        synchronized (p) {
            p.consecutiveErrors = 0;
        }
    }

    /** HAProxy's {@code __health_adjust} for an observed error. */
    public void observeError(Node p, FailureKind kind) {
        ObserveConfig observe = p.endpoint.observe();
        HealthCheckConfig c = p.check;
        Transition t = null;
        synchronized (p) {
            p.consecutiveErrors++;
            if (p.consecutiveErrors < observe.errorLimit()) {
                return;
            }
            String cause = p.consecutiveErrors + " consecutive " + kind.nginxName() + " errors observed (on-error "
                    + observe.onError().name().toLowerCase(Locale.ROOT).replace('_', '-') + ")";
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
            report(p, t);
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
