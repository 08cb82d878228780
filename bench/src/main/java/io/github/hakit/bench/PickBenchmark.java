package io.github.hakit.bench;

import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Peer;
import io.github.hakit.core.Upstream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.cluster.loadbalance.RoundRobinLoadBalance;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Selection cost of one call's endpoint, side by side: hakit's {@link Upstream#pick()} + {@link Upstream#release},
 * Dubbo's {@link RoundRobinLoadBalance#select}, and a lock-based Nginx smooth weighted round robin
 * ({@link LockedSmoothWeightedRoundRobin}, pick + release). All three see the same endpoints with the same mixed
 * weights ({@link #weights(int)}); the state is shared by all benchmark threads, as a client's upstream is.
 *
 * <p>Run through {@link BenchReport}, or directly:
 * <pre>{@code
 * java -cp <bench classpath> org.openjdk.jmh.Main PickBenchmark -p endpoints=1000 -t 8 -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PickBenchmark {
    /** The port every benchmark endpoint has. */
    public static final int PORT = 20880;

    @Param({"3", "100", "1000"})
    public int endpoints;

    private Upstream upstream;
    private RoundRobinLoadBalance dubbo;
    private List<Invoker<Object>> invokers;
    private URL consumerUrl;
    private Invocation invocation;
    private LockedSmoothWeightedRoundRobin locked;

    /** Mixed weights 1..10, the same for every implementation: {@code 1 + (37 i mod 10)}. */
    public static int[] weights(int count) {
        int[] w = new int[count];
        for (int i = 0; i < count; i++) {
            w[i] = 1 + (37 * i) % 10;
        }
        return w;
    }

    /** The address of endpoint {@code i}: never dialled, selection only. */
    public static String host(int i) {
        return "10.1." + (i / 250) + "." + (i % 250 + 1);
    }

    @Setup(Level.Trial)
    public void setUp() {
        int[] w = weights(endpoints);
        List<Endpoint> list = new ArrayList<>(endpoints);
        for (int i = 0; i < endpoints; i++) {
            list.add(Endpoint.builder(host(i), PORT).weight(w[i]).build());
        }
        upstream = Upstream.builder("bench").endpoints(list).balancer(Balancer.ROUND_ROBIN).logging(false).build();
        dubbo = new RoundRobinLoadBalance();
        invokers = DubboInvokers.invokers(w);
        consumerUrl = invokers.get(0).getUrl();
        invocation = DubboInvokers.invocation();
        locked = new LockedSmoothWeightedRoundRobin(w);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        upstream.close();
    }

    /** hakit: pick an endpoint and give its call slot back. */
    @Benchmark
    public Peer hakit() {
        Peer p = upstream.pick();
        upstream.release(p);
        return p;
    }

    /** Dubbo 3: {@code RoundRobinLoadBalance.select} over the invokers. */
    @Benchmark
    public Invoker<Object> dubbo() {
        return dubbo.select(invokers, consumerUrl, invocation);
    }

    /** Nginx SWRR under one lock: pick and release. */
    @Benchmark
    public int lockBased() {
        int i = locked.pick();
        locked.release(i);
        return i;
    }
}
