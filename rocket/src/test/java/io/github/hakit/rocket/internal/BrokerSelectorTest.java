package io.github.hakit.rocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.common.message.MessageQueue;
import org.junit.jupiter.api.Test;

class BrokerSelectorTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final BrokerSelector selector = new BrokerSelector(Duration.ofSeconds(5), Duration.ofSeconds(1), now::get);
    private final List<MessageQueue> queues = List.of(new MessageQueue("t", "broker-a", 0),
            new MessageQueue("t", "broker-a", 1), new MessageQueue("t", "broker-b", 0), new MessageQueue("t", "broker-b", 1));

    private List<String> picks(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(selector.select(queues, Set.of()).getBrokerName());
        }
        return out;
    }

    @Test
    void roundRobinOverAllQueues() {
        assertEquals(List.of("broker-a", "broker-a", "broker-b", "broker-b", "broker-a"), picks(5));
    }

    @Test
    void failedBrokerIsSkippedUntilItsIsolationEnds() {
        selector.failed("broker-a");
        assertTrue(picks(8).stream().allMatch("broker-b"::equals));
        assertTrue(selector.isIsolated("broker-a"));
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertFalse(selector.isIsolated("broker-a"));
        assertTrue(picks(4).contains("broker-a"));
    }

    @Test
    void brokersTriedByTheCallAreSkipped() {
        Set<String> tried = new HashSet<>(Set.of("broker-a"));
        for (int i = 0; i < 4; i++) {
            assertEquals("broker-b", selector.select(queues, tried).getBrokerName());
        }
        tried.add("broker-b");
        assertNull(selector.select(queues, tried));
    }

    @Test
    void whenEveryBrokerIsIsolatedTheOneWhoseIsolationEndsFirstIsTriedAnyway() {
        selector.failed("broker-b");
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        selector.failed("broker-a");
        assertEquals("broker-b", selector.select(queues, Set.of()).getBrokerName());
        assertEquals("broker-a", selector.select(queues, Set.of("broker-b")).getBrokerName());
    }

    @Test
    void slowSuccessIsolatesLikeAFailureAndFastSuccessClearsIsolation() {
        selector.succeeded("broker-a", Duration.ofMillis(1500));
        assertTrue(selector.isIsolated("broker-a"));
        selector.succeeded("broker-a", Duration.ofMillis(3));
        assertFalse(selector.isIsolated("broker-a"));
        assertEquals(List.of("broker-a", "broker-b"), BrokerSelector.brokers(queues));
    }
}
