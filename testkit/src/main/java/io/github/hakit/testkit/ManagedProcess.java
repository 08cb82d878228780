package io.github.hakit.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A server process started by a test: its output goes to a log file, and the test can
 * {@link #kill() kill -9} it, {@link #stop stop} it gracefully, or {@link #freeze() freeze} it with
 * SIGSTOP (the kernel keeps accepting connections; nothing answers).
 */
public final class ManagedProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ManagedProcess.class);

    private final String name;
    private final Process process;
    private final Path logFile;

    private ManagedProcess(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.logFile = logFile;
    }

    /**
     * Starts {@code command} with the extra environment, output (stdout and stderr) appended to
     * {@code logFile}.
     */
    public static ManagedProcess start(String name, List<String> command, Map<String, String> environment,
            Path workDir, Path logFile) {
        Objects.requireNonNull(name, "name");
        if (command == null || command.isEmpty()) {
            throw new IllegalArgumentException("empty command for " + name);
        }
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(command));
        builder.environment().putAll(environment);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        try {
            Process process = builder.start();
            log.info("started {} pid {} (log {})", name, process.pid(), logFile);
            return new ManagedProcess(name, process, logFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
    }

    /** Starts a Java main class in its own JVM with the same {@code java} binary as this one. */
    public static ManagedProcess startJava(String name, String classpath, List<String> jvmArgs, String mainClass,
            List<String> args, Path workDir, Path logFile) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(classpath);
        command.add(mainClass);
        command.addAll(args);
        return start(name, command, Map.of(), workDir, logFile);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** {@code kill -9}: SIGKILL, then waits until the process is gone. */
    public void kill() {
        log.info("kill -9 {} pid {}", name, pid());
        process.destroyForcibly();
        waitForExit(Duration.ofSeconds(30));
    }

    /** SIGTERM, then SIGKILL if it has not exited within {@code grace}. */
    public void stop(Duration grace) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        if (!waitForExit(grace)) {
            kill();
        }
    }

    /** SIGSTOP: the process stays, its sockets keep accepting, nothing answers. */
    public void freeze() {
        signal("STOP");
    }

    /** SIGCONT after {@link #freeze()}. */
    public void thaw() {
        signal("CONT");
    }

    private void signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed for " + name);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling " + name, e);
        }
    }

    /** Waits for the process to exit; true when it did within the timeout. */
    public boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    @Override
    public String toString() {
        return name + "(pid " + pid() + ")";
    }
}
