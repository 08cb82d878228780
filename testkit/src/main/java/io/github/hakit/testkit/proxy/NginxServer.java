package io.github.hakit.testkit.proxy;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.ManagedProcess;
import io.github.hakit.testkit.Ports;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A real Nginx (the Debian package, {@code /usr/sbin/nginx}) started by a test with a generated
 * configuration under its own directory, listening on loopback ports only, as one process
 * ({@code master_process off}, so {@link #kill()} really takes the listener down), stopped by its PID.
 *
 * <pre>{@code
 * NginxServer storageWeb = NginxServer.builder(tempDir.resolve("nginx-s1"))
 *         .server("127.0.0.11", 8080, "location /group1/M00/ { alias " + dataDir + "/; }")
 *         .start();
 * // ... GET http://127.0.0.11:8080/group1/M00/00/00/xxx.jpg
 * storageWeb.kill();
 * }</pre>
 */
public final class NginxServer implements AutoCloseable {
    /** Where the Debian package installs the binary. */
    public static final Path BINARY = Path.of("/usr/sbin/nginx");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final String name;
    private final Path dir;
    private final List<Listen> listens;
    private final String config;
    private ManagedProcess process;

    private record Listen(String host, int port) {
    }

    private NginxServer(Builder b) {
        this.name = b.name;
        this.dir = b.dir;
        this.listens = List.copyOf(b.listens);
        this.config = b.render();
    }

    /** True when the Nginx binary is installed. */
    public static boolean available() {
        return Files.isExecutable(BINARY);
    }

    /** A builder writing everything (config, pid, logs, temp files) under {@code dir}. */
    public static Builder builder(Path dir) {
        return new Builder(Objects.requireNonNull(dir, "dir"));
    }

    public String name() {
        return name;
    }

    /** The generated {@code nginx.conf}. */
    public String config() {
        return config;
    }

    public Path errorLog() {
        return dir.resolve("error.log");
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Writes the configuration and starts Nginx; returns when every listen address accepts connections. */
    public synchronized NginxServer start() {
        if (isAlive()) {
            return this;
        }
        try {
            Files.createDirectories(dir.resolve("temp"));
            Files.writeString(dir.resolve("nginx.conf"), config);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write nginx config in " + dir, e);
        }
        process = ManagedProcess.start("nginx-" + name,
                List.of(BINARY.toString(), "-p", dir + "/", "-c", dir.resolve("nginx.conf").toString(),
                        "-e", errorLog().toString()),
                Map.of(), dir, dir.resolve("stdout.log"));
        for (Listen l : listens) {
            Await.until(START_TIMEOUT, () -> {
                if (!process.isAlive()) {
                    throw new IllegalStateException("nginx " + name + " exited; see " + errorLog());
                }
                return Ports.isListening(l.host, l.port, 200);
            }, () -> "nginx " + name + " listening on " + l.host + ":" + l.port);
        }
        return this;
    }

    /** {@code kill -9}: the listener disappears at once (connection refused). */
    public synchronized void kill() {
        if (process != null) {
            process.kill();
        }
    }

    /** SIGTERM (fast shutdown), SIGKILL after 5 s. */
    public synchronized void stop() {
        if (process != null) {
            process.stop(Duration.ofSeconds(5));
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Collects server blocks and extra http-level lines for one Nginx instance. */
    public static final class Builder {
        private final Path dir;
        private String name = "nginx";
        private final List<Listen> listens = new ArrayList<>();
        private final StringBuilder http = new StringBuilder();

        private Builder(Path dir) {
            this.dir = dir.toAbsolutePath();
        }

        /** A name for logs and the process. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Adds {@code server { listen host:port; <body> }}; the host must be a loopback address.
         */
        public Builder server(String host, int port, String body) {
            Ports.loopback(host);
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            listens.add(new Listen(host, port));
            http.append("    server {\n        listen ").append(host).append(':').append(port).append(";\n        ")
                    .append(body).append("\n    }\n");
            return this;
        }

        /** Adds raw lines to the {@code http} block (upstreams, maps, ...). */
        public Builder http(String lines) {
            http.append("    ").append(Objects.requireNonNull(lines, "lines")).append('\n');
            return this;
        }

        String render() {
            String temp = dir.resolve("temp").toString();
            return "# generated by hakit testkit\n"
                    + "daemon off;\n"
                    + "master_process off;\n"
                    + "worker_processes 1;\n"
                    + "user root root;\n"
                    + "pid " + dir.resolve("nginx.pid") + ";\n"
                    + "error_log " + dir.resolve("error.log") + " warn;\n"
                    + "events { worker_connections 512; }\n"
                    + "http {\n"
                    + "    access_log " + dir.resolve("access.log") + ";\n"
                    + "    client_body_temp_path " + temp + "/body;\n"
                    + "    proxy_temp_path " + temp + "/proxy;\n"
                    + "    fastcgi_temp_path " + temp + "/fastcgi;\n"
                    + "    uwsgi_temp_path " + temp + "/uwsgi;\n"
                    + "    scgi_temp_path " + temp + "/scgi;\n"
                    + "    default_type application/octet-stream;\n"
                    + "    sendfile on;\n"
                    + "    keepalive_timeout 30s;\n"
                    + http
                    + "}\n";
        }

        /** Starts the instance. */
        public NginxServer start() {
            if (listens.isEmpty()) {
                throw new IllegalStateException("nginx " + name + " has no server block");
            }
            return new NginxServer(this).start();
        }
    }
}
