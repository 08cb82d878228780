package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Ports;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;

/** Builder validation and a send without any reachable NameServer; broker failover is in the ITs. */
class HaProducerTest {

    @Test
    void badSettingsAreRejectedNamingTheValue() {
        HaProducer.Builder b = HaProducer.builder("p");
        assertEquals("tries must be 1..16: 0", assertThrows(IllegalArgumentException.class, () -> b.tries(0))
                .getMessage());
        assertEquals("sendTimeout must be > 0: PT0S", assertThrows(IllegalArgumentException.class,
                () -> b.sendTimeout(Duration.ZERO)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> HaProducer.builder(" ")).getMessage()
                .startsWith("blank producer group"));
        assertThrows(IllegalStateException.class, () -> HaProducer.builder("p").build());
        assertThrows(NullPointerException.class, () -> b.ticker(null));
    }

    @Test
    void aSendWithoutAnyNameServerFailsWithinItsDeadlineAndSaysWhy() throws Exception {
        try (HaProducer producer = HaProducer.builder("no-namesrv").namesrvAddr("127.0.0.1:" + Ports.freePort())
                .sendTimeout(Duration.ofSeconds(2)).build().start()) {
            long t0 = System.nanoTime();
            RocketSendException e = assertThrows(RocketSendException.class,
                    () -> producer.send(new Message("t", "x".getBytes(StandardCharsets.UTF_8))));
            long millis = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(Set.of(SendFailureKind.NO_ROUTE, SendFailureKind.CLIENT_ERROR).contains(e.kind()), e.toString());
            assertTrue(e.attempts().isEmpty(), "no broker was tried: " + e.attempts());
            assertTrue(millis < 2_000 + 1_500, millis + " ms");
            assertEquals(new HaProducer.Stats(1, 0, 1), producer.stats());
            assertTrue(producer.status().endpoints().isEmpty(), producer.status().render());
            assertTrue(producer.isolatedBrokers().isEmpty());
        }
    }
}
