package io.github.hakit.dubbo.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Checks that {@code host:port} reaches <em>this</em> provider: it opens a TCP connection and then
 * watches the provider's own server for a connection that was not there before. Proven mismatches:
 * a connection that succeeds but never shows up at our server (some other server answers at that
 * address: the wrong-IP/port registrations of apache/dubbo #12224 and #13579), and a failed connection
 * to one of this host's own addresses. A failed connection to an address that is not this host's (a
 * NAT gateway's public address) is {@link Verdict#CANNOT_CHECK}: gateways without hairpin routing drop
 * or refuse what their own LAN sends to their public addresses, while other networks reach it.
 */
final class ReachabilityProbe {
    private static final long POLL_NANOS = Duration.ofMillis(5).toNanos();

    /** The outcome; {@code detail} explains a failure. */
    record Result(Verdict verdict, String detail) {
    }

    enum Verdict {
        /** Our server saw the probe connection. */
        CONFIRMED,
        /** The connection succeeded; we could not see our server's connections to confirm. */
        REACHABLE_UNVERIFIED,
        /** Proven: the address is one of this host's own and nothing of ours accepts connections there. */
        UNREACHABLE,
        /**
         * The connection failed, but the address is not one of this host's (e.g. a NAT gateway's public
         * address): from inside the LAN that proves nothing, since many gateways do not hairpin.
         */
        CANNOT_CHECK,
        /** Something accepts connections there, but it is not this provider's server. */
        SOMEONE_ELSE
    }

    private ReachabilityProbe() {
    }

    /**
     * @param serverChannels the server's current connections (compared by identity), or null when unknown
     */
    static Result probe(String host, int port, Duration timeout, Supplier<Collection<?>> serverChannels) {
        Set<Object> before = Collections.newSetFromMap(new IdentityHashMap<>());
        if (serverChannels != null) {
            before.addAll(serverChannels.get());
        }
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            InetSocketAddress target = new InetSocketAddress(host, port);
            if (target.isUnresolved()) {
                return new Result(Verdict.UNREACHABLE, "host '" + host + "' does not resolve");
            }
            socket.connect(target, millis);
            if (serverChannels == null) {
                return new Result(Verdict.REACHABLE_UNVERIFIED, "connected; server connections not visible");
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() - deadline < 0) {
                for (Object channel : serverChannels.get()) {
                    if (!before.contains(channel)) {
                        return new Result(Verdict.CONFIRMED, "connection arrived at this provider");
                    }
                }
                // startup-time check only: a short bounded poll, not on any call path
                LockSupport.parkNanos(POLL_NANOS);
            }
            return new Result(Verdict.SOMEONE_ELSE, "a server accepted the connection, but it never arrived at"
                    + " this provider within " + timeout.toMillis() + " ms: another process answers there");
        } catch (IOException e) {
            String detail = e.getClass().getSimpleName() + ": " + e.getMessage();
            InetSocketAddress target = new InetSocketAddress(host, port);
            return isOwnAddress(target.getAddress()) ? new Result(Verdict.UNREACHABLE, detail)
                    : new Result(Verdict.CANNOT_CHECK, detail);
        }
    }

    /** {@link #isOwnAddress(InetAddress)} for a host name or literal; false when it does not resolve. */
    static boolean isOwnAddress(String host) {
        try {
            return isOwnAddress(InetAddress.getByName(host));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    /** Loopback, wildcard, or an address of one of this host's interfaces. */
    static boolean isOwnAddress(InetAddress address) {
        if (address == null) {
            return false;
        }
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
