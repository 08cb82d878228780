package io.github.hakit.core;

import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.ObserveConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.testing.FakeClock;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Active checks against HAProxy's check.c on a fake clock: the health counter (0..rise+fall-1), the stats texts
 * "UP 2/3", "UP 1/3", "DOWN 1/2" (dumpstats: "UP %d/%d" = health - rise + 1, fall; "DOWN %d/%d" = health, rise),
 * and srv_getinter (inter when health is full, downinter when down at 0, fastinter in between).
 */
class HaproxyHealthCheckConformanceTest {
    private final FakeClock clock = new FakeClock();
    private final AtomicBoolean healthy = new AtomicBoolean(true);
    private final List<Long> checkTimes = new ArrayList<>();
    private final List<UpstreamListener.StateChange> changes = new ArrayList<>();

    private final HealthCheckConfig check = HealthCheckConfig.builder().inter(Duration.ofSeconds(2))
            .fastInter(Duration.ofMillis(500)).downInter(Duration.ofSeconds(5)).rise(2).fall(3).build();

    private Upstream upstream(Endpoint... extra) {
        List<Endpoint> eps = new ArrayList<>();
        eps.add(Endpoint.builder("a", 80).name("a").build());
        eps.addAll(List.of(extra));
        return Upstream.builder("t").endpoints(eps).ticker(clock).scheduler(clock).probeExecutor(Runnable::run)
                .logging(false).healthCheck(check, (e, timeout) -> {
                    if (e.name().equals("a")) {
                        checkTimes.add(clock.read());
                        if (!healthy.get()) {
                            throw new IOException("Connection refused");
                        }
                    }
                }).listener(new UpstreamListener() {
                    @Override
                    public void onStateChange(StateChange event) {
                        changes.add(event);
                    }
                }).build();
    }

    private String status(Upstream u) {
        return u.status().endpoint("a").statusText();
    }

    @Test
    void fallConsecutiveFailuresTakeAnUpEndpointDownThroughUp21Of3() {
        Upstream u = upstream(Endpoint.builder("b", 80).name("b").build());
        clock.runDue(); // first check at start
        assertEquals("UP", status(u));
        healthy.set(false);
        clock.forward(Duration.ofSeconds(2));
        assertEquals("UP 2/3", status(u));
        assertEquals(HealthState.GOING_DOWN, u.status().endpoint("a").state());
        clock.forward(Duration.ofMillis(500)); // fastinter while changing state
        assertEquals("UP 1/3", status(u));
        clock.forward(Duration.ofMillis(500));
        assertEquals("DOWN", status(u));
        assertEquals(1, changes.size());
        assertEquals(HealthState.DOWN, changes.get(0).to());
        assertTrue(changes.get(0).cause().contains("Connection refused"), changes.get(0).cause());
        for (int i = 0; i < 10; i++) {
            Peer p = u.pick();
            assertEquals("b", p.endpoint().name(), "DOWN endpoints take no traffic");
            u.success(p, 0);
        }
    }

    @Test
    void riseSuccessesBringItBackThroughDown1Of2() {
        Upstream u = upstream();
        clock.runDue();
        healthy.set(false);
        clock.forward(Duration.ofSeconds(2));
        clock.forward(Duration.ofMillis(500));
        clock.forward(Duration.ofMillis(500));
        assertEquals("DOWN", status(u));
        healthy.set(true);
        clock.forward(Duration.ofSeconds(5)); // downinter while down
        assertEquals("DOWN 1/2", status(u));
        assertEquals(HealthState.GOING_UP, u.status().endpoint("a").state());
        clock.forward(Duration.ofMillis(500)); // fastinter
        assertEquals("UP", status(u));
        assertEquals(HealthState.UP, changes.get(changes.size() - 1).to());
    }

    @Test
    void checkIntervalsAreInterFastinterAndDowninterAsSrvGetinter() {
        upstream();
        clock.runDue();
        healthy.set(false);
        clock.forward(Duration.ofSeconds(20));
        healthy.set(true);
        clock.forward(Duration.ofSeconds(20));
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < checkTimes.size(); i++) {
            gaps.add((checkTimes.get(i) - checkTimes.get(i - 1)) / 1_000_000);
        }
        // t=0 pass (health rise=2 -> full 4); t=2 fail (3, "UP 2/3") -> fastinter; t=2.5 fail (2, "UP 1/3");
        // t=3 fail (0, DOWN) -> downinter 5 s: t=8, 13, 18 fail; t=23 pass (1, "DOWN 1/2") -> fastinter;
        // t=23.5 pass (rise reached -> full) -> inter 2 s from then on
        List<Long> expected = List.of(2000L, 500L, 500L, 5000L, 5000L, 5000L, 5000L, 500L, 2000L, 2000L);
        assertEquals(expected, gaps.subList(0, expected.size()), "gaps " + gaps);
    }

    @Test
    void aSuccessWhileGoingDownRestoresFullHealth() {
        Upstream u = upstream();
        clock.runDue();
        healthy.set(false);
        clock.forward(Duration.ofSeconds(2));
        assertEquals("UP 2/3", status(u));
        healthy.set(true);
        clock.forward(Duration.ofMillis(500));
        assertEquals("UP", status(u));
        assertTrue(changes.isEmpty());
    }

    @Test
    void aProbeThatDoesNotAnswerWithinTimeoutCountsAsFailed() {
        AtomicInteger started = new AtomicInteger();
        List<Runnable> parked = new ArrayList<>();
        HealthCheckConfig c = check.toBuilder().timeout(Duration.ofMillis(300)).fall(1).build();
        Upstream u = Upstream.builder("t").endpoints(Endpoint.builder("a", 80).name("a").build(),
                        Endpoint.builder("b", 80).name("b").build())
                .ticker(clock).scheduler(clock).logging(false)
                .probeExecutor(parked::add) // probes never run: a black hole
                .healthCheck(c, (e, t) -> started.incrementAndGet()).build();
        clock.runDue();
        assertEquals("UP", u.status().endpoint("a").statusText());
        clock.forward(Duration.ofMillis(300));
        assertEquals("DOWN", u.status().endpoint("a").statusText());
        assertTrue(u.status().endpoint("a").lastCheck().contains("timeout after 300 ms"));
    }

    @Test
    void observeMarkDownTakesTheEndpointOutAfterErrorLimitAndForcesFastinter() {
        Endpoint a = Endpoint.builder("a", 80).name("a").maxFails(0)
                .observe(new ObserveConfig(ObserveConfig.Layer.LAYER4, 3, ObserveConfig.OnError.MARK_DOWN)).build();
        Upstream u = Upstream.builder("t").endpoints(a, Endpoint.builder("b", 80).name("b").build()).ticker(clock)
                .scheduler(clock).probeExecutor(Runnable::run).logging(false)
                .healthCheck(check, (e, t) -> {
                    if (e.name().equals("a")) {
                        checkTimes.add(clock.read());
                    }
                }).build();
        clock.forward(Duration.ofMillis(300)); // a at 0, b at 250 ms (first checks spread over fastinter)
        long errorsAt = clock.read();
        for (int i = 0; i < 3; i++) {
            u.recordFailure("a", FailureKind.ERROR, 0);
        }
        assertEquals("DOWN", u.status().endpoint("a").statusText());
        clock.forward(Duration.ofMillis(500));
        assertEquals(errorsAt + 500_000_000L, checkTimes.get(checkTimes.size() - 1),
                "fastinter forced for the next check");
    }

    @Test
    void observeSuddenDeathLeavesItOneFailedCheckFromDown() {
        Endpoint a = Endpoint.builder("a", 80).name("a").maxFails(0)
                .observe(new ObserveConfig(ObserveConfig.Layer.LAYER4, 2, ObserveConfig.OnError.SUDDEN_DEATH)).build();
        Upstream u = Upstream.builder("t").endpoints(a, Endpoint.builder("b", 80).name("b").build()).ticker(clock)
                .scheduler(clock).probeExecutor(Runnable::run).logging(false)
                .healthCheck(check, (e, t) -> {
                    if (e.name().equals("a") && !healthy.get()) {
                        throw new IOException("refused");
                    }
                }).build();
        clock.runDue();
        for (int i = 0; i < 2; i++) {
            u.recordFailure("a", FailureKind.TIMEOUT, 0);
        }
        assertEquals("UP 1/3", u.status().endpoint("a").statusText());
        healthy.set(false);
        clock.forward(Duration.ofMillis(500));
        assertEquals("DOWN", u.status().endpoint("a").statusText());
    }

    @Test
    void maintenanceAndDrainShowInStatusAndTakeNoTraffic() {
        Upstream u = upstream(Endpoint.builder("b", 80).name("b").build());
        clock.runDue();
        u.maintenance("a");
        assertEquals("MAINT", status(u));
        assertEquals("bb", twoPicks(u));
        u.drain("a");
        assertEquals("DRAIN", status(u));
        assertEquals("bb", twoPicks(u));
        u.ready("a");
        // HAProxy 2.6 srv_update_status: leaving maintenance (here to drain) sets health = rise ("start OK but
        // check immediately"): one failed check from DOWN, "UP 1/3" with rise 2 fall 3, until the check decides
        assertEquals("UP 1/3", status(u));
        assertTrue(twoPicks(u).contains("a"));
        clock.runDue(); // the immediate check passes
        assertEquals("UP", status(u));
    }

    private static String twoPicks(Upstream u) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2; i++) {
            Peer p = u.pick();
            sb.append(p.endpoint().name());
            u.success(p, 0);
        }
        return sb.toString();
    }

    @Test
    void aCheckThatBringsAnEndpointUpClearsNginxPassiveFailures() {
        Upstream u = upstream(Endpoint.builder("b", 80).name("b").build());
        clock.runDue();
        u.recordFailure("a", FailureKind.ERROR, 0); // max_fails=1: passively DOWN for fail_timeout 10 s
        assertEquals("DOWN (passive)", status(u));
        healthy.set(false);
        clock.forward(Duration.ofSeconds(3)); // fails its checks too: DOWN, no second DOWN event
        assertEquals(1, changes.size(), "one transition, not two: " + changes);
        healthy.set(true);
        clock.forward(Duration.ofSeconds(6)); // rise=2 passes at 5 s + 0.5 s: before fail_timeout ends
        assertEquals("UP", status(u));
        assertEquals(HealthState.UP, changes.get(changes.size() - 1).to());
    }
}
