package io.github.hakit.testkit.zookeeper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The TCP sockets this JVM holds right now, read from Linux {@code /proc}: socket inodes from
 * {@code /proc/self/fd}, addresses from {@code /proc/self/net/tcp} and {@code tcp6} (format: see the
 * kernel's {@code net/ipv4/tcp_ipv4.c get_tcp4_sock}: hex {@code addr:port} in host byte order, state
 * 0A = LISTEN). Tests use it to prove that nothing listens on or connects to a non-loopback address.
 *
 * <pre>{@code
 * assertEquals(List.of(), ProcessSockets.current().stream().filter(s -> !s.loopbackOnly()).toList());
 * }</pre>
 */
public final class ProcessSockets {
    private static final String LISTEN = "0A";

    private ProcessSockets() {
    }

    /** One TCP socket of this process. */
    public record TcpSocket(InetSocketAddress local, InetSocketAddress remote, boolean listening) {
        /**
         * True when the socket touches loopback addresses only: a listener bound to 127.x (a wildcard
         * bind is not loopback-only), a connection whose both ends are 127.x.
         */
        public boolean loopbackOnly() {
            if (!local.getAddress().isLoopbackAddress()) {
                return false;
            }
            return listening || remote.getAddress().isLoopbackAddress();
        }

        @Override
        public String toString() {
            return listening ? "LISTEN " + local : local + " -> " + remote;
        }
    }

    /** True on Linux where {@code /proc/self/net/tcp} can be read. */
    public static boolean supported() {
        return Files.isReadable(Path.of("/proc/self/net/tcp")) && Files.isDirectory(Path.of("/proc/self/fd"));
    }

    /** The TCP sockets (IPv4 and IPv6) this process has open now. */
    public static List<TcpSocket> current() {
        Set<String> inodes = socketInodes();
        List<TcpSocket> result = new ArrayList<>();
        result.addAll(read(Path.of("/proc/self/net/tcp"), inodes));
        result.addAll(read(Path.of("/proc/self/net/tcp6"), inodes));
        return result;
    }

    /** The sockets of this process that are not loopback-only (see {@link TcpSocket#loopbackOnly()}). */
    public static List<TcpSocket> nonLoopback() {
        return current().stream().filter(s -> !s.loopbackOnly()).collect(Collectors.toList());
    }

    private static Set<String> socketInodes() {
        Set<String> inodes = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) {
                        inodes.add(target.substring("socket:[".length(), target.length() - 1));
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor was closed while we listed the directory
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list /proc/self/fd", e);
        }
        return inodes;
    }

    private static List<TcpSocket> read(Path table, Set<String> inodes) {
        if (!Files.isReadable(table)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + table, e);
        }
        List<TcpSocket> result = new ArrayList<>();
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
            String[] f = line.trim().split("\\s+");
            if (f.length < 10 || !inodes.contains(f[9])) {
                continue;
            }
            result.add(new TcpSocket(address(f[1]), address(f[2]), LISTEN.equals(f[3])));
        }
        return result;
    }

    /** Parses {@code 0100007F:1F90} (IPv4) or 32 hex digits (IPv6, four host-order 32-bit words). */
    static InetSocketAddress address(String hex) {
        int colon = hex.indexOf(':');
        String ip = hex.substring(0, colon);
        int port = Integer.parseInt(hex.substring(colon + 1), 16);
        byte[] bytes = new byte[ip.length() / 2];
        for (int word = 0; word < bytes.length / 4; word++) {
            // each 32-bit word is printed as a host-order (little-endian here) integer
            for (int b = 0; b < 4; b++) {
                int at = word * 8 + (3 - b) * 2;
                bytes[word * 4 + b] = (byte) Integer.parseInt(ip.substring(at, at + 2), 16);
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad address in /proc/net/tcp: " + hex, e);
        }
    }
}
