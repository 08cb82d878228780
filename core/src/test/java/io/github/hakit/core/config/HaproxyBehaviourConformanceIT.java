package io.github.hakit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.Upstream;
import io.github.hakit.core.health.Probe;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * hakit's active health checks side by side with a real HAProxy 2.6 (the Debian package) checking the same TCP
 * server with the same {@code server} line: while the server stops accepting and comes back, both go through the
 * same statuses of HAProxy's stats ({@code UP}, {@code UP 2/3}, {@code UP 1/3}, {@code DOWN}, {@code DOWN 1/2}, ...).
 * HAProxy's status is read from its admin socket ({@code show stat}); hakit's from {@code status()}. Both sides are
 * sampled in the same loop; a status lasts one {@code inter} (1.5 s), far longer than a sample. And {@code retries}
 * with and without {@code option redispatch}: the same section, given to HAProxy and to hakit, tries the same
 * servers in the same order.
 */
class HaproxyBehaviourConformanceIT {
    private static final String HOST = "127.0.0.1";
    /** One check interval: every status between two checks lasts this long. */
    private static final int INTER_MS = 1500;

    @TempDir
    Path dir;
    private Process haproxy;
    private Upstream hakit;
    private ServerSocket server;
    private Thread acceptor;

    @AfterEach
    void stop() throws Exception {
        if (hakit != null) {
            hakit.close();
        }
        if (haproxy != null) {
            haproxy.destroy();
            if (!haproxy.waitFor(10, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
        closeServer();
    }

    @Test
    void aServerThatStopsAcceptingGoesDownAndComesBackThroughHaproxysStatuses() throws Exception {
        ParserConformanceProxy.require("haproxy");
        int port = openServer(0);
        String backend = """
                backend be
                    mode tcp
                    balance roundrobin
                    server a %s:%d check inter %d rise 2 fall 3
                """.formatted(HOST, port, INTER_MS);
        startHaproxy(backend);
        hakit = Upstream.builder("be").config(HaproxyBackendParser.parse(backend)).probe(Probe.tcpConnect())
                .logging(false).build();

        // start-up: a checked server starts at health = rise ("UP 1/3": up, but down at the first failure) and the
        // first passed check makes it UP; which side has checked first when sampling starts is a race, so each
        // side's trace is one of the two
        Trace up = watch(s -> s.equals("UP"), 8);
        List<List<String>> startUp = List.of(List.of("UP"), List.of("UP 1/3", "UP"));
        assertTrue(startUp.contains(up.haproxy) && startUp.contains(up.hakit), "statuses from start-up to UP: " + up);

        closeServer();
        Trace down = watch(s -> s.equals("DOWN"), 3 + 4);
        assertEquals(List.of("UP", "UP 2/3", "UP 1/3", "DOWN"), down.haproxy, "HAProxy 2.6 with fall 3: " + down);
        assertEquals(down.haproxy, down.hakit, "statuses while the server refuses connections: " + down);

        openServer(port);
        Trace back = watch(s -> s.equals("UP"), 2 + 4);
        assertEquals(List.of("DOWN", "DOWN 1/2", "UP"), back.haproxy, "HAProxy 2.6 with rise 2: " + back);
        assertEquals(back.haproxy, back.hakit, "statuses after the server accepts again: " + back);
    }

    @Test
    void retriesStayOnTheRefusingServerUnlessRedispatchIsSetAsInHaproxy() throws Exception {
        ParserConformanceProxy.require("haproxy");
        int good = openServer(0, "b");
        int refusing;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            refusing = closed.getLocalPort(); // nothing listens here once closed: connections are refused
        }
        int stay = freePort();
        int moveOn = freePort();
        String servers = """
                    mode tcp
                    balance first
                    retries 2
                    timeout connect 200ms
                    server a %1$s:%2$d
                    server b %1$s:%3$d
                """.formatted(HOST, refusing, good);
        String plain = "listen stay\n    bind %s:%d\n".formatted(HOST, stay) + servers;
        String redispatch = "listen moveon\n    bind %s:%d\n    option redispatch\n".formatted(HOST, moveOn) + servers;
        startHaproxy(plain + redispatch);

        // HAProxy: without redispatch the three tries all go to a and the client gets nothing; with it the last
        // try goes to b, whose greeting reaches the client
        assertEquals("", readThrough(stay), "HAProxy without option redispatch");
        assertEquals("b", readThrough(moveOn), "HAProxy with option redispatch");

        for (String[] c : List.of(new String[] {plain, ""}, new String[] {redispatch, "b"})) {
            List<String> tried = new ArrayList<>();
            String answer;
            try (Upstream u = Upstream.builder("be").config(HaproxyBackendParser.parse(c[0])).logging(false)
                    .build()) {
                answer = u.execute(attempt -> {
                    tried.add(attempt.endpoint().name());
                    return readFrom(attempt.endpoint().port());
                });
            } catch (io.github.hakit.core.NoLiveEndpointException e) {
                answer = "";
            }
            assertEquals(c[1], answer, "hakit on the same section: " + tried);
            assertEquals(c[1].isEmpty() ? List.of("a", "a", "a") : List.of("a", "a", "b"), tried);
        }
    }

    /** What a client connected through HAProxy's listener reads before HAProxy closes it ("" when refused). */
    private static String readThrough(int port) throws IOException {
        try (Socket c = new Socket()) {
            c.connect(new InetSocketAddress(HOST, port), 5_000);
            c.setSoTimeout(10_000);
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
    }

    /** The greeting of the server on {@code port}; throws when the connection is refused. */
    private static String readFrom(int port) throws IOException {
        try (Socket c = new Socket()) {
            c.connect(new InetSocketAddress(HOST, port), 5_000);
            c.setSoTimeout(5_000);
            return new String(c.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    /** Both sides' distinct statuses of server {@code a}, in order, until both satisfy {@code done}. */
    private Trace watch(Predicate<String> done, int inters) throws Exception {
        Trace t = new Trace();
        // generous: the checks alone need `inters` intervals; a loaded machine delays both sides' timers
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos((long) INTER_MS * inters * 3 + 10_000);
        while (true) {
            String h = haproxyStatus("be", "a");
            String k = hakit.status().endpoint("a").statusText();
            t.add(h, k);
            if (done.test(h) && done.test(k)) {
                return t;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not both done before the deadline: " + t);
            }
            TimeUnit.MILLISECONDS.sleep(20); // sampling period, not a wait for state: the deadline above bounds it
        }
    }

    private static final class Trace {
        final List<String> haproxy = new ArrayList<>();
        final List<String> hakit = new ArrayList<>();

        void add(String h, String k) {
            if (haproxy.isEmpty() || !haproxy.get(haproxy.size() - 1).equals(h)) {
                haproxy.add(h);
            }
            if (hakit.isEmpty() || !hakit.get(hakit.size() - 1).equals(k)) {
                hakit.add(k);
            }
        }

        @Override
        public String toString() {
            return "HAProxy " + haproxy + ", hakit " + hakit;
        }
    }

    // ------------------------------------------------------------------------------------------------ servers

    private int openServer(int port) throws IOException {
        return openServer(port, null);
    }

    /** A server on {@code port} (0: any) that sends {@code greeting} (if any) and closes each connection. */
    private int openServer(int port, String greeting) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 50);
        server = s;
        acceptor = new Thread(() -> {
            while (!s.isClosed()) {
                // accept and close normally (an instant RST can reach a client before its connect() returns, and
                // then fails a TCP check on either side)
                try (Socket c = s.accept()) {
                    if (greeting != null) {
                        c.getOutputStream().write((greeting + "\n").getBytes(StandardCharsets.US_ASCII));
                    }
                } catch (IOException closed) {
                    return;
                }
            }
        }, "haproxy-conformance-server");
        acceptor.setDaemon(true);
        acceptor.start();
        return s.getLocalPort();
    }

    private void closeServer() throws Exception {
        if (server != null) {
            server.close();
            acceptor.join(5_000);
            server = null;
        }
    }

    private void startHaproxy(String sections) throws Exception {
        Path sock = dir.resolve("admin.sock");
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, """
                global
                    stats socket %s level admin
                defaults
                    timeout connect 1s
                    timeout client 5s
                    timeout server 5s
                %s""".formatted(sock, sections));
        haproxy = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", cfg.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!Files.exists(sock)) {
            if (!haproxy.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("HAProxy did not start: " + Files.readString(dir.resolve("haproxy.log")));
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    /** The {@code status} column of HAProxy's {@code show stat} for one server. */
    private String haproxyStatus(String backend, String server) throws IOException {
        String csv = admin("show stat");
        String[] lines = csv.split("\n");
        assertTrue(lines.length > 1 && lines[0].startsWith("# "), csv);
        List<String> header = List.of(lines[0].substring(2).split(","));
        int px = header.indexOf("pxname");
        int sv = header.indexOf("svname");
        int status = header.indexOf("status");
        for (String line : lines) {
            String[] f = line.split(",", -1);
            if (f.length > status && f[px].equals(backend) && f[sv].equals(server)) {
                return f[status];
            }
        }
        throw new AssertionError("no " + backend + "/" + server + " in show stat: " + csv);
    }

    private String admin(String command) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(dir.resolve("admin.sock")));
            ch.write(ByteBuffer.wrap((command + "\n").getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            StringBuilder out = new StringBuilder();
            while (ch.read(buf) >= 0) {
                buf.flip();
                out.append(StandardCharsets.US_ASCII.decode(buf));
                buf.clear();
            }
            return out.toString();
        }
    }
}
