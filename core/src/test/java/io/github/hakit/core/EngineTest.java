package io.github.hakit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.testing.FakeClock;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The engine the back ends run on: per-call candidate lists with a shared memory of failed endpoints, async calls
 * with the same rules, protocol-neutral failure kinds.
 */
class EngineTest {
    private final FakeClock clock = new FakeClock();
    private final List<String> events = new ArrayList<>();

    private Upstream perCall(NextUpstreamPolicy policy) {
        return Upstream.builder("storages").endpoints(List.of()).ticker(clock).scheduler(clock).sleeper(clock)
                .nextUpstream(policy).logging(false).listener(new UpstreamListener() {
                    @Override
                    public void onStateChange(StateChange e) {
                        events.add(e.endpoint().name() + " " + e.to());
                    }
                }).build();
    }

    private static Endpoint ep(String name) {
        return Endpoint.builder("10.0.0." + name.charAt(0) % 200, 23000).name(name)
                .failTimeout(Duration.ofSeconds(10)).build();
    }

    @Test
    void perCallCandidatesShareOneMemoryOfFailedEndpointsVisibleInStatusAndEvents() {
        Upstream u = perCall(NextUpstreamPolicy.ofDefaults());
        List<String> tried = new ArrayList<>();
        String r = u.execute(Candidates.of(ep("s1"), ep("s2")), CallOptions.idempotent(), a -> {
            tried.add(a.endpoint().name());
            if (a.endpoint().name().equals("s1")) {
                throw new ConnectException("refused");
            }
            return "from " + a.endpoint().name();
        });
        assertEquals("from s2", r);
        assertEquals(List.of("s1", "s2"), tried);
        assertEquals(List.of("s1 DOWN"), events);
        EndpointStatus s1 = u.status().endpoint("s1");
        assertTrue(s1.dynamic());
        assertEquals("DOWN (passive)", s1.statusText());
        // another call with another list that includes s1: skipped while it is out
        tried.clear();
        u.execute(Candidates.of(ep("s1"), ep("s3")), CallOptions.idempotent(), a -> tried.add(a.endpoint().name()));
        assertEquals(List.of("s3"), tried);
        clock.forward(Duration.ofSeconds(11));
        assertEquals(List.of("s1 DOWN", "s1 UP"), events, "the ejection's end is an event");
        tried.clear();
        u.execute(Candidates.of(ep("s1"), ep("s3")), CallOptions.idempotent(), a -> tried.add(a.endpoint().name()));
        assertEquals(List.of("s1"), tried, "one call probes it");
    }

    @Test
    void orElseAsksForMoreCandidatesOnlyWhenTheFirstAreUsedUp() {
        Upstream u = perCall(NextUpstreamPolicy.ofDefaults());
        List<String> asked = new ArrayList<>();
        Candidates c = Candidates.of(ep("s1")).orElse(() -> {
            asked.add("all");
            return List.of(ep("s1"), ep("s2"));
        });
        assertEquals("s1", u.execute(c, CallOptions.idempotent(), a -> a.endpoint().name()));
        assertEquals(List.of(), asked);
        assertEquals("s2", u.execute(c, CallOptions.idempotent(), a -> {
            if (a.endpoint().name().equals("s1")) {
                throw new ConnectException("refused");
            }
            return a.endpoint().name();
        }));
        assertEquals(List.of("all"), asked);
    }

    @Test
    void rotatingCandidatesSpreadCallsRoundRobin() {
        Upstream u = perCall(NextUpstreamPolicy.ofDefaults());
        List<Endpoint> brokers = List.of(ep("b1"), ep("b2"), ep("b3"));
        List<String> first = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            first.add(u.execute(Candidates.rotating(brokers), CallOptions.nonIdempotent(), a -> a.endpoint().name()));
        }
        assertEquals(List.of("b1", "b2", "b3", "b1", "b2", "b3"), first);
    }

    @Test
    void asyncCallsRetryOnTheNextEndpointWithTheSameRules() {
        Upstream u = Upstream.builder("a").endpoints("a:1,b:1,c:1").ticker(clock).scheduler(clock).logging(false)
                .build();
        List<String> tried = new ArrayList<>();
        CompletableFuture<String> r = u.executeAsync(CallOptions.idempotent(), a -> {
            tried.add(a.endpoint().host());
            return a.number() < 3 ? CompletableFuture.failedFuture(new ConnectException("refused"))
                    : CompletableFuture.completedFuture("ok " + a.endpoint().host());
        }, null).toCompletableFuture();
        assertEquals("ok c", r.join());
        assertEquals(List.of("a", "b", "c"), tried);
        CompletableFuture<String> none = u.executeAsync(CallOptions.idempotent(),
                a -> CompletableFuture.<String>failedFuture(new ConnectException("refused")), null)
                .toCompletableFuture();
        CompletionException e = assertThrows(CompletionException.class, none::join);
        assertInstanceOf(NoLiveEndpointException.class, e.getCause());
        CompletableFuture<String> bug = u.executeAsync(CallOptions.idempotent(),
                a -> CompletableFuture.<String>failedFuture(new IllegalStateException("bug")), null)
                .toCompletableFuture();
        assertInstanceOf(IllegalStateException.class, assertThrows(CompletionException.class, bug::join).getCause(),
                "an unclassified failure ends the call at once");
    }

    @Test
    void asyncBackoffBetweenRoundsRunsOnTheSchedulerNotTheCaller() {
        Upstream u = Upstream.builder("a").endpoints("a:1").ticker(clock).scheduler(clock).logging(false)
                .nextUpstream(NextUpstreamPolicy.builder().rounds(2)
                        .backoff(io.github.resilience4j.core.IntervalFunction.of(Duration.ofMillis(200))).build())
                .allDown(io.github.hakit.core.balance.AllDownPolicy.failFast()).build();
        List<Long> at = new ArrayList<>();
        CompletableFuture<String> r = u.executeAsync(CallOptions.idempotent(), a -> {
            at.add(clock.read());
            return at.size() == 1 ? CompletableFuture.failedFuture(new ConnectException("refused"))
                    : CompletableFuture.completedFuture("ok");
        }, null).toCompletableFuture();
        assertTrue(!r.isDone(), "waiting for the backoff on the scheduler");
        clock.forward(Duration.ofMillis(200));
        assertEquals("ok", r.join());
        assertEquals(200_000_000L, at.get(1) - at.get(0));
    }

    @Test
    void neutralKindsCountOrNotAsDocumented() {
        assertTrue(FailureKind.UNAVAILABLE.countsAsFailure());
        assertTrue(FailureKind.OVERLOADED.countsAsFailure());
        assertTrue(!FailureKind.REJECTED.countsAsFailure());
        assertTrue(!FailureKind.NO_ROUTE.countsAsFailure());
        Upstream u = Upstream.builder("n").endpoints("a:1,b:1").ticker(clock).logging(false)
                .classifier(t -> t instanceof IllegalStateException ? Failure.notSent(FailureKind.NO_ROUTE)
                        : FailureClassifier.network().classify(t))
                .nextUpstream(NextUpstreamPolicy.builder().conditions(FailureKind.NO_ROUTE).build()).build();
        String r = u.execute(a -> {
            if (a.endpoint().host().equals("a")) {
                throw new IllegalStateException("no such topic here");
            }
            return a.endpoint().host();
        });
        assertEquals("b", r);
        assertEquals(0, u.status().endpoint("a:1").failures(), "no_route moves on without counting");
        assertThrows(IllegalArgumentException.class, () -> FailureKind.ofNginxName("unavailable"),
                "neutral kinds are not Nginx conditions");
    }
}
