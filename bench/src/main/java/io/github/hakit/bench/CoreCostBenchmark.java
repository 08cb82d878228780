package io.github.hakit.bench;

import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.Peer;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.balance.Balancer;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The costs issue #11 (section 3) asks about, side by side in one run: a steady pick at several shapes
 * ({@code endpoints x weight}), a pick while one endpoint is out after a failure, a schedule rebuild (one
 * {@code setWeight}), {@code execute()} against a bare {@code pick()+release()}, and least-conn / P2C picks.
 *
 * <pre>{@code
 * java -cp <bench classpath> org.openjdk.jmh.Main CoreCostBenchmark -p shape=1000x100 -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CoreCostBenchmark {
    /** {@code endpoints x weight}. */
    @Param({"1000x1", "1000x100", "1001x100", "10000x1"})
    public String shape;

    private Upstream roundRobin;
    private Upstream oneOut;
    private Upstream leastConn;
    private Upstream p2c;
    private String first;
    private int flip;
    private RoundRobinLoadBalance dubbo;
    private List<Invoker<Object>> invokers;
    private URL consumerUrl;
    private Invocation invocation;
    private LockedSmoothWeightedRoundRobin locked;

    private List<Endpoint> endpoints() {
        String[] p = shape.split("x");
        int n = Integer.parseInt(p[0]);
        int w = Integer.parseInt(p[1]);
        List<Endpoint> list = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            list.add(Endpoint.builder(PickBenchmark.host(i % 62_500) + (i >= 62_500 ? "x" : ""), PickBenchmark.PORT + i / 62_500)
                    .name("e" + i).weight(w).build());
        }
        return list;
    }

    @Setup(Level.Trial)
    public void setUp() {
        List<Endpoint> eps = endpoints();
        first = eps.get(0).name();
        roundRobin = Upstream.builder("rr").endpoints(eps).logging(false).build();
        oneOut = Upstream.builder("out").endpoints(eps).logging(false).build();
        leastConn = Upstream.builder("lc").endpoints(eps).balancer(Balancer.LEAST_CONN).logging(false).build();
        p2c = Upstream.builder("p2c").endpoints(eps).balancer(Balancer.P2C_PEAK_EWMA).logging(false).build();
        int[] w = new int[eps.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = eps.get(i).weight();
        }
        dubbo = new RoundRobinLoadBalance();
        invokers = DubboInvokers.invokers(w);
        consumerUrl = invokers.get(0).getUrl();
        invocation = DubboInvokers.invocation();
        locked = new LockedSmoothWeightedRoundRobin(w);
    }

    /** One endpoint failed (max_fails=1, fail_timeout=10 s): every pick of the iteration sees it out. */
    @Setup(Level.Iteration)
    public void failOne() {
        oneOut.recordFailure(first, FailureKind.ERROR, 1_000);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        roundRobin.close();
        oneOut.close();
        leastConn.close();
        p2c.close();
    }

    /** Round robin in the steady state (the precomputed schedule). */
    @Benchmark
    public Peer steadyPick() {
        Peer p = roundRobin.pick();
        roundRobin.release(p);
        return p;
    }

    /** Round robin while one endpoint is out after a failure (the exact Nginx algorithm). */
    @Benchmark
    public Peer pickWhileOneIsOut() {
        Peer p = oneOut.pick();
        oneOut.release(p);
        return p;
    }

    /** {@code execute()} with a call that returns at once: compare with {@link #steadyPick()}. */
    @Benchmark
    public Object execute() {
        return roundRobin.execute(CallOptions.idempotent(), a -> a);
    }

    /** A runtime weight change: the schedule rebuild (alternating weights so each call changes something). */
    @Benchmark
    public void setWeight(Blackhole bh) {
        flip ^= 1;
        roundRobin.setWeight(first, 1 + flip);
    }

    /** Dubbo 3: {@code RoundRobinLoadBalance.select} over the same weights. */
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

    @Benchmark
    public Peer leastConnPick() {
        Peer p = leastConn.pick();
        leastConn.release(p);
        return p;
    }

    @Benchmark
    public Peer p2cPick() {
        Peer p = p2c.pick();
        p2c.release(p);
        return p;
    }
}
