package io.github.hakit.core.config;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.HostPort;
import java.util.List;
import java.util.SplittableRandom;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzzing (issue #14, point 2) of every public core parser with a seeded {@link SplittableRandom}: the Nginx and
 * HAProxy config text, {@link Endpoint#parse}, {@link Endpoint#parseList}, {@link HostPort#parse}, the HAProxy
 * server line, {@code proxy_next_upstream_timeout} and both time syntaxes. Inputs are random mutations of real
 * config (pieces inserted, spans cut or duplicated, characters swapped, Unicode digits) plus free text.
 * Invariants: the parser returns normally or throws its own clear exception ({@link ConfigParseException} with line
 * and column for config text, {@link IllegalArgumentException} with a message for values), never another exception
 * type, never longer than one second. 10,000 cases with fixed seeds in every build; longer runs with
 * {@code -Dhakit.fuzz.cases=N -Dhakit.fuzz.seed=S}. A failure names the seed, the case number and the input.
 */
class ParserFuzzTest {
    /** Wall time after which a case counts as hung (its CPU bound is 1 s; see {@link #fuzz}). */
    private static final java.time.Duration HANG = java.time.Duration.ofSeconds(30);
    private static final int CASES = Integer.getInteger("hakit.fuzz.cases", 10_000);
    private static final long SEED = Long.getLong("hakit.fuzz.seed", 20261203L);

    private static final String NGINX = """
            http {
                proxy_next_upstream error timeout http_502;
                upstream fdfs_group1 {
                    hash $request_uri consistent;
                    server 10.0.0.5:80 weight=2 max_fails=2 fail_timeout=30s;
                    server [::1]:8080 max_conns=10 down;
                    keepalive 32;
                }
                server { location /g1 { proxy_pass http://fdfs_group1; proxy_next_upstream_tries 3; } }
            }
            """;
    private static final String HAPROXY = """
            defaults
                retries 3
                option redispatch
                timeout connect 5s
            backend rabbit
                balance roundrobin
                default-server inter 2s rise 2 fall 3 slowstart 10s
                server a 127.0.0.1:5672 check weight 10 observe layer4 error-limit 5 on-error mark-down
                server b ipv4@127.0.0.2:5672 check backup maxconn 100
            """;
    private static final List<String> PIECES = List.of("{", "}", ";", ":", "=", "\"", "'", "#", "\\", " ", "\n",
            "\t", "٨", "８", "+", "-", "0", "99999999999999999999", "1d", "ms", "s", "[", "]", "@", "server",
            "upstream", "backend", "weight", "check", "hash", "fail_timeout=", "\u0000", "é", "𝟘",
            "106751991166d", "amqp://u:p@h:5672");
    private static final List<String> VALUES = List.of("10.0.0.1:80", "[::1]:80", "a:65535", "a:65536", "a:0",
            "amqp://u:p@h:5672", "h:80 weight=2 backup", "server h:80;", "10s", "1h30m", "1y2M3w4d5h6m7s8ms",
            "127.0.0.1:+80", "127.0.0.1:٨٠");
    private static final String ALPHABET = "0123456789:.[]abc +-_@/%٨８;={}\"'#\\\n\t";

    private static ExecutorService runner;

    @BeforeAll
    static void start() {
        runner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "parser-fuzz");
            t.setDaemon(true);
            return t;
        });
    }

    @AfterAll
    static void stop() {
        runner.shutdownNow();
    }

    @Test
    void nginxConfigText() {
        fuzz(SEED, CASES * 3 / 10, r -> mutate(NGINX, r), text -> {
            config(() -> NginxUpstreamParser.parseConfig(text));
            config(() -> NginxUpstreamParser.parseUpstream(text));
        });
    }

    @Test
    void haproxyConfigText() {
        fuzz(SEED + 1, CASES * 3 / 10, r -> mutate(HAPROXY, r), text -> config(() -> HaproxyBackendParser.parseBackend(text)));
    }

    @Test
    void valuesAndLines() {
        fuzz(SEED + 2, CASES * 4 / 10, ParserFuzzTest::value, text -> {
            value(() -> HostPort.parse(text));
            value(() -> Endpoint.parse(text));
            value(() -> Endpoint.parseList(text));
            value(() -> HaproxyBackendParser.parseServer("server a " + text));
            value(() -> NginxUpstreamParser.parseNextUpstream("proxy_next_upstream_timeout " + text + ";"));
            NginxUpstreamParser.parseTime(text, true);
            NginxUpstreamParser.parseTime(text, false);
        });
    }

    /**
     * Runs {@code cases} inputs through {@code check}, each within one second of CPU time, naming seed and case on
     * failure. CPU time, not wall time: on a busy machine a parse may wait for a CPU far longer than it computes (a
     * 1 s wall-clock bound failed beside the full suite and two busy loops); a runaway parse (a loop, regex
     * backtracking) burns CPU. A case that has not answered after {@link #HANG} of wall time is a hang.
     */
    private static void fuzz(long seed, int cases, Function<SplittableRandom, String> input, Consumer<String> check) {
        SplittableRandom random = new SplittableRandom(seed);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        for (int i = 0; i < cases; i++) {
            String text = input.apply(random);
            long[] cpuNanos = new long[1];
            Future<?> f = runner.submit(() -> {
                long start = cpu.getCurrentThreadCpuTime();
                try {
                    check.accept(text);
                } finally {
                    cpuNanos[0] = cpu.getCurrentThreadCpuTime() - start;
                }
            });
            try {
                f.get(HANG.toMillis(), TimeUnit.MILLISECONDS);
                if (cpuNanos[0] > TimeUnit.SECONDS.toNanos(1)) {
                    fail("seed " + seed + " case " + i + ": " + cpuNanos[0] / 1_000_000 + " ms of CPU for input "
                            + quote(text));
                }
            } catch (TimeoutException e) {
                f.cancel(true);
                fail("seed " + seed + " case " + i + ": no answer within " + HANG.toSeconds() + " s for input "
                        + quote(text));
            } catch (ExecutionException e) {
                throw new AssertionError("seed " + seed + " case " + i + ": " + e.getCause() + " for input "
                        + quote(text), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
    }

    private static void config(Runnable parse) {
        try {
            parse.run();
        } catch (ConfigParseException expected) {
            if (expected.getMessage() == null || expected.line() < 1 || expected.column() < 1) {
                throw new AssertionError("unclear error: " + expected.getMessage(), expected);
            }
        }
    }

    private static void value(Runnable parse) {
        try {
            parse.run();
        } catch (IllegalArgumentException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("unclear error", expected);
            }
        }
    }

    private static String value(SplittableRandom r) {
        switch (r.nextInt(3)) {
            case 0:
                return VALUES.get(r.nextInt(VALUES.size()));
            case 1: {
                StringBuilder sb = new StringBuilder();
                int n = r.nextInt(25);
                for (int i = 0; i < n; i++) {
                    sb.append(ALPHABET.charAt(r.nextInt(ALPHABET.length())));
                }
                return sb.toString();
            }
            default: {
                StringBuilder sb = new StringBuilder();
                int n = r.nextInt(17);
                for (int i = 0; i < n; i++) {
                    sb.appendCodePoint(r.nextInt(0x2FFFF) + 1 >= 0xD800 && r.nextBoolean() ? r.nextInt(0x80) + 1
                            : Math.min(r.nextInt(0x2FFFF) + 1, 0xD7FF));
                }
                return mutate(VALUES.get(r.nextInt(VALUES.size())), r) + sb;
            }
        }
    }

    /** Real text with 1..6 random edits: a piece inserted, a span cut or duplicated, a character swapped. */
    private static String mutate(String base, SplittableRandom r) {
        String t = base;
        int edits = 1 + r.nextInt(6);
        for (int e = 0; e < edits; e++) {
            int at = t.isEmpty() ? 0 : r.nextInt(t.length() + 1);
            switch (r.nextInt(4)) {
                case 0 -> t = t.substring(0, at) + PIECES.get(r.nextInt(PIECES.size())) + t.substring(at);
                case 1 -> t = t.substring(0, at) + t.substring(Math.min(t.length(), at + 1 + r.nextInt(20)));
                case 2 -> {
                    String span = t.substring(at, Math.min(t.length(), at + 1 + r.nextInt(40)));
                    t = t.substring(0, at) + span + span + t.substring(at);
                }
                default -> {
                    char c = (char) (r.nextBoolean() ? 32 + r.nextInt(95) : r.nextInt(0xD7FF));
                    t = t.isEmpty() ? String.valueOf(c)
                            : t.substring(0, Math.min(at, t.length() - 1)) + c + t.substring(Math.min(at, t.length() - 1) + 1);
                }
            }
        }
        return t;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\"", "\\\"") + "\"";
    }
}
