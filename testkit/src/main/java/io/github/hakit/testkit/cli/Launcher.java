package io.github.hakit.testkit.cli;

import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.FdfsProtocol;
import io.github.hakit.testkit.fastdfs.TestStorage;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import io.github.hakit.testkit.rocket.RocketLayout;

import io.github.hakit.testkit.rocket.RocketTestCluster;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestServer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * Local clusters for developers, from the command line: starts a testkit cluster on loopback with the ports asked
 * for, prints its addresses (and the hakit properties that point an app at it), and stops every server — processes
 * by PID — on Ctrl-C.
 *
 * <pre>
 * java -jar hakit-testkit-0.1.0-SNAPSHOT-cli.jar fastdfs --ports 22122,23000 --layout 6.1x
 * java -jar hakit-testkit-0.1.0-SNAPSHOT-cli.jar rabbit --nodes 3 --ports 5672,5673,5674
 * java -jar hakit-testkit-0.1.0-SNAPSHOT-cli.jar rocket --ports 9876,9877
 * java -jar hakit-testkit-0.1.0-SNAPSHOT-cli.jar zookeeper --ports 2181
 * </pre>
 */
public final class Launcher {
    static final String USAGE = """
            usage: java -jar hakit-testkit-<version>-cli.jar <cluster> [options]
              fastdfs    [--trackers 2] [--groups group1:2,group2:2] [--layout 6.06|6.1x] [--storage-ids]
                         [--ports TRACKER_PORT,STORAGE_PORT]   trackers on 127.0.0.2.., storages on 127.0.0.11..
              rabbit     [--nodes 3] [--ports AMQP_PORT,...]    needs the Debian rabbitmq-server package
              rocket     [--name-servers 2] [--layout 2m-2s-async|2m-2s-sync] [--ports NAMESRV_PORT,...]
              zookeeper  [--ports CLIENT_PORT]
              common:    [--data DIR] keep data there (default: a temporary directory, deleted on exit)
            Ports not given are free ones; every address is on 127.0.0.0/8. Ctrl-C stops the cluster.""";

    private Launcher() {
    }

    public static void main(String[] args) throws InterruptedException {
        // the launcher's own output is the addresses; server and testkit logs only from WARN (override with -D)
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Running running;
        try {
            running = start(List.of(args), out);
        } catch (IllegalArgumentException e) {
            out.println("error: " + e.getMessage());
            out.println(USAGE);
            System.exit(2);
            return;
        } catch (RuntimeException e) {
            Throwable cause = e.getCause();
            out.println("error: " + e.getMessage() + (cause == null ? "" : " (" + cause.getMessage() + ")"));
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("stopping " + running.kind() + " ...");
            running.close();
            out.println("stopped");
            stopped.countDown();
        }, "hakit-testkit-cli-stop"));
        out.println("Ctrl-C stops it.");
        stopped.await();
    }

    /** A started cluster: its addresses by name ({@code host:port}, lists comma- or semicolon-separated). */
    public record Running(String kind, Map<String, String> addresses, AutoCloseable cluster) implements AutoCloseable {
        @Override
        public void close() {
            try {
                cluster.close();
            } catch (Exception e) {
                throw new IllegalStateException("stopping the " + kind + " cluster failed: " + e, e);
            }
        }
    }

    /** Parses {@code args}, starts the cluster, prints its addresses; the caller closes it. */
    public static Running start(List<String> args, PrintStream out) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("no cluster named");
        }
        String kind = args.get(0).toLowerCase(Locale.ROOT);
        Map<String, String> options = options(args.subList(1, args.size()));
        Running running = switch (kind) {
            case "fastdfs" -> fastdfs(options);
            case "rabbit", "rabbitmq" -> rabbit(options);
            case "rocket", "rocketmq" -> rocket(options);
            case "zookeeper", "zk" -> zookeeper(options);
            default -> throw new IllegalArgumentException("unknown cluster '" + args.get(0)
                    + "' (fastdfs, rabbit, rocket, zookeeper)");
        };
        if (!options.isEmpty()) {
            running.close();
            throw new IllegalArgumentException("option" + (options.size() > 1 ? "s" : "") + " not for " + kind + ": "
                    + String.join(", ", options.keySet()));
        }
        out.println("hakit testkit: " + running.kind() + " cluster up");
        running.addresses().forEach((k, v) -> out.println("  " + k + " = " + v));
        return running;
    }

    private static Map<String, String> options(List<String> args) {
        Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            if (a.equals("--storage-ids")) {
                options.put(a, "true");
            } else if (i + 1 < args.size()) {
                options.put(a, args.get(++i));
            } else {
                throw new IllegalArgumentException(a + " needs a value");
            }
        }
        return options;
    }

    static List<Integer> ports(Map<String, String> options, int max, String what) {
        String value = options.remove("--ports");
        if (value == null) {
            return List.of();
        }
        List<Integer> ports = new ArrayList<>();
        for (String p : value.split(",")) {
            try {
                ports.add(Ports.requireValid(Integer.parseInt(p.trim()), what));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--ports: not a port number: '" + p.trim() + "'");
            }
        }
        if (ports.size() > max) {
            throw new IllegalArgumentException("--ports: at most " + max + " for " + what + ", got " + value);
        }
        return ports;
    }

    private static int count(Map<String, String> options, String option, int defaultValue, int max) {
        String value = options.remove(option);
        if (value == null) {
            return defaultValue;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < 1 || n > max) {
                throw new IllegalArgumentException(option + " must be 1.." + max + ": " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + ": not a number: '" + value + "'");
        }
    }

    private static Path data(Map<String, String> options) {
        String dir = options.remove("--data");
        return dir == null ? null : Path.of(dir);
    }

    private static Running fastdfs(Map<String, String> options) {
        FastDfsTestCluster.Builder b = FastDfsTestCluster.builder().trackers(count(options, "--trackers", 2, 9));
        String groups = options.getOrDefault("--groups", "group1:2,group2:2");
        options.remove("--groups");
        for (String g : groups.split(",")) {
            String[] nameCount = g.trim().split(":");
            if (nameCount.length != 2) {
                throw new IllegalArgumentException("--groups: want name:storages, got '" + g.trim() + "'");
            }
            try {
                b.group(nameCount[0], Integer.parseInt(nameCount[1]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--groups: not a number of storages in '" + g.trim() + "'");
            }
        }
        String layout = options.remove("--layout");
        if (layout != null) {
            b.protocol(switch (layout.toLowerCase(Locale.ROOT)) {
                case "6.06" -> FdfsProtocol.V6_06;
                case "6.1x", "6.1", "6.16" -> FdfsProtocol.V6_1X;
                default -> throw new IllegalArgumentException("--layout must be 6.06 or 6.1x: " + layout);
            });
        }
        b.useStorageIds(options.remove("--storage-ids") != null);
        List<Integer> ports = ports(options, 2, "FastDFS (tracker,storage)");
        if (ports.size() > 0) {
            b.trackerPort(ports.get(0));
        }
        if (ports.size() > 1) {
            b.storagePort(ports.get(1));
        }
        Path dir = data(options);
        if (dir != null) {
            b.dataDir(dir);
        }
        FastDfsTestCluster cluster = b.build();
        Map<String, String> a = new LinkedHashMap<>();
        a.put("protocol", cluster.protocol().version());
        a.put("trackers", cluster.trackerAddresses());
        for (String g : cluster.groupNames()) {
            a.put(g, cluster.storages(g).stream().map(TestStorage::address).collect(Collectors.joining(",")));
        }
        a.put("hakit.fastdfs.trackers", cluster.trackerAddresses());
        a.put("fdfs_client.conf tracker_server", String.join(" ", cluster.trackerAddresses().split(",")));
        a.put("data", cluster.root().toString());
        return new Running("fastdfs", a, cluster);
    }

    private static Running rabbit(Map<String, String> options) {
        if (!RabbitTestCluster.serverInstalled()) {
            throw new IllegalStateException("rabbitmq-server is not installed (" + RabbitTestCluster.SCRIPTS_DIR
                    + "): apt-get install rabbitmq-server");
        }
        int nodes = count(options, "--nodes", 3, 9);
        RabbitTestCluster.Builder b = RabbitTestCluster.builder().nodes(nodes)
                .amqpPorts(ports(options, nodes, "AMQP"));
        Path dir = data(options);
        if (dir != null) {
            b.baseDir(dir);
        }
        RabbitTestCluster cluster = b.build();
        try {
            cluster.start();
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
        Map<String, String> a = new LinkedHashMap<>();
        a.put("amqp", cluster.amqpAddresses());
        a.put("management", cluster.nodes().stream().map(RabbitNode::managementUrl).collect(Collectors.joining(",")));
        a.put("nodes", cluster.nodes().stream().map(RabbitNode::nodeName).collect(Collectors.joining(",")));
        a.put("credentials", "guest/guest");
        a.put("hakit.rabbit.addresses", cluster.amqpAddresses());
        return new Running("rabbit", a, cluster);
    }

    private static Running rocket(Map<String, String> options) {
        RocketTestCluster.Builder b = RocketTestCluster.builder();
        int nameServers = count(options, "--name-servers", 2, 9);
        b.nameServers(nameServers).nameServerPorts(ports(options, nameServers, "NameServer"));
        String layout = options.remove("--layout");
        if (layout != null) {
            b.layout(Arrays.stream(RocketLayout.values()).filter(l -> l.label().equals(layout)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("--layout must be one of " + Arrays.stream(
                            RocketLayout.values()).map(RocketLayout::label).toList() + ": " + layout)));
        }
        Path dir = data(options);
        if (dir != null) {
            b.baseDir(dir);
        }
        RocketTestCluster cluster = b.build().start(); // start() closes the cluster itself when it fails
        Map<String, String> a = new LinkedHashMap<>();
        a.put("namesrvAddr", cluster.nameServerAddress());
        a.put("layout", cluster.layout().label());
        a.put("brokers", cluster.brokers().stream().map(n -> n.name() + "@" + n.address())
                .collect(Collectors.joining(",")));
        a.put("hakit.rocket.name-servers", cluster.nameServerAddress());
        a.put("pids", cluster.nodes().stream().map(n -> n.name() + ":" + n.pid()).collect(Collectors.joining(",")));
        return new Running("rocket", a, cluster);
    }

    private static Running zookeeper(Map<String, String> options) {
        List<Integer> ports = ports(options, 1, "ZooKeeper");
        ZooKeeperTestServer zk = ZooKeeperTestServer.start("127.0.0.1", ports.isEmpty() ? 0 : ports.get(0), null,
                Duration.ofSeconds(10));
        Map<String, String> a = new LinkedHashMap<>();
        a.put("connectString", zk.connectString());
        a.put("dubbo.registry.address", "zookeeper://" + zk.connectString());
        a.put("data", zk.dataDirectory().toString());
        return new Running("zookeeper", a, zk);
    }

}
