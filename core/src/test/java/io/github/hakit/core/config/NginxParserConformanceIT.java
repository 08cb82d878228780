package io.github.hakit.core.config;

import io.github.hakit.core.config.ConfigParseException;
import io.github.hakit.core.config.NginxUpstreamParser;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The real Nginx ({@code nginx -t}) and {@link NginxUpstreamParser} agree on every case: both accept it, or both
 * reject it with the same message on the same line. Each case is an upstream block (first line through
 * {@code |}) and optional {@code proxy_next_upstream*} directives (after {@code |}); Nginx sees them inside a
 * minimal {@code http} block, five lines down, with the directives in a {@code location}.
 */
class NginxParserConformanceIT {
    private static final int HEADER_LINES = 5;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
            // accepted by both
            "upstream u { server 127.0.0.1:80 weight=2 max_fails=2 fail_timeout=30s; server 127.0.0.2:80; } |",
            "upstream u { server 127.0.0.1 backup; server 127.0.0.2:8080 down max_conns=5 fail_timeout=1m30s; } |",
            "upstream u { server 127.0.0.1:80 fail_timeout=10s5 max_fails=0; } |",
            "upstream u { least_conn; server 127.0.0.1:80; server 127.0.0.2:80 backup; keepalive 16; } |",
            "upstream u { hash $request_uri consistent; server 127.0.0.1:80 weight=3; server [::1]:80; } |",
            "upstream u { server 127.0.0.1:80; } | proxy_next_upstream http_502 http_504 error timeout invalid_header;",
            "upstream u { server 127.0.0.1:80; } | proxy_next_upstream error error; proxy_next_upstream off;",
            "upstream u { server 127.0.0.1:80; } | proxy_next_upstream_tries 3; proxy_next_upstream_timeout 1m30s;",
            "upstream u { server 127.0.0.1:80; } | proxy_next_upstream_timeout 500ms;",
            // rejected by both, with the same message
            "upstream u {\n server 127.0.0.1:80;\n server 127.0.0.2:80 wieght=2;\n} |",
            "upstream u { server 127.0.0.1:80 weight=0; } |",
            "upstream u { server 127.0.0.1:80 weight=+2; } |",
            "upstream u { server 127.0.0.1:80 weight=abc; } |",
            "upstream u { server 127.0.0.1:80 fail_timeout=500ms; } |",
            "upstream u { server 127.0.0.1:80 fail_timeout=30s1m; } |",
            "upstream u { server 127.0.0.1:80 max_fails=-1; } |",
            "upstream u { server 127.0.0.1:80 Down; } |",
            "upstream u { server 127.0.0.1:0; } |",
            "upstream u { server 127.0.0.1:99999; } |",
            "upstream u { server; } |",
            "upstream u { servr 127.0.0.1:80; } |",
            "upstream u { least_conn x; server 127.0.0.1:80; } |",
            "upstream u { hash $remote_addr consistent; server 127.0.0.1:80; server 127.0.0.2:80 backup; } |",
            "upstream u { hash $remote_addr ketama; server 127.0.0.1:80; } |",
            "upstream u {\n} |",
            "upstream u {\n server 127.0.0.1:80 backup;\n} |",
            "upstream u { server 127.0.0.1:80; proxy_next_upstream error; } |",
            "upstream u { server 127.0.0.1:80; } | proxy_next_upstream error http_999;",
            "upstream u { server 127.0.0.1:80; } | proxy_next_upstream_tries 1; proxy_next_upstream_tries 2;",
            "upstream u { server 127.0.0.1:80; } | proxy_next_upstream_timeout 1y;",
    })
    void hakitAndNginxAgree(String testCase) throws Exception {
        int bar = testCase.lastIndexOf('|');
        String block = testCase.substring(0, bar).trim();
        String directives = testCase.substring(bar + 1).trim();
        String nginxConf = "error_log stderr;\npid nginx.pid;\nevents {}\nhttp {\naccess_log off;\n" + block
                + "\nserver { listen 127.0.0.1:1; location / { proxy_pass http://u; " + directives + " } }\n}\n";
        String ours = block + "\n" + directives + "\n";

        ParserConformanceProxy.Verdict nginx = ParserConformanceProxy.require("nginx").nginxTest(dir, nginxConf);
        if (nginx.accepted()) {
            NginxUpstreamParser.parse(ours);
            return;
        }
        assertTrue(nginx.line() > 0, () -> "nginx rejected without a line: " + nginx.output());
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> NginxUpstreamParser.parse(ours),
                () -> "nginx rejected (" + nginx.message() + ") but hakit accepted");
        String message = e.getMessage().substring(0, e.getMessage().lastIndexOf(" at line "));
        // hakit also names the bad value where Nginx only says what kind of value is wrong
        String withoutValue = message.replaceFirst(" \"[^\"]*\"$", "");
        assertTrue(message.equals(nginx.message()) || withoutValue.equals(nginx.message()),
                () -> "hakit: " + message + " | nginx: " + nginx.message());
        assertEquals(nginx.line() - HEADER_LINES, e.line(), "line");
    }
}
