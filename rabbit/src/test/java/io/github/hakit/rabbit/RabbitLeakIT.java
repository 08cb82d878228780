package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.MessageProperties;
import io.github.hakit.testkit.rabbit.RabbitClusterExtension;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * issue 14, leak checks: {@link RabbitCluster} (with the management API and its probe) and {@link ReliablePublisher}
 * built, used and closed 200 times ({@code -Dhakit.leak.cycles}) leave no thread, file descriptor or socket behind.
 * Before the fix each cycle left the management API's OkHttp connection open (in CLOSE_WAIT once the node closed it).
 */
@ExtendWith(RabbitClusterExtension.class)
class RabbitLeakIT {
    private static final Logger log = LoggerFactory.getLogger(RabbitLeakIT.class);
    private static final int CYCLES = Integer.getInteger("hakit.leak.cycles", 200);

    @Test
    void clusterAndPublisherBuiltUsedAndClosed200TimesLeaveNoThreadFdOrSocket(RabbitTestCluster cluster)
            throws Exception {
        String queue = RabbitITSupport.uniqueQueue("leak");
        try (RabbitCluster admin = RabbitITSupport.clientFor(cluster).build()) {
            admin.declareQuorumQueue(queue);
        }
        for (int i = 0; i < 5; i++) {
            cycle(cluster, queue);
        }
        Counts before = awaitSettled(null);
        long t0 = System.nanoTime();
        for (int i = 0; i < CYCLES; i++) {
            cycle(cluster, queue);
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        Counts after = awaitSettled(before);
        log.info("RESULT leak check: {} cycles of RabbitCluster(+management, probe) + ReliablePublisher build/use/"
                + "close in {} ms; before {}, after {}", CYCLES, millis, before, after);
        assertTrue(after.within(before), () -> "threads, fds, sockets " + before + " -> " + after + "; sockets now: "
                + openSockets());
        try (RabbitCluster admin = RabbitITSupport.clientFor(cluster).build()) {
            admin.withChannel(ch -> ch.queueDelete(queue));
        }
    }

    private static void cycle(RabbitTestCluster cluster, String queue) throws Exception {
        try (RabbitCluster rabbit = RabbitITSupport.clientFor(cluster)
                .managementProbe(new ManagementProbe(e -> cluster.nodeByAmqpPort(e.port()).orElseThrow()
                        .managementUrl(), "guest", "guest"))
                .build()) {
            rabbit.management().orElseThrow().clusterView();
            try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.builder().leaderOf(queue).build())) {
                publisher.publish("", queue, MessageProperties.MINIMAL_BASIC, new byte[1]).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Without {@code limit}: polls until two readings 200 ms apart agree. With one: polls until the counts are within
     * the allowed slack of it, for at most 20 s, and returns the last reading either way (the caller asserts).
     */
    private static Counts awaitSettled(Counts limit) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        Counts last = Counts.now();
        while (System.nanoTime() - deadline < 0) {
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            Counts now = Counts.now();
            if (limit == null ? now.equals(last) : now.within(limit)) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** This JVM's TCP sockets as {@code local->remote state} (from /proc/net/tcp), for failure messages. */
    private static String openSockets() {
        java.util.Set<String> inodes = new java.util.HashSet<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String link = Files.readSymbolicLink(p).toString();
                    if (link.startsWith("socket:[")) {
                        inodes.add(link.substring(8, link.length() - 1));
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
            StringBuilder out = new StringBuilder();
            for (String table : new String[] {"/proc/self/net/tcp", "/proc/self/net/tcp6"}) {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && inodes.contains(f[9])) {
                        out.append(port(f[1])).append("->").append(port(f[2])).append(" st=").append(f[3]).append("; ");
                    }
                }
            }
            return out.toString();
        } catch (IOException e) {
            return "unknown: " + e;
        }
    }

    private static int port(String hexAddress) {
        return Integer.parseInt(hexAddress.substring(hexAddress.indexOf(':') + 1), 16);
    }

    private record Counts(int threads, int fds, int sockets) {
        /** No growth beyond a small slack (a JVM or amqp-client thread started meanwhile, a socket being closed). */
        boolean within(Counts before) {
            return threads <= before.threads + 2 && fds <= before.fds + 4 && sockets <= before.sockets + 2;
        }

        static Counts now() {
            int fds = 0;
            int sockets = 0;
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    fds++;
                    try {
                        if (Files.readSymbolicLink(p).toString().startsWith("socket:")) {
                            sockets++;
                        }
                    } catch (IOException e) {
                        // closed meanwhile
                    }
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            return new Counts(ManagementFactory.getThreadMXBean().getThreadCount(), fds, sockets);
        }
    }
}
