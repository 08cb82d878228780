package io.github.hakit.core;

import io.github.hakit.core.config.HaproxyBackendParser;
import io.github.hakit.core.config.NginxUpstreamParser;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A parsed Nginx upstream or HAProxy backend drives {@link Upstream} as the proxy would: the Nginx block's weights
 * give Nginx's smooth weighted round-robin sequence, and an HAProxy {@code disabled} server shows as MAINT and gets
 * no traffic.
 */
class ParsedConfigRunsOnUpstreamParserTest {

    private static List<String> picks(Upstream u, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Peer p = u.pick();
            out.add(p.endpoint().host());
            u.release(p);
        }
        return out;
    }

    @Test
    void nginxWeightsFiveOneOneGiveNginxSequence() {
        // ngx_http_upstream_get_peer with weights 5/1/1: a a b a c a a (the sequence in Nginx's own commit message
        // introducing smooth weighted round robin)
        UpstreamConfig cfg = NginxUpstreamParser.parse("""
                upstream u {
                    server a:80 weight=5;
                    server b:80;
                    server c:80;
                }
                """);
        try (Upstream u = Upstream.builder("u").config(cfg).logging(false).build()) {
            assertEquals(List.of("a", "a", "b", "a", "c", "a", "a", "a", "a", "b", "a", "c", "a", "a"), picks(u, 14));
        }
    }

    @Test
    void haproxyDisabledServerIsMaintAndGetsNoTraffic() {
        UpstreamConfig cfg = HaproxyBackendParser.parse("""
                backend rabbitmq_cluster
                    balance roundrobin
                    server a 127.0.0.1:5681
                    server b 127.0.0.1:5682 disabled
                    server c 127.0.0.1:5683 weight 2
                """);
        try (Upstream u = Upstream.builder("rabbitmq_cluster").config(cfg).logging(false).build()) {
            assertEquals(HealthState.MAINT, u.status().endpoint("b").state());
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                Peer p = u.pick();
                names.add(p.endpoint().name());
                u.release(p);
            }
            // Nginx SWRR over a (weight 1) and c (weight 2), b skipped: current weights (a,c) go (1,2)→c, (2,1)→a,
            // (0,3)→c, back to (0,0): the cycle c a c repeats
            assertEquals(List.of("c", "a", "c", "c", "a", "c"), names);
        }
    }
}
