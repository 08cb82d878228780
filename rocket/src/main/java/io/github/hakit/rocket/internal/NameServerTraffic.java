package io.github.hakit.rocket.internal;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import io.github.hakit.core.Ticker;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;

/**
 * Passive accounting of a RocketMQ client's own NameServer requests. Registered as an {@link RPCHook} on the
 * client's remoting client, it sees every request leave ({@code doBeforeRequest}, with the address of the
 * connection it goes out on) and every answer come back ({@code doAfterResponse}). An answered NameServer request
 * is a success; one still unanswered {@code requestTimeout} after it left is a timeout: the caller inside the
 * client has given up on it by then (RocketMQ's {@code mqClientApiTimeout}). {@link #sweep()} finds those.
 *
 * <p>Requests to other addresses (brokers: every send) cost one map lookup. A connect that is refused never
 * becomes a request, so it is not seen here; the active check finds a dead NameServer.
 */
public final class NameServerTraffic implements RPCHook {

    /** Where outcomes go: the NameServer upstream. */
    public interface Sink {
        void success(String endpointName, long latencyNanos);

        void timeout(String endpointName, long waitedNanos);
    }

    private record Pending(String endpointName, long startNanos) {
    }

    private final Sink sink;
    private final long timeoutNanos;
    private final Ticker ticker;
    private final ConcurrentHashMap<Integer, Pending> pending = new ConcurrentHashMap<>();
    private volatile Map<String, String> names = Map.of();
    private volatile boolean closed;

    public NameServerTraffic(Sink sink, long timeoutNanos, Ticker ticker) {
        this.sink = Objects.requireNonNull(sink, "sink");
        if (timeoutNanos <= 0) {
            throw new IllegalArgumentException("request timeout must be > 0: " + timeoutNanos + " ns");
        }
        this.timeoutNanos = timeoutNanos;
        this.ticker = Objects.requireNonNull(ticker, "ticker");
    }

    /**
     * The NameServers to watch: {@code host:port} to endpoint name. The remoting client names a connection by
     * the IP it reached, so each host is also resolved here (off the request path).
     */
    public void watch(Map<String, String> addressToName) {
        Map<String, String> next = new HashMap<>();
        addressToName.forEach((address, name) -> {
            next.put(address, name);
            String resolved = resolve(address);
            if (resolved != null) {
                next.putIfAbsent(resolved, name);
            }
        });
        names = Map.copyOf(next);
    }

    /** {@code host:port} with the host resolved to an IP literal as Netty prints it, or null. */
    static String resolve(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            InetAddress ip = InetAddress.getByName(host);
            String literal = ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress();
            return literal + address.substring(colon);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    @Override
    public void doBeforeRequest(String remoteAddr, RemotingCommand request) {
        if (closed || remoteAddr == null) {
            return;
        }
        String name = names.get(remoteAddr);
        if (name != null) {
            pending.put(request.getOpaque(), new Pending(name, ticker.read()));
        }
    }

    @Override
    public void doAfterResponse(String remoteAddr, RemotingCommand request, RemotingCommand response) {
        if (pending.isEmpty()) {
            return;
        }
        Pending p = pending.remove(request.getOpaque());
        if (p != null && !closed) {
            sink.success(p.endpointName(), Math.max(0, ticker.read() - p.startNanos()));
        }
    }

    /** Reports requests unanswered for {@code requestTimeout} as timeouts; returns how many. */
    public int sweep() {
        if (pending.isEmpty()) {
            return 0;
        }
        long now = ticker.read();
        int expired = 0;
        for (Map.Entry<Integer, Pending> e : pending.entrySet()) {
            Pending p = e.getValue();
            long waited = now - p.startNanos();
            if (waited >= timeoutNanos && pending.remove(e.getKey(), p)) {
                expired++;
                if (!closed) {
                    sink.timeout(p.endpointName(), waited);
                }
            }
        }
        return expired;
    }

    /** NameServer requests sent and not yet answered or expired. */
    public int pendingRequests() {
        return pending.size();
    }

    /** Stops reporting (the hook stays registered in clients that outlive the group). */
    public void close() {
        closed = true;
        pending.clear();
    }
}
