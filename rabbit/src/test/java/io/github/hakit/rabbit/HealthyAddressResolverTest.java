package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Address;
import io.github.hakit.core.Upstream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HealthyAddressResolverTest {
    private final List<ServerSocket> nodes = new ArrayList<>();
    private Upstream upstream;

    @BeforeEach
    void startNodes() throws IOException {
        for (int i = 0; i < 3; i++) {
            nodes.add(new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1")));
        }
        upstream = Upstream.builder("rabbit").endpoints(address(0) + "," + address(1) + "," + address(2)).build();
    }

    @AfterEach
    void stop() throws IOException {
        upstream.close();
        for (ServerSocket s : nodes) {
            s.close();
        }
    }

    private String address(int i) {
        return "127.0.0.1:" + nodes.get(i).getLocalPort();
    }

    private static String first(List<Address> addresses) {
        return addresses.get(0).getHost() + ":" + addresses.get(0).getPort();
    }

    @Test
    void firstAddressRotatesRoundRobinAndTheOthersFollowInOrder() throws IOException {
        HealthyAddressResolver resolver = new HealthyAddressResolver(upstream, Optional::empty);
        List<String> firsts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            List<Address> list = resolver.getAddresses();
            assertEquals(3, list.size());
            firsts.add(first(list));
        }
        assertEquals(List.of(address(0), address(1), address(2), address(0), address(1), address(2)), firsts);
        List<Address> list = resolver.getAddresses();
        assertEquals(address(1), list.get(1).getHost() + ":" + list.get(1).getPort());
    }

    @Test
    void refusedNodeIsSkippedAtOnceAndCountedAsAPassiveFailure() throws IOException {
        nodes.get(0).close();
        HealthyAddressResolver resolver = new HealthyAddressResolver(upstream, Optional::empty);
        List<Address> list = resolver.getAddresses();
        assertEquals(address(1), first(list));
        assertEquals(address(0), list.get(2).getHost() + ":" + list.get(2).getPort(), "failed node goes last");
        assertTrue(upstream.status().endpoint(address(0)).statusText().startsWith("DOWN"),
                upstream.status().render());
        for (int i = 0; i < 4; i++) {
            String f = first(resolver.getAddresses());
            assertTrue(!f.equals(address(0)), "dead node picked first: " + f);
        }
    }

    @Test
    void preferredEndpointGoesFirstWhileHealthy() throws IOException {
        HealthyAddressResolver resolver = new HealthyAddressResolver(upstream, () -> Optional.of(address(2)));
        for (int i = 0; i < 3; i++) {
            assertEquals(address(2), first(resolver.getAddresses()));
        }
    }

    @Test
    void noReachableNodeIsAnIOExceptionNamingEveryAttempt() throws IOException {
        for (ServerSocket s : nodes) {
            s.close();
        }
        HealthyAddressResolver resolver = new HealthyAddressResolver(upstream, Optional::empty);
        IOException e = assertThrows(IOException.class, resolver::getAddresses);
        assertTrue(e.getMessage().startsWith("no RabbitMQ node reachable"), e.getMessage());
        for (int i = 0; i < 3; i++) {
            assertTrue(e.getMessage().contains(address(i)), e.getMessage());
        }
    }

    @Test
    void avoidedNodeGoesLastAndIsNeverPickedFirstWhileAnotherIsLeft() throws IOException {
        HealthyAddressResolver resolver = new HealthyAddressResolver(upstream, () -> Optional.of(address(0)),
                name -> name.equals(address(0)));
        for (int i = 0; i < 4; i++) {
            List<Address> list = resolver.getAddresses();
            assertTrue(!first(list).equals(address(0)), "avoided node first: " + list);
            assertEquals(address(0), list.get(2).getHost() + ":" + list.get(2).getPort(), "avoided node last");
        }
    }

    @Test
    void whenEveryNodeIsAvoidedTheyAreStillTried() throws IOException {
        HealthyAddressResolver resolver = new HealthyAddressResolver(upstream, Optional::empty, name -> true);
        assertEquals(3, resolver.getAddresses().size());
    }

    @Test
    void nodeInMaintenanceIsLeftOutAndAPreferredNodeInMaintenanceIsNotFirst() throws IOException {
        upstream.maintenance(address(2));
        HealthyAddressResolver resolver = new HealthyAddressResolver(upstream, () -> Optional.of(address(2)));
        for (int i = 0; i < 3; i++) {
            List<Address> list = resolver.getAddresses();
            assertEquals(2, list.size(), list.toString());
            assertTrue(list.stream().noneMatch(a -> a.getPort() == nodes.get(2).getLocalPort()), list.toString());
        }
    }

    @Test
    void orderIsNeverShuffled() {
        HealthyAddressResolver resolver = new HealthyAddressResolver(upstream, Optional::empty);
        List<Address> input = List.of(new Address("127.0.0.1", 1), new Address("127.0.0.1", 2));
        assertSame(input, resolver.maybeShuffle(input));
    }
}
