package io.github.hakit.testkit.netlab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process running in a {@link NetLab} host. {@code nsenter} enters the lab's PID namespace by forking, so
 * the process proper is the launcher's child: {@link #pid()} is that child (as this machine sees it), the one
 * {@link #kill()} ({@code kill -9}) and {@link #freeze()} (SIGSTOP) signal. An interactive process's standard
 * input and output are pipes to this JVM ({@link #send}, {@link #expect}): tests talk to lab processes that way,
 * never over the network.
 */
public final class LabProcess {
    private static final Logger log = LoggerFactory.getLogger(LabProcess.class);
    private static final Duration FIND_CHILD = Duration.ofSeconds(10);

    private final String name;
    private final NetLab.Host host;
    private final Process launcher;
    private final Path logFile;
    private final long pid;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    private LabProcess(String name, NetLab.Host host, Process launcher, Path logFile, long pid) {
        this.name = name;
        this.host = host;
        this.launcher = launcher;
        this.logFile = logFile;
        this.pid = pid;
        if (launcher.getInputStream() != null) {
            Thread reader = new Thread(this::readLines, "lab-" + name + "-stdout");
            reader.setDaemon(true);
            reader.start();
        }
    }

    private void readLines() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException e) {
            log.debug("{}: stdout closed", name, e);
        }
    }

    /** Sends one line to the process's standard input (processes started with {@code interactive}). */
    public synchronized void send(String line) {
        try {
            OutputStream in = launcher.getOutputStream();
            in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(name + " does not take input (exited?)", e);
        }
    }

    /**
     * The next line of its standard output that starts with {@code prefix} (earlier other lines are dropped),
     * waiting at most {@code timeout}.
     */
    public String expect(String prefix, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left <= 0 ? null : lines.poll(left, TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException(name + ": no line starting with '" + prefix + "' within "
                            + timeout.toMillis() + " ms (alive: " + isAlive() + ", log " + logFile + ")");
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static LabProcess attach(String name, NetLab.Host host, Process launcher, Path logFile) {
        long deadline = System.nanoTime() + FIND_CHILD.toNanos();
        while (System.nanoTime() - deadline < 0) {
            Optional<ProcessHandle> child = launcher.toHandle().children().findFirst();
            if (child.isPresent()) {
                log.info("{} started in lab host {} ({}): pid {} (log {})", name, host.name(), host.address(),
                        child.get().pid(), logFile);
                return new LabProcess(name, host, launcher, logFile, child.get().pid());
            }
            if (!launcher.isAlive()) {
                throw new IllegalStateException(name + " exited at once (" + launcher.exitValue() + "), see " + logFile);
            }
            try {
                // process start-up: the child appears within milliseconds; bounded by FIND_CHILD
                launcher.waitFor(5, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        launcher.destroyForcibly();
        throw new IllegalStateException(name + ": no process appeared in lab host " + host.name());
    }

    public String name() {
        return name;
    }

    public NetLab.Host host() {
        return host;
    }

    public Path logFile() {
        return logFile;
    }

    /** The process's PID as this machine sees it. */
    public long pid() {
        return pid;
    }

    public boolean isAlive() {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** {@code kill -9} and wait until it is gone. */
    public void kill() {
        if (isAlive()) {
            log.info("kill -9 {} (pid {})", name, pid);
            signal("KILL");
        }
        if (launcher.isAlive()) {
            signal(launcher.pid(), "CONT"); // a launcher stopped with its child must run to reap it (see thaw)
        }
        try {
            launcher.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGSTOP: the kernel keeps accepting its connections, nothing answers. */
    public void freeze() {
        signal("STOP");
    }

    /**
     * SIGCONT, to the process and to its {@code nsenter} launcher: nsenter stops itself when its child stops and
     * stays stopped after the child continues; a stopped launcher never reaps its child, and the lab's PID namespace
     * (so the whole lab) could then not finish closing.
     */
    public void thaw() {
        signal("CONT");
        signal(launcher.pid(), "CONT");
    }

    /** Waits for the process to exit; true when it did. */
    public boolean waitForExit(Duration timeout) {
        try {
            return launcher.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void signal(String signal) {
        signal(pid, signal);
    }

    private void signal(long target, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(target)).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS)) {
                kill.destroyForcibly();
                throw new IllegalStateException("kill -" + signal + " " + target + " did not finish");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted signalling " + name, e);
        }
    }

    @Override
    public String toString() {
        return name + "@" + host.name() + "(pid " + pid + ")";
    }
}
