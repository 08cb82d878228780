package io.github.hakit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.config.HaproxyBackendParser;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.retry.RetryTarget;
import io.github.hakit.core.testing.FakeClock;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Rules of HAProxy 2.6 that #11 found hakit getting wrong, each on a fake clock, with the source it comes from
 * (haproxy v2.6.0 plus the 2.6 backport bc6b238: {@code src/server.c}, {@code src/check.c}, {@code src/stats.c},
 * {@code src/backend.c}, {@code include/haproxy/stream.h}).
 */
class Haproxy26BehaviourTest {
    private final FakeClock clock = new FakeClock();

    private Upstream backend(String config) {
        return Upstream.builder("be").config(HaproxyBackendParser.parse(config)).ticker(clock).scheduler(clock)
                .sleeper(clock).probeExecutor(Runnable::run).probe((e, t) -> { }).logging(false).build();
    }

    private static Map<String, Integer> counts(Upstream u, int n) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Peer p = u.pick();
            m.merge(p.endpoint().name(), 1, Integer::sum);
            u.success(p, 0);
        }
        return m;
    }

    @Test
    void slowstartRampsEvenAWeightOneServerInSixteenthsOncePerSecond() {
        // server_recalc_eweight: w = (wdiv * elapsed_s + slowstart_s) / slowstart_s with wdiv = BE_WEIGHT_SCALE 16;
        // eweight = uweight * w; full (16 per weight unit) once elapsed >= slowstart
        Upstream u = backend("""
                backend be
                    balance roundrobin
                    server a 127.0.0.1:1 slowstart 10s
                    server b 127.0.0.1:2
                """);
        u.maintenance("a");
        u.ready("a"); // last_change = now: a starts at 1/16 of its weight
        assertEquals(Map.of("a", 1, "b", 16), counts(u, 17), "t=0: a weighs 1 against b's 16");
        clock.forward(Duration.ofSeconds(5)); // w = (16*5 + 10) / 10 = 9
        assertEquals(Map.of("a", 9, "b", 16), counts(u, 25), "t=5 s: 9/16");
        clock.forward(Duration.ofMillis(999)); // still second 5: steps once per second
        assertEquals(Map.of("a", 9, "b", 16), counts(u, 25));
        clock.forward(Duration.ofSeconds(5)); // t >= slowstart: full weight
        assertEquals(Map.of("a", 16, "b", 16), counts(u, 32));
    }

    @Test
    void weightZeroStaysUpAndAServerWithoutCheckShowsNoCheck() {
        // stats_fill_sv_stats: DRAIN only with SRV_ADMF_DRAIN; an UP server without check is "no check"
        Upstream u = backend("""
                backend be
                    server a 127.0.0.1:1 check
                    server b 127.0.0.1:2
                """);
        clock.forward(Duration.ofSeconds(2));
        u.setWeight("a", 0);
        assertEquals(HealthState.UP, u.status().endpoint("a").state());
        assertEquals("UP", u.status().endpoint("a").statusText());
        assertEquals("no check", u.status().endpoint("b").statusText());
        assertEquals(Map.of("b", 4), counts(u, 4), "weight 0 takes no new traffic");
    }

    @Test
    void firstChecksAreSpreadOverTheInterval() {
        // start_checks / start_check_task: expire = now + mininter * srvpos / nbcheck
        List<String> checks = new ArrayList<>();
        Upstream.builder("s").endpoints("a:1,b:1,c:1,d:1").ticker(clock).scheduler(clock)
                .probeExecutor(Runnable::run).logging(false)
                .healthCheck(HealthCheckConfig.builder().inter(Duration.ofSeconds(2)).build(),
                        (e, t) -> checks.add(e.host() + "@" + (clock.read() - 1_000_000_000L) / 1_000_000))
                .build();
        clock.forward(Duration.ofMillis(1999));
        assertEquals(List.of("a@0", "b@500", "c@1000", "d@1500"), checks);
    }

    @Test
    void runtimeHealthAndStateCommands() {
        Upstream u = backend("""
                backend be
                    default-server inter 2s rise 2 fall 3
                    server a 127.0.0.1:1 check
                    server b 127.0.0.1:2 check
                """);
        clock.forward(Duration.ofSeconds(2));
        u.setHealth("a", Upstream.HealthCommand.DOWN);
        assertEquals("DOWN", u.status().endpoint("a").statusText());
        u.setHealth("a", Upstream.HealthCommand.STOPPING);
        assertEquals("NOLB", u.status().endpoint("a").statusText());
        assertEquals(Map.of("b", 3), counts(u, 3), "NOLB takes no new traffic");
        u.setHealth("a", Upstream.HealthCommand.UP);
        assertEquals("UP", u.status().endpoint("a").statusText());
        u.disableHealth("a");
        assertEquals("no check", u.status().endpoint("a").statusText());
        u.enableHealth("a");
        assertEquals("UP", u.status().endpoint("a").statusText());
        u.setState("a", Upstream.AdminState.MAINT);
        assertEquals("MAINT", u.status().endpoint("a").statusText());
        u.setState("a", Upstream.AdminState.READY);
        assertEquals("UP 1/3", u.status().endpoint("a").statusText(), "leaving maintenance: health = rise");
    }

    @Test
    void retriesWithoutRedispatchGoToTheSameServer() {
        // stream_choose_redispatch without PR_O_REDISP: SC_ST_ASS, the same server; after a connection error
        // back_handle_st_cer waits MIN(1s, timeout connect) before retrying it
        Upstream u = backend("""
                backend be
                    retries 2
                    timeout connect 300ms
                    server a 127.0.0.1:1
                    server b 127.0.0.1:2
                """);
        assertEquals(RetryTarget.SAME_ENDPOINT, u.policy().target());
        List<String> tried = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        assertThrows(NoLiveEndpointException.class, () -> u.execute(attempt -> {
            tried.add(attempt.endpoint().name());
            at.add(clock.read());
            throw new ConnectException("refused");
        }));
        assertEquals(List.of("a", "a", "a"), tried, "retries 2: three attempts on the same server");
        assertEquals(300_000_000L, at.get(1) - at.get(0), "turn-around MIN(1s, timeout connect)");
    }

    @Test
    void redispatchMovesOnTheLastRetryOrEveryRetryForRoundRobin() {
        // leastconn is not BE_LB_KIND_RR: only the last retry (redispatch_after -1) goes elsewhere
        Upstream lc = backend("""
                backend be
                    balance leastconn
                    retries 3
                    option redispatch
                    server a 127.0.0.1:1
                    server b 127.0.0.1:2
                """);
        List<String> tried = new ArrayList<>();
        assertThrows(NoLiveEndpointException.class, () -> lc.execute(attempt -> {
            tried.add(attempt.endpoint().name());
            throw new ConnectException("refused");
        }));
        assertEquals(4, tried.size());
        assertEquals(tried.get(0), tried.get(1));
        assertEquals(tried.get(0), tried.get(2));
        assertTrue(!tried.get(3).equals(tried.get(0)), "the last retry is redispatched: " + tried);
        // roundrobin with more than one server up: every retry is redispatched
        Upstream rr = backend("""
                backend be
                    balance roundrobin
                    retries 2
                    option redispatch
                    server a 127.0.0.1:1
                    server b 127.0.0.1:2
                    server c 127.0.0.1:3
                """);
        List<String> rrTried = new ArrayList<>();
        assertThrows(NoLiveEndpointException.class, () -> rr.execute(attempt -> {
            rrTried.add(attempt.endpoint().name());
            throw new ConnectException("refused");
        }));
        assertEquals(List.of("a", "b", "c"), rrTried);
    }
}
