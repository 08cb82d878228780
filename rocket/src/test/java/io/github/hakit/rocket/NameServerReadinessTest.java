package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.HealthState;
import io.github.hakit.core.testing.FakeClock;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;
import org.apache.rocketmq.remoting.protocol.route.BrokerData;
import org.junit.jupiter.api.Test;

/**
 * NameServer readiness on a fake clock with a scripted probe: a NameServer that answers but knows no brokers, or a
 * strict subset of what another ready one knows, is not ready (it stays or goes DOWN and needs {@code rise} ready
 * answers); broker sets are compared per NameServer, so a disagreement causes no route refreshes; the group logs one
 * line per state change.
 */
class NameServerReadinessTest {
    private static final String NS1 = "127.0.0.1:19876";
    private static final String NS2 = "127.0.0.1:19877";
    private static final Duration INTER = Duration.ofMillis(500);

    private final FakeClock clock = new FakeClock();
    /** What each NameServer answers: broker names it routes to (master at 127.0.0.1:1091x), or null = refused. */
    private final Map<String, List<String>> answers = new ConcurrentHashMap<>();

    private NameServerGroup group() {
        return NameServerGroup.builder("ready").addresses(NS1 + ";" + NS2)
                .checkInterval(INTER).checkTimeout(Duration.ofMillis(300)).rise(2).fall(2)
                .ticker(clock).scheduler(clock).probeExecutor(Runnable::run)
                .probe((address, timeout) -> {
                    List<String> brokers = answers.get(address);
                    if (brokers == null) {
                        throw new ConnectException("connection refused: " + address);
                    }
                    return cluster(brokers);
                }).build().start();
    }

    private static ClusterInfo cluster(List<String> brokers) {
        ClusterInfo info = new ClusterInfo();
        HashMap<String, BrokerData> table = new HashMap<>();
        for (String b : brokers) {
            HashMap<Long, String> addrs = new HashMap<>();
            addrs.put(0L, "127.0.0.1:" + (10911 + b.hashCode() % 7));
            table.put(b, new BrokerData("c", b, addrs));
        }
        info.setBrokerAddrTable(table);
        return info;
    }

    private HealthState state(NameServerGroup g, String address) {
        return g.upstream().status().endpoints().stream().filter(s -> s.address().equals(address)).findFirst()
                .orElseThrow().state();
    }

    @Test
    void aNameServerThatKnowsNoBrokersStartsDownAndRisesOnlyWhenItKnowsWhatTheOtherKnows() {
        answers.put(NS1, List.of("broker-a", "broker-b"));
        answers.put(NS2, List.of());
        try (NameServerGroup g = group()) {
            assertEquals(List.of(NS1), g.healthyAddresses(), "the empty NameServer starts DOWN");
            clock.forward(Duration.ofSeconds(10));
            assertEquals(List.of(NS1), g.healthyAddresses());

            answers.put(NS2, List.of("broker-a")); // one broker re-registered: a strict subset
            clock.forward(Duration.ofSeconds(10));
            assertEquals(List.of(NS1), g.healthyAddresses(), "a strict subset is not ready");
            assertEquals(0, g.brokerChanges(), "disagreeing NameServers refresh no routes");

            answers.put(NS2, List.of("broker-a", "broker-b"));
            clock.forward(INTER.multipliedBy(3).plusMillis(100));
            assertEquals(HealthState.UP, state(g, NS2));
            assertEquals(List.of(NS1, NS2), g.healthyAddresses());
            assertEquals(0, g.brokerChanges());
            assertEquals(2, g.clusterView().brokers().size(), g.clusterView().toString());
        }
    }

    @Test
    void aNameServerThatLosesBrokersTheOtherStillKnowsGoesDownAfterFallChecks() {
        answers.put(NS1, List.of("broker-a", "broker-b"));
        answers.put(NS2, List.of("broker-a", "broker-b"));
        try (NameServerGroup g = group()) {
            assertEquals(List.of(NS1, NS2), g.healthyAddresses());
            answers.put(NS2, List.of("broker-a"));
            clock.forward(INTER.multipliedBy(2 + 1).plusMillis(100));
            assertEquals(List.of(NS1), g.healthyAddresses());
            // the 27 s of disagreement that used to refresh every client's routes 15 times
            clock.forward(Duration.ofSeconds(27));
            assertEquals(0, g.brokerChanges());

            // broker-b dies for real: both NameServers drop it, the routes are refreshed once
            answers.put(NS1, List.of("broker-a"));
            clock.forward(INTER.multipliedBy(2 + 2 + 1));
            assertEquals(1, g.brokerChanges());
            assertEquals(List.of(NS1, NS2), g.healthyAddresses(), "both agree again: both ready");
        }
    }

    @Test
    void whileEveryNameServerIsDownTheGroupLogsOneLinePerStateChangeNotOnePerSweep() {
        answers.put(NS1, List.of("broker-a"));
        answers.put(NS2, List.of("broker-a"));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (NameServerGroup g = group()) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                answers.remove(NS1);
                answers.remove(NS2);
                clock.forward(Duration.ofSeconds(30)); // 120 sweeps, 60 checks per NameServer
            } finally {
                System.setErr(err);
            }
            assertEquals(List.of(NS1, NS2), g.healthyAddresses(), "all down: clients use all");
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        List<String> lines = Arrays.stream(log.split("\n")).filter(l -> !l.isBlank()).toList();
        err.println("captured while down:\n" + log);
        long allDown = lines.stream().filter(l -> l.contains("no NameServer of ready is UP")).count();
        assertEquals(1, allDown, log);
        // per NameServer: "UP 1/2" going down, DOWN; plus one list change each time
        assertTrue(lines.size() <= 8, lines.size() + " lines in 30 s:\n" + log);
    }
}
