package io.github.hakit.testkit.zookeeper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class ProcessSocketsTest {
    @Test
    void parsesIpv4AndMappedIpv6Entries() throws Exception {
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080),
                ProcessSockets.address("0100007F:1F90"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.1.2"), 80),
                ProcessSockets.address("0201007F:0050"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 2181),
                ProcessSockets.address("0000000000000000FFFF00000100007F:0885"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::"), 22),
                ProcessSockets.address("00000000000000000000000000000000:0016"));
    }

    @Test
    void seesOwnLoopbackConnectionAndFlagsAWildcardListener() throws Exception {
        Assumptions.assumeTrue(ProcessSockets.supported(), "needs Linux /proc");
        try (ServerSocket loop = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                Socket client = new Socket("127.0.0.1", loop.getLocalPort());
                ServerSocket wildcard = new ServerSocket(0)) {
            assertTrue(ProcessSockets.current().stream().anyMatch(s -> !s.listening()
                    && s.remote().getPort() == loop.getLocalPort() && s.loopbackOnly()));
            assertTrue(ProcessSockets.nonLoopback().stream()
                    .anyMatch(s -> s.listening() && s.local().getPort() == wildcard.getLocalPort()));
            assertTrue(client.isConnected());
        }
    }
}
