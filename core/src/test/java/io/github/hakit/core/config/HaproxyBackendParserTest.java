package io.github.hakit.core.config;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.UpstreamConfig;
import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.config.ConfigParseException;
import io.github.hakit.core.config.HaproxyBackendParser;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.ObserveConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven tests of {@link HaproxyBackendParser}. Expected defaults and messages come from HAProxy's sources:
 * {@code src/server.c} (weight 0..{@code SRV_UWGHT_MAX}=256, {@code observe}, {@code on-error}, {@code error-limit},
 * {@code disabled}), {@code src/check.c} ({@code inter}/{@code fastinter}/{@code downinter}, {@code rise}/{@code fall}
 * "has to be > 0"), {@code parse_time_err()} in {@code src/tools.c} (units us ms s m h d, default ms), and the
 * configuration manual (inter 2s, rise 2, fall 3, retries 3, error-limit 10, on-error fastinter).
 */
class HaproxyBackendParserTest {

    private static final HealthCheckConfig DEFAULT_CHECK = HealthCheckConfig.ofDefaults();

    /** What a bare HAProxy server becomes: weight 1, no Nginx-style passive failure counting. */
    private static Endpoint.Builder server(String name, String host, int port) {
        return Endpoint.builder(host, port).name(name).maxFails(0);
    }

    static Stream<Arguments> validServerLines() {
        return Stream.of(
                Arguments.of("server a 127.0.0.1:5681", server("a", "127.0.0.1", 5681).build()),
                Arguments.of("server a 127.0.0.1:5681 check inter 2s rise 2 fall 3",
                        server("a", "127.0.0.1", 5681).healthCheck(DEFAULT_CHECK).build()),
                Arguments.of("server a h:1 check", server("a", "h", 1).healthCheck(DEFAULT_CHECK).build()),
                Arguments.of("server a h:1 inter 5s rise 9", server("a", "h", 1).build()),
                Arguments.of("server a h:1 check inter 500 fastinter 100ms downinter 5s rise 1 fall 5",
                        server("a", "h", 1).healthCheck(new HealthCheckConfig(Duration.ofMillis(500),
                                Duration.ofMillis(100), Duration.ofSeconds(5), 1, 5, null)).build()),
                Arguments.of("server a h:1 check inter 1500us", server("a", "h", 1).healthCheck(
                        new HealthCheckConfig(Duration.ofMillis(2), null, null, 2, 3, null)).build()),
                Arguments.of("server a h:1 check inter 1m fastinter 1h downinter 1d", server("a", "h", 1).healthCheck(
                        new HealthCheckConfig(Duration.ofMinutes(1), Duration.ofHours(1), Duration.ofDays(1), 2, 3,
                                null)).build()),
                Arguments.of("server a h:1 weight 0", server("a", "h", 1).weight(0).build()),
                Arguments.of("server a h:1 weight 256", server("a", "h", 1).weight(256).build()),
                Arguments.of("server a h:1 backup disabled",
                        server("a", "h", 1).backup(true).down(true).tag("haproxy.disabled", "true").build()),
                Arguments.of("server a h:1 disabled enabled backup no-backup", server("a", "h", 1).build()),
                Arguments.of("server a h:1 maxconn 100 slowstart 1m",
                        server("a", "h", 1).maxConns(100).slowStart(Duration.ofMinutes(1)).build()),
                Arguments.of("server a h:1 check observe layer4 error-limit 5 on-error mark-down",
                        server("a", "h", 1).healthCheck(DEFAULT_CHECK).observe(new ObserveConfig(
                                ObserveConfig.Layer.LAYER4, 5, ObserveConfig.OnError.MARK_DOWN)).build()),
                Arguments.of("server a h:1 check observe layer4", server("a", "h", 1).healthCheck(DEFAULT_CHECK)
                        .observe(ObserveConfig.layer4()).build()),
                Arguments.of("server a h:1 observe layer4 observe none", server("a", "h", 1).build()),
                Arguments.of("server a h:1 cookie s1 send-proxy port 8080",
                        server("a", "h", 1).tag("haproxy.cookie", "s1").tag("haproxy.send-proxy", "true")
                                .tag("haproxy.port", "8080").build()),
                Arguments.of("server v6 [::1]:80   # comment", server("v6", "::1", 80).build()),
                Arguments.of("server \"a b\" ipv4@10.0.0.1:80", server("a b", "10.0.0.1", 80).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validServerLines")
    void validServerLineGivesTheExpectedEndpoint(String line, Endpoint expected) {
        assertEquals(expected, HaproxyBackendParser.parseServer(line));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            server a h:1 wieght 2              | unknown keyword 'wieght' in 'server a'; did you mean 'weight'? at line 1, column 14
            server a h:1 checks                | unknown keyword 'checks' in 'server a'; did you mean 'check'? at line 1, column 14
            server a h:1 frobnicate            | unknown keyword 'frobnicate' in 'server a' at line 1, column 14
            server a h:1 weight 300            | weight of server a is not within 0 and 256 (300). at line 1, column 21
            server a h:1 weight                | 'weight' expects an integer argument. at line 1, column 14
            server a h:1 weight abc            | 'weight' expects an integer argument, got 'abc' at line 1, column 21
            server a h:1 weight -1             | 'weight' expects an integer argument, got '-1' at line 1, column 21
            server a h:1 rise 0                | 'rise' has to be > 0. at line 1, column 19
            server a h:1 fall                  | 'fall' expects an integer argument. at line 1, column 14
            server a h:1 inter 2q              | unexpected character 'q' in argument <2q> to <inter> of server a at line 1, column 20
            server a h:1 inter 2mx             | unexpected character 'x' in argument <2mx> to <inter> of server a at line 1, column 20
            server a h:1 inter 0               | invalid value 0 for argument 'inter' of server a at line 1, column 20
            server a h:1 fastinter 30d         | timer overflow in argument <30d> to <fastinter> of server a, maximum value is 2147483647 ms (~24.8 days) at line 1, column 24
            server a h:1 downinter             | 'downinter' expects a delay as argument. at line 1, column 14
            server a h:1 observe layer7        | 'layer7' can only be used in http proxies. at line 1, column 22
            server a h:1 observe layer5        | 'observe' expects one of 'none', 'layer4', 'layer7' but got 'layer5' at line 1, column 22
            server a h:1 on-error explode      | 'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got 'explode' at line 1, column 23
            server a h:1 error-limit 0         | error-limit has to be > 0. at line 1, column 26
            server a h:1 cookie                | 'cookie' expects an argument. at line 1, column 14
            server a h                         | server 'a' has no port in address 'h' at line 1, column 10
            server a h:0                       | invalid port '0' in address 'h:0' of server 'a' at line 1, column 10
            server a [::1                      | invalid address '[::1' for server 'a' (expected [ipv6]:port) at line 1, column 10
            server a                           | 'server' expects <name> and <addr>[:<port>] as arguments at line 1, column 1
            backend b                          | expected one 'server <name> <addr>[:<port>] [keywords]' line at line 1, column 1
            server a "h:1                      | unmatched quote " at line 1, column 10
            """)
    void invalidServerLineNamesTheTokenAndItsColumn(String line, String message) {
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> HaproxyBackendParser.parseServer(line));
        assertEquals(message, e.getMessage());
    }

    @Test
    void seedRabbitmqBackendGivesCheckedRoundRobinEndpoints() {
        HaproxyBackendParser.HaproxyBackend b = HaproxyBackendParser.parseBackend("""
                backend rabbitmq_cluster
                    mode tcp
                    balance roundrobin
                    server a 127.0.0.1:5681 check inter 2s rise 2 fall 3
                    server b 127.0.0.1:5682 check inter 2s rise 2 fall 3
                    server c 127.0.0.1:5683 check inter 2s rise 2 fall 3
                """);
        UpstreamConfig c = b.config();
        assertEquals("rabbitmq_cluster", c.name());
        assertEquals(List.of(
                server("a", "127.0.0.1", 5681).healthCheck(DEFAULT_CHECK).build(),
                server("b", "127.0.0.1", 5682).healthCheck(DEFAULT_CHECK).build(),
                server("c", "127.0.0.1", 5683).healthCheck(DEFAULT_CHECK).build()), c.endpoints());
        assertEquals(Balancer.ROUND_ROBIN, c.balancer());
        assertEquals(4, c.nextUpstream().tries(), "HAProxy's default retries 3 = 4 attempts");
        assertEquals(Set.of(FailureKind.ERROR, FailureKind.TIMEOUT), c.nextUpstream().conditions());
        assertFalse(c.nextUpstream().nonIdempotent());
        assertEquals(AllDownPolicy.failFast(), c.allDown());
        assertEquals("tcp", b.mode());
        assertEquals(3, b.retries());
        assertFalse(b.redispatch());
        assertNull(b.hashKey());
        assertNull(b.checkTimeout());
        assertEquals(List.of(), b.ignored());
        assertEquals(c.endpoints(), HaproxyBackendParser.parse("""
                backend rabbitmq_cluster
                    server a 127.0.0.1:5681 check inter 2s rise 2 fall 3
                    server b 127.0.0.1:5682 check inter 2s rise 2 fall 3
                    server c 127.0.0.1:5683 check inter 2s rise 2 fall 3
                """).endpoints());
    }

    @Test
    void defaultServerAppliesOnlyToLaterServersAndAccumulates() {
        List<Endpoint> e = HaproxyBackendParser.parse("""
                backend b
                    server a h:1
                    default-server check inter 1s weight 5
                    server b h:2
                    default-server fall 5
                    server c h:3 no-check weight 2
                    server d h:4
                """).endpoints();
        HealthCheckConfig oneSecond = new HealthCheckConfig(Duration.ofSeconds(1), null, null, 2, 3, null);
        assertEquals(server("a", "h", 1).build(), e.get(0));
        assertEquals(server("b", "h", 2).weight(5).healthCheck(oneSecond).build(), e.get(1));
        assertEquals(server("c", "h", 3).weight(2).build(), e.get(2));
        assertEquals(server("d", "h", 4).weight(5).healthCheck(oneSecond.toBuilder().fall(5).build()).build(), e.get(3));
    }

    @Test
    void defaultsSectionFeedsTheBackendAndRetriesMapToTriesPlusOne() {
        HaproxyBackendParser.HaproxyBackend b = HaproxyBackendParser.parseBackend("""
                global
                    maxconn 4096
                    daemon
                defaults
                    mode http
                    retries 2
                    option redispatch
                    timeout connect 5s
                    timeout server 30s
                    timeout check 1s
                    timeout client 30s
                    default-server fall 5 observe layer7
                frontend fe
                    bind 127.0.0.1:8080
                    default_backend web
                backend web
                    balance leastconn
                    server w1 10.0.0.1:80 check
                """);
        UpstreamConfig c = b.config();
        assertEquals(3, c.nextUpstream().tries());
        assertEquals(2, b.retries());
        assertTrue(b.redispatch());
        assertEquals("http", b.mode());
        assertEquals(Balancer.LEAST_CONN, c.balancer());
        assertEquals(Duration.ofSeconds(5), b.connectTimeout());
        assertEquals(Duration.ofSeconds(30), b.serverTimeout());
        assertEquals(Duration.ofSeconds(1), b.checkTimeout());
        assertEquals(server("w1", "10.0.0.1", 80)
                .healthCheck(new HealthCheckConfig(Duration.ofSeconds(2), null, null, 2, 5, Duration.ofSeconds(1)))
                .observe(new ObserveConfig(ObserveConfig.Layer.LAYER7, 10, ObserveConfig.OnError.FASTINTER))
                .build(), c.endpoints().get(0));
        assertEquals(List.of("'timeout client 30s' at line 11"), b.ignored());
    }

    @ParameterizedTest(name = "retries {0}")
    @CsvSource({"0, 1", "1, 2", "3, 4", "10, 11"})
    void retriesMeanOneMoreTry(int retries, int tries) {
        UpstreamConfig c = HaproxyBackendParser.parse("backend b\n retries " + retries + "\n server a h:1\n");
        assertEquals(tries, c.nextUpstream().tries());
    }

    @ParameterizedTest(name = "balance {0}")
    @CsvSource({"roundrobin, ROUND_ROBIN", "static-rr, ROUND_ROBIN", "leastconn, LEAST_CONN", "first, FIRST",
            "source, CONSISTENT_HASH"})
    void balanceSelectsTheBalancer(String algorithm, Balancer expected) {
        HaproxyBackendParser.HaproxyBackend b = HaproxyBackendParser.parseBackend(
                "backend b\n  balance " + algorithm + "\n  server a h:1\n");
        assertEquals(expected, b.config().balancer());
        assertEquals(algorithm.equals("source") ? "src" : null, b.hashKey());
    }

    @Test
    void retryOnMapsToFailureKindsAndListenSectionsWork() {
        HaproxyBackendParser.HaproxyBackend b = HaproxyBackendParser.parseBackend("""
                listen web
                    bind 127.0.0.1:80
                    mode http
                    retry-on conn-failure junk-response 503 404
                    no option redispatch
                    option httpchk GET /health
                    server a h:1
                """);
        assertEquals(Set.of(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.INVALID_HEADER, FailureKind.HTTP_503,
                FailureKind.HTTP_404), b.config().nextUpstream().conditions());
        assertEquals(List.of("'bind 127.0.0.1:80' at line 2", "'option httpchk GET /health' at line 6"), b.ignored());
        assertEquals(Set.of(), HaproxyBackendParser.parse("backend b\nretry-on none\nserver a h:1\n")
                .nextUpstream().conditions());
    }

    @Test
    void aBackendIsPickedByNameAmongSeveral() {
        String config = """
                backend one
                    server a h:1
                backend two
                    balance first
                    server b h:2 maxconn 1
                backend three
                    balance uri
                    server c h:3
                """;
        UpstreamConfig two = HaproxyBackendParser.parseBackend(config, "two").config();
        assertEquals("two", two.name());
        assertEquals(Balancer.FIRST, two.balancer());
        assertEquals(Map.of(), two.endpoints().get(0).tags());
        assertEquals(1, two.endpoints().get(0).maxConns());
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                Arguments.of("backend b\n  retires 3\n  server a h:1\n",
                        "unknown keyword 'retires' in 'backend' section; did you mean 'retries'? at line 2, column 3"),
                Arguments.of("backend b\n  server a h:1 check inter 2s rise 2 fal 3\n",
                        "unknown keyword 'fal' in 'server a'; did you mean 'fall'? at line 2, column 38"),
                Arguments.of("backend b\n  default-server inter 2s wieght 3\n  server a h:1\n",
                        "unknown keyword 'wieght' in 'default-server'; did you mean 'weight'? at line 2, column 27"),
                Arguments.of("  server a h:1\nbackend b\n", "unknown keyword 'server' out of section at line 1, column 3"),
                Arguments.of("backend b\n  balance uri\n  server a h:1\n",
                        "balance algorithm 'uri' is not supported; use roundrobin, static-rr, leastconn, first or "
                                + "source at line 2, column 11"),
                Arguments.of("backend b\n  balance roundrobn\n",
                        "unknown balance algorithm 'roundrobn'; did you mean 'roundrobin'? at line 2, column 11"),
                Arguments.of("backend b\n  balance\n", "'balance' expects an algorithm at line 2, column 3"),
                Arguments.of("backend b\n  mode health\n",
                        "unknown proxy mode 'health' (hakit reads 'tcp' and 'http') at line 2, column 8"),
                Arguments.of("backend b\n  retries x\n", "'retries' expects an integer argument, got 'x' at line 2, column 11"),
                Arguments.of("backend b\n  option redispach\n",
                        "unknown option 'redispach'; did you mean 'redispatch'? at line 2, column 10"),
                Arguments.of("backend b\n  timeout conect 5s\n",
                        "unknown timeout 'conect'; did you mean 'connect'? at line 2, column 11"),
                Arguments.of("backend b\n  timeout connect 5x\n",
                        "unexpected character 'x' in argument <5x> to <timeout connect> at line 2, column 19"),
                Arguments.of("backend b\n  retry-on 401\n", "retry-on status 401 has no hakit failure kind at line 2, column 12"),
                Arguments.of("backend b\n  retry-on sometimes\n", "unknown retry-on keyword 'sometimes' at line 2, column 12"),
                Arguments.of("backend b\n  server a h:1\n  server a h:2\n",
                        "duplicate server name 'a' (first at line 2) at line 3, column 10"),
                Arguments.of("backend b\n  mode tcp\n", "backend 'b' has no server at line 1, column 9"),
                Arguments.of("defaults\n  server a h:1\n", "'server' not allowed in 'defaults' section at line 2, column 3"),
                Arguments.of("backend\n", "'backend' expects <name> as argument at line 1, column 1"),
                Arguments.of("global\n  daemon\n", "no 'backend' or 'listen' section found at line 2, column 1"),
                Arguments.of("backend a\n server x h:1\nbackend b\n server y h:2\n",
                        "more than one backend ('a' at line 1); name the one to read at line 3, column 9"),
                Arguments.of("backend b\n  server-template s 3 h:1\n",
                        "'server-template' is not supported; list the servers at line 2, column 3"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidConfigs")
    void invalidConfigNamesTheTokenWithLineAndColumn(String config, String message) {
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> HaproxyBackendParser.parse(config));
        assertEquals(message, e.getMessage());
    }

    @Test
    void aMissingNamedBackendIsReported() {
        ConfigParseException e = assertThrows(ConfigParseException.class,
                () -> HaproxyBackendParser.parseBackend("backend a\n server x h:1\n", "b"));
        assertEquals("no 'backend' or 'listen' section named 'b' at line 2, column 1", e.getMessage());
    }
}
