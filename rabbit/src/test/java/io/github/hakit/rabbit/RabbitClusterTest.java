package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.hakit.core.Endpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class RabbitClusterTest {

    @Test
    void haproxyServerLinesBecomeEndpointsWithTheirParameters() {
        try (RabbitCluster rabbit = RabbitCluster.builder().haproxyServers("""
                server a 127.0.0.1:5681 check inter 2s rise 2 fall 3
                server b 127.0.0.1:5682 check weight 3

                server c 127.0.0.1:5683 check backup
                """).build()) {
            List<Endpoint> endpoints = rabbit.upstream().endpoints();
            assertEquals(List.of("a", "b", "c"), endpoints.stream().map(Endpoint::name).toList());
            assertEquals(5682, endpoints.get(1).port());
            assertEquals(3, endpoints.get(1).weight());
            assertEquals(true, endpoints.get(2).backup());
        }
    }

    @Test
    void hostPortListKeepsItsOrder() {
        try (RabbitCluster rabbit = RabbitCluster.builder().endpoints("127.0.0.1:2,127.0.0.1:1")
                .endpoints(List.of(Endpoint.builder("127.0.0.1", 3).weight(2).build())).build()) {
            assertEquals(List.of("127.0.0.1:2", "127.0.0.1:1", "127.0.0.1:3"),
                    rabbit.upstream().endpoints().stream().map(Endpoint::address).toList());
            assertEquals(2, rabbit.upstream().endpoints().get(2).weight());
        }
    }

    @Test
    void missingEndpointsAndBadTimeoutsAreRejected() {
        assertEquals("no RabbitMQ endpoints configured",
                assertThrows(IllegalStateException.class, () -> RabbitCluster.builder().build()).getMessage());
        assertEquals("handshakeTimeout <= 0: PT0S", assertThrows(IllegalArgumentException.class,
                () -> RabbitCluster.builder().handshakeTimeout(Duration.ZERO)).getMessage());
    }
}
