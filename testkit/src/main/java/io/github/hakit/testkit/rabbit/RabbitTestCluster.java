package io.github.hakit.testkit.rabbit;

import io.github.hakit.testkit.TempDirs;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.ManagedProcess;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.rabbit.internal.Json;
import io.github.hakit.testkit.rabbit.internal.ManagementHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real RabbitMQ cluster on loopback: N {@code rabbitmq-server} nodes of the Debian package, each with its
 * own node name ({@code rabbit-a-<id>@localhost}, …), AMQP, distribution and management ports on
 * {@code 127.0.0.1}, data and logs under one directory and an Erlang cookie of its own (through {@code HOME}).
 * The nodes form the cluster at first boot through peer discovery {@code classic_config} (every node lists
 * the first node as its seed): the first node boots alone, then all others boot in parallel and join it.
 * It coexists with a RabbitMQ node and epmd that may already run on 5672 / 4369: it never touches either
 * (the nodes register with that epmd).
 *
 * <pre>{@code
 * try (RabbitTestCluster cluster = RabbitTestCluster.builder().nodes(3).build().start()) {
 *     ConnectionFactory factory = new ConnectionFactory();
 *     factory.setPort(cluster.node(0).amqpPort());          // host 127.0.0.1, guest/guest
 *     ...
 *     cluster.node(1).kill();                                // kill -9
 *     cluster.awaitRunning(2, Duration.ofSeconds(10));
 *     cluster.restart(cluster.node(1), Duration.ofSeconds(60)); // rejoined, quorum members online
 * }
 * }</pre>
 *
 * <p>Configuration that keeps nodes stable on a small shared machine (see LAB-NOTES): the Raft WAL is capped
 * ({@code raft.wal_max_size_bytes}, 64 MiB) or memory and restart time grow with traffic; memory watermark
 * 2 GiB absolute, disk limit 50 MB, management rates off. Tests should use unique quorum queue names: a
 * quorum queue deleted while a member node was down must not be re-declared under the same name.
 *
 * <p>{@link #close()} kills every node and deletes the directory it created. A JVM shutdown hook does the
 * same if the JVM exits first, and a small watchdog process kills the nodes if the JVM dies by
 * {@code kill -9}.
 */
public final class RabbitTestCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RabbitTestCluster.class);

    /** Every port of the cluster is on this address. */
    public static final String HOST = "127.0.0.1";
    /** The Debian package's scripts that run as the calling user (the {@code /usr/sbin} wrappers switch user). */
    public static final Path SCRIPTS_DIR = Path.of("/usr/lib/rabbitmq/bin");
    static final Path SERVER_SCRIPT = SCRIPTS_DIR.resolve("rabbitmq-server");
    private static final String LOOPBACK_DIST = "-kernel inet_dist_use_interface {127,0,0,1}";
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

    private final Builder config; // read only while the constructor lays out the nodes
    private final String clusterId;
    private final Duration startTimeout;
    private final Path baseDir;
    private final boolean ownsBaseDir;
    private final List<RabbitNode> nodes;
    private final ManagementHttp http;
    private final Thread shutdownHook;
    private volatile ManagedProcess watchdog;
    private volatile boolean closed;

    private RabbitTestCluster(Builder config, Path baseDir, boolean ownsBaseDir) {
        this.config = config;
        this.clusterId = config.clusterId;
        this.startTimeout = config.startTimeout;
        this.baseDir = baseDir;
        this.ownsBaseDir = ownsBaseDir;
        this.http = new ManagementHttp("guest", "guest", config.httpTimeout);
        this.nodes = List.copyOf(layout());
        this.shutdownHook = new Thread(this::killAll, "rabbit-test-cluster-shutdown");
    }

    /** A builder with the defaults: 3 nodes, 120 s start timeout, a fresh temp directory. */
    public static Builder builder() {
        return new Builder();
    }

    /** True when the Debian {@code rabbitmq-server} package's scripts are installed. */
    public static boolean serverInstalled() {
        return Files.isExecutable(SERVER_SCRIPT) && Files.isExecutable(SCRIPTS_DIR.resolve("rabbitmqctl"));
    }

    private List<RabbitNode> layout() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < config.nodes; i++) {
            names.add(nodeName(i));
        }
        Path home = baseDir.resolve("home");
        Path mnesia = baseDir.resolve("mnesia");
        Path logs = baseDir.resolve("log");
        Path conf = baseDir.resolve("conf");
        Path pids = baseDir.resolve("pids");
        List<RabbitNode> list = new ArrayList<>();
        try {
            for (Path dir : List.of(home, mnesia, logs, conf, pids)) {
                Files.createDirectories(dir);
            }
            Path cookie = home.resolve(".erlang.cookie");
            Files.writeString(cookie, randomToken(20).toUpperCase(java.util.Locale.ROOT), StandardCharsets.US_ASCII);
            Files.setPosixFilePermissions(cookie, PosixFilePermissions.fromString("r--------"));
            Path envFile = conf.resolve("rabbitmq-env.conf");
            Files.writeString(envFile, "# empty: keeps /etc/rabbitmq/rabbitmq-env.conf out\n");
            Path plugins = conf.resolve("enabled_plugins");
            Files.writeString(plugins, "[rabbitmq_management].\n");
            if (config.selfSignedTls) {
                makeSelfSignedCertificate(conf.resolve("tls"));
            }
            for (int i = 0; i < config.nodes; i++) {
                String letter = String.valueOf(LETTERS.charAt(i));
                String name = nodeName(i);
                int amqp = i < config.amqpPorts.size() ? config.amqpPorts.get(i) : Ports.freePort(HOST);
                int dist = Ports.freePort(HOST);
                int mgmt = Ports.freePort(HOST);
                int amqps = config.selfSignedTls ? Ports.freePort(HOST) : 0;
                Path configFile = conf.resolve(letter + ".conf");
                Files.writeString(configFile, configText(names, mgmt, amqps, conf.resolve("tls")));
                Path pidFile = pids.resolve(letter + ".pid");
                Map<String, String> env = new HashMap<>();
                env.put("HOME", home.toString());
                env.put("RABBITMQ_NODENAME", name);
                env.put("RABBITMQ_NODE_IP_ADDRESS", HOST);
                env.put("RABBITMQ_NODE_PORT", Integer.toString(amqp));
                env.put("RABBITMQ_DIST_PORT", Integer.toString(dist));
                env.put("RABBITMQ_CONFIG_FILE", configFile.toString());
                env.put("RABBITMQ_ENABLED_PLUGINS_FILE", plugins.toString());
                env.put("RABBITMQ_MNESIA_BASE", mnesia.toString());
                env.put("RABBITMQ_LOG_BASE", logs.toString());
                env.put("RABBITMQ_PID_FILE", pidFile.toString());
                env.put("RABBITMQ_CONF_ENV_FILE", envFile.toString());
                env.put("RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS", LOOPBACK_DIST);
                env.put("RABBITMQ_CTL_ERL_ARGS", LOOPBACK_DIST);
                // run the VM in place of the script (no signal-forwarding shell in between) without a shell
                env.put("RABBITMQ_ALLOW_INPUT", "true");
                env.put("RABBITMQ_SERVER_START_ARGS", "-noinput");
                list.add(new RabbitNode(letter, name, amqp, amqps, dist, mgmt, configFile, pidFile, logs, env));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lay out cluster in " + baseDir, e);
        }
        return list;
    }

    private String nodeName(int index) {
        return config.namePrefix + "-" + LETTERS.charAt(index) + "-" + config.clusterId + "@localhost";
    }

    private String configText(List<String> allNodes, int managementPort, int amqpsPort, Path tlsDir) {
        StringBuilder text = new StringBuilder()
                .append("management.tcp.ip = ").append(HOST).append('\n')
                .append("management.tcp.port = ").append(managementPort).append('\n')
                .append("management.rates_mode = none\n")
                .append("cluster_formation.peer_discovery_backend = classic_config\n")
                .append("cluster_formation.discovery_retry_limit = 60\n")
                .append("cluster_formation.discovery_retry_interval = 500\n")
                .append("vm_memory_high_watermark.absolute = ").append(config.memoryHighWatermark).append('\n')
                .append("disk_free_limit.absolute = 50MB\n")
                .append("raft.wal_max_size_bytes = ").append(config.walMaxSizeBytes).append('\n')
                .append("log.file.level = info\n")
                .append("log.console = false\n");
        // Only the seed is listed: listed peers that are down make a blank node retry discovery
        // (discovery_retry_limit x interval) before it starts alone, so the seed, listing only itself, starts
        // at once, and the others join it.
        text.append("cluster_formation.classic_config.nodes.1 = ").append(allNodes.get(0)).append('\n');
        if (amqpsPort > 0) {
            text.append("listeners.ssl.1 = ").append(HOST).append(':').append(amqpsPort).append('\n')
                    .append("ssl_options.cacertfile = ").append(tlsDir.resolve("cert.pem")).append('\n')
                    .append("ssl_options.certfile = ").append(tlsDir.resolve("cert.pem")).append('\n')
                    .append("ssl_options.keyfile = ").append(tlsDir.resolve("key.pem")).append('\n')
                    .append("ssl_options.verify = verify_none\n")
                    .append("ssl_options.fail_if_no_peer_cert = false\n");
        }
        if (config.netTicktimeSeconds > 0) {
            text.append("net_ticktime = ").append(config.netTicktimeSeconds).append('\n');
        }
        for (String line : config.extraConfig) {
            text.append(line).append('\n');
        }
        return text.toString();
    }

    private static void makeSelfSignedCertificate(Path dir) throws IOException {
        Files.createDirectories(dir);
        List<String> command = List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString());
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("openssl.out").toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("openssl failed: " + Files.readString(dir.resolve("openssl.out")));
            }
            // the node reads the key as the calling user; keep it private all the same
            Files.setPosixFilePermissions(dir.resolve("key.pem"), PosixFilePermissions.fromString("rw-------"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running openssl", e);
        }
    }

    /** The PEM certificate of the amqps listeners (self-signed, so also the CA to trust), when TLS is on. */
    public Optional<Path> tlsCertificate() {
        Path cert = baseDir.resolve("conf").resolve("tls").resolve("cert.pem");
        return Files.exists(cert) ? Optional.of(cert) : Optional.empty();
    }

    private static String randomToken(int length) {
        SecureRandom random = new SecureRandom();
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder token = new StringBuilder();
        for (int i = 0; i < length; i++) {
            token.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return token.toString();
    }

    /**
     * Boots every node in parallel and waits until all of them run as one cluster.
     *
     * @return this cluster
     * @throws IllegalStateException with the nodes' log tails when the cluster does not form in time
     */
    public synchronized RabbitTestCluster start() {
        if (closed) {
            throw new IllegalStateException("cluster closed");
        }
        if (!serverInstalled()) {
            throw new IllegalStateException("rabbitmq-server is not installed (" + SERVER_SCRIPT + ")");
        }
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        startWatchdog();
        long t0 = System.nanoTime();
        try {
            // The seed boots alone until it serves AMQP (its tables exist, ~5 s); the others then boot in
            // parallel and join it. Booting all blank nodes at once deadlocks in 3.10: a joiner takes the
            // classic_config peer-discovery lock (a global lock over the listed nodes) and retries joining the
            // seed, which waits for that same lock before it can create its tables.
            nodes.get(0).start();
            awaitRunning(List.of(nodes.get(0)), startTimeout);
            for (RabbitNode node : nodes.subList(1, nodes.size())) {
                node.start();
            }
            awaitRunning(nodes, startTimeout);
        } catch (RuntimeException e) {
            IllegalStateException failure = new IllegalStateException(
                    "cluster of " + nodes.size() + " did not form: " + e.getMessage() + "\n" + logTails(), e);
            close();
            throw failure;
        }
        log.info("RabbitMQ cluster of {} running in {} ms: {}", nodes.size(),
                Duration.ofNanos(System.nanoTime() - t0).toMillis(), nodes);
        return this;
    }

    /**
     * A {@code sh} loop that outlives a JVM killed with {@code kill -9} and then kills the nodes whose pid
     * files are in this cluster's directory (checking each pid's environment names that pid file).
     */
    private void startWatchdog() {
        Path pids = baseDir.resolve("pids");
        String script = "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null; do sleep 1; done; "
                + "for f in '" + pids + "'/*.pid; do p=$(cat \"$f\" 2>/dev/null) || continue; "
                + "grep -qa \"RABBITMQ_PID_FILE=$f\" /proc/$p/environ 2>/dev/null && kill -9 $p; done";
        watchdog = ManagedProcess.start("rabbit-cluster-watchdog", List.of("sh", "-c", script), Map.of(),
                baseDir, baseDir.resolve("log").resolve("watchdog.log"));
    }

    /** The nodes, in order {@code a, b, c, …}. */
    public List<RabbitNode> nodes() {
        return nodes;
    }

    /** The node at {@code index} (0 = {@code a}). */
    public RabbitNode node(int index) {
        if (index < 0 || index >= nodes.size()) {
            throw new IllegalArgumentException("no node " + index + " in a cluster of " + nodes.size());
        }
        return nodes.get(index);
    }

    /** The node with this Erlang name ({@code rabbit-b-…@localhost}). */
    public RabbitNode node(String nodeName) {
        return nodes.stream().filter(n -> n.nodeName().equals(nodeName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no node named " + nodeName + " in " + nodes));
    }

    /** The node listening on this AMQP port, if any. */
    public Optional<RabbitNode> nodeByAmqpPort(int port) {
        return nodes.stream().filter(n -> n.amqpPort() == port).findFirst();
    }

    /** {@code 127.0.0.1:p1,127.0.0.1:p2,…}: every node's AMQP address. */
    public String amqpAddresses() {
        return nodes.stream().map(RabbitNode::amqpAddress).collect(Collectors.joining(","));
    }

    /** The directory holding the cluster's data, logs and config. */
    public Path baseDir() {
        return baseDir;
    }

    /**
     * The names of the nodes the cluster reports as running, asked through the management API of the first
     * node that answers; empty when none answers.
     */
    public Set<String> runningNodeNames() {
        for (RabbitNode node : nodes) {
            if (!node.isAlive() || node.isFrozen()) {
                continue;
            }
            try {
                Object answer = http.get(node.managementPort(), "/api/nodes?columns=name,running");
                Set<String> running = new LinkedHashSet<>();
                for (Object o : (List<?>) answer) {
                    Map<?, ?> entry = (Map<?, ?>) o;
                    if (Boolean.TRUE.equals(entry.get("running"))) {
                        running.add((String) entry.get("name"));
                    }
                }
                return running;
            } catch (IOException | RuntimeException e) {
                log.debug("management of {} not answering: {}", node.nodeName(), e.toString());
            }
        }
        return Set.of();
    }

    /** Waits until at least {@code count} nodes run in the cluster and accept AMQP connections. */
    public void awaitRunning(int count, Duration timeout) {
        if (count < 1 || count > nodes.size()) {
            throw new IllegalArgumentException("count out of 1.." + nodes.size() + ": " + count);
        }
        Await.until(timeout, () -> {
            Set<String> running = runningNodeNames();
            return running.size() >= count && running.stream().map(this::node)
                    .allMatch(n -> Ports.isListening(HOST, n.amqpPort(), 500));
        }, () -> count + " running nodes (running: " + runningNodeNames() + ")");
    }

    /**
     * Waits until every given node runs in the cluster (as seen by one of them), accepts AMQP connections and
     * answers on its management port.
     */
    public void awaitRunning(Collection<RabbitNode> expected, Duration timeout) {
        Set<String> names = expected.stream().map(RabbitNode::nodeName).collect(Collectors.toSet());
        Await.until(timeout, () -> {
            for (RabbitNode node : expected) {
                if (!node.isAlive()) {
                    throw new IllegalStateException(node.nodeName() + " exited: " + node.logTail(15));
                }
                if (!Ports.isListening(HOST, node.amqpPort(), 500)
                        || !Ports.isListening(HOST, node.managementPort(), 500)) {
                    return false;
                }
            }
            return runningNodeNames().containsAll(names);
        }, () -> "nodes " + names + " running (running: " + runningNodeNames() + ")");
    }

    /**
     * Waits until every member of every quorum queue that lives on a running node is online. A restarted
     * node reports "running" a couple of seconds before its queue members are back; killing another node in
     * that window loses quorum.
     */
    public void awaitQuorumMembersOnline(Duration timeout) {
        Await.until(timeout, () -> quorumMembersOffline().isEmpty(),
                () -> "quorum queue members online (offline: " + quorumMembersOffline() + ")");
    }

    /**
     * Quorum-queue members on live nodes that are not online, as {@code queue@vhost -> member nodes}. A
     * queue is also listed when no node answers.
     */
    public Map<String, Set<String>> quorumMembersOffline() {
        Set<String> alive = nodes.stream().filter(RabbitNode::isAlive).map(RabbitNode::nodeName)
                .collect(Collectors.toSet());
        for (RabbitNode node : nodes) {
            if (!node.isAlive() || node.isFrozen()) {
                continue;
            }
            try {
                Object answer = http.get(node.managementPort(), "/api/queues?columns=name,vhost,type,members,online");
                Map<String, Set<String>> offline = new java.util.TreeMap<>();
                for (Object o : (List<?>) answer) {
                    Map<?, ?> queue = (Map<?, ?>) o;
                    if (!"quorum".equals(queue.get("type"))) {
                        continue;
                    }
                    Set<String> missing = new LinkedHashSet<>();
                    List<?> members = queue.get("members") instanceof List<?> m ? m : List.of();
                    List<Object> onlines = Json.all(queue, "online");
                    for (Object member : members) {
                        boolean onlineEverywhere = !onlines.isEmpty() && onlines.stream()
                                .allMatch(list -> list instanceof List<?> l && l.contains(member));
                        if (alive.contains(member) && !onlineEverywhere) {
                            missing.add((String) member);
                        }
                    }
                    if (!missing.isEmpty()) {
                        offline.put(queue.get("name") + "@" + queue.get("vhost"), missing);
                    }
                }
                return offline;
            } catch (IOException | RuntimeException e) {
                log.debug("management of {} not answering: {}", node.nodeName(), e.toString());
            }
        }
        return Map.of("(no management API answering)", Set.of());
    }

    /**
     * Starts {@code node} again on its data and waits until it has rejoined (every live node running) and
     * every quorum-queue member is online again.
     *
     * @return how long it took
     */
    public Duration restart(RabbitNode node, Duration timeout) {
        Objects.requireNonNull(node, "node");
        long t0 = System.nanoTime();
        if (node.isAlive()) {
            node.kill();
        }
        node.start();
        List<RabbitNode> alive = nodes.stream().filter(RabbitNode::isAlive).toList();
        awaitRunning(alive, timeout);
        Duration remaining = timeout.minusNanos(System.nanoTime() - t0);
        awaitQuorumMembersOnline(remaining.isNegative() || remaining.isZero() ? Duration.ofMillis(1) : remaining);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        log.info("{} restarted and rejoined in {} ms", node.nodeName(), took.toMillis());
        return took;
    }

    /**
     * Brings the cluster back to full health after a test: thaws frozen nodes, starts stopped or killed ones,
     * and waits until all run and every quorum-queue member is online.
     *
     * <p>When several nodes are down (say the whole cluster was killed), they are started one after the other,
     * each once it waits for its peers' tables (or after 15 s), and a node that crashes while booting is started
     * again (up to 3 times per node): RabbitMQ 3.10 nodes booting at the same instant can crash on a
     * feature-flag exchange ({@code incompatible_feature_flags}, {@code badmap}).
     */
    public synchronized void heal(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<RabbitNode, Integer> restarts = new HashMap<>();
        while (true) {
            List<RabbitNode> down = new ArrayList<>();
            for (RabbitNode node : nodes) {
                if (node.isFrozen()) {
                    node.thaw();
                }
                if (!node.isAlive()) {
                    down.add(node);
                }
            }
            for (int i = 0; i < down.size(); i++) {
                RabbitNode node = down.get(i);
                node.start();
                if (i < down.size() - 1) {
                    awaitBootProgress(node, Duration.ofSeconds(15));
                }
            }
            try {
                awaitRunning(nodes, remaining(deadline));
                break;
            } catch (IllegalStateException e) {
                RabbitNode crashed = nodes.stream().filter(n -> !n.isAlive()).findFirst().orElse(null);
                if (crashed == null || restarts.merge(crashed, 1, Integer::sum) > 3 || remaining(deadline)
                        .compareTo(Duration.ofSeconds(1)) < 0) {
                    throw e;
                }
                log.warn("{} exited while booting; starting it again: {}", crashed.nodeName(), crashed.logTail(3));
            }
        }
        awaitQuorumMembersOnline(remaining(deadline));
    }

    private static Duration remaining(long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        return Duration.ofNanos(Math.max(TimeUnit.MILLISECONDS.toNanos(1), left));
    }

    /** Waits (without failing) until a booting node waits for its peers' tables, runs, or {@code max} passes. */
    private void awaitBootProgress(RabbitNode node, Duration max) {
        try {
            Await.until(max, () -> !node.isAlive() || Ports.isListening(HOST, node.amqpPort(), 200)
                    || logContains(node, "Waiting for Mnesia tables"), () -> node.nodeName() + " boot progress");
        } catch (IllegalStateException e) {
            log.debug("{} shows no boot progress after {}", node.nodeName(), max);
        }
    }

    private static boolean logContains(RabbitNode node, String text) {
        try {
            return Files.exists(node.logFile()) && Files.readString(node.logFile(), StandardCharsets.UTF_8)
                    .contains(text);
        } catch (IOException | UncheckedIOException e) {
            return false;
        }
    }

    /** The log tails of every node, for failure messages. */
    public String logTails() {
        return nodes.stream().map(n -> n.logTail(20)).collect(Collectors.joining("\n"));
    }

    private void killAll() {
        for (RabbitNode node : nodes) {
            node.closeBlackHole();
            try {
                node.kill();
            } catch (RuntimeException e) {
                log.warn("cannot kill {}", node.nodeName(), e);
            }
        }
    }

    /** Kills every node, stops the watchdog and deletes the directory if the cluster created it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll();
        ManagedProcess w = watchdog;
        if (w != null) {
            w.kill();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // shutting down already, or never started
        }
        if (ownsBaseDir) {
            TempDirs.deleteTree(baseDir);
        }
        log.info("RabbitMQ cluster {} closed", clusterId);
    }


    @Override
    public String toString() {
        return "RabbitTestCluster" + nodes;
    }

    /**
     * Settings of a {@link RabbitTestCluster}; {@link #build()} lays out the directory and picks the ports,
     * {@link RabbitTestCluster#start()} boots the nodes.
     */
    public static final class Builder {
        private int nodes = 3;
        private Path baseDir;
        private String namePrefix = "rabbit";
        private String clusterId = randomToken(6);
        private Duration startTimeout = Duration.ofSeconds(120);
        private Duration httpTimeout = Duration.ofSeconds(5);
        private int netTicktimeSeconds;
        private String memoryHighWatermark = "2GiB";
        private long walMaxSizeBytes = 64L * 1024 * 1024;
        private boolean selfSignedTls;
        private final List<String> extraConfig = new ArrayList<>();
        private final List<Integer> amqpPorts = new ArrayList<>();

        private Builder() {
        }

        /** Number of nodes, 1..7 (default 3). */
        public Builder nodes(int count) {
            if (count < 1 || count > 7) {
                throw new IllegalArgumentException("nodes out of 1..7: " + count);
            }
            this.nodes = count;
            return this;
        }

        /** Directory for data, logs and config (default: a new temp directory, deleted on close). */
        public Builder baseDir(Path dir) {
            this.baseDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** First part of the node names (default {@code rabbit}: {@code rabbit-a-<id>@localhost}). */
        public Builder namePrefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            if (!prefix.matches("[a-z][a-z0-9_-]*")) {
                throw new IllegalArgumentException("bad node name prefix: " + prefix);
            }
            this.namePrefix = prefix;
            return this;
        }

        /** Unique part of the node names so that clusters of concurrent runs never collide (default random). */
        public Builder clusterId(String id) {
            Objects.requireNonNull(id, "id");
            if (!id.matches("[a-z0-9]+")) {
                throw new IllegalArgumentException("bad cluster id: " + id);
            }
            this.clusterId = id;
            return this;
        }

        /** How long {@link RabbitTestCluster#start()} waits for the cluster to form (default 120 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = positive(timeout, "startTimeout");
            return this;
        }

        /** Timeout of each management API request the cluster makes (default 5 s). */
        public Builder httpTimeout(Duration timeout) {
            this.httpTimeout = positive(timeout, "httpTimeout");
            return this;
        }

        /**
         * Erlang {@code net_ticktime} in seconds (0 = Erlang's default of 60). Lower it for tests that freeze
         * a node: peers notice a frozen node only after this time.
         */
        public Builder netTicktimeSeconds(int seconds) {
            if (seconds < 0) {
                throw new IllegalArgumentException("netTicktimeSeconds < 0: " + seconds);
            }
            this.netTicktimeSeconds = seconds;
            return this;
        }

        /** {@code vm_memory_high_watermark.absolute} (default {@code 2GiB}). */
        public Builder memoryHighWatermark(String absolute) {
            Objects.requireNonNull(absolute, "absolute");
            if (!absolute.matches("[0-9]+([KMG]i?B)?")) {
                throw new IllegalArgumentException("bad memory watermark: " + absolute);
            }
            this.memoryHighWatermark = absolute;
            return this;
        }

        /** {@code raft.wal_max_size_bytes} (default 64 MiB; RabbitMQ's own default of 512 MiB makes restarts slow). */
        public Builder walMaxSizeBytes(long bytes) {
            if (bytes < 1024 * 1024) {
                throw new IllegalArgumentException("walMaxSizeBytes < 1 MiB: " + bytes);
            }
            this.walMaxSizeBytes = bytes;
            return this;
        }

        /**
         * Gives every node an amqps listener ({@link RabbitNode#amqpsPort()}) with a self-signed certificate for
         * {@code CN=localhost}, {@code subjectAltName=IP:127.0.0.1,DNS:localhost}, made with {@code openssl} under
         * the cluster directory ({@link RabbitTestCluster#tlsCertificate()}). Client certificates are not required.
         */
        public Builder selfSignedTls(boolean enabled) {
            this.selfSignedTls = enabled;
            return this;
        }

        /** Extra {@code rabbitmq.conf} lines for every node, e.g. {@code "heartbeat = 5"}. */
        public Builder extraConfig(String line) {
            Objects.requireNonNull(line, "line");
            if (line.contains("\n")) {
                throw new IllegalArgumentException("one line at a time: " + line);
            }
            extraConfig.add(line);
            return this;
        }

        /** AMQP ports of the first nodes, in order (the rest, and every other port, are free ones). */
        public Builder amqpPorts(List<Integer> ports) {
            amqpPorts.clear();
            for (Integer p : Objects.requireNonNull(ports, "ports")) {
                amqpPorts.add(Ports.requireValid(Objects.requireNonNull(p, "port"), "AMQP"));
            }
            return this;
        }

        /** Lays out the directory and ports; the nodes are not started. */
        public RabbitTestCluster build() {
            boolean owns = baseDir == null;
            Path dir = baseDir;
            if (owns) {
                try {
                    dir = Files.createTempDirectory("hakit-rabbit-");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new RabbitTestCluster(this, dir, owns);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(what + " <= 0: " + d);
            }
            return d;
        }
    }
}
