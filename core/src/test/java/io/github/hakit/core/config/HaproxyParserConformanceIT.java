package io.github.hakit.core.config;

import io.github.hakit.core.config.ConfigParseException;
import io.github.hakit.core.config.HaproxyBackendParser;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The real HAProxy ({@code haproxy -c}) and {@link HaproxyBackendParser} agree on every case: both accept the
 * configuration, or both reject it on the same line with a message that contains the same key phrase. Both read
 * the very same text (a {@code defaults} section, then {@code backend b} with the case's lines).
 */
class HaproxyParserConformanceIT {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            server a 127.0.0.1:5681 check inter 2s rise 2 fall 3                       |
            balance leastconn\\nserver a 127.0.0.1:1 weight 0 backup disabled          |
            balance source\\nserver a 127.0.0.1:1 maxconn 10 slowstart 1m cookie s1    |
            default-server check inter 500 fastinter 100ms downinter 5s\\nserver a 127.0.0.1:1 no-check |
            server a 127.0.0.1:1 check observe layer4 error-limit 5 on-error mark-down |
            retries 2\\noption redispatch\\nretry-on conn-failure\\nserver a 127.0.0.1:1 |
            server a 127.0.0.1:5681 wieght 2                                           | unknown keyword 'wieght'
            server a 127.0.0.1:5681 weight 300                                         | weight of server a is not within 0 and 256 (300).
            server a 127.0.0.1:5681 rise 0                                             | 'rise' has to be > 0.
            server a 127.0.0.1:5681 inter 2q                                           | unexpected character 'q'
            server a 127.0.0.1:5681 inter 0                                            | invalid value 0 for argument 'inter' of server a
            server a 127.0.0.1:5681 fastinter 30d                                      | timer overflow in argument <30d> to <fastinter> of server a, maximum value is 2147483647 ms (~24.8 days)
            server a 127.0.0.1:5681 observe layer7                                     | 'layer7' can only be used in http proxies.
            server a 127.0.0.1:5681 on-error explode                                   | 'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got 'explode'
            server a 127.0.0.1:5681 error-limit 0                                      | error-limit has to be > 0.
            retires 3\\nserver a 127.0.0.1:1                                           | unknown keyword 'retires' in 'backend' section
            option redispach\\nserver a 127.0.0.1:1                                    | unknown option 'redispach'
            timeout conect 5s\\nserver a 127.0.0.1:1                                   | 'conect'
            retry-on sometimes\\nserver a 127.0.0.1:1                                  | 'sometimes'
            balance roundrobn\\nserver a 127.0.0.1:1                                   | balance
            server a 127.0.0.1:1\\nserver a 127.0.0.1:2                                | 'a'
            """)
    void hakitAndHaproxyAgree(String lines, String phrase) throws Exception {
        String config = "defaults\n  timeout connect 1s\n  timeout client 1s\n  timeout server 1s\nbackend b\n  "
                + lines.replace("\\n", "\n  ") + "\n";
        ParserConformanceProxy.Verdict haproxy = ParserConformanceProxy.require("haproxy").haproxyCheck(dir, config);
        if (phrase == null) {
            assertTrue(haproxy.accepted(), () -> "HAProxy rejected: " + haproxy.output());
            HaproxyBackendParser.parse(config);
            return;
        }
        assertTrue(!haproxy.accepted() && haproxy.line() > 0, () -> "HAProxy accepted: " + haproxy.output());
        ConfigParseException e = assertThrows(ConfigParseException.class, () -> HaproxyBackendParser.parse(config),
                () -> "HAProxy rejected (" + haproxy.message() + ") but hakit accepted");
        assertTrue(haproxy.message().contains(phrase), () -> "HAProxy said: " + haproxy.message());
        assertTrue(e.getMessage().contains(phrase), () -> "hakit said: " + e.getMessage());
        assertEquals(haproxy.line(), e.line(), "line");
    }
}
