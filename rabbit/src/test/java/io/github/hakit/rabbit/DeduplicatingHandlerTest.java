package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Delivery;
import com.rabbitmq.client.Envelope;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeduplicatingHandlerTest {
    private static Delivery delivery(String id) {
        return new Delivery(new Envelope(1, false, "", "q"), new AMQP.BasicProperties.Builder().messageId(id).build(),
                new byte[0]);
    }

    @Test
    void secondDeliveryOfAnIdIsDroppedAndCounted() throws Exception {
        List<String> handled = new ArrayList<>();
        DeduplicatingHandler dedup = new DeduplicatingHandler(10, d -> handled.add(d.getProperties().getMessageId()));
        for (String id : List.of("a", "b", "a", "c", "b")) {
            dedup.handle(delivery(id));
        }
        assertEquals(List.of("a", "b", "c"), handled);
        assertEquals(2, dedup.duplicates());
    }

    @Test
    void onlyTheLastCapacityIdsAreRemembered() throws Exception {
        List<String> handled = new ArrayList<>();
        DeduplicatingHandler dedup = new DeduplicatingHandler(2, d -> handled.add(d.getProperties().getMessageId()));
        for (String id : List.of("a", "b", "c", "a")) {
            dedup.handle(delivery(id));
        }
        assertEquals(List.of("a", "b", "c", "a"), handled);
    }

    @Test
    void failedHandlingDoesNotMarkTheIdSeen() throws Exception {
        int[] calls = {0};
        DeduplicatingHandler dedup = new DeduplicatingHandler(10, d -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("first try fails");
            }
        });
        assertThrows(IllegalStateException.class, () -> dedup.handle(delivery("x")));
        dedup.handle(delivery("x"));
        assertEquals(2, calls[0]);
        assertEquals(0, dedup.duplicates());
    }

    @Test
    void capacityMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DeduplicatingHandler(0, d -> { }));
        assertEquals("capacity < 1: 0", e.getMessage());
    }
}
