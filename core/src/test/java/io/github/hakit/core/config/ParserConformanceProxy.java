package io.github.hakit.core.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs a real proxy's configuration check ({@code nginx -t}, {@code haproxy -c}) on a file and reports what it
 * said, so the parser conformance ITs can compare hakit's verdict with the proxy's own. The checks only parse:
 * they bind no port and leave no process behind (each run is waited for, and killed if it overruns).
 *
 * <p>A missing binary skips the test, or fails it under {@code -Dhakit.requireServers=true} (as the testkit's
 * {@code RequiredServers} does; core does not depend on testkit).
 */
final class ParserConformanceProxy {
    private static final Pattern NGINX_ERROR = Pattern.compile("\\[emerg\\] \\d+#\\d+: (.*) in (\\S+):(\\d+)");
    private static final Pattern HAPROXY_ALERT = Pattern.compile("\\[ALERT\\].*?\\[[^\\]]*?:(\\d+)\\] : (.*)");

    /** What a proxy said about a configuration: accepted, or the first error with its line. */
    record Verdict(boolean accepted, String message, int line, String output) {
    }

    private final String binary;

    private ParserConformanceProxy(String binary) {
        this.binary = binary;
    }

    /** The proxy at {@code /usr/sbin/<name>}, or a skipped (or, in CI, failed) test. */
    static ParserConformanceProxy require(String name) {
        Path path = Path.of("/usr/sbin", name);
        if (!Files.isExecutable(path)) {
            String message = "required server not available: " + name + " (apt-get install " + name + ")";
            if (Boolean.getBoolean("hakit.requireServers")) {
                Assertions.fail(message + " (-Dhakit.requireServers=true)");
            }
            Assumptions.abort(message);
        }
        return new ParserConformanceProxy(path.toString());
    }

    /** {@code nginx -t} on {@code config}, written into {@code dir}. */
    Verdict nginxTest(Path dir, String config) throws IOException, InterruptedException {
        Path conf = dir.resolve("nginx.conf");
        Files.writeString(conf, config, StandardCharsets.UTF_8);
        String out = run(List.of(binary, "-t", "-q", "-e", "stderr", "-p", dir.toString(), "-c", conf.toString()));
        Matcher m = NGINX_ERROR.matcher(out);
        if (m.find()) {
            return new Verdict(false, m.group(1), Integer.parseInt(m.group(3)), out);
        }
        return new Verdict(!out.contains("[emerg]"), "", 0, out);
    }

    /** {@code haproxy -c} on {@code config}, written into {@code dir}. */
    Verdict haproxyCheck(Path dir, String config) throws IOException, InterruptedException {
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config, StandardCharsets.UTF_8);
        String out = run(List.of(binary, "-c", "-f", cfg.toString()));
        Matcher m = HAPROXY_ALERT.matcher(out);
        if (m.find()) {
            return new Verdict(false, m.group(2), Integer.parseInt(m.group(1)), out);
        }
        return new Verdict(out.contains("no error") || out.contains("is valid"), "", 0, out);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            byte[] bytes = in.readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                Assertions.fail("timed out: " + command);
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } finally {
            p.destroyForcibly();
        }
    }
}
