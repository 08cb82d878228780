package io.github.hakit.core.internal;

import io.github.hakit.core.AsyncUpstreamCall;
import io.github.hakit.core.Attempt;
import io.github.hakit.core.AttemptRecord;
import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Failure;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.NoLiveEndpointException;
import io.github.hakit.core.ResultClassifier;
import io.github.hakit.core.UpstreamCall;
import io.github.hakit.core.UpstreamCallException;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.retry.RetryTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The next-upstream loop, Nginx's {@code ngx_http_upstream_next} / {@code ngx_http_upstream_test_next} of 1.22
 * over any {@link Source} of endpoints, synchronous or asynchronous with the same rules:
 * <ul>
 *   <li>a failure whose kind is not in the policy's conditions ends the call;</li>
 *   <li>a non-idempotent call whose request may have been sent is not retried unless the policy says
 *       {@code non_idempotent};</li>
 *   <li>a call makes at most {@code tries} attempts ({@code peer.tries}: at most one per endpoint in a round),
 *       within {@code timeout}, and each retry needs the retry budget;</li>
 *   <li>an exception always counts as a failure of its endpoint ({@code NGX_PEER_FAILED}); an answer the result
 *       classifier calls failed counts as a failure only when the call moves on, and is otherwise handed back as a
 *       success ({@code u->peer.tries > 1} decides, as in {@code ngx_http_upstream_test_next});</li>
 *   <li>exceptions the classifier does not recognise as endpoint failures end the call at once, uncounted.</li>
 * </ul>
 * HAProxy's {@code retries} without or with {@code option redispatch} are {@link RetryTarget#SAME_ENDPOINT} and
 * {@link RetryTarget#REDISPATCH}. Not API.
 */
public final class CallLoop {
    private final Engine engine;

    public CallLoop(Engine engine) {
        this.engine = engine;
    }

    // ------------------------------------------------------------------------------------------------ sync

    public <T> T run(Source source, CallOptions options, UpstreamCall<T> call, ResultClassifier<? super T> results) {
        State s = new State(source, options);
        while (true) {
            Step step = next(s);
            if (step == null) {
                break;
            }
            if (step.node == null) {
                if (!sleep(s, step.backoff, null)) {
                    break;
                }
                continue;
            }
            if (!step.delay.isZero() && !sleep(s, step.delay, step.node)) {
                break;
            }
            long t0 = step.delay.isZero() ? s.now : engine.pool().ticker().read();
            T result;
            try {
                result = call.call(step);
            } catch (Throwable t) {
                if (t instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                s.now = engine.pool().ticker().read();
                if (!failed(s, step, t, s.now - t0)) {
                    break;
                }
                continue;
            }
            s.now = engine.pool().ticker().read();
            if (answered(s, step, result, results, s.now - t0)) {
                return result;
            }
        }
        throw exhausted(s);
    }

    private boolean sleep(State s, Duration d, Node holding) {
        try {
            engine.sleeper().sleep(d);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (holding != null) {
                engine.release(holding);
            }
            s.reason = "interrupted while waiting to retry";
            s.lastError = e;
            return false;
        }
    }

    // ------------------------------------------------------------------------------------------------ async

    public <T> CompletableFuture<T> runAsync(Source source, CallOptions options, AsyncUpstreamCall<T> call,
            ResultClassifier<? super T> results) {
        CompletableFuture<T> out = new CompletableFuture<>();
        step(new State(source, options), call, results, out);
        return out;
    }

    private <T> void step(State s, AsyncUpstreamCall<T> call, ResultClassifier<? super T> results,
            CompletableFuture<T> out) {
        Step step;
        try {
            step = next(s);
        } catch (RuntimeException e) {
            out.completeExceptionally(e);
            return;
        }
        if (step == null) {
            out.completeExceptionally(exhausted(s));
            return;
        }
        Duration wait = step.node == null ? step.backoff : step.delay;
        if (!wait.isZero()) {
            try {
                engine.scheduler().schedule(() -> {
                    if (step.node == null) {
                        step(s, call, results, out);
                    } else {
                        attempt(s, step, call, results, out);
                    }
                }, wait.toNanos(), TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                if (step.node != null) {
                    engine.release(step.node);
                }
                s.reason = "upstream closed while waiting to retry";
                out.completeExceptionally(exhausted(s));
            }
            return;
        }
        if (step.node == null) {
            step(s, call, results, out);
        } else {
            attempt(s, step, call, results, out);
        }
    }

    private <T> void attempt(State s, Step step, AsyncUpstreamCall<T> call, ResultClassifier<? super T> results,
            CompletableFuture<T> out) {
        long t0 = step.delay.isZero() && step.backoff.isZero() ? s.now : engine.pool().ticker().read();
        CompletionStage<T> stage;
        try {
            stage = call.call(step);
            if (stage == null) {
                throw new NullPointerException("the call returned no CompletionStage");
            }
        } catch (Throwable t) {
            onAsyncError(s, step, t, t0, call, results, out);
            return;
        }
        stage.whenComplete((result, error) -> {
            if (error != null) {
                onAsyncError(s, step, unwrap(error), t0, call, results, out);
                return;
            }
            try {
                s.now = engine.pool().ticker().read();
                if (answered(s, step, result, results, s.now - t0)) {
                    out.complete(result);
                } else {
                    step(s, call, results, out);
                }
            } catch (RuntimeException | Error e) {
                out.completeExceptionally(e);
            }
        });
    }

    private <T> void onAsyncError(State s, Step step, Throwable t, long t0, AsyncUpstreamCall<T> call,
            ResultClassifier<? super T> results, CompletableFuture<T> out) {
        try {
            s.now = engine.pool().ticker().read();
            if (failed(s, step, t, s.now - t0)) {
                step(s, call, results, out);
            } else {
                out.completeExceptionally(exhausted(s));
            }
        } catch (Throwable rethrown) {
            out.completeExceptionally(rethrown);
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    // ------------------------------------------------------------------------------------------------ rules

    /** The next attempt, a backoff ({@code node == null}), or {@code null} when the call is over. */
    private Step next(State s) {
        NextUpstreamPolicy policy = engine.policy();
        Pool pool = engine.pool();
        long now = s.attempts.isEmpty() && s.round == 1 ? s.now : pool.ticker().read();
        s.now = now;
        if (s.attempts.size() >= s.limit) {
            s.reason = s.limitedByPolicy ? "tries limit " + s.limit + " reached" : "no endpoint left to try";
            return null;
        }
        if (now - s.deadline >= 0) {
            s.reason = "timeout " + s.timeoutMillis + " ms elapsed";
            return null;
        }
        long left = s.deadline == Long.MAX_VALUE ? Long.MAX_VALUE : s.deadline - now;
        Node node;
        Duration delay = Duration.ZERO;
        if (s.sameNext && s.last != null) {
            node = s.last;
            node.conns.incrementAndGet(); // HAProxy retries the same server even when it is full (it would queue)
            if (s.lastKind == FailureKind.ERROR) {
                delay = policy.sameEndpointDelay();
            }
        } else {
            node = s.source.pick(s, now);
            if (node == null) {
                if (s.triedCount() > 0 && s.round < policy.rounds()) {
                    Duration wait = Duration.ofMillis(policy.backoff().apply(s.round));
                    if (wait.toNanos() >= left) {
                        s.reason = "timeout " + s.timeoutMillis + " ms would elapse during backoff";
                        return null;
                    }
                    s.round++;
                    s.newRound();
                    return new Step(null, 0, 0, 0, wait, Duration.ZERO);
                }
                s.reason = s.attempts.isEmpty() ? "no live endpoints: " + engine.describeStates()
                        : "no endpoint left to try";
                return null;
            }
        }
        if (delay.toNanos() >= left) {
            engine.release(node);
            s.reason = "timeout " + s.timeoutMillis + " ms would elapse before the retry";
            return null;
        }
        if (!s.attempts.isEmpty()) {
            if (!engine.budget().tryWithdraw()) {
                engine.release(node);
                s.reason = "retry budget exhausted";
                return null;
            }
            pool.events().retry(s.attempts.get(s.attempts.size() - 1));
        }
        long attemptLeft = left == Long.MAX_VALUE ? Long.MAX_VALUE : left - delay.toNanos();
        long per = policy.attemptTimeout().toNanos();
        long minShare = policy.shareDeadline().toNanos();
        if (minShare > 0 && attemptLeft != Long.MAX_VALUE) {
            int triesLeft = s.limit == Integer.MAX_VALUE ? 1 : s.limit - s.attempts.size();
            long share = triesLeft <= 1 ? attemptLeft : Math.max(attemptLeft / triesLeft, minShare);
            per = Math.min(per, share);
        }
        per = Math.max(1, Math.min(per, attemptLeft));
        long connect = Math.min(policy.connectTimeout().toNanos(), per);
        return new Step(node, s.attempts.size() + 1, per, connect, Duration.ZERO, delay);
    }

    /** An attempt threw; true when the call goes on. Rethrows what is not an endpoint failure. */
    private boolean failed(State s, Step step, Throwable t, long elapsed) {
        Node node = step.node;
        Failure f = t instanceof InterruptedException || t instanceof Error ? null : engine.classifier().classify(t);
        if (f == null) {
            engine.release(node);
            throw rethrow(t, s.attempts);
        }
        // ngx_http_upstream_next frees the peer with NGX_PEER_FAILED whether or not the request moves on
        engine.failure(node, f.kind(), elapsed);
        s.markTried(node);
        s.record(new AttemptRecord(node.endpoint, step.number, f.kind(), t, Duration.ofNanos(elapsed),
                f.requestMayHaveBeenSent()));
        s.lastError = t;
        s.last = node;
        s.lastKind = f.kind();
        String stop = stopReason(f.kind(), f.requestMayHaveBeenSent(), s.options);
        if (stop != null) {
            s.reason = stop;
            return false;
        }
        s.sameNext = same(s, node);
        return true;
    }

    /** An attempt answered; true when the answer goes back to the caller. */
    private <T> boolean answered(State s, Step step, T result, ResultClassifier<? super T> results, long elapsed) {
        Node node = step.node;
        FailureKind kind = results == null ? null : results.classify(result);
        if (kind == null) {
            engine.success(node, elapsed, s.now);
            return true;
        }
        long now = s.now;
        boolean moveOn = stopReason(kind, true, s.options) == null
                && s.limit - s.attempts.size() > 1 // Nginx: u->peer.tries > 1
                && now - s.deadline < 0;
        if (!moveOn) {
            // handed back to the caller: Nginx frees the peer without NGX_PEER_FAILED
            engine.success(node, elapsed, now);
            return true;
        }
        engine.failure(node, kind, elapsed);
        s.markTried(node);
        s.record(new AttemptRecord(node.endpoint, step.number, kind, null, Duration.ofNanos(elapsed),
                true));
        results.discard(result);
        s.last = node;
        s.lastKind = kind;
        s.sameNext = same(s, node);
        return false;
    }

    private String stopReason(FailureKind kind, boolean sent, CallOptions options) {
        NextUpstreamPolicy policy = engine.policy();
        if (!policy.retriesOn(kind)) {
            return kind.nginxName() + " is not a next-upstream condition";
        }
        if (sent && !options.isIdempotent() && !policy.nonIdempotent()) {
            return "not retried: the non-idempotent request may have reached the endpoint";
        }
        return null;
    }

    /** Whether the retry goes to the same endpoint ({@code stream_choose_redispatch} of HAProxy 2.6). */
    private boolean same(State s, Node node) {
        NextUpstreamPolicy policy = engine.policy();
        switch (policy.target()) {
            case SAME_ENDPOINT:
                return true;
            case REDISPATCH: {
                int k = s.attempts.size(); // conn_retries after the increment: this retry's number
                int retries = s.limit - 1;
                int after = policy.redispatchAfter();
                Pool pool = engine.pool();
                boolean notRunning = !node.eligible(false)
                        || node.passivelyFailed(pool.passive().time(pool.ticker().read()));
                boolean byInterval = after > 0 ? k % after == 0
                        : retries + 1 + after > 0 && k % (retries + 1 + after) == 0;
                boolean roundRobin = engine.roundRobinKind() && activePrimaries(pool) > 1;
                return !(notRunning || byInterval || roundRobin);
            }
            default:
                return false;
        }
    }

    private static int activePrimaries(Pool pool) {
        long now = pool.passive().time(pool.ticker().read());
        int n = 0;
        for (Node p : pool.routing().primaries) {
            if (p.eligible(false) && !p.passivelyFailed(now)) {
                n++;
            }
        }
        return n;
    }

    private NoLiveEndpointException exhausted(State s) {
        List<AttemptRecord> done = List.copyOf(s.attempts);
        engine.pool().events().exhausted(done, s.reason);
        return new NoLiveEndpointException(engine.name(), s.reason, done, s.lastError);
    }

    private RuntimeException rethrow(Throwable t, List<AttemptRecord> attempts) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new UpstreamCallException(engine.name(), "call failed: " + t, attempts, t);
    }

    /** One call's progress. */
    private final class State extends CallState {
        final Source source;
        final CallOptions options;
        final long deadline;
        final int limit;
        final boolean limitedByPolicy;
        /** The overall timeout in force (the call's own or the policy's), for messages. */
        final long timeoutMillis;
        List<AttemptRecord> attempts = List.of();
        Throwable lastError;
        int round = 1;
        Node last;
        FailureKind lastKind;
        boolean sameNext;
        String reason;
        /** The last time read (ticker nanos): reused so a call reads the clock as rarely as possible. */
        long now;

        void record(AttemptRecord r) {
            if (attempts.isEmpty()) {
                attempts = new ArrayList<>(2);
            }
            attempts.add(r);
        }

        State(Source source, CallOptions options) {
            super(options.hashKey());
            NextUpstreamPolicy policy = engine.policy();
            this.source = source;
            this.options = options;
            long start = engine.pool().ticker().read();
            this.now = start;
            Duration own = options.timeout();
            long overall = own != null ? own.toNanos() : policy.timeout().toNanos();
            this.timeoutMillis = TimeUnit.NANOSECONDS.toMillis(overall);
            this.deadline = overall == 0 ? Long.MAX_VALUE : start + overall;
            int tries = policy.tries();
            if (policy.target() != RetryTarget.NEXT_ENDPOINT) {
                this.limit = tries == 0 ? 4 : tries; // HAProxy's default retries 3
                this.limitedByPolicy = true;
            } else if (policy.rounds() > 1) {
                this.limit = tries == 0 ? Integer.MAX_VALUE : tries;
                this.limitedByPolicy = tries != 0;
            } else {
                // Nginx: peer.tries = the endpoints not down, capped by proxy_next_upstream_tries
                int size = Math.max(1, source.size());
                this.limit = tries == 0 ? size : Math.min(tries, size);
                this.limitedByPolicy = tries != 0 && tries <= size;
            }
            engine.budget().deposit(start);
        }
    }

    /**
     * The next attempt, or a backoff ({@code node == null}). It is itself the {@link Attempt} handed to the call,
     * its durations made only when asked for (the happy path often never asks): one object per attempt.
     */
    private static final class Step implements Attempt {
        final Node node;
        final int number;
        final long timeoutNanos;
        final long connectNanos;
        final Duration backoff;
        final Duration delay;

        Step(Node node, int number, long timeoutNanos, long connectNanos, Duration backoff, Duration delay) {
            this.node = node;
            this.number = number;
            this.timeoutNanos = timeoutNanos;
            this.connectNanos = connectNanos;
            this.backoff = backoff;
            this.delay = delay;
        }

        @Override
        public Endpoint endpoint() {
            return node.endpoint;
        }

        @Override
        public int number() {
            return number;
        }

        @Override
        public Duration timeout() {
            return Duration.ofNanos(timeoutNanos);
        }

        @Override
        public Duration connectTimeout() {
            return Duration.ofNanos(connectNanos);
        }

        @Override
        public String toString() {
            return "attempt " + number + " on " + (node == null ? "-" : node.endpoint.name());
        }
    }
}
