package io.github.hakit.core;

import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.retry.RetryBudgetConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.testing.FakeClock;
import io.github.resilience4j.core.IntervalFunction;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class NextUpstreamTest {
    private final FakeClock clock = new FakeClock();
    private final List<String> calls = new ArrayList<>();

    private Upstream upstream(NextUpstreamPolicy policy, String... names) {
        List<Endpoint> eps = new ArrayList<>();
        for (String n : names) {
            eps.add(Endpoint.builder(n, 80).name(n).maxFails(0).build());
        }
        return Upstream.builder("svc").endpoints(eps).nextUpstream(policy).ticker(clock).sleeper(clock)
                .logging(false).build();
    }

    private UpstreamCall<String> failing(String... failOn) {
        return attempt -> {
            String n = attempt.endpoint().name();
            calls.add(n);
            for (String f : failOn) {
                if (f.equals(n)) {
                    throw new ConnectException("Connection refused: " + n);
                }
            }
            return "ok from " + n;
        };
    }

    @Test
    void aConnectErrorMovesToADifferentEndpoint() {
        Upstream u = upstream(NextUpstreamPolicy.ofDefaults(), "a", "b", "c");
        assertEquals("ok from b", u.execute(CallOptions.nonIdempotent(), failing("a")));
        assertEquals(List.of("a", "b"), calls);
    }

    @Test
    void whenEveryEndpointFailsTheExceptionListsEachAttemptAndCause() {
        Upstream u = upstream(NextUpstreamPolicy.ofDefaults(), "a", "b", "c");
        NoLiveEndpointException e = assertThrows(NoLiveEndpointException.class,
                () -> u.execute(failing("a", "b", "c")));
        assertEquals(3, e.attempts().size());
        assertEquals(List.of("a", "b", "c"), calls, "each endpoint once per round");
        assertTrue(e.getMessage().contains("upstream 'svc'"), e.getMessage());
        assertTrue(e.getMessage().contains("#1 a:80 error (ConnectException: Connection refused: a)"), e.getMessage());
        assertTrue(e.getMessage().contains("#3 c:80 error"), e.getMessage());
    }

    @Test
    void triesLimitsTheAttempts() {
        Upstream u = upstream(NextUpstreamPolicy.builder().tries(2).build(), "a", "b", "c");
        NoLiveEndpointException e = assertThrows(NoLiveEndpointException.class, () -> u.execute(failing("a", "b", "c")));
        assertEquals(2, e.attempts().size());
        assertTrue(e.getMessage().contains("tries limit 2 reached"), e.getMessage());
    }

    @Test
    void overallTimeoutStopsRetriesAndBoundsEachAttempt() {
        Upstream u = upstream(NextUpstreamPolicy.builder().timeout(Duration.ofSeconds(3))
                .attemptTimeout(Duration.ofSeconds(2)).build(), "a", "b", "c");
        List<Duration> given = new ArrayList<>();
        NoLiveEndpointException e = assertThrows(NoLiveEndpointException.class, () -> u.execute(attempt -> {
            given.add(attempt.timeout());
            clock.forward(attempt.timeout()); // the endpoint does not answer
            throw new SocketTimeoutException("Read timed out");
        }));
        assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(1)), given, "second attempt gets what is left");
        assertTrue(e.getMessage().contains("timeout 3000 ms elapsed"), e.getMessage());
        assertEquals(FailureKind.TIMEOUT, e.attempts().get(0).kind());
    }

    @Test
    void aCallsOwnTimeoutReplacesThePolicysLongerOrShorter() {
        Upstream u = upstream(NextUpstreamPolicy.builder().timeout(Duration.ofSeconds(3))
                .attemptTimeout(Duration.ofSeconds(2)).build(), "a", "b", "c");
        UpstreamCall<String> silent = attempt -> {
            calls.add(attempt.endpoint().name());
            clock.forward(attempt.timeout()); // the endpoint does not answer
            throw new SocketTimeoutException("Read timed out");
        };
        // longer than the policy's 3 s: every endpoint gets its full 2 s attempt
        NoLiveEndpointException longer = assertThrows(NoLiveEndpointException.class,
                () -> u.execute(CallOptions.idempotent().withTimeout(Duration.ofSeconds(10)), silent));
        assertEquals(List.of("a", "b", "c"), calls);
        assertEquals(List.of(Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2)),
                longer.attempts().stream().map(AttemptRecord::elapsed).toList());
        // shorter: one attempt of 1 s, then the call's own deadline ends it
        calls.clear();
        NoLiveEndpointException shorter = assertThrows(NoLiveEndpointException.class,
                () -> u.execute(CallOptions.idempotent().withTimeout(Duration.ofSeconds(1)), silent));
        assertEquals(1, calls.size());
        assertTrue(shorter.getMessage().contains("timeout 1000 ms elapsed"), shorter.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CallOptions.idempotent().withTimeout(Duration.ZERO));
    }

    @Test
    void aNonIdempotentCallIsNotRetriedOnceItsRequestMayHaveBeenSent() {
        Upstream u = upstream(NextUpstreamPolicy.ofDefaults(), "a", "b");
        NoLiveEndpointException e = assertThrows(NoLiveEndpointException.class,
                () -> u.execute(CallOptions.nonIdempotent(), attempt -> {
                    calls.add(attempt.endpoint().name());
                    throw new SocketTimeoutException("Read timed out");
                }));
        assertEquals(List.of("a"), calls);
        assertTrue(e.getMessage().contains("non-idempotent request may have reached the endpoint"), e.getMessage());
    }

    @Test
    void nonIdempotentPolicyAllowsTheRetry() {
        Upstream u = upstream(NextUpstreamPolicy.builder().nonIdempotent(true).build(), "a", "b");
        AtomicInteger n = new AtomicInteger();
        String r = u.execute(CallOptions.nonIdempotent(), attempt -> {
            if (n.getAndIncrement() == 0) {
                throw new SocketTimeoutException("Read timed out");
            }
            return attempt.endpoint().name();
        });
        assertEquals("b", r);
    }

    @Test
    void aConditionOutsideTheSetEndsTheCall() {
        Upstream u = upstream(NextUpstreamPolicy.builder().conditions(FailureKind.ERROR).build(), "a", "b");
        NoLiveEndpointException e = assertThrows(NoLiveEndpointException.class, () -> u.execute(attempt -> {
            calls.add(attempt.endpoint().name());
            throw new SocketTimeoutException("Read timed out");
        }));
        assertEquals(List.of("a"), calls);
        assertTrue(e.getMessage().contains("timeout is not a next-upstream condition"), e.getMessage());
    }

    @Test
    void anUnclassifiedExceptionIsRethrownAtOnceWithoutCounting() {
        Upstream u = upstream(NextUpstreamPolicy.ofDefaults(), "a", "b");
        IllegalArgumentException bug = new IllegalArgumentException("bad input");
        IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> u.execute(attempt -> {
            throw bug;
        }));
        assertSame(bug, thrown);
        assertEquals(0, u.status().endpoint("a").failures());
        assertEquals(0, u.status().endpoint("a").activeCalls());
    }

    @Test
    void resultFailuresMoveOnAndTheLastResultIsReturnedWhenAllFail() {
        Upstream u = upstream(NextUpstreamPolicy.builder().conditions(FailureKind.HTTP_502, FailureKind.ERROR).build(),
                "a", "b");
        List<Integer> discarded = new ArrayList<>();
        ResultClassifier<Integer> http = new ResultClassifier<>() {
            @Override
            public FailureKind classify(Integer status) {
                return FailureKind.ofHttpStatus(status);
            }

            @Override
            public void discard(Integer status) {
                discarded.add(status);
            }
        };
        AtomicInteger n = new AtomicInteger();
        Integer r = u.execute(CallOptions.idempotent(), attempt -> n.incrementAndGet() == 1 ? 502 : 502, http);
        assertEquals(502, r);
        assertEquals(List.of(502), discarded, "the first 502 is released when the call moves on");
        Integer ok = u.execute(CallOptions.idempotent(), attempt -> attempt.endpoint().name().equals("a") ? 502 : 200, http);
        assertEquals(200, ok);
    }

    @Test
    void notFoundMovesOnWithoutCountingAsAFailure() {
        Upstream u = upstream(NextUpstreamPolicy.builder().conditions(FailureKind.HTTP_404).build(), "a", "b");
        ResultClassifier<Integer> http = FailureKind::ofHttpStatus;
        Integer r = u.execute(CallOptions.idempotent(), a -> a.endpoint().name().equals("a") ? 404 : 200, http);
        assertEquals(200, r);
        assertEquals(0, u.status().endpoint("a").failures());
    }

    @Test
    void theRetryBudgetStopsRetriesDuringAnOutage() {
        // 20% of calls plus 1 per second over 10 s: 10 s * 1 = 10 free retries, then 1 per 5 calls
        NextUpstreamPolicy p = NextUpstreamPolicy.builder().budget(new RetryBudgetConfig(20, 1, Duration.ofSeconds(10))).build();
        Upstream u = upstream(p, "a", "b");
        int exhaustedByBudget = 0;
        for (int i = 0; i < 50; i++) {
            try {
                u.execute(failing("a", "b"));
            } catch (NoLiveEndpointException e) {
                if (e.getMessage().contains("retry budget exhausted")) {
                    exhaustedByBudget++;
                }
            }
        }
        long retries = calls.size() - 50;
        assertEquals(10 + 50 * 20 / 100, retries, "retries allowed by the budget");
        assertEquals(50 - retries, exhaustedByBudget);
    }

    @Test
    void laterRoundsWaitTheBackoffAndTryEveryEndpointAgain() {
        Upstream u = upstream(NextUpstreamPolicy.builder().rounds(3)
                .backoff(IntervalFunction.of(Duration.ofMillis(250))).build(), "a", "b");
        long start = clock.read();
        AtomicInteger n = new AtomicInteger();
        String r = u.execute(attempt -> {
            if (n.incrementAndGet() <= 4) {
                throw new ConnectException("refused");
            }
            return attempt.endpoint().name();
        });
        assertEquals(5, n.get());
        assertEquals(Duration.ofMillis(500), Duration.ofNanos(clock.read() - start), "two backoffs of 250 ms");
        assertTrue(r.equals("a") || r.equals("b"));
    }

    @Test
    void failuresAreReportedAsRetryAndExhaustedEvents() {
        List<String> events = new ArrayList<>();
        Upstream u = upstream(NextUpstreamPolicy.ofDefaults(), "a", "b");
        u.addListener(new UpstreamListener() {
            @Override
            public void onRetry(Retry e) {
                events.add("retry " + e.failed().endpoint().name());
            }

            @Override
            public void onExhausted(Exhausted e) {
                events.add("exhausted " + e.attempts().size());
            }
        });
        assertThrows(NoLiveEndpointException.class, () -> u.execute(failing("a", "b")));
        assertEquals(List.of("retry a", "exhausted 2"), events, "b's failure is not retried: nothing is left");
    }

    @Test
    void anIoExceptionThatIsNotAConnectFailureMayHaveBeenSent() {
        FailureClassifier c = FailureClassifier.network();
        assertEquals(Failure.notSent(FailureKind.ERROR), c.classify(new ConnectException("refused")));
        assertEquals(Failure.maybeSent(FailureKind.ERROR), c.classify(new IOException("Broken pipe")));
        assertEquals(Failure.notSent(FailureKind.TIMEOUT), c.classify(new SocketTimeoutException("Connect timed out")));
        assertEquals(Failure.maybeSent(FailureKind.TIMEOUT), c.classify(new SocketTimeoutException("Read timed out")));
        assertEquals(null, c.classify(new IllegalStateException("bug")));
    }
}
