package io.github.hakit.core.config;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.UpstreamConfig;
import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.config.ConfigParseException;
import io.github.hakit.core.config.NginxUpstreamParser;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Table-driven tests of {@link NginxUpstreamParser}. Expected values come from Nginx's sources:
 * {@code ngx_http_upstream_server()} in {@code src/http/ngx_http_upstream.c} (defaults weight=1 max_fails=1
 * fail_timeout=10s, default port 80, {@code invalid parameter "..."}), {@code ngx_parse_time()} in
 * {@code src/core/ngx_parse.c}, and {@code ngx_http_proxy_next_upstream_masks} in {@code ngx_http_proxy_module.c}.
 */
class NginxUpstreamParserTest {

    private static Endpoint ep(String host, int port) {
        return Endpoint.of(host, port);
    }

    static Stream<Arguments> validServerLines() {
        return Stream.of(
                Arguments.of("10.0.0.3:80", ep("10.0.0.3", 80)),
                Arguments.of("server 10.0.0.3:80 weight=2 max_fails=2 fail_timeout=30s;",
                        ep("10.0.0.3", 80).toBuilder().weight(2).maxFails(2).failTimeout(Duration.ofSeconds(30)).build()),
                // written without a port: the text is kept for "hash ... consistent", which hashes it as written
                Arguments.of("s1 backup", ep("s1", 80).toBuilder().backup(true)
                        .tag(NginxUpstreamParser.SERVER_TAG, "s1").build()),
                Arguments.of("[::1]:8080 down max_conns=10",
                        ep("::1", 8080).toBuilder().down(true).maxConns(10).build()),
                Arguments.of("h:80 fail_timeout=1m30s", ep("h", 80).toBuilder().failTimeout(Duration.ofSeconds(90)).build()),
                Arguments.of("h:80 fail_timeout=1h", ep("h", 80).toBuilder().failTimeout(Duration.ofHours(1)).build()),
                Arguments.of("h:80 fail_timeout=10", ep("h", 80).toBuilder().failTimeout(Duration.ofSeconds(10)).build()),
                Arguments.of("h:80 fail_timeout=0", ep("h", 80).toBuilder().failTimeout(Duration.ZERO).build()),
                Arguments.of("h:80 max_fails=0", ep("h", 80).toBuilder().maxFails(0).build()),
                Arguments.of("  server   h:81   weight=1000000 ; ", ep("h", 81).toBuilder().weight(1_000_000).build()),
                Arguments.of("h:80 weight=3 weight=4", ep("h", 80).toBuilder().weight(4).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("validServerLines")
    void validServerLineGivesTheExpectedEndpoint(String line, Endpoint expected) {
        assertEquals(expected, NginxUpstreamParser.parseServer(line));
        assertEquals(expected, Endpoint.parse(line), "Endpoint.parse delegates to the parser");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            h:80 wieght=2                 | invalid parameter "wieght=2" at line 1, column 6
            server h:80 weight=0;         | invalid parameter "weight=0" at line 1, column 13
            h:80 weight=-1                | invalid parameter "weight=-1" at line 1, column 6
            h:80 weight=abc               | invalid parameter "weight=abc" at line 1, column 6
            h:80 weight=                  | invalid parameter "weight=" at line 1, column 6
            h:80 weight=2000000           | invalid parameter "weight=2000000" (weight above 1000000) at line 1, column 6
            h:80 weight=2 max_fails=x     | invalid parameter "max_fails=x" at line 1, column 15
            h:80 max_conns=99999999999    | invalid parameter "max_conns=99999999999" (above 2147483647) at line 1, column 6
            h:80 fail_timeout=500ms       | invalid parameter "fail_timeout=500ms" at line 1, column 6
            h:80 fail_timeout=10x         | invalid parameter "fail_timeout=10x" at line 1, column 6
            h:80 fail_timeout=s           | invalid parameter "fail_timeout=s" at line 1, column 6
            h:80 fail_timeout=30s1m       | invalid parameter "fail_timeout=30s1m" at line 1, column 6
            h:80 backupp                  | invalid parameter "backupp" at line 1, column 6
            h:80 Down                     | invalid parameter "Down" at line 1, column 6
            h:0                           | invalid port in upstream "h:0" at line 1, column 1
            server h:99999;               | invalid port in upstream "h:99999" at line 1, column 8
            h:http                        | invalid port in upstream "h:http" at line 1, column 1
            :80                           | no host in upstream ":80" at line 1, column 1
            a:b:c                         | invalid host in upstream "a:b:c" (write IPv6 addresses in brackets) at line 1, column 1
            h/x:80                        | invalid host in upstream "h/x:80" at line 1, column 1
            unix:/tmp/s.sock              | unix domain sockets are not supported in upstream "unix:/tmp/s.sock" at line 1, column 1
            server;                       | invalid number of arguments in "server" directive at line 1, column 1
            h:80 { weight=2               | unexpected "{" at line 1, column 6
            """)
    void invalidServerLineNamesTheTokenAndItsColumn(String line, String message) {
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> NginxUpstreamParser.parseServer(line));
        assertEquals(message, e.getMessage());
        ConfigParseException viaEndpoint = assertThrows(ConfigParseException.class, () -> Endpoint.parse(line));
        assertEquals(message, viaEndpoint.getMessage());
    }

    @Test
    void parametersAreCheckedBeforeTheAddressAsNginxDoes() {
        ConfigParseException e = assertThrows(ConfigParseException.class,
                () -> NginxUpstreamParser.parseServer("h:0 bogus"));
        assertEquals("invalid parameter \"bogus\" at line 1, column 5", e.getMessage());
        assertEquals(1, e.line());
        assertEquals(5, e.column());
    }

    @Test
    void seedFastdfsBlockGivesTwoEndpointsAndTheNextUpstreamPolicy() {
        NginxUpstreamParser.NginxUpstream u = NginxUpstreamParser.parseUpstream("""
                upstream fdfs_group1 {
                    server s1:80 weight=1 max_fails=2 fail_timeout=30s;
                    server s2:80 weight=1 max_fails=2 fail_timeout=30s;
                }
                proxy_next_upstream http_502 http_504 error timeout invalid_header;
                """);
        UpstreamConfig c = u.config();
        Endpoint s1 = Endpoint.builder("s1", 80).maxFails(2).failTimeout(Duration.ofSeconds(30)).build();
        Endpoint s2 = Endpoint.builder("s2", 80).maxFails(2).failTimeout(Duration.ofSeconds(30)).build();
        assertEquals("fdfs_group1", c.name());
        assertEquals(List.of(s1, s2), c.endpoints());
        assertEquals(Balancer.ROUND_ROBIN, c.balancer());
        assertEquals(Set.copyOf(EnumSet.of(FailureKind.HTTP_502, FailureKind.HTTP_504, FailureKind.ERROR,
                FailureKind.TIMEOUT, FailureKind.INVALID_HEADER)), c.nextUpstream().conditions());
        assertEquals(0, c.nextUpstream().tries());
        assertEquals(Duration.ZERO, c.nextUpstream().timeout());
        assertFalse(c.nextUpstream().nonIdempotent());
        assertEquals(AllDownPolicy.failFast(), c.allDown());
        assertNull(c.healthCheck());
        assertNull(u.hashKey());
        assertEquals(List.of(), u.ignored());
        assertEquals(c, NginxUpstreamParser.parse("""
                upstream fdfs_group1 {
                    server s1:80 weight=1 max_fails=2 fail_timeout=30s;
                    server s2:80 weight=1 max_fails=2 fail_timeout=30s;
                }
                proxy_next_upstream http_502 http_504 error timeout invalid_header;
                """).withNextUpstream(c.nextUpstream()), "parse() returns the same config");
    }

    @Test
    void withoutNextUpstreamDirectivesNginxDefaultsApply() {
        UpstreamConfig c = NginxUpstreamParser.parse("upstream u { server a:80; }");
        assertEquals(Set.of(FailureKind.ERROR, FailureKind.TIMEOUT), c.nextUpstream().conditions());
        assertEquals(0, c.nextUpstream().tries());
        assertEquals(Duration.ZERO, c.nextUpstream().timeout());
    }

    @Test
    void triesTimeoutNonIdempotentAndCommentsAreRead() {
        UpstreamConfig c = NginxUpstreamParser.parse("""
                # FastDFS storage group 2
                upstream "g2" {
                    server 10.0.0.1:8080;   # primary
                    server 10.0.0.2:8080 backup;
                }
                proxy_next_upstream error timeout HTTP_503 non_idempotent;
                proxy_next_upstream_tries 3;
                proxy_next_upstream_timeout 1m30s;
                """);
        assertEquals("g2", c.name());
        assertTrue(c.endpoints().get(1).backup());
        assertEquals(Set.of(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.HTTP_503), c.nextUpstream().conditions());
        assertTrue(c.nextUpstream().nonIdempotent());
        assertEquals(3, c.nextUpstream().tries());
        assertEquals(Duration.ofSeconds(90), c.nextUpstream().timeout());
    }

    @ParameterizedTest(name = "proxy_next_upstream_timeout {0}")
    @CsvSource({"500ms, 500", "10, 10000", "1m30s, 90000", "0, 0", "2h, 7200000", "1w, 604800000", "1s500ms, 1500"})
    void nextUpstreamTimeoutUsesNginxMillisecondSyntax(String value, long millis) {
        NextUpstreamPolicy p = NginxUpstreamParser.parseNextUpstream("proxy_next_upstream_timeout " + value + ";");
        assertEquals(Duration.ofMillis(millis), p.timeout());
    }

    @Test
    void offWinsOverOtherConditionsAndUpdatingIsListedAsIgnored() {
        NginxUpstreamParser.NginxUpstream u = NginxUpstreamParser.parseUpstream("""
                upstream u { server a:80; keepalive 16; zone u 64k; }
                proxy_next_upstream error off non_idempotent updating;
                """);
        assertEquals(Set.of(), u.config().nextUpstream().conditions());
        assertFalse(u.config().nextUpstream().nonIdempotent());
        assertEquals(List.of("\"keepalive 16\" at line 1", "\"proxy_next_upstream updating\" at line 2",
                "\"zone u 64k\" at line 1"), u.ignored().stream().sorted().toList());
    }

    @Test
    void repeatedNextUpstreamLinesAddUpAsNginxBitmaskSlotDoes() {
        NextUpstreamPolicy p = NginxUpstreamParser.parseNextUpstream("""
                proxy_next_upstream error error;
                proxy_next_upstream http_502 non_idempotent;
                """);
        assertEquals(Set.of(FailureKind.ERROR, FailureKind.HTTP_502), p.conditions());
        assertTrue(p.nonIdempotent());
        assertEquals(Set.of(), NginxUpstreamParser.parseNextUpstream(
                "proxy_next_upstream error;\nproxy_next_upstream off;").conditions());
    }

    @Test
    void leastConnAndConsistentHashChooseTheBalancer() {
        assertEquals(Balancer.LEAST_CONN,
                NginxUpstreamParser.parse("upstream u { least_conn; server a:80; server b:80 backup; }").balancer());
        NginxUpstreamParser.NginxUpstream h = NginxUpstreamParser.parseUpstream(
                "upstream u { hash $request_uri consistent; server a:80 weight=2; server b:80; }");
        assertEquals(Balancer.CONSISTENT_HASH, h.config().balancer());
        assertEquals("$request_uri", h.hashKey());
        assertEquals(2, h.config().endpoints().get(0).weight());
    }

    static Stream<Arguments> invalidConfigs() {
        return Stream.of(
                Arguments.of("""
                        upstream u {
                            server a:80;
                            server b:80 wieght=2;
                        }
                        """, "invalid parameter \"wieght=2\" at line 3, column 17"),
                Arguments.of("upstream u {\n    servr a:80;\n}", "unknown directive \"servr\" at line 2, column 5"),
                Arguments.of("upstream u {\n    server a:80\n}", "unexpected \"}\" at line 3, column 1"),
                Arguments.of("upstream u {\n    server a:80", "unexpected end of file, expecting \";\" or \"}\" at line 2, column 16"),
                Arguments.of("upstream u {\n    server a:80;\n", "unexpected end of file, expecting \"}\" at line 3, column 1"),
                Arguments.of("upstream u { server a:80; }\n}", "unexpected \"}\" at line 2, column 1"),
                Arguments.of("upstream u;", "directive \"upstream\" has no opening \"{\" at line 1, column 11"),
                Arguments.of("upstream { server a:80; }", "invalid number of arguments in \"upstream\" directive at line 1, column 1"),
                Arguments.of("upstream u {\n}", "no servers are inside upstream at line 2, column 1"),
                Arguments.of("upstream u {\n  server a:80 backup;\n}", "no servers in upstream \"u\" at line 1, column 1"),
                Arguments.of("proxy_next_upstream error;", "no \"upstream\" block found at line 1, column 1"),
                Arguments.of("upstream u { server a:80; }\nupstream v { server b:80; }",
                        "more than one upstream block (first \"u\" at line 1); parse one at a time at line 2, column 1"),
                Arguments.of("upstream u { server a:80; server a:80 weight=2; }",
                        "duplicate server \"a:80\" in upstream \"u\" (first at line 1) at line 1, column 34"),
                Arguments.of("upstream u { server a:80; }\nproxy_next_upstream error http_999;",
                        "invalid value \"http_999\" at line 2, column 27"),
                Arguments.of("upstream u { server a:80; }\nproxy_next_upstream;",
                        "invalid number of arguments in \"proxy_next_upstream\" directive at line 2, column 1"),
                Arguments.of("upstream u { server a:80; }\nproxy_next_upstream_tries abc;",
                        "\"proxy_next_upstream_tries\" directive invalid number \"abc\" at line 2, column 27"),
                Arguments.of("upstream u { server a:80; }\nproxy_next_upstream_tries 1 2;",
                        "invalid number of arguments in \"proxy_next_upstream_tries\" directive at line 2, column 1"),
                Arguments.of("upstream u { server a:80; }\nproxy_next_upstream_timeout 1y;",
                        "\"proxy_next_upstream_timeout\" directive invalid value \"1y\" at line 2, column 29"),
                Arguments.of("upstream u { server a:80; }\nproxy_next_upstream_tries 1;\nproxy_next_upstream_tries 2;",
                        "\"proxy_next_upstream_tries\" directive is duplicate at line 3, column 1"),
                Arguments.of("upstream u { server a:80; }\nproxy_next_upstream_timeout 1;\nproxy_next_upstream_timeout 2;",
                        "\"proxy_next_upstream_timeout\" directive is duplicate at line 3, column 1"),
                Arguments.of("upstream u { server a:80; proxy_next_upstream error; }",
                        "\"proxy_next_upstream\" directive is not allowed here at line 1, column 27"),
                Arguments.of("upstream u { hash $remote_addr consistent; server a:80; server b:80 backup; }",
                        "balancing method does not support parameter \"backup\" at line 1, column 69"),
                Arguments.of("upstream u { hash $remote_addr; server a:80; server b:80 backup; }",
                        "balancing method does not support parameter \"backup\" at line 1, column 58"),
                Arguments.of("upstream u { hash $remote_addr ketama; server a:80; }",
                        "invalid parameter \"ketama\" at line 1, column 32"),
                Arguments.of("upstream u { ip_hash; server a:80; }",
                        "balancing method \"ip_hash\" is not supported; use round robin (default), \"least_conn\" or "
                                + "\"hash $key consistent\" at line 1, column 14"),
                Arguments.of("upstream u { least_conn x; server a:80; }",
                        "invalid number of arguments in \"least_conn\" directive at line 1, column 14"),
                Arguments.of("upstream u { server a:80 { } }",
                        "directive \"server\" is not terminated by \";\" at line 1, column 26"),
                Arguments.of("upstream \"u { server a:80; }",
                        "unexpected end of file, expecting closing \" at line 1, column 10"),
                Arguments.of("http { upstream u { server a:80; } }", "unknown directive \"http\" at line 1, column 1"));
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @MethodSource("invalidConfigs")
    void invalidConfigNamesTheTokenWithLineAndColumn(String config, String message) {
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> NginxUpstreamParser.parse(config));
        assertEquals(message, e.getMessage());
    }

    @ParameterizedTest(name = "ngx_parse_time(\"{0}\", is_sec={1}) = {2}")
    @CsvSource({
            "10s, true, 10", "10, true, 10", "1m, true, 60", "1h30m, true, 5400", "1d, true, 86400",
            "1w, true, 604800", "1M, true, 2592000", "1y, true, 31536000", "1y1M1w1d1h1m1s, true, 34822861",
            "10s5, true, 15", "500ms, true, -1", "s, true, -1", "'', true, -1", "1m1h, true, -1", "1s1s, true, -1",
            "10x, true, -1", "-1, true, -1", "99999999999999999999, true, -1",
            "500ms, false, 500", "1s500ms, false, 1500", "1y, false, -1", "1M, false, -1", "1w, false, 604800000",
            "2, false, 2000"})
    void parseTimeFollowsNgxParseTime(String value, boolean isSec, long expected) {
        assertEquals(expected, NginxUpstreamParser.parseTime(value, isSec));
    }
}
