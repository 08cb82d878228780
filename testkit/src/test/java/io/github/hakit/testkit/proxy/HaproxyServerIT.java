package io.github.hakit.testkit.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.RequiredServers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class HaproxyServerIT {

    @Test
    void roundRobinsOverLiveServersAndMarksAClosedOneDown() throws Exception {
        RequiredServers.require(HaproxyServer.installed(), "haproxy (apt-get install haproxy)");
        try (Backend a = new Backend('A'); Backend b = new Backend('B');
                HaproxyServer haproxy = HaproxyServer.builder()
                        .listen(HaproxyListen.tcp("svc", List.of(a.address(), b.address()))
                                .withServerOptions("check inter 100ms rise 2 fall 2"))
                        .build().start()) {
            long pid = haproxy.pid();
            assertTrue(ProcessHandle.of(pid).isPresent(), "daemon pid " + pid);
            Await.until(Duration.ofSeconds(10),
                    () -> haproxy.serverStatus("svc").equals(Map.of("s1", "UP", "s2", "UP")),
                    () -> "both UP: " + haproxy.serverStatus("svc"));

            Set<Character> seen = new TreeSet<>();
            for (int i = 0; i < 4; i++) {
                seen.add(readOne(haproxy.port("svc")));
            }
            assertEquals(Set.of('A', 'B'), seen);

            b.close();
            Await.until(Duration.ofSeconds(10), () -> haproxy.serverStatus("svc").get("s2").startsWith("DOWN"),
                    () -> "s2 DOWN: " + haproxy.serverStatus("svc"));
            List<Character> after = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                after.add(readOne(haproxy.port("svc")));
            }
            assertEquals(List.of('A', 'A', 'A', 'A'), after);

            haproxy.stop(Duration.ofSeconds(5));
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "pid " + pid + " gone");
            assertFalse(Ports.isListening("127.0.0.1", haproxy.port("svc"), 500));
        }
    }

    private static char readOne(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(5000);
            InputStream in = socket.getInputStream();
            return (char) in.read();
        }
    }

    /** Accepts connections and writes one letter to each, then closes it. */
    private static final class Backend implements AutoCloseable {
        private final ServerSocket server;
        private final Thread thread;

        Backend(char letter) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.getOutputStream().write(letter);
                    } catch (SocketException e) {
                        // closed, or a health check that hung up first
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }, "backend-" + letter);
            thread.setDaemon(true);
            thread.start();
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
