package io.github.hakit.core.config;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.HostPort;
import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * Property-based fuzzing (issue #14, point 2) of every public core parser: the Nginx and HAProxy config text,
 * {@link Endpoint#parse}, {@link Endpoint#parseList}, {@link HostPort#parse}, and the two time syntaxes. Inputs are
 * random mutations of real config (tokens swapped, cut, duplicated, random characters and Unicode digits
 * inserted) plus free text. Invariants: the parser returns normally or throws its own clear exception
 * ({@link ConfigParseException} for config text, {@link IllegalArgumentException} with a message for values),
 * never another exception type, and never takes longer than a second. Fixed seeds, 10,000+ cases per build.
 */
class ParserFuzzTest {
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
            "upstream", "backend", "weight", "check", "hash", "fail_timeout=", "\u0000", "é", "𝟘");

    private static void bounded(Runnable r) {
        assertTimeoutPreemptively(Duration.ofSeconds(1), r::run);
    }

    private static void config(Runnable parse) {
        try {
            parse.run();
        } catch (ConfigParseException expected) {
            if (expected.getMessage() == null || expected.line() < 1 || expected.column() < 1) {
                throw new AssertionError("unclear error", expected);
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

    @Provide
    Arbitrary<String> nginxText() {
        return mutations(NGINX);
    }

    @Provide
    Arbitrary<String> haproxyText() {
        return mutations(HAPROXY);
    }

    @Provide
    Arbitrary<String> shortText() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("0123456789:.[]abc +-_@/%٨８").ofMaxLength(24),
                Arbitraries.strings().all().ofMaxLength(16),
                Arbitraries.of("10.0.0.1:80", "[::1]:80", "a:65535", "a:65536", "a:0", "amqp://u:p@h:5672",
                        "h:80 weight=2 backup", "server h:80;", "10s", "1h30m", "1y2M3w4d5h6m7s8ms"));
    }

    /** Real config text with a few random edits: pieces inserted, spans cut or duplicated, characters swapped. */
    private static Arbitrary<String> mutations(String base) {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, base.length());
        Arbitrary<Edit> insert = Combinators.combine(at, Arbitraries.of(PIECES)).as((i, p) -> t -> {
            int k = Math.min(i, t.length());
            return t.substring(0, k) + p + t.substring(k);
        });
        Arbitrary<Edit> cut = Combinators.combine(at, Arbitraries.integers().between(1, 20)).as((i, n) -> t -> {
            int k = Math.min(i, t.length());
            return t.substring(0, k) + t.substring(Math.min(t.length(), k + n));
        });
        Arbitrary<Edit> dup = Combinators.combine(at, Arbitraries.integers().between(1, 40)).as((i, n) -> t -> {
            int k = Math.min(i, t.length());
            String span = t.substring(k, Math.min(t.length(), k + n));
            return t.substring(0, k) + span + span + t.substring(k);
        });
        Arbitrary<Edit> any = Combinators.combine(at, Arbitraries.chars()).as((i, c) -> t -> {
            int k = Math.min(i, Math.max(0, t.length() - 1));
            return t.isEmpty() ? String.valueOf(c) : t.substring(0, k) + c + t.substring(k + 1);
        });
        return Arbitraries.oneOf(insert, cut, dup, any).list().ofMinSize(1).ofMaxSize(6).map(edits -> {
            String t = base;
            for (Edit e : edits) {
                t = e.apply(t);
            }
            return t;
        });
    }

    private interface Edit {
        String apply(String text);
    }

    @Property(tries = 3000, seed = "11", shrinking = ShrinkingMode.OFF)
    void nginxConfigText(@ForAll("nginxText") String text) {
        bounded(() -> {
            config(() -> NginxUpstreamParser.parseConfig(text));
            config(() -> NginxUpstreamParser.parseUpstream(text));
        });
    }

    @Property(tries = 3000, seed = "12", shrinking = ShrinkingMode.OFF)
    void haproxyConfigText(@ForAll("haproxyText") String text) {
        bounded(() -> config(() -> HaproxyBackendParser.parseBackend(text)));
    }

    @Property(tries = 4000, seed = "13", shrinking = ShrinkingMode.OFF)
    void valuesAndLines(@ForAll("shortText") String text) {
        bounded(() -> {
            value(() -> HostPort.parse(text));
            value(() -> Endpoint.parse(text));
            value(() -> Endpoint.parseList(text));
            value(() -> HaproxyBackendParser.parseServer("server a " + text));
            value(() -> NginxUpstreamParser.parseNextUpstream("proxy_next_upstream_timeout " + text + ";"));
            NginxUpstreamParser.parseTime(text, true);
            NginxUpstreamParser.parseTime(text, false);
        });
    }
}
