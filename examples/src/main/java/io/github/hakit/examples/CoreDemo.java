package io.github.hakit.examples;

import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.health.Probe;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.UpstreamStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The quick-start demo: three real TCP servers on loopback behind one {@link Upstream} (the Nginx line
 * {@code server ... weight=.. max_fails=2 fail_timeout=30s} plus HAProxy checks {@code inter 500ms rise 2 fall 2}).
 * A stream of calls runs while one server is killed (its socket closed: connection refused) and later restarted;
 * the caller sees no failure, and the status table shows the killed server go DOWN and come back UP.
 */
public final class CoreDemo {
    private final PrintStream out;

    public CoreDemo(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        Result r = new CoreDemo(System.out).run(300);
        System.exit(r.callerFailures == 0 ? 0 : 1);
    }

    /** What the demo saw. */
    public record Result(int calls, int callerFailures, int retries, String downTable, String upTable) {
    }

    public Result run(int callsPerPhase) throws Exception {
        List<EchoServer> servers = new ArrayList<>();
        for (String name : List.of("s1", "s2", "s3")) {
            servers.add(EchoServer.start(name));
        }
        List<Endpoint> endpoints = new ArrayList<>();
        int weight = 3;
        for (EchoServer s : servers) {
            endpoints.add(Endpoint.parse("127.0.0.1:" + s.port() + " weight=" + weight-- + " max_fails=2 fail_timeout=30s")
                    .toBuilder().name(s.name).build());
        }
        AtomicInteger retries = new AtomicInteger();
        HealthCheckConfig check = HealthCheckConfig.builder().inter(Duration.ofMillis(500))
                .fastInter(Duration.ofMillis(200)).rise(2).fall(2).timeout(Duration.ofMillis(300)).build();
        try (Upstream upstream = Upstream.builder("demo")
                .endpoints(endpoints)
                .nextUpstream(NextUpstreamPolicy.builder().attemptTimeout(Duration.ofSeconds(1)).build())
                .healthCheck(check, Probe.tcpConnect())
                .listener(new UpstreamListener() {
                    @Override
                    public void onRetry(Retry e) {
                        retries.incrementAndGet();
                    }
                })
                .build()) {
            out.println("== hakit core demo: 3 servers, smooth weighted round robin 3/2/1, next-upstream on error/timeout ==");
            int failures = calls(upstream, callsPerPhase);
            out.println(upstream.status().render());

            out.println("== kill s1 (close its socket: connection refused) and keep calling ==");
            servers.get(0).close();
            failures += calls(upstream, callsPerPhase);
            awaitState(upstream, "s1", false);
            String downTable = upstream.status().render();
            out.println(downTable);

            out.println("== restart s1 on the same port; HAProxy rise=2 brings it back ==");
            servers.set(0, EchoServer.start("s1", servers.get(0).port()));
            awaitState(upstream, "s1", true);
            failures += calls(upstream, callsPerPhase);
            String upTable = upstream.status().render();
            out.println(upTable);
            out.printf("calls: %d, caller-visible failures: %d, retries on the next server: %d%n",
                    3 * callsPerPhase, failures, retries.get());
            return new Result(3 * callsPerPhase, failures, retries.get(), downTable, upTable);
        } finally {
            for (EchoServer s : servers) {
                s.close();
            }
        }
    }

    private int calls(Upstream upstream, int n) {
        int failures = 0;
        for (int i = 0; i < n; i++) {
            try {
                upstream.execute(CallOptions.idempotent(), attempt -> EchoServer.call(attempt.endpoint(), attempt.timeout()));
            } catch (RuntimeException e) {
                failures++;
                out.println("call failed: " + e.getMessage());
            }
        }
        return failures;
    }

    private static void awaitState(Upstream upstream, String name, boolean up) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            UpstreamStatus s = upstream.status();
            // "DOWN" (not "DOWN (passive)"): the health checks, not only failed calls, have taken it out
            boolean done = up ? s.endpoint(name).state().takesTraffic() : s.endpoint(name).statusText().equals("DOWN");
            if (done) {
                return;
            }
            Thread.sleep(50); // demo pacing only, while health checks run
        }
        throw new IllegalStateException(name + " did not become " + (up ? "UP" : "DOWN") + " within 10 s");
    }

    /** A line server: answers every line with its name. */
    static final class EchoServer implements AutoCloseable {
        final String name;
        private final ServerSocket socket;
        private final Set<Socket> clients = ConcurrentHashMap.newKeySet();

        private EchoServer(String name, ServerSocket socket) {
            this.name = name;
            this.socket = socket;
        }

        static EchoServer start(String name) throws IOException {
            return start(name, 0);
        }

        static EchoServer start(String name, int port) throws IOException {
            ServerSocket ss = new ServerSocket();
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            EchoServer server = new EchoServer(name, ss);
            Thread t = new Thread(server::acceptLoop, "echo-" + name);
            t.setDaemon(true);
            t.start();
            return server;
        }

        int port() {
            return socket.getLocalPort();
        }

        private void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    Socket c = socket.accept();
                    clients.add(c);
                    Thread t = new Thread(() -> serve(c), "echo-" + name + "-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(Socket c) {
            try (c; BufferedReader in = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
                    OutputStream o = c.getOutputStream()) {
                String line;
                while ((line = in.readLine()) != null) {
                    o.write((name + ": " + line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                // client went away
            } finally {
                clients.remove(c);
            }
        }

        static String call(Endpoint e, Duration timeout) throws IOException {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(e.host(), e.port()), (int) timeout.toMillis());
                s.setSoTimeout((int) timeout.toMillis());
                s.getOutputStream().write("ping\n".getBytes(StandardCharsets.UTF_8));
                String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
                if (line == null) {
                    throw new IOException("connection closed by " + e.address());
                }
                return line;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket c : clients) {
                c.close();
            }
        }
    }
}
