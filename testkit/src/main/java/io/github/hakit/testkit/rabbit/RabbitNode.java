package io.github.hakit.testkit.rabbit;

import io.github.hakit.testkit.ManagedProcess;
import io.github.hakit.testkit.rocket.BlackHole;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One real {@code rabbitmq-server} node of a {@link RabbitTestCluster}: its name, its loopback ports,
 * and the operations a failover test needs ({@link #kill()}, {@link #stop(Duration)}, {@link #start()},
 * {@link #freeze()}).
 *
 * <pre>{@code
 * RabbitNode b = cluster.node(1);
 * factory.setPort(b.amqpPort());
 * b.kill();                                  // kill -9 of the Erlang VM
 * cluster.restart(b, Duration.ofSeconds(60)); // boots on its data and rejoins
 * }</pre>
 *
 * <p>The node runs the Debian package's scripts in {@code /usr/lib/rabbitmq/bin} with
 * {@code RABBITMQ_ALLOW_INPUT} set, so the script {@code exec}s {@code erl}, which {@code exec}s the
 * emulator: the started process <em>is</em> {@code beam.smp}. The node also writes its OS pid to its pid
 * file; {@link #osPid()} reads it and {@link #kill()} signals that pid.
 */
public final class RabbitNode {
    private static final Logger log = LoggerFactory.getLogger(RabbitNode.class);

    private final String letter;
    private final String nodeName;
    private final int amqpPort;
    private final int amqpsPort;
    private final int distPort;
    private final int managementPort;
    private final Path configFile;
    private final Path pidFile;
    private final Path logDir;
    private final Map<String, String> environment;
    private volatile ManagedProcess process;
    private volatile boolean frozen;
    /** The black holes on the AMQP and management ports while black-holed, else empty. */
    private volatile List<BlackHole> blackHoles = List.of();

    RabbitNode(String letter, String nodeName, int amqpPort, int amqpsPort, int distPort, int managementPort,
            Path configFile, Path pidFile, Path logDir, Map<String, String> environment) {
        this.letter = letter;
        this.nodeName = nodeName;
        this.amqpPort = amqpPort;
        this.amqpsPort = amqpsPort;
        this.distPort = distPort;
        this.managementPort = managementPort;
        this.configFile = configFile;
        this.pidFile = pidFile;
        this.logDir = logDir;
        this.environment = Map.copyOf(environment);
    }

    /** The short letter of the node in its cluster: {@code a}, {@code b}, … */
    public String letter() {
        return letter;
    }

    /** The Erlang node name, e.g. {@code rabbit-a-k3x9q2@localhost}. */
    public String nodeName() {
        return nodeName;
    }

    /** Always {@code 127.0.0.1}. */
    public String host() {
        return RabbitTestCluster.HOST;
    }

    public int amqpPort() {
        return amqpPort;
    }

    /** {@code 127.0.0.1:<amqpPort>}. */
    public String amqpAddress() {
        return host() + ":" + amqpPort;
    }

    /** The amqps (TLS) port, or 0 when the cluster was built without {@code selfSignedTls}. */
    public int amqpsPort() {
        return amqpsPort;
    }

    /** The Erlang distribution port (inter-node and CLI traffic). */
    public int distPort() {
        return distPort;
    }

    /** The management plugin's HTTP port on {@code 127.0.0.1} (user {@code guest}, password {@code guest}). */
    public int managementPort() {
        return managementPort;
    }

    /** {@code http://127.0.0.1:<managementPort>}. */
    public String managementUrl() {
        return "http://" + host() + ":" + managementPort;
    }

    public Path configFile() {
        return configFile;
    }

    /** The node's own log file, written by RabbitMQ. */
    public Path logFile() {
        return logDir.resolve(nodeName + ".log");
    }

    /** True while the node's OS process exists (it may still be booting or be frozen). */
    public boolean isAlive() {
        ManagedProcess p = process;
        return p != null && p.isAlive();
    }

    /** True between {@link #freeze()} and {@link #thaw()}. */
    public boolean isFrozen() {
        return frozen;
    }

    /**
     * The OS pid of the node's {@code beam.smp}: from the node's pid file once it has written it,
     * else the started process (the same one, see the class comment); empty when not running.
     */
    public OptionalLong osPid() {
        ManagedProcess p = process;
        if (p == null || !p.isAlive()) {
            return OptionalLong.empty();
        }
        return readPidFile().map(OptionalLong::of).orElse(OptionalLong.of(p.pid()));
    }

    private Optional<Long> readPidFile() {
        try {
            String text = Files.readString(pidFile, StandardCharsets.US_ASCII).trim();
            return text.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Boots the node (on its existing data, if any) without waiting; use
     * {@link RabbitTestCluster#restart} or {@link RabbitTestCluster#awaitRunning} to wait.
     *
     * @throws IllegalStateException when the node is already running
     */
    public synchronized void start() {
        if (isAlive()) {
            throw new IllegalStateException(nodeName + " is already running");
        }
        closeBlackHole();
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        frozen = false;
        process = ManagedProcess.start(nodeName, List.of(RabbitTestCluster.SERVER_SCRIPT.toString()), environment,
                logDir, logDir.resolve(nodeName + ".stdout"));
    }

    /**
     * {@code kill -9} of the node's Erlang VM (the pid from its pid file), then waits until it is gone.
     * A no-op when the node is not running.
     */
    public synchronized void kill() {
        ManagedProcess p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        Optional<Long> fromFile = readPidFile();
        if (fromFile.isPresent() && fromFile.get() != p.pid()) {
            log.warn("{}: pid file says {}, started process is {}; killing both", nodeName, fromFile.get(), p.pid());
            ProcessHandle.of(fromFile.get()).ifPresent(ProcessHandle::destroyForcibly);
        }
        frozen = false;
        p.kill();
        deletePidFile();
    }

    /**
     * Graceful stop: SIGTERM (the Erlang VM runs {@code init:stop()}, RabbitMQ shuts down cleanly), then
     * {@code kill -9} if it has not exited within {@code grace}.
     */
    public synchronized void stop(Duration grace) {
        ManagedProcess p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        if (frozen) {
            thaw();
        }
        p.stop(grace);
        deletePidFile();
    }

    /**
     * A black-holed host as its clients see it: the node is killed ({@code kill -9}) and its AMQP and management
     * ports are taken by a {@link BlackHole} that accepts every connection and never answers, so clients meet
     * connect-then-silence (their own timeouts end it) instead of a refused connection. Its peers see the node gone.
     * {@link #start()} (or {@link RabbitTestCluster#heal}) closes the hole and boots the node on its data.
     */
    public synchronized void blackHole() {
        kill();
        closeBlackHole();
        blackHoles = List.of(BlackHole.open(host(), amqpPort), BlackHole.open(host(), managementPort));
    }

    /** True between {@link #blackHole()} and the next {@link #start()}. */
    public boolean isBlackHoled() {
        return !blackHoles.isEmpty();
    }

    void closeBlackHole() {
        List<BlackHole> holes = blackHoles;
        blackHoles = List.of();
        holes.forEach(BlackHole::close);
    }

    /** SIGSTOP: the node's sockets keep accepting, nothing answers; peers notice after {@code net_ticktime}. */
    public synchronized void freeze() {
        ManagedProcess p = requireAlive();
        p.freeze();
        frozen = true;
    }

    /** SIGCONT after {@link #freeze()}. */
    public synchronized void thaw() {
        ManagedProcess p = requireAlive();
        p.thaw();
        frozen = false;
    }

    private ManagedProcess requireAlive() {
        ManagedProcess p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(nodeName + " is not running");
        }
        return p;
    }

    private void deletePidFile() {
        try {
            Files.deleteIfExists(pidFile);
        } catch (IOException e) {
            log.debug("cannot delete {}", pidFile, e);
        }
    }

    /** The last {@code lines} lines of the node's log, for failure messages. */
    public String logTail(int lines) {
        for (Path file : List.of(logFile(), logDir.resolve(nodeName + ".stdout"))) {
            try {
                List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
                if (!all.isEmpty()) {
                    return file + ":\n" + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
                }
            } catch (IOException | UncheckedIOException e) {
                // try the next file
            }
        }
        return "(no log for " + nodeName + ")";
    }

    @Override
    public String toString() {
        return nodeName + "(amqp " + amqpPort + ", mgmt " + managementPort + (isAlive() ? ", up" : ", down") + ")";
    }
}
