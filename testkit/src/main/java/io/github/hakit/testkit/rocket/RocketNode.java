package io.github.hakit.testkit.rocket;

import io.github.hakit.testkit.ManagedProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One RocketMQ server process of a {@link RocketTestCluster}: a NameServer or a broker (master or
 * slave), with fixed loopback ports, its own directory (used as {@code user.home}, so its logs are
 * in {@code <dir>/logs/rocketmqlogs}) and its store. It can be killed and started again on the same
 * ports and data; the cluster does the waiting.
 */
public final class RocketNode {
    /** What a node is. */
    public enum Role {
        NAMESRV, MASTER, SLAVE
    }

    private final String name;
    private final Role role;
    private final String brokerName;
    private final int port;
    private final int haPort;
    private final Path dir;
    private final String classpath;
    private final List<String> jvmArgs;
    private final String mainClass;
    private final List<String> args;
    private volatile ManagedProcess process;
    private volatile BlackHole blackHole;
    private volatile boolean frozen;
    private volatile long launchedNanos;
    private volatile Duration lastStartup;
    private int starts;

    RocketNode(String name, Role role, String brokerName, int port, int haPort, Path dir, String classpath,
            List<String> jvmArgs, String mainClass, List<String> args) {
        this.name = name;
        this.role = role;
        this.brokerName = brokerName;
        this.port = port;
        this.haPort = haPort;
        this.dir = dir;
        this.classpath = classpath;
        this.jvmArgs = List.copyOf(jvmArgs);
        this.mainClass = mainClass;
        this.args = List.copyOf(args);
    }

    /** e.g. {@code namesrv-1}, {@code broker-a-master}, {@code broker-a-slave}. */
    public String name() {
        return name;
    }

    public Role role() {
        return role;
    }

    public boolean isNameServer() {
        return role == Role.NAMESRV;
    }

    /** The broker group ({@code broker-a}) or empty for a NameServer. */
    public Optional<String> brokerName() {
        return Optional.ofNullable(brokerName);
    }

    /** The remoting port ({@code listenPort}). */
    public int port() {
        return port;
    }

    /** The HA port of a broker ({@code haListenPort}); 0 for a NameServer. */
    public int haPort() {
        return haPort;
    }

    /** {@code 127.0.0.1:port}, as clients and NameServer routes spell it. */
    public String address() {
        return RocketTestCluster.HOST + ":" + port;
    }

    /** The node's directory: its {@code user.home}, config, store and logs. */
    public Path dir() {
        return dir;
    }

    /** The file with the JVM's stdout/stderr. */
    public Path consoleLog() {
        return dir.resolve("console.log");
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** True while a {@link BlackHole} sits on this node's port in place of the server. */
    public boolean isBlackHoled() {
        return blackHole != null;
    }

    /** The process id, or -1 when not running. */
    public synchronized long pid() {
        return isRunning() ? process.pid() : -1;
    }

    /** How many times this node's JVM was launched. */
    public synchronized int starts() {
        return starts;
    }

    /** How long the last start took until the cluster saw the node ready; empty before that. */
    public Optional<Duration> lastStartup() {
        return Optional.ofNullable(lastStartup);
    }

    /** Resident set size of the JVM from {@code /proc/<pid>/status} (VmRSS), or -1 when unknown. */
    public long rssBytes() {
        long pid = pid();
        if (pid < 0) {
            return -1;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    String kb = line.substring("VmRSS:".length()).trim().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    synchronized void launch() {
        if (isRunning()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        if (blackHole != null) {
            throw new IllegalStateException(name + " is black-holed; restore it first");
        }
        launchedNanos = System.nanoTime();
        lastStartup = null;
        starts++;
        process = ManagedProcess.startJava(name, classpath, jvmArgs, mainClass, args, dir, consoleLog());
    }

    void markReady() {
        lastStartup = Duration.ofNanos(System.nanoTime() - launchedNanos);
    }

    /** {@code kill -9}; no-op when not running. */
    public synchronized void kill() {
        if (isRunning()) {
            process.kill();
        }
        frozen = false;
    }

    /** True while the JVM is stopped by SIGSTOP. */
    public boolean isFrozen() {
        return frozen;
    }

    synchronized void freeze() {
        if (!isRunning()) {
            throw new IllegalStateException(name + " is not running; nothing to freeze");
        }
        process.freeze();
        frozen = true;
    }

    /** SIGCONT when frozen; no-op otherwise. */
    synchronized void thaw() {
        if (frozen && isRunning()) {
            process.thaw();
        }
        frozen = false;
    }

    synchronized void stop(Duration grace) {
        if (isRunning()) {
            process.stop(grace);
        }
    }

    /** Whether the JVM died by itself since it was launched (for error messages). */
    synchronized boolean exitedUnexpectedly() {
        return process != null && !process.isAlive();
    }

    synchronized void blackHole(BlackHole hole) {
        this.blackHole = hole;
    }

    synchronized void closeBlackHole() {
        if (blackHole != null) {
            blackHole.close();
            blackHole = null;
        }
    }

    @Override
    public String toString() {
        return name + "@" + address() + (isRunning() ? " pid " + pid() + (frozen ? " frozen" : "") : isBlackHoled() ? " black-holed" : " down");
    }
}
