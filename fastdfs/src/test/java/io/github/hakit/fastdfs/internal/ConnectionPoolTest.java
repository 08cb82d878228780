package io.github.hakit.fastdfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.fastdfs.PoolConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The per-endpoint pool against a loopback server that answers ACTIVE_TEST. */
class ConnectionPoolTest {
    private ServerSocket server;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger activeTests = new AtomicInteger();
    private final AtomicLong now = new AtomicLong();
    private ConnectionPool pool;
    private static final Duration T = Duration.ofSeconds(2);

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    accepted.incrementAndGet();
                    Thread h = new Thread(() -> answer(s));
                    h.setDaemon(true);
                    h.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        t.setDaemon(true);
        t.start();
        pool = new ConnectionPool(new PoolConfig(1, Duration.ofMillis(100), Duration.ofSeconds(2),
                Duration.ofSeconds(30)), now::get);
    }

    private void answer(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            byte[] h = new byte[10];
            while (in.readNBytes(h, 0, 10) == 10) {
                activeTests.incrementAndGet();
                out.write(Proto.header(0, Proto.CMD_RESP));
                out.flush();
            }
        } catch (IOException ignored) {
            // closed
        }
    }

    @AfterEach
    void stop() throws IOException {
        pool.close();
        server.close();
    }

    private String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    @Test
    void aReleasedConnectionIsReusedAndTheSlotBounded() throws IOException {
        FdfsConnection c = pool.borrow("127.0.0.1", server.getLocalPort(), T, T);
        assertEquals(1, pool.inUse(address()));
        IOException full = assertThrows(ConnectionPool.PoolExhaustedException.class,
                () -> pool.borrow("127.0.0.1", server.getLocalPort(), T, T));
        assertTrue(full.getMessage().contains(address()), full.getMessage());
        pool.release(c, true);
        assertEquals(0, pool.inUse(address()));
        FdfsConnection again = pool.borrow("127.0.0.1", server.getLocalPort(), T, T);
        assertSame(c, again);
        assertTrue(again.reused());
        pool.release(again, true);
        assertEquals(1, accepted.get());
    }

    @Test
    void idleConnectionsAreValidatedThenDropped() throws IOException {
        FdfsConnection c = pool.borrow("127.0.0.1", server.getLocalPort(), T, T);
        pool.release(c, true);
        now.addAndGet(Duration.ofSeconds(3).toNanos()); // past validateAfterIdle
        FdfsConnection validated = pool.borrow("127.0.0.1", server.getLocalPort(), T, T);
        assertSame(c, validated);
        assertEquals(1, activeTests.get());
        pool.release(validated, true);
        now.addAndGet(Duration.ofSeconds(31).toNanos()); // past maxIdle
        FdfsConnection fresh = pool.borrow("127.0.0.1", server.getLocalPort(), T, T);
        assertNotSame(c, fresh);
        pool.release(fresh, true);
    }

    @Test
    void aBrokenConnectionIsClosedNotPooled() throws IOException {
        FdfsConnection c = pool.borrow("127.0.0.1", server.getLocalPort(), T, T);
        c.markBroken();
        pool.release(c, true);
        assertEquals(0, pool.idleCount(address()));
        assertEquals(0, pool.inUse(address()));
    }

    @Test
    void aFailedConnectReleasesTheSlot() throws IOException {
        // an address of its own: on a busy machine a just-closed port of 127.0.0.1 may be taken by another test
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.199"))) {
            port = closed.getLocalPort();
        }
        assertThrows(java.net.ConnectException.class, () -> pool.borrow("127.0.0.199", port, T, T));
        assertEquals(0, pool.inUse("127.0.0.199:" + port));
    }
}
