package io.github.hakit.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcInvocation;

/**
 * The cheapest {@link Invoker}s that Dubbo's load balancers accept: a provider URL with a {@code weight} parameter
 * and nothing behind it (Dubbo's own load-balance tests mock exactly these two things: {@code getUrl()} and
 * {@code isAvailable()}).
 *
 * <pre>{@code
 * List<Invoker<Object>> invokers = DubboInvokers.invokers(new int[] {5, 1, 1});
 * Invoker<Object> chosen = new RoundRobinLoadBalance().select(invokers, invokers.get(0).getUrl(),
 *     DubboInvokers.invocation());
 * }</pre>
 */
public final class DubboInvokers {
    /** The service interface the URLs name. */
    public static final String SERVICE = "io.github.hakit.bench.EchoService";
    /** The method the invocation calls. */
    public static final String METHOD = "echo";

    private DubboInvokers() {
    }

    /** One invoker per weight, at {@link PickBenchmark#host(int)}:20880. */
    public static List<Invoker<Object>> invokers(int[] weights) {
        List<Invoker<Object>> out = new ArrayList<>(weights.length);
        for (int i = 0; i < weights.length; i++) {
            URL url = URL.valueOf("dubbo://" + PickBenchmark.host(i) + ":" + PickBenchmark.PORT + "/" + SERVICE
                    + "?weight=" + weights[i]);
            out.add(new UrlOnlyInvoker(url));
        }
        return List.copyOf(out);
    }

    /** An invocation of {@link #METHOD} without arguments. */
    public static Invocation invocation() {
        return new RpcInvocation(METHOD, SERVICE, SERVICE, new Class<?>[0], new Object[0]);
    }

    private static final class UrlOnlyInvoker implements Invoker<Object> {
        private final URL url;

        UrlOnlyInvoker(URL url) {
            this.url = url;
        }

        @Override
        public Class<Object> getInterface() {
            return Object.class;
        }

        @Override
        public Result invoke(Invocation invocation) {
            throw new UnsupportedOperationException("benchmark invoker: selection only");
        }

        @Override
        public URL getUrl() {
            return url;
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public void destroy() {
            // nothing to release
        }

        @Override
        public String toString() {
            return url.getAddress();
        }
    }
}
