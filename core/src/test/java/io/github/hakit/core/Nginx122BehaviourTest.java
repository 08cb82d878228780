package io.github.hakit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.config.NginxUpstreamParser;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.testing.FakeClock;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Rules of Nginx 1.22 that #11 found hakit getting wrong, each on a fake clock, with the source it comes from
 * (nginx release-1.22.1: {@code src/http/ngx_http_upstream_round_robin.c}, {@code ngx_http_upstream.c},
 * {@code modules/ngx_http_upstream_hash_module.c}).
 */
class Nginx122BehaviourTest {
    private final FakeClock clock = new FakeClock();
    private final List<UpstreamListener.StateChange> changes = new ArrayList<>();

    private Upstream parsed(String config) {
        return Upstream.builder("u").config(NginxUpstreamParser.parse(config)).ticker(clock).scheduler(clock)
                .sleeper(clock).logging(false).listener(new UpstreamListener() {
                    @Override
                    public void onStateChange(StateChange e) {
                        changes.add(e);
                    }
                }).build();
    }

    private static final ResultClassifier<Integer> HTTP = FailureKind::ofHttpStatus;

    @Test
    void aResponseHandedBackCountsAsSuccessEvenWhenItsStatusIsANextUpstreamCondition() {
        // ngx_http_upstream_test_next: a 502 moves on only while u->peer.tries > 1; otherwise the response goes to
        // the client and ngx_http_upstream_finalize_request frees the peer with state 0 (no NGX_PEER_FAILED)
        Upstream u = parsed("""
                upstream u { server a:80 max_fails=1; server b:80 max_fails=1; }
                proxy_next_upstream error timeout http_502;
                """);
        Integer r = u.execute(CallOptions.idempotent(), attempt -> 502, HTTP);
        assertEquals(502, r, "the last try's answer is handed back");
        UpstreamStatus s = u.status();
        assertEquals(1, s.endpoints().stream().filter(e -> e.state() == HealthState.DOWN).count(),
                "the first 502 moved on and counted; the handed-back one did not: " + s.render());
        assertEquals(1, s.endpoints().stream().mapToLong(EndpointStatus::failures).sum());
    }

    @Test
    void aNonIdempotentAnswerThatMayNotBeRetriedIsASuccess() {
        // POST with a 502: mask gets NGX_HTTP_UPSTREAM_FT_NON_IDEMPOTENT, no retry, the response is the client's
        Upstream u = parsed("""
                upstream u { server a:80; server b:80; }
                proxy_next_upstream error timeout http_502;
                """);
        assertEquals(502, u.execute(CallOptions.nonIdempotent(), attempt -> 502, HTTP));
        assertEquals(0, u.status().endpoints().stream().mapToLong(EndpointStatus::failures).sum());
        assertEquals(2, u.status().available());
    }

    @Test
    void anErrorAlwaysCountsEvenWhenNotRetried() {
        // ngx_http_upstream_next frees the peer with NGX_PEER_FAILED before it decides whether to go on
        Upstream u = parsed("""
                upstream u { server a:80; server b:80; }
                proxy_next_upstream off;
                """);
        assertThrows(NoLiveEndpointException.class, () -> u.execute(attempt -> {
            throw new ConnectException("refused");
        }));
        assertEquals(1, u.status().endpoints().stream().filter(e -> e.state() == HealthState.DOWN).count());
    }

    @Test
    void parsedUpstreamsCountFailTimeoutInWholeSeconds() {
        // free_round_robin_peer: checked = ngx_time() (seconds); get_peer skips while now - checked <= fail_timeout
        clock.forward(Duration.ofMillis(500)); // a failure at x.5 s
        Upstream u = parsed("upstream u { server a:80 fail_timeout=3s; server b:80 fail_timeout=3s; }");
        Peer a = u.pick();
        assertEquals("a:80", a.endpoint().name());
        u.failure(a, FailureKind.ERROR, 0);
        clock.forward(Duration.ofMillis(3400)); // 3.4 s later, still within the same fourth second
        assertEquals("b:80b:80b:80", picks(u, 3), "3.4 s after: now - checked = 3 <= 3");
        clock.forward(Duration.ofMillis(100)); // whole second S + 4
        // its effective weight dropped to 0 and recovers by one per pick, so round robin reaches it within 3 picks
        assertTrue(picks(u, 3).contains("a:80"), "re-admitted 3.5 s after the failure: within 3.0..4.0 s");
    }

    @Test
    void theBuilderKeepsNanosecondsAsAnExplicitChoice() {
        clock.forward(Duration.ofMillis(500));
        Upstream u = Upstream.builder("n").endpoints(Endpoint.builder("a", 80).name("a").failTimeout(Duration.ofSeconds(3))
                .build(), Endpoint.builder("b", 80).name("b").build()).ticker(clock).logging(false).build();
        Peer a = u.pick();
        u.failure(a, FailureKind.ERROR, 0);
        clock.forward(Duration.ofMillis(3001));
        assertTrue(picks(u, 3).contains("a"), "nanoseconds: back after exactly 3 s");
    }

    @Test
    void theEndOfAnEjectionIsAnEventWithoutAnyoneAsking() {
        Upstream u = parsed("upstream u { server a:80 fail_timeout=10s; server b:80; }");
        Peer a = u.pick();
        u.failure(a, FailureKind.ERROR, 0);
        assertEquals(1, changes.size());
        assertEquals(HealthState.DOWN, changes.get(0).to());
        clock.forward(Duration.ofSeconds(11)); // the upstream's timer fires on the scheduler
        assertEquals(2, changes.size(), "no pick, no status() call: the timer reported it " + changes);
        assertEquals(HealthState.UP, changes.get(1).to());
        assertTrue(changes.get(1).cause().contains("fail_timeout 10s over"), changes.get(1).cause());
    }

    @Test
    void noLiveUpstreamsInsideOneRequestWhoseTriesCoveredEveryPeer() {
        // after every peer failed in this request, get_peer finds none: NGX_BUSY, no reset, no second round
        Upstream u = parsed("upstream u { server a:80 max_fails=0; server b:80 max_fails=0; }");
        List<String> tried = new ArrayList<>();
        NoLiveEndpointException e = assertThrows(NoLiveEndpointException.class, () -> u.execute(attempt -> {
            tried.add(attempt.endpoint().name());
            throw new ConnectException("refused");
        }));
        assertEquals(List.of("a:80", "b:80"), tried);
        assertEquals(2, e.attempts().size());
    }

    @Test
    void moduloHashFollowsNginxFormulaWithRehashes() {
        // ngx_http_upstream_get_hash_peer: hash += (crc32([rehash] key) >> 16) & 0x7fff; w = hash % total_weight
        Upstream u = parsed("upstream u { hash $arg_k; server a:80 weight=2; server b:80; server c:80 weight=3; }");
        assertEquals(Balancer.HASH, u.balancer());
        for (String key : List.of("alpha", "beta", "gamma", "user-17", "")) {
            Peer p = u.pick(key);
            String expected = key.isEmpty() ? p.endpoint().name() : expectedServer(key, 0, new int[] {2, 1, 3});
            assertEquals(expected, p.endpoint().name(), "key " + key);
            u.release(p);
        }
        // when the first choice is out, the next rehash decides (the second crc prepends "1")
        String first = expectedServer("alpha", 0, new int[] {2, 1, 3});
        u.recordFailure(first, FailureKind.ERROR, 0);
        Peer p = u.pick("alpha");
        assertNotNull(p);
        assertTrue(!p.endpoint().name().equals(first), "moved off the failed server");
        u.release(p);
    }

    /** An independent transcription of the Nginx loop for the first usable round (no failures). */
    private static String expectedServer(String key, int skipRounds, int[] weights) {
        long hash = 0;
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        hash += (crc.getValue() >>> 16) & 0x7fff;
        long w = hash % total;
        int p = 0;
        while (w >= weights[p]) {
            w -= weights[p];
            p++;
        }
        return "abc".charAt(p) + ":80";
    }

    @Test
    void allUnavailableFailsFastForParsedUpstreamsAndTheDefaultTriesAnyway() {
        Upstream nginx = parsed("upstream u { server a:80; server b:80; }");
        nginx.failure(nginx.pick(), FailureKind.ERROR, 0);
        nginx.failure(nginx.pick(), FailureKind.ERROR, 0);
        assertNull(nginx.pick(), "Nginx 1.22: no live upstreams");
        Upstream built = Upstream.builder("b").endpoints("a:80,b:80").ticker(clock).logging(false).build();
        built.failure(built.pick(), FailureKind.ERROR, 0);
        built.failure(built.pick(), FailureKind.ERROR, 0);
        assertNotNull(built.pick(), "hakit's default (not Nginx): try anyway");
    }

    @Test
    void panicIsNotShownOnceAnEndpointIsUsableAgain() {
        // #14: the status kept "PANIC: routing ignores health" until the next pick
        Upstream u = Upstream.builder("p").endpoints("a:80,b:80").ticker(clock).logging(false).build();
        u.failure(u.pick(), FailureKind.ERROR, 0);
        u.failure(u.pick(), FailureKind.ERROR, 0);
        u.release(u.pick()); // tried anyway: panic routing
        assertTrue(u.status().panic());
        clock.forward(Duration.ofSeconds(11));
        assertTrue(!u.status().panic(), "every endpoint usable again: " + u.status().render());
        assertTrue(!u.status().render().contains("PANIC"));
    }

    @Test
    void deadlineSharingGivesEachAttemptItsShare() {
        Upstream u = Upstream.builder("d").endpoints("a:1,b:1,c:1").ticker(clock).logging(false)
                .nextUpstream(NextUpstreamPolicy.builder().tries(3).timeout(Duration.ofSeconds(3))
                        .shareDeadline(Duration.ofMillis(300)).build()).build();
        List<Duration> given = new ArrayList<>();
        assertThrows(NoLiveEndpointException.class, () -> u.execute(attempt -> {
            given.add(attempt.timeout());
            clock.forward(attempt.timeout());
            throw new java.net.SocketTimeoutException("Read timed out");
        }));
        assertEquals(List.of(Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)), given);
    }

    private static String picks(Upstream u, int n) {
        StringBuilder sb = new StringBuilder();
        List<Peer> held = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Peer p = u.pick();
            sb.append(p == null ? "-" : p.endpoint().name());
            if (p != null) {
                held.add(p);
            }
        }
        held.forEach(p -> u.success(p, 0));
        return sb.toString();
    }
}
