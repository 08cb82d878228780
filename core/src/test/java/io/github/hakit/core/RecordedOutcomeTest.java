package io.github.hakit.core;

import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.ObserveConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Outcomes of calls a client library routed itself ({@link Upstream#recordSuccess}/{@link Upstream#recordFailure})
 * feed the same passive accounting as picked calls, without touching the active-call count.
 */
class RecordedOutcomeTest {
    private final FakeClock clock = new FakeClock();
    private final List<UpstreamListener.StateChange> changes = new ArrayList<>();

    private Upstream upstream(Endpoint a) {
        return Upstream.builder("ns").endpoints(a, Endpoint.builder("b", 9876).name("b").build()).ticker(clock)
                .scheduler(clock).probeExecutor(Runnable::run).logging(false).listener(new UpstreamListener() {
                    @Override
                    public void onStateChange(StateChange event) {
                        changes.add(event);
                    }
                }).build();
    }

    @Test
    void recordedFailuresEjectLikeNginxMaxFailsAndARecordedSuccessAfterFailTimeoutRestores() {
        Upstream u = upstream(Endpoint.builder("a", 9876).name("a").maxFails(2).failTimeout(Duration.ofSeconds(10))
                .build());
        u.recordFailure("a", FailureKind.TIMEOUT, 3_000_000_000L);
        assertEquals(HealthState.UP, u.status().endpoint("a").state(), "one of max_fails=2");
        u.recordFailure("a", FailureKind.TIMEOUT, 3_000_000_000L);
        EndpointStatus a = u.status().endpoint("a");
        assertEquals("DOWN (passive)", a.statusText());
        assertEquals(0, a.activeCalls(), "no slot was taken, none released");
        assertEquals(2, a.failures());
        assertEquals(1, changes.size());
        assertEquals(HealthState.DOWN, changes.get(0).to());
        assertTrue(changes.get(0).cause().contains("2 failure(s) within fail_timeout 10s"), changes.get(0).cause());

        clock.forward(Duration.ofSeconds(5));
        u.recordSuccess("a", 1_000_000);
        assertEquals("DOWN (passive)", u.status().endpoint("a").statusText(), "a call within fail_timeout");
        clock.forward(Duration.ofSeconds(6));
        u.recordSuccess("a", 1_000_000);
        assertEquals(HealthState.UP, u.status().endpoint("a").state());
        assertEquals(HealthState.UP, changes.get(1).to());
        assertEquals(2, u.status().endpoint("a").successes());
        assertEquals(0, u.status().endpoint("a").activeCalls());
    }

    @Test
    void notFoundIsRecordedWithoutCounting() {
        Upstream u = upstream(Endpoint.builder("a", 9876).name("a").maxFails(1).build());
        u.recordFailure("a", FailureKind.HTTP_404, 0);
        assertEquals(HealthState.UP, u.status().endpoint("a").state());
        assertEquals(0, u.status().endpoint("a").failures());
    }

    @Test
    void recordedErrorsDriveHaproxyObserve() {
        Endpoint a = Endpoint.builder("a", 9876).name("a").maxFails(0)
                .observe(new ObserveConfig(ObserveConfig.Layer.LAYER4, 2, ObserveConfig.OnError.MARK_DOWN)).build();
        Upstream u = Upstream.builder("ns").endpoints(a, Endpoint.builder("b", 9876).name("b").build()).ticker(clock)
                .scheduler(clock).probeExecutor(Runnable::run).logging(false)
                .healthCheck(HealthCheckConfig.builder().inter(Duration.ofSeconds(30)).build(), (e, t) -> { })
                .build();
        clock.runDue();
        u.recordFailure("a", FailureKind.TIMEOUT, 0);
        assertEquals("UP", u.status().endpoint("a").statusText());
        u.recordFailure("a", FailureKind.TIMEOUT, 0);
        assertEquals("DOWN", u.status().endpoint("a").statusText(), "observe layer4 error-limit 2 on-error mark-down");
    }

    @Test
    void badInputIsNamed() {
        Upstream u = upstream(Endpoint.builder("a", 9876).name("a").build());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> u.recordFailure("c", FailureKind.ERROR, 0));
        assertTrue(unknown.getMessage().contains("unknown endpoint 'c'"), unknown.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> u.recordSuccess("a", -5));
        assertTrue(negative.getMessage().contains("-5"), negative.getMessage());
        assertThrows(NullPointerException.class, () -> u.recordFailure("a", null, 0));
        assertThrows(NullPointerException.class, () -> u.recordSuccess(null, 0));
    }
}
