package io.github.hakit.bench.dubbo;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import org.apache.dubbo.common.constants.CommonConstants;
import org.apache.dubbo.common.extension.Activate;
import org.apache.dubbo.rpc.Filter;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcException;

/**
 * Consumer-side, per-provider Dubbo filter of the benchmark: records every attempt (time, provider
 * address, outcome) while recording is on, and refuses any provider address that is not loopback
 * (the benchmark must never dial this machine's network address).
 */
@Activate(group = CommonConstants.CONSUMER)
public final class AttemptRecorder implements Filter {
    /** Extension name. */
    public static final String NAME = "hakit-bench-attempts";

    /** One attempt. */
    public record Attempt(long nanos, String address, boolean ok) {
    }

    private final List<Attempt> attempts = new ArrayList<>();
    private volatile boolean recording;

    @Override
    public Result invoke(Invoker<?> invoker, Invocation invocation) throws RpcException {
        String host = invoker.getUrl().getHost();
        if (!loopback(host)) {
            throw new RpcException(RpcException.FORBIDDEN_EXCEPTION, "benchmark refuses non-loopback provider " + host);
        }
        if (!recording) {
            return invoker.invoke(invocation);
        }
        boolean ok = false;
        try {
            Result result = invoker.invoke(invocation);
            ok = !result.hasException();
            return result;
        } finally {
            Attempt a = new Attempt(System.nanoTime(), invoker.getUrl().getAddress(), ok);
            synchronized (attempts) {
                attempts.add(a);
            }
        }
    }

    /** Starts recording, forgetting earlier attempts. */
    public void start() {
        synchronized (attempts) {
            attempts.clear();
        }
        recording = true;
    }

    /** Stops recording and returns what was recorded. */
    public List<Attempt> stop() {
        recording = false;
        synchronized (attempts) {
            return new ArrayList<>(attempts);
        }
    }

    private static boolean loopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
