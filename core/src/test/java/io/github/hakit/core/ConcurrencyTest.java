package io.github.hakit.core;

import io.github.hakit.core.balance.Balancer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConcurrencyTest {

    @ParameterizedTest
    @EnumSource(Balancer.class)
    void manyThreadsPickingAndReportingLoseNoUpdate(Balancer balancer) throws Exception {
        List<Endpoint> eps = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            eps.add(Endpoint.builder("10.1.0." + (i + 1), 80).weight(1 + i % 5).maxFails(3).build());
        }
        Upstream u = Upstream.builder("c").endpoints(eps).balancer(balancer).logging(false).build();
        int threads = 8;
        int perThread = 50_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<long[]>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            results.add(pool.submit(() -> {
                start.await();
                long ok = 0;
                long failed = 0;
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < perThread; i++) {
                    Peer p = u.pick("k" + (i & 1023));
                    assertNotNull(p);
                    if (r.nextInt(100) == 0) {
                        u.failure(p, FailureKind.ERROR, 1000);
                        failed++;
                    } else {
                        u.success(p, 1000);
                        ok++;
                    }
                }
                return new long[] {ok, failed};
            }));
        }
        start.countDown();
        long ok = 0;
        long failed = 0;
        // a bound against a hang, not a timing rule: 400,000 picks take ~2 s here alone, but over a minute beside
        // the full suite and two busy loops on 2 CPUs (60 s failed so)
        for (Future<long[]> f : results) {
            long[] r = f.get(10, TimeUnit.MINUTES);
            ok += r[0];
            failed += r[1];
        }
        pool.shutdown();
        UpstreamStatus s = u.status();
        assertEquals((long) threads * perThread, ok + failed);
        assertEquals(ok, s.endpoints().stream().mapToLong(EndpointStatus::successes).sum());
        assertEquals(failed, s.endpoints().stream().mapToLong(EndpointStatus::failures).sum());
        assertEquals(0, s.endpoints().stream().mapToInt(EndpointStatus::activeCalls).sum(), "every slot returned");
    }
}
