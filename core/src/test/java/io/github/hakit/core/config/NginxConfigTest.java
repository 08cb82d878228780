package io.github.hakit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.FailureKind;
import io.github.hakit.core.balance.Balancer;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A whole nginx.conf, as ops teams have it, read by {@link NginxUpstreamParser#parseConfig(String)}. */
class NginxConfigTest {
    private static final String CONF = """
            user www-data;
            worker_processes 4;
            events { worker_connections 1024; }
            http {
                include mime.types;
                sendfile on;
                proxy_connect_timeout 2s;
                proxy_next_upstream error timeout;
                upstream fdfs_group1 {
                    server 10.0.0.5:80 weight=1 max_fails=2 fail_timeout=30s;
                    server 10.0.0.6:80 weight=1 max_fails=2 fail_timeout=30s;
                    keepalive 32;
                }
                upstream tomcat { least_conn; server 10.0.1.1:8680; server 10.0.1.2:8680; }
                server {
                    listen 80;
                    server_name files.example.com;
                    location /group1/M00 {
                        proxy_pass http://fdfs_group1;
                        proxy_next_upstream http_502 http_504 error timeout invalid_header;
                        proxy_next_upstream_tries 2;
                        proxy_read_timeout 5s;
                    }
                    location /api/ { proxy_pass http://tomcat/api/; }
                }
            }
            """;

    @Test
    void upstreamsTakeThePolicyOfTheLocationThatProxiesToThem() {
        NginxUpstreamParser.NginxConfig conf = NginxUpstreamParser.parseConfig(CONF);
        assertEquals(Set.of("fdfs_group1", "tomcat"), conf.upstreams().keySet());
        var g1 = conf.upstream("fdfs_group1").config();
        assertEquals(2, g1.endpoints().size());
        assertEquals(Set.of(FailureKind.HTTP_502, FailureKind.HTTP_504, FailureKind.ERROR, FailureKind.TIMEOUT,
                FailureKind.INVALID_HEADER), g1.nextUpstream().conditions(), "the location's own line wins");
        assertEquals(2, g1.nextUpstream().tries());
        assertEquals(Duration.ofSeconds(5), g1.nextUpstream().attemptTimeout(), "proxy_read_timeout");
        assertEquals(Duration.ofSeconds(2), g1.nextUpstream().connectTimeout(), "inherited from http {}");
        assertTrue(g1.wholeSeconds());
        var tomcat = conf.upstream("tomcat").config();
        assertEquals(Balancer.LEAST_CONN, tomcat.balancer());
        assertEquals(Set.of(FailureKind.ERROR, FailureKind.TIMEOUT), tomcat.nextUpstream().conditions(),
                "inherited from http {}");
        assertEquals(Duration.ofSeconds(60), tomcat.nextUpstream().attemptTimeout(), "Nginx's default");
        assertTrue(conf.skipped().contains("\"worker_processes 4\" at line 2"), conf.skipped().toString());
        assertTrue(conf.skipped().contains("\"listen 80\" at line 16"), conf.skipped().toString());
        assertTrue(conf.upstream("fdfs_group1").ignored().contains("\"keepalive 32\" at line 12"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> conf.upstream("x"));
        assertTrue(e.getMessage().contains("[fdfs_group1, tomcat]"), e.getMessage());
    }

    @Test
    void errorsStillNameLineAndColumn() {
        ConfigParseException e = assertThrows(ConfigParseException.class,
                () -> NginxUpstreamParser.parseConfig("http {\n upstream u { server a:80 wieght=2; }\n}"));
        assertEquals("invalid parameter \"wieght=2\" at line 2, column 27", e.getMessage());
    }
}
