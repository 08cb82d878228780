package io.github.hakit.testkit.rocket;

import io.github.hakit.testkit.TempDirs;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Real RocketMQ NameServers and master/slave brokers on loopback, each in its own JVM, for
 * integration tests: start a layout, {@code kill -9} and restart any process, put a black hole in
 * place of a NameServer, and wait (with deadlines) until the NameServers' routes show what a test
 * needs.
 *
 * <p>The server JVMs run {@code org.apache.rocketmq.namesrv.NamesrvStartup} and
 * {@code org.apache.rocketmq.broker.BrokerStartup -c <generated properties>} from the
 * {@code rocketmq-namesrv} / {@code rocketmq-broker} artifacts, whose classpath comes from the
 * {@code hakit-testkit-rocketmq-server} jar (or {@code -Dhakit.rocketmq.serverClasspath=<file>}), so
 * the broker jars never land on the test's own classpath. Every JVM gets its own {@code user.home}
 * (RocketMQ logs go to {@code ${user.home}/logs/rocketmqlogs}), {@code -Dtls.server.mode=disabled}
 * (otherwise each start leaves self-signed key files in /tmp), a small heap and small mapped files.
 * Brokers bind {@code 127.0.0.1} and advertise {@code brokerIP1=brokerIP2=127.0.0.1}; their HA port
 * listens on the wildcard address (hard-coded in RocketMQ), but nothing here connects to anything but
 * loopback. A JVM shutdown hook kills every process if the test JVM exits without {@link #close()}.
 *
 * <p>Two broker settings differ from RocketMQ's defaults because a 2m-2s deployment needs them: slaves get
 * {@code slaveReadEnable=true} (a 5.x slave refuses every pull otherwise, so a dead master's messages could not
 * be read from it), and {@code SYNC_MASTER} masters get {@code totalReplicas=inSyncReplicas=2} (5.x counts the
 * master itself, and the default of 1 lets a SYNC_MASTER answer before the slave has the message).
 *
 * <pre>{@code
 * try (RocketTestCluster cluster = RocketTestCluster.builder()
 *         .layout(RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC).nameServers(2).build().start()) {
 *     producer.setNamesrvAddr(cluster.nameServerAddress());   // "127.0.0.1:p1;127.0.0.1:p2"
 *     cluster.createTopic("orders", 4);
 *     cluster.kill(cluster.master("broker-a"));
 *     cluster.restart(cluster.master("broker-a"));           // waits until it is back in the routes
 * }
 * }</pre>
 */
public final class RocketTestCluster implements AutoCloseable {
    /** The only host any node binds or advertises. */
    public static final String HOST = "127.0.0.1";
    /** System property naming a file that holds the server classpath (overrides the resource). */
    public static final String CLASSPATH_PROPERTY = "hakit.rocketmq.serverClasspath";
    /** Classpath resource written by the {@code hakit-testkit-rocketmq-server} module. */
    public static final String CLASSPATH_RESOURCE = "io/github/hakit/testkit/rocket/rocketmq-server.classpath";

    private static final Logger log = LoggerFactory.getLogger(RocketTestCluster.class);
    private static final String NAMESRV_MAIN = "org.apache.rocketmq.namesrv.NamesrvStartup";
    private static final String BROKER_MAIN = "org.apache.rocketmq.broker.BrokerStartup";
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);
    private static final Pattern MAX_OFFSET = Pattern.compile("\"commitLogMaxOffset\":\"(\\d+)\"");

    private final Builder config;
    private final Path baseDir;
    private final List<RocketNode> nameServers;
    private final List<RocketNode> brokers;
    private final Thread shutdownHook;
    private final java.util.Set<Integer> reserved = new java.util.HashSet<>();
    private volatile boolean closed;

    private RocketTestCluster(Builder builder) {
        this.config = builder.copy();
        try {
            this.baseDir = config.baseDir != null ? Files.createDirectories(config.baseDir)
                    : Files.createTempDirectory("hakit-rocketmq-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create cluster directory " + config.baseDir, e);
        }
        String classpath = config.classpath != null ? config.classpath : serverClasspath();
        List<RocketNode> ns = new ArrayList<>();
        for (int i = 1; i <= config.nameServers; i++) {
            int port = i <= config.nameServerPorts.size() ? config.nameServerPorts.get(i - 1) : reservePort();
            reserved.add(port);
            ns.add(nameServer("namesrv-" + i, port, classpath));
        }
        this.nameServers = List.copyOf(ns);
        String namesrvAddr = nameServers.stream().map(RocketNode::address).collect(Collectors.joining(";"));
        List<RocketNode> bs = new ArrayList<>();
        for (String brokerName : config.layout.brokerNames()) {
            bs.add(broker(brokerName, RocketNode.Role.MASTER, namesrvAddr, classpath));
            for (int s = 1; s <= config.layout.slavesPerBroker(); s++) {
                bs.add(broker(brokerName, RocketNode.Role.SLAVE, namesrvAddr, classpath));
            }
        }
        this.brokers = List.copyOf(bs);
        this.shutdownHook = new Thread(this::killAll, "rocket-test-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** A builder with the defaults: 2 NameServers, {@code 2m-2s-async}, a temporary directory. */
    public static Builder builder() {
        return new Builder();
    }

    /** True when the RocketMQ server classpath is known (resource or system property) and its jars exist. */
    public static boolean serverClasspathAvailable() {
        try {
            serverClasspath();
            return true;
        } catch (IllegalStateException e) {
            log.warn("RocketMQ server classpath not available: {}", e.getMessage());
            return false;
        }
    }

    /**
     * The classpath for the server JVMs: the file named by {@value #CLASSPATH_PROPERTY}, else the
     * {@value #CLASSPATH_RESOURCE} resource.
     *
     * @throws IllegalStateException when neither exists or a listed jar is missing
     */
    public static String serverClasspath() {
        String file = System.getProperty(CLASSPATH_PROPERTY);
        String classpath;
        try {
            if (file != null && !file.isBlank()) {
                classpath = Files.readString(Path.of(file), StandardCharsets.UTF_8).trim();
            } else {
                ClassLoader loader = Thread.currentThread().getContextClassLoader();
                try (InputStream in = (loader != null ? loader : RocketTestCluster.class.getClassLoader())
                        .getResourceAsStream(CLASSPATH_RESOURCE)) {
                    if (in == null) {
                        throw new IllegalStateException("no " + CLASSPATH_RESOURCE + " on the classpath (add a test "
                                + "dependency on io.github.hakit:hakit-testkit-rocketmq-server with exclusion *:*) and no -D"
                                + CLASSPATH_PROPERTY);
                    }
                    classpath = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the RocketMQ server classpath: " + e, e);
        }
        if (classpath.isEmpty()) {
            throw new IllegalStateException("empty RocketMQ server classpath");
        }
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (!Files.exists(Path.of(entry))) {
                throw new IllegalStateException("RocketMQ server classpath entry missing: " + entry);
            }
        }
        return classpath;
    }

    private RocketNode nameServer(String name, int port, String classpath) {
        Path dir = nodeDir(name);
        Properties p = new Properties();
        p.setProperty("listenPort", Integer.toString(port));
        p.setProperty("bindAddress", HOST);
        Path conf = writeProperties(dir.resolve("namesrv.properties"), p);
        return new RocketNode(name, RocketNode.Role.NAMESRV, null, port, 0, dir, classpath,
                jvmArgs(dir, config.nameServerHeapMb, false), NAMESRV_MAIN, List.of("-c", conf.toString()));
    }

    private RocketNode broker(String brokerName, RocketNode.Role role, String namesrvAddr, String classpath) {
        String name = brokerName + "-" + role.name().toLowerCase(java.util.Locale.ROOT);
        Path dir = nodeDir(name);
        int port = freeBrokerPort();
        int haPort = reservePort();
        Properties p = new Properties();
        p.setProperty("brokerClusterName", config.clusterName);
        p.setProperty("brokerName", brokerName);
        p.setProperty("brokerId", role == RocketNode.Role.MASTER ? "0" : "1");
        p.setProperty("brokerRole", role == RocketNode.Role.MASTER ? config.layout.masterRole() : "SLAVE");
        p.setProperty("flushDiskType", "ASYNC_FLUSH");
        p.setProperty("namesrvAddr", namesrvAddr);
        p.setProperty("bindAddress", HOST);
        p.setProperty("brokerIP1", HOST);
        p.setProperty("brokerIP2", HOST);
        p.setProperty("listenPort", Integer.toString(port));
        p.setProperty("haListenPort", Integer.toString(haPort));
        p.setProperty("storePathRootDir", dir.resolve("store").toString());
        p.setProperty("storePathCommitLog", dir.resolve("store").resolve("commitlog").toString());
        p.setProperty("autoCreateTopicEnable", "true");
        p.setProperty("autoCreateSubscriptionGroup", "true");
        p.setProperty("mappedFileSizeCommitLog", Integer.toString(16 * 1024 * 1024));
        p.setProperty("mappedFileSizeConsumeQueue", Integer.toString(600_000));
        p.setProperty("timerWheelEnable", "false");
        p.setProperty("registerNameServerPeriod", Long.toString(config.registerPeriod.toMillis()));
        p.setProperty("diskMaxUsedSpaceRatio", "95");
        // the index file is sized maxHashSlotNum * 4 + maxIndexNum * 20 bytes (420 MB by default)
        p.setProperty("maxHashSlotNum", "50000");
        p.setProperty("maxIndexNum", "200000");
        if (role == RocketNode.Role.MASTER && "SYNC_MASTER".equals(config.layout.masterRole())) {
            // in 5.x a SYNC_MASTER waits for inSyncReplicas acknowledgements counting itself, and the
            // default is 1 (CommitLog#handleHA returns at once): without these it is asynchronous
            p.setProperty("totalReplicas", "2");
            p.setProperty("inSyncReplicas", "2");
        }
        if (role == RocketNode.Role.SLAVE) {
            // a 5.x slave refuses pulls unless slaveReadEnable (PullMessageProcessor#rejectRequest answers
            // SYSTEM_BUSY "[REJECTREQUEST]"): without it nobody reads a dead master's messages from the
            // slave. Set on slaves only, so masters never redirect healthy consumers to them.
            p.setProperty("slaveReadEnable", "true");
        }
        config.brokerProperties.forEach(p::setProperty);
        Path conf = writeProperties(dir.resolve("broker.properties"), p);
        return new RocketNode(name, role, brokerName, port, haPort, dir, classpath,
                jvmArgs(dir, config.brokerHeapMb, true), BROKER_MAIN, List.of("-c", conf.toString()));
    }

    /** A free port no other node of this cluster uses (listen, fast or HA port). */
    private int reservePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = Ports.freePort(HOST);
            if (reserved.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port on " + HOST + " outside " + reserved);
    }

    /** A listen port whose "fast" (VIP) port, listenPort - 2, is free too (the broker binds both). */
    private int freeBrokerPort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = Ports.freePort(HOST);
            if (port > 1026 && !reserved.contains(port) && !reserved.contains(port - 2) && portFree(port - 2)) {
                reserved.add(port);
                reserved.add(port - 2);
                return port;
            }
        }
        throw new IllegalStateException("no free broker port pair (p, p-2) on " + HOST);
    }

    private static boolean portFree(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(false);
            s.bind(new InetSocketAddress(Ports.loopback(HOST), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private List<String> jvmArgs(Path dir, int heapMb, boolean broker) {
        List<String> args = new ArrayList<>(List.of(
                "-Xms32m", "-Xmx" + heapMb + "m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-XX:ReservedCodeCacheSize=64m", "-Xss512k",
                "-Djava.net.preferIPv4Stack=true", "-Dtls.server.mode=disabled",
                "-Duser.home=" + dir, "-Drocketmq.home.dir=" + dir, "-Djava.io.tmpdir=" + dir.resolve("tmp")));
        if (broker) {
            args.add("-XX:MaxDirectMemorySize=" + heapMb + "m");
        }
        return args;
    }

    private Path nodeDir(String name) {
        try {
            Path dir = baseDir.resolve(name);
            Files.createDirectories(dir.resolve("tmp"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + name + " directory under " + baseDir, e);
        }
    }

    private static Path writeProperties(Path file, Properties p) {
        StringBuilder text = new StringBuilder();
        p.stringPropertyNames().stream().sorted().forEach(k -> text.append(k).append('=').append(p.getProperty(k))
                .append('\n'));
        try {
            return Files.writeString(file, text.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * Starts every NameServer, then every broker (in parallel), and waits until all are in the routes. When
     * that fails the cluster is closed (every process killed) before the exception leaves, since a caller's
     * try-with-resources never saw the cluster.
     */
    public RocketTestCluster start() {
        long t0 = System.nanoTime();
        try {
            nameServers.forEach(RocketNode::launch);
            nameServers.forEach(this::awaitReady);
            brokers.forEach(RocketNode::launch);
            brokers.forEach(this::awaitReady);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        log.info("RocketMQ {} with {} NameServers up in {} ms:\n{}", config.layout.label(), nameServers.size(),
                Duration.ofNanos(System.nanoTime() - t0).toMillis(), describe());
        return this;
    }

    /** The layout this cluster runs. */
    public RocketLayout layout() {
        return config.layout;
    }

    /** The broker cluster name ({@code brokerClusterName}). */
    public String clusterName() {
        return config.clusterName;
    }

    /** The directory holding every node's directory. */
    public Path baseDir() {
        return baseDir;
    }

    /** All NameServer addresses in RocketMQ's {@code namesrvAddr} form: {@code 127.0.0.1:p1;127.0.0.1:p2}. */
    public String nameServerAddress() {
        return String.join(";", nameServerAddresses());
    }

    /** All NameServer addresses ({@code host:port}), in order. */
    public List<String> nameServerAddresses() {
        return nameServers.stream().map(RocketNode::address).toList();
    }

    public List<RocketNode> nameServers() {
        return nameServers;
    }

    /** NameServer {@code index}, counted from 0. */
    public RocketNode nameServer(int index) {
        if (index < 0 || index >= nameServers.size()) {
            throw new IllegalArgumentException("no NameServer " + index + " (have " + nameServers.size() + ")");
        }
        return nameServers.get(index);
    }

    public List<RocketNode> brokers() {
        return brokers;
    }

    /** Every node: NameServers, then brokers. */
    public List<RocketNode> nodes() {
        return Stream.concat(nameServers.stream(), brokers.stream()).toList();
    }

    /** The master of a broker group, e.g. {@code master("broker-a")}. */
    public RocketNode master(String brokerName) {
        return brokerNode(brokerName, RocketNode.Role.MASTER);
    }

    /** The slave of a broker group. */
    public RocketNode slave(String brokerName) {
        return brokerNode(brokerName, RocketNode.Role.SLAVE);
    }

    private RocketNode brokerNode(String brokerName, RocketNode.Role role) {
        return brokers.stream().filter(b -> b.role() == role && b.brokerName().orElse("").equals(brokerName))
                .findFirst().orElseThrow(() -> new IllegalArgumentException(
                        "no " + role + " for broker " + brokerName + " in " + config.layout.label()));
    }

    /** {@code kill -9} a node. Returns at once; NameServers drop a killed broker when its channel closes. */
    public void kill(RocketNode node) {
        requireOwn(node);
        node.kill();
    }

    /**
     * Starts a stopped node again on its ports and data and waits until it serves: a NameServer until it
     * answers, a broker until every live NameServer routes to it.
     *
     * @return how long that took
     */
    public Duration restart(RocketNode node) {
        requireOwn(node);
        node.closeBlackHole();
        node.launch();
        awaitReady(node);
        Duration took = node.lastStartup().orElseThrow();
        log.info("{} restarted in {} ms", node.name(), took.toMillis());
        return took;
    }

    /**
     * Freezes a node with SIGSTOP: its connections stay open and the kernel keeps accepting new ones, but
     * nothing answers (a hung JVM, a half-open peer). {@link #thaw} or {@link #heal()} resume it.
     */
    public void freeze(RocketNode node) {
        requireOwn(node);
        node.freeze();
        log.info("{} frozen (SIGSTOP)", node.name());
    }

    /** Resumes a {@link #freeze frozen} node (SIGCONT). */
    public void thaw(RocketNode node) {
        requireOwn(node);
        node.thaw();
        log.info("{} thawed (SIGCONT)", node.name());
    }

    /**
     * Kills a NameServer and opens a {@link BlackHole} on its port: clients that have its address connect
     * and then wait for answers that never come. {@link #restart} or {@link #heal()} restore it.
     */
    public BlackHole blackHole(RocketNode nameServer) {
        requireOwn(nameServer);
        if (!nameServer.isNameServer()) {
            throw new IllegalArgumentException("only NameServers are black-holed here, not " + nameServer.name());
        }
        nameServer.kill();
        BlackHole hole = BlackHole.open(HOST, nameServer.port());
        nameServer.blackHole(hole);
        return hole;
    }

    /**
     * Brings the cluster back to full strength: thaws frozen nodes, closes black holes, starts every node that is down and
     * waits until every broker is in every NameServer's routes.
     */
    public void heal() {
        nodes().forEach(RocketNode::thaw);
        nodes().forEach(RocketNode::closeBlackHole);
        List<RocketNode> down = nodes().stream().filter(n -> !n.isRunning()).toList();
        down.stream().filter(RocketNode::isNameServer).forEach(RocketNode::launch);
        down.stream().filter(RocketNode::isNameServer).forEach(this::awaitReady);
        down.stream().filter(n -> !n.isNameServer()).forEach(RocketNode::launch);
        down.stream().filter(n -> !n.isNameServer()).forEach(this::awaitReady);
        for (RocketNode broker : brokers) {
            awaitBrokerInRoutes(broker, config.startTimeout);
        }
        if (!down.isEmpty()) {
            log.info("healed {}", down.stream().map(RocketNode::name).toList());
        }
    }

    private void awaitReady(RocketNode node) {
        if (node.isNameServer()) {
            Await.until(config.startTimeout, () -> !node.isRunning() || answers(node.address()),
                    () -> node.name() + " to answer on " + node.address() + " (log " + node.consoleLog() + ")");
        } else {
            Await.until(config.startTimeout, () -> !node.isRunning() || inRoutesOfLiveNameServers(node),
                    () -> node.name() + " to appear in the routes of " + liveNameServers() + " (log " + node.dir()
                            + "/logs/rocketmqlogs/broker.log)");
        }
        if (!node.isRunning()) {
            throw new IllegalStateException(node.name() + " exited during startup; see " + node.consoleLog()
                    + " and " + node.dir().resolve("logs/rocketmqlogs") + "\n--- console tail:\n"
                    + tail(node.consoleLog()) + "\n--- broker.log tail:\n"
                    + tail(node.dir().resolve("logs/rocketmqlogs/broker.log")));
        }
        node.markReady();
    }

    /** The last lines of a log file (without logback's status lines), for failure messages. */
    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .filter(l -> !l.contains("|-INFO") && !l.contains("|-WARN")).toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException | RuntimeException e) {
            return "(" + file + ": " + e + ")";
        }
    }

    private static boolean answers(String address) {
        try {
            return RocketWire.request(address, RocketWire.GET_BROKER_CLUSTER_INFO, Map.of(), PROBE_TIMEOUT).isSuccess();
        } catch (IOException e) {
            return false;
        }
    }

    private List<RocketNode> liveNameServers() {
        return nameServers.stream().filter(RocketNode::isRunning).toList();
    }

    private boolean inRoutesOfLiveNameServers(RocketNode broker) {
        List<RocketNode> live = liveNameServers();
        return !live.isEmpty() && live.stream().allMatch(ns -> clusterInfo(ns).contains('"' + broker.address() + '"'));
    }

    /**
     * The raw {@code GET_BROKER_CLUSTER_INFO} JSON of a NameServer, e.g.
     * {@code {"brokerAddrTable":{"broker-a":{"brokerAddrs":{0:"127.0.0.1:20911"},...}},...}}.
     *
     * @throws IllegalStateException when it does not answer within 2 s
     */
    public String clusterInfo(RocketNode nameServer) {
        try {
            RocketWire.Response r = RocketWire.request(nameServer.address(), RocketWire.GET_BROKER_CLUSTER_INFO,
                    Map.of(), PROBE_TIMEOUT);
            if (!r.isSuccess()) {
                throw new IllegalStateException(nameServer.name() + " cluster info failed: " + r.code() + " " + r.remark());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException(nameServer.name() + " does not answer: " + e, e);
        }
    }

    /** Waits until every running NameServer routes to {@code broker}. */
    public void awaitBrokerInRoutes(RocketNode broker, Duration timeout) {
        requireOwn(broker);
        Await.until(timeout, () -> inRoutesOfLiveNameServers(broker),
                () -> broker.name() + " in the routes of " + liveNameServers());
    }

    /** Waits until no running NameServer routes to {@code broker} any more. */
    public void awaitBrokerGoneFromRoutes(RocketNode broker, Duration timeout) {
        requireOwn(broker);
        Await.until(timeout, () -> liveNameServers().stream()
                        .noneMatch(ns -> clusterInfo(ns).contains('"' + broker.address() + '"')),
                () -> broker.name() + " gone from the routes of " + liveNameServers());
    }

    /**
     * Creates (or updates) a topic with {@code queuesPerBroker} read/write queues on every running
     * master and waits until every running NameServer routes it to all of them and every running slave
     * has its config, so that consumers can read it from a slave later. Slaves copy topic configs from
     * their master every 10 s ({@code SlaveSynchronize}), so this can take that long.
     */
    public void createTopic(String topic, int queuesPerBroker) {
        createTopic(topic, queuesPerBroker, true);
    }

    /**
     * Like {@link #createTopic(String, int)}; with {@code waitForSlaves=false} it returns once the
     * NameServers route the topic, without waiting for the slaves' copy.
     */
    public void createTopic(String topic, int queuesPerBroker, boolean waitForSlaves) {
        long t0 = System.nanoTime();
        Objects.requireNonNull(topic, "topic");
        if (queuesPerBroker < 1 || queuesPerBroker > 64) {
            throw new IllegalArgumentException("queuesPerBroker must be 1..64: " + queuesPerBroker);
        }
        Map<String, String> ext = new LinkedHashMap<>();
        ext.put("topic", topic);
        ext.put("defaultTopic", "TBW102");
        ext.put("readQueueNums", Integer.toString(queuesPerBroker));
        ext.put("writeQueueNums", Integer.toString(queuesPerBroker));
        ext.put("perm", "6"); // PermName.PERM_READ | PermName.PERM_WRITE
        ext.put("topicFilterType", "SINGLE_TAG");
        ext.put("topicSysFlag", "0");
        ext.put("order", "false");
        List<RocketNode> masters = brokers.stream()
                .filter(b -> b.role() == RocketNode.Role.MASTER && b.isRunning()).toList();
        for (RocketNode master : masters) {
            try {
                RocketWire.Response r = RocketWire.request(master.address(), RocketWire.UPDATE_AND_CREATE_TOPIC, ext,
                        Duration.ofSeconds(10));
                if (!r.isSuccess()) {
                    throw new IllegalStateException("create topic " + topic + " on " + master.name() + ": " + r.code()
                            + " " + r.remark());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("create topic " + topic + " on " + master.name(), e);
            }
        }
        Await.until(config.startTimeout, () -> liveNameServers().stream().allMatch(ns -> {
            String route = route(ns, topic);
            return masters.stream().allMatch(m -> route.contains('"' + m.address() + '"'));
        }), () -> "topic " + topic + " routed to " + masters + " by " + liveNameServers());
        long routed = System.nanoTime();
        if (waitForSlaves) {
            List<RocketNode> slaves = brokers.stream()
                    .filter(b -> b.role() == RocketNode.Role.SLAVE && b.isRunning()).toList();
            for (RocketNode slave : slaves) {
                // a slave accepts the admin request too; otherwise its periodic copy from the master
                // (SlaveSynchronize) would bring the config, after a registration round or more
                try {
                    RocketWire.Response r = RocketWire.request(slave.address(), RocketWire.UPDATE_AND_CREATE_TOPIC, ext,
                            Duration.ofSeconds(10));
                    if (!r.isSuccess()) {
                        log.info("{} refused creating topic {} ({} {}); waiting for its copy from the master",
                                slave.name(), topic, r.code(), r.remark());
                    }
                } catch (IOException e) {
                    log.info("{} did not take topic {} directly: {}", slave.name(), topic, e.toString());
                }
            }
            Await.until(config.startTimeout, () -> slaves.stream()
                            .allMatch(s -> topicConfigs(s).contains('"' + topic + '"')),
                    () -> "topic " + topic + " config copied to " + slaves);
        }
        log.info("topic {} routed after {} ms{}", topic, (routed - t0) / 1_000_000,
                waitForSlaves ? ", on the slaves after " + (System.nanoTime() - t0) / 1_000_000 + " ms" : "");
    }

    /** The raw {@code GET_ROUTEINFO_BY_TOPIC} JSON of a topic from one NameServer; "" when it has no route. */
    public String route(RocketNode nameServer, String topic) {
        try {
            RocketWire.Response r = RocketWire.request(nameServer.address(), RocketWire.GET_ROUTEINFO_BY_TOPIC,
                    Map.of("topic", topic), PROBE_TIMEOUT);
            return r.isSuccess() ? r.body() : "";
        } catch (IOException e) {
            throw new IllegalStateException(nameServer.name() + " does not answer: " + e, e);
        }
    }

    private static String topicConfigs(RocketNode broker) {
        try {
            RocketWire.Response r = RocketWire.request(broker.address(), RocketWire.GET_ALL_TOPIC_CONFIG, Map.of(),
                    PROBE_TIMEOUT);
            return r.isSuccess() ? r.body() : "";
        } catch (IOException e) {
            return "";
        }
    }

    /**
     * The commit log's max offset of a running broker (from {@code GET_BROKER_RUNTIME_INFO}); a slave
     * that has caught up reports its master's value. Right after a (re)start a broker may answer this
     * request with an error (its statistics are still empty): poll, e.g. with {@link Await}.
     *
     * @throws IllegalStateException when the broker does not answer or answers with an error
     */
    public long commitLogMaxOffset(RocketNode broker) {
        requireOwn(broker);
        if (broker.isNameServer()) {
            throw new IllegalArgumentException("not a broker: " + broker.name());
        }
        try {
            RocketWire.Response r = RocketWire.request(broker.address(), RocketWire.GET_BROKER_RUNTIME_INFO, Map.of(),
                    PROBE_TIMEOUT);
            Matcher m = MAX_OFFSET.matcher(r.body());
            if (!r.isSuccess() || !m.find()) {
                throw new IllegalStateException(broker.name() + " runtime info without commitLogMaxOffset: " + r);
            }
            return Long.parseLong(m.group(1));
        } catch (IOException e) {
            throw new IllegalStateException(broker.name() + " does not answer: " + e, e);
        }
    }

    /** Waits until the slave of {@code brokerName} has everything its master has written. */
    public void awaitReplicated(String brokerName, Duration timeout) {
        RocketNode master = master(brokerName);
        RocketNode slave = slave(brokerName);
        Await.until(timeout, () -> commitLogMaxOffset(slave) >= commitLogMaxOffset(master),
                () -> slave.name() + " caught up with " + master.name());
    }

    /** One line per node: name, address, pid, last startup time, RSS. */
    public String describe() {
        return nodes().stream().map(n -> String.format(java.util.Locale.ROOT, "  %-16s %-16s pid %-7d start %6s ms  rss %5d MiB",
                n.name(), n.address(), n.pid(), n.lastStartup().map(d -> Long.toString(d.toMillis())).orElse("-"),
                n.rssBytes() < 0 ? -1 : n.rssBytes() / (1024 * 1024))).collect(Collectors.joining("\n"));
    }

    /** Sum of the RSS of all running nodes, in bytes. */
    public long totalRssBytes() {
        return nodes().stream().mapToLong(RocketNode::rssBytes).filter(r -> r > 0).sum();
    }

    private void requireOwn(RocketNode node) {
        Objects.requireNonNull(node, "node");
        if (!nameServers.contains(node) && !brokers.contains(node)) {
            throw new IllegalArgumentException("not a node of this cluster: " + node);
        }
    }

    private void killAll() {
        for (RocketNode node : nodes()) {
            try {
                node.kill();
            } catch (RuntimeException e) {
                log.warn("could not kill {}", node, e);
            }
            node.closeBlackHole();
        }
    }

    /** Kills every process ({@code kill -9}: the data is thrown away) and deletes a temporary directory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down; the hook runs anyway
        }
        if (config.baseDir == null || config.deleteOnClose) {
            TempDirs.deleteTree(baseDir);
        }
        log.info("RocketMQ {} cluster closed", config.layout.label());
    }


    /**
     * Configuration of a {@link RocketTestCluster}. Defaults: {@link RocketLayout#TWO_MASTERS_TWO_SLAVES_ASYNC},
     * 2 NameServers, cluster name {@code hakit}, NameServer heap 128 MiB, broker heap 256 MiB, brokers
     * re-register every 10 s (RocketMQ's minimum; its default is 30 s), start timeout 90 s, a temporary
     * directory deleted on close.
     */
    public static final class Builder {
        private RocketLayout layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC;
        private int nameServers = 2;
        private String clusterName = "hakit";
        private int nameServerHeapMb = 128;
        private int brokerHeapMb = 256;
        private Duration registerPeriod = Duration.ofSeconds(10);
        private Duration startTimeout = Duration.ofSeconds(90);
        private Path baseDir;
        private boolean deleteOnClose;
        private String classpath;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private final List<Integer> nameServerPorts = new ArrayList<>();

        private Builder() {
        }

        /** Ports of the first NameServers, in order (the rest, and the brokers' ports, are free ones). */
        public Builder nameServerPorts(List<Integer> ports) {
            nameServerPorts.clear();
            for (Integer p : Objects.requireNonNull(ports, "ports")) {
                nameServerPorts.add(Ports.requireValid(Objects.requireNonNull(p, "port"), "NameServer"));
            }
            return this;
        }

        private Builder copy() {
            Builder b = new Builder();
            b.layout = layout;
            b.nameServers = nameServers;
            b.clusterName = clusterName;
            b.nameServerHeapMb = nameServerHeapMb;
            b.brokerHeapMb = brokerHeapMb;
            b.registerPeriod = registerPeriod;
            b.startTimeout = startTimeout;
            b.baseDir = baseDir;
            b.deleteOnClose = deleteOnClose;
            b.classpath = classpath;
            b.brokerProperties.putAll(brokerProperties);
            b.nameServerPorts.addAll(nameServerPorts);
            return b;
        }

        public Builder layout(RocketLayout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /** 1..5 NameServers. */
        public Builder nameServers(int count) {
            if (count < 1 || count > 5) {
                throw new IllegalArgumentException("nameServers must be 1..5: " + count);
            }
            this.nameServers = count;
            return this;
        }

        public Builder clusterName(String clusterName) {
            if (clusterName == null || clusterName.isBlank()) {
                throw new IllegalArgumentException("blank clusterName: " + clusterName);
            }
            this.clusterName = clusterName;
            return this;
        }

        /** Max heap of NameServer JVMs, 64..4096 MiB. */
        public Builder nameServerHeapMb(int mb) {
            this.nameServerHeapMb = heap(mb);
            return this;
        }

        /** Max heap (and direct memory) of broker JVMs, 64..4096 MiB. */
        public Builder brokerHeapMb(int mb) {
            this.brokerHeapMb = heap(mb);
            return this;
        }

        private static int heap(int mb) {
            if (mb < 64 || mb > 4096) {
                throw new IllegalArgumentException("heap must be 64..4096 MiB: " + mb);
            }
            return mb;
        }

        /** Broker {@code registerNameServerPeriod}; RocketMQ clamps it to 10..60 s. */
        public Builder registerPeriod(Duration period) {
            Objects.requireNonNull(period, "period");
            if (period.compareTo(Duration.ofSeconds(10)) < 0 || period.compareTo(Duration.ofSeconds(60)) > 0) {
                throw new IllegalArgumentException("registerPeriod must be 10s..60s: " + period);
            }
            this.registerPeriod = period;
            return this;
        }

        /** How long a node may take to start (and a topic to propagate) before the cluster gives up. */
        public Builder startTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("startTimeout must be > 0: " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /** Where node directories go; kept after close unless {@link #deleteOnClose(boolean)}. */
        public Builder baseDir(Path dir) {
            this.baseDir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        public Builder deleteOnClose(boolean delete) {
            this.deleteOnClose = delete;
            return this;
        }

        /** The server classpath to use instead of {@link RocketTestCluster#serverClasspath()}. */
        public Builder classpath(String classpath) {
            if (classpath == null || classpath.isBlank()) {
                throw new IllegalArgumentException("blank classpath");
            }
            this.classpath = classpath;
            return this;
        }

        /** An extra broker property for every broker (overrides the generated value). */
        public Builder brokerProperty(String key, String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            brokerProperties.put(key, value);
            return this;
        }

        /** Creates the cluster (ports, directories, configs); call {@link RocketTestCluster#start()} next. */
        public RocketTestCluster build() {
            return new RocketTestCluster(this);
        }
    }
}
