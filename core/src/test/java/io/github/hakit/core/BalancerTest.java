package io.github.hakit.core;

import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.health.HealthCheckConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BalancerTest {
    private final FakeClock clock = new FakeClock();

    private Upstream upstream(Balancer balancer, List<Endpoint> eps) {
        return Upstream.builder("t").endpoints(eps).balancer(balancer).ticker(clock).logging(false).build();
    }

    private static Endpoint ep(String name, int weight) {
        return Endpoint.builder(name, 80).name(name).weight(weight).build();
    }

    @Test
    void leastConnPrefersFewestActiveCallsPerWeight() {
        Upstream u = upstream(Balancer.LEAST_CONN, List.of(ep("a", 1), ep("b", 2)));
        Peer first = u.pick(); // tie at 0 conns: SWRR among ties -> b (weight 2)
        assertEquals("b", first.endpoint().name());
        Peer second = u.pick(); // a 0/1 vs b 1/2 -> a
        assertEquals("a", second.endpoint().name());
        Peer third = u.pick(); // a 1/1 vs b 1/2 -> b
        assertEquals("b", third.endpoint().name());
        u.success(first, 0);
        u.success(second, 0);
        u.success(third, 0);
    }

    @Test
    void p2cAvoidsTheSlowAndTheFastFailingEndpoint() {
        Upstream u = upstream(Balancer.P2C_PEAK_EWMA, List.of(ep("fast", 1), ep("slow", 1), ep("failing", 1)));
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            Peer p = u.pick();
            String n = p.endpoint().name();
            counts.merge(n, 1, Integer::sum);
            switch (n) {
                case "fast" -> u.success(p, 1_000_000);
                case "slow" -> u.success(p, 50_000_000);
                default -> u.failure(p, FailureKind.ERROR, 100_000); // fails in 0.1 ms: must not look fast
            }
            clock.forward(Duration.ofMillis(1));
        }
        assertTrue(counts.get("fast") > 2000, "counts " + counts);
        assertTrue(counts.getOrDefault("failing", 0) < 300, "counts " + counts);
    }

    @Test
    void consistentHashKeepsKeysOnTheirEndpointAndMovesOnlyTheRemovedOnesKeys() {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            eps.add(Endpoint.builder("10.0.0." + (i + 1), 80).build());
        }
        Upstream u = upstream(Balancer.CONSISTENT_HASH, eps);
        Map<String, String> before = new HashMap<>();
        for (int k = 0; k < 1000; k++) {
            Peer p = u.pick("user-" + k);
            before.put("user-" + k, p.endpoint().name());
            u.success(p, 0);
            Peer again = u.pick("user-" + k);
            assertEquals(p, again, "same key, same endpoint");
            u.success(again, 0);
        }
        u.setEndpoints(eps.subList(0, 4));
        int moved = 0;
        for (int k = 0; k < 1000; k++) {
            Peer p = u.pick("user-" + k);
            String was = before.get("user-" + k);
            if (!was.equals(p.endpoint().name())) {
                moved++;
                assertEquals("10.0.0.5:80", was, "only keys of the removed endpoint move");
            }
            u.success(p, 0);
        }
        assertTrue(moved > 100 && moved < 320, "about a fifth of the keys move: " + moved);
    }

    @Test
    void firstFillsTheFirstEndpointUpToMaxConnsBeforeTheNext() {
        Upstream u = upstream(Balancer.FIRST, List.of(ep("a", 1).toBuilder().maxConns(2).build(), ep("b", 1)));
        Peer p1 = u.pick();
        Peer p2 = u.pick();
        Peer p3 = u.pick();
        assertEquals("aab", p1.endpoint().name() + p2.endpoint().name() + p3.endpoint().name());
        u.success(p1, 0);
        Peer p4 = u.pick();
        assertEquals("a", p4.endpoint().name());
    }

    @Test
    void tryAnywayRoutesWhenEveryEndpointFailedAndSaysSo() {
        List<Boolean> panics = new ArrayList<>();
        Upstream u = Upstream.builder("t").endpoints(ep("a", 1), ep("b", 1)).ticker(clock).logging(false)
                .listener(new UpstreamListener() {
                    @Override
                    public void onPanic(Panic e) {
                        panics.add(e.entered());
                    }
                }).build();
        Peer a = u.pick();
        u.failure(a, FailureKind.ERROR, 0);
        Peer b = u.pick();
        u.failure(b, FailureKind.ERROR, 0);
        Peer anyway = u.pick();
        assertNotNull(anyway, "all failed recently: tried anyway");
        assertEquals(List.of(true), panics);
        u.success(anyway, 0);
        clock.forward(Duration.ofSeconds(11));
        Peer normal = u.pick();
        u.success(normal, 0);
        assertEquals(List.of(true, false), panics);
    }

    @Test
    void panicThresholdRoutesAcrossAllWhenTooFewAreHealthy() {
        FakeClock c = clock;
        Upstream u = Upstream.builder("t").endpoints(ep("a", 1), ep("b", 1), ep("c", 1), ep("d", 1)).ticker(c)
                .scheduler(c).probeExecutor(Runnable::run).logging(false).allDown(AllDownPolicy.panic(50))
                .healthCheck(HealthCheckConfig.builder().fall(1).build(), (e, t) -> {
                    if (!e.name().equals("a")) {
                        throw new java.io.IOException("down");
                    }
                }).build();
        // HAProxy spreads the first checks over inter (start_checks): after 2 s every endpoint was checked once
        c.forward(Duration.ofSeconds(2));
        assertTrue(u.status().panic(), "1 of 4 healthy < 50%");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < 8; i++) {
            Peer p = u.pick();
            seen.add(p.endpoint().name());
            u.success(p, 0);
        }
        assertEquals(4, seen.size(), "panic routing spreads over all: " + seen);
    }

    @Test
    void failFastWithEverythingInMaintenanceReturnsNull() {
        Upstream u = Upstream.builder("t").endpoints(ep("a", 1), ep("b", 1)).ticker(clock).logging(false)
                .allDown(AllDownPolicy.failFast()).build();
        u.maintenance("a");
        u.maintenance("b");
        assertNull(u.pick());
        NoLiveEndpointException e = org.junit.jupiter.api.Assertions.assertThrows(NoLiveEndpointException.class,
                () -> u.execute(a -> "x"));
        assertTrue(e.getMessage().contains("no live endpoints: a MAINT, b MAINT"), e.getMessage());
    }

    @Test
    void maxEjectionPercentKeepsEndpointsInRotation() {
        Upstream u = Upstream.builder("t").endpoints(ep("a", 1), ep("b", 1)).ticker(clock).logging(false)
                .maxEjectionPercent(50).build();
        Peer a = u.pick();
        u.failure(a, FailureKind.ERROR, 0);
        Peer b = u.pick();
        u.failure(b, FailureKind.ERROR, 0);
        assertEquals(HealthState.DOWN, u.status().endpoint("a").state());
        assertEquals(HealthState.UP, u.status().endpoint("b").state(), "the cap keeps b in");
    }

    @Test
    void slowStartRampsTheWeightAfterComingBack() {
        Upstream u = upstream(Balancer.ROUND_ROBIN, List.of(ep("a", 10).toBuilder().slowStart(Duration.ofSeconds(10)).build(), ep("b", 10)));
        u.maintenance("a");
        u.ready("a");
        clock.forward(Duration.ofSeconds(1)); // a at ~1/10 of its weight
        int a = 0;
        for (int i = 0; i < 110; i++) {
            Peer p = u.pick();
            if (p.endpoint().name().equals("a")) {
                a++;
            }
            u.success(p, 0);
        }
        assertTrue(a < 30, "a gets a small share while ramping: " + a);
        clock.forward(Duration.ofSeconds(10));
        int a2 = 0;
        for (int i = 0; i < 200; i++) {
            Peer p = u.pick();
            if (p.endpoint().name().equals("a")) {
                a2++;
            }
            u.success(p, 0);
        }
        assertTrue(a2 >= 90 && a2 <= 110, "full share after the ramp: " + a2);
    }

    @Test
    void statusRendersLikeHaproxyStats() {
        Upstream u = upstream(Balancer.ROUND_ROBIN, List.of(ep("a", 2), ep("b", 1).toBuilder().backup(true).build()));
        String table = u.status().render();
        assertTrue(table.startsWith("upstream t (round_robin, 2/2 available)"), table);
        // HAProxy's stats page shows a server without active checks as "no check" (stats_fill_sv_stats)
        assertTrue(table.contains("a      | a:80    | no check | 2"), table);
        assertTrue(table.lines().anyMatch(l -> l.startsWith("b ") && l.contains("| Y")), table);
    }

    @Test
    void endpointsThatStayKeepTheirHealthWhenAnEarlierOneIsRemoved() {
        Endpoint a = ep("a", 1);
        Endpoint b = ep("b", 1).toBuilder().failTimeout(Duration.ofSeconds(30)).build();
        Endpoint c = ep("c", 1);
        Upstream u = upstream(Balancer.ROUND_ROBIN, List.of(a, b, c));
        Peer pb = null;
        while (pb == null) {
            Peer p = u.pick();
            if (p.endpoint().name().equals("b")) {
                pb = p;
            } else {
                u.success(p, 0);
            }
        }
        u.failure(pb, FailureKind.ERROR, 0);
        assertEquals(HealthState.DOWN, u.status().endpoint("b").state());
        u.setEndpoints(List.of(b, c)); // b moves from position 1 to 0
        assertEquals(HealthState.DOWN, u.status().endpoint("b").state(), "b keeps its failure window");
        for (int i = 0; i < 5; i++) {
            Peer p = u.pick();
            assertEquals("c", p.endpoint().name());
            u.success(p, 0);
        }
    }
}
