package io.github.hakit.testkit.proxy;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.ManagedProcess;
import io.github.hakit.testkit.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real HAProxy (the Debian package's {@code /usr/sbin/haproxy}) started with a generated configuration on
 * loopback ports: {@code haproxy -f <cfg> -D -p <pidfile>}, a stats page on its own loopback port, stopped by the
 * PID from its pid file. Used to compare hakit's client-side failover with the proxy that operations teams put
 * in front of RabbitMQ today.
 *
 * <pre>{@code
 * try (HaproxyServer haproxy = HaproxyServer.builder()
 *         .listen(HaproxyListen.tcp("rabbit", cluster.nodes().stream().map(RabbitNode::amqpAddress).toList()))
 *         .build().start()) {
 *     factory.setPort(haproxy.port("rabbit"));
 *     Map<String, String> states = haproxy.serverStatus("rabbit");   // {"s1" -> "UP", ...}
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops it; a shutdown hook does the same when the JVM exits first, and a small watchdog
 * process stops it if the JVM dies by {@code kill -9}.
 */
public final class HaproxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HaproxyServer.class);

    /** The Debian package's binary. */
    public static final Path BINARY = Path.of("/usr/sbin/haproxy");
    private static final String HOST = "127.0.0.1";

    private final Path dir;
    private final boolean ownsDir;
    private final Path configFile;
    private final Path pidFile;
    private final int statsPort;
    private final Map<String, Integer> ports;
    private final Duration startTimeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread shutdownHook;
    private volatile long pid = -1;
    private volatile ManagedProcess watchdog;

    private HaproxyServer(Builder builder, Path dir, boolean ownsDir) {
        this.dir = dir;
        this.ownsDir = ownsDir;
        this.configFile = dir.resolve("haproxy.cfg");
        this.pidFile = dir.resolve("haproxy.pid");
        this.statsPort = Ports.freePort(HOST);
        this.startTimeout = builder.startTimeout;
        Map<String, Integer> assigned = new LinkedHashMap<>();
        for (HaproxyListen listen : builder.listens) {
            assigned.put(listen.name(), listen.port() > 0 ? listen.port() : Ports.freePort(HOST));
        }
        this.ports = Map.copyOf(assigned);
        try {
            Files.writeString(configFile, configText(builder.listens, builder.globalLines));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.shutdownHook = new Thread(this::stopQuietly, "haproxy-shutdown");
    }

    public static Builder builder() {
        return new Builder();
    }

    /** True when {@code /usr/sbin/haproxy} is installed. */
    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    private String configText(List<HaproxyListen> listens, List<String> globalLines) {
        StringBuilder cfg = new StringBuilder();
        cfg.append("global\n    maxconn 4096\n");
        for (String line : globalLines) {
            cfg.append("    ").append(line).append('\n');
        }
        cfg.append("\ndefaults\n")
                .append("    timeout connect 5s\n")
                .append("    timeout client 1h\n")
                .append("    timeout server 1h\n")
                .append("    timeout check 2s\n")
                .append("\nlisten stats\n")
                .append("    bind ").append(HOST).append(':').append(statsPort).append('\n')
                .append("    mode http\n")
                .append("    stats enable\n")
                .append("    stats uri /stats\n")
                .append("    stats refresh 1s\n");
        for (HaproxyListen listen : listens) {
            cfg.append("\nlisten ").append(listen.name()).append('\n')
                    .append("    bind ").append(HOST).append(':').append(ports.get(listen.name())).append('\n')
                    .append("    mode ").append(listen.mode()).append('\n')
                    .append("    balance ").append(listen.balance()).append('\n');
            for (String line : listen.extraLines()) {
                cfg.append("    ").append(line).append('\n');
            }
            int i = 1;
            for (String server : listen.servers()) {
                cfg.append("    server s").append(i++).append(' ').append(server).append(' ')
                        .append(listen.serverOptions()).append('\n');
            }
        }
        return cfg.toString();
    }

    /**
     * Checks the configuration ({@code haproxy -c}), starts HAProxy as a daemon and waits until every
     * listener and the stats page accept connections.
     */
    public synchronized HaproxyServer start() {
        if (pid > 0) {
            throw new IllegalStateException("already started: pid " + pid);
        }
        run(List.of(BINARY.toString(), "-c", "-q", "-f", configFile.toString()), "configuration check");
        run(List.of(BINARY.toString(), "-f", configFile.toString(), "-D", "-p", pidFile.toString()), "start");
        Await.until(startTimeout, () -> readPid() > 0, () -> "HAProxy pid file " + pidFile);
        pid = readPid();
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        String script = "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null; do sleep 1; done; "
                + "grep -qa '" + configFile + "' /proc/" + pid + "/cmdline 2>/dev/null && kill -9 " + pid;
        watchdog = ManagedProcess.start("haproxy-watchdog", List.of("sh", "-c", script), Map.of(), dir,
                dir.resolve("watchdog.log"));
        Await.until(startTimeout, () -> Ports.isListening(HOST, statsPort, 500)
                && ports.values().stream().allMatch(p -> Ports.isListening(HOST, p, 500)),
                () -> "HAProxy listeners " + ports + " and stats " + statsPort);
        log.info("HAProxy pid {} listening on {} (stats http://{}:{}/stats)", pid, ports, HOST, statsPort);
        return this;
    }

    private void run(List<String> command, String what) {
        try {
            Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("haproxy.out").toFile())).start();
            if (!p.waitFor(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("HAProxy " + what + " did not finish in " + startTimeout);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("HAProxy " + what + " failed (exit " + p.exitValue() + "): "
                        + Files.readString(dir.resolve("haproxy.out")) + "\nconfig:\n" + Files.readString(configFile));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during HAProxy " + what, e);
        }
    }

    private long readPid() {
        try {
            String text = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? -1 : Long.parseLong(text.split("\\s+")[0]);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** The loopback port of the named listener. */
    public int port(String listenName) {
        Integer port = ports.get(listenName);
        if (port == null) {
            throw new IllegalArgumentException("no listener " + listenName + " (have " + ports.keySet() + ")");
        }
        return port;
    }

    /** The stats page's port ({@code http://127.0.0.1:<port>/stats}). */
    public int statsPort() {
        return statsPort;
    }

    /** The HAProxy master/daemon pid, or -1 before start / after stop. */
    public long pid() {
        return pid;
    }

    public Path configFile() {
        return configFile;
    }

    /**
     * Server states of one listener from the stats page's CSV ({@code /stats;csv}): server name ({@code s1},
     * {@code s2}, … in the order given) to HAProxy's status ({@code UP}, {@code DOWN}, {@code UP 1/3},
     * {@code DOWN 1/2}, {@code no check}, …).
     */
    public Map<String, String> serverStatus(String listenName) {
        port(listenName);
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://" + HOST + ":" + statsPort + "/stats;csv")).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString());
            String[] lines = response.body().split("\n");
            List<String> header = Arrays.asList(lines[0].replaceFirst("^# ", "").split(","));
            int px = header.indexOf("pxname");
            int sv = header.indexOf("svname");
            int status = header.indexOf("status");
            Map<String, String> states = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                String[] cols = lines[i].split(",", -1);
                if (cols.length > status && cols[px].equals(listenName)
                        && !cols[sv].equals("FRONTEND") && !cols[sv].equals("BACKEND")) {
                    states.put(cols[sv], cols[status]);
                }
            }
            return states;
        } catch (IOException e) {
            throw new UncheckedIOException("HAProxy stats on port " + statsPort, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted reading HAProxy stats", e);
        }
    }

    /** Stops HAProxy: SIGTERM to its pid, SIGKILL if it is still there after {@code grace}. */
    public synchronized void stop(Duration grace) {
        long p = pid;
        if (p <= 0) {
            return;
        }
        ProcessHandle.of(p).ifPresent(h -> {
            h.destroy();
            try {
                h.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                log.warn("HAProxy pid {} did not stop in {}; kill -9", p, grace);
                h.destroyForcibly();
            }
        });
        pid = -1;
        ManagedProcess w = watchdog;
        if (w != null) {
            w.kill();
        }
        log.info("HAProxy pid {} stopped", p);
    }

    private void stopQuietly() {
        try {
            stop(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            log.warn("cannot stop HAProxy", e);
        }
    }

    /** Stops HAProxy and deletes the directory if it created it. */
    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
        if (ownsDir) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (IOException e) {
                log.warn("cannot delete {}: {}", dir, e.toString());
            }
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException e) {
            // shutting down already, or never started
        }
    }

    /** Listeners and settings of an {@link HaproxyServer}. */
    public static final class Builder {
        private final List<HaproxyListen> listens = new ArrayList<>();
        private final List<String> globalLines = new ArrayList<>();
        private Path dir;
        private Duration startTimeout = Duration.ofSeconds(20);

        private Builder() {
        }

        /** Adds a {@code listen} section. */
        public Builder listen(HaproxyListen listen) {
            Objects.requireNonNull(listen, "listen");
            if (listens.stream().anyMatch(l -> l.name().equals(listen.name())) || listen.name().equals("stats")) {
                throw new IllegalArgumentException("duplicate listener name: " + listen.name());
            }
            listens.add(listen);
            return this;
        }

        /** Adds a line to the {@code global} section. */
        public Builder globalLine(String line) {
            Objects.requireNonNull(line, "line");
            globalLines.add(line);
            return this;
        }

        /** Directory for config, pid file and output (default: a new temp directory). */
        public Builder dir(Path dir) {
            this.dir = Objects.requireNonNull(dir, "dir");
            return this;
        }

        /** How long start waits for the pid file and listeners (default 20 s). */
        public Builder startTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("startTimeout <= 0: " + timeout);
            }
            this.startTimeout = timeout;
            return this;
        }

        /** Writes the configuration; {@link HaproxyServer#start()} starts the process. */
        public HaproxyServer build() {
            if (listens.isEmpty()) {
                throw new IllegalStateException("no listen section");
            }
            try {
                Path d = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("hakit-haproxy-");
                return new HaproxyServer(this, d, dir == null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
