package io.github.hakit.testkit.zookeeper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import io.github.hakit.testkit.Ports;

/**
 * ZooKeeper's four-letter-word admin commands over the client port. Only {@code srvr} is used: it is
 * the one command on ZooKeeper's default whitelist ({@code 4lw.commands.whitelist}, ZooKeeper
 * {@code FourLetterCommands}). A member answers {@code Mode: leader|follower|standalone} while it
 * serves clients and "This ZooKeeper instance is not currently serving requests" otherwise.
 */
final class FourLetterWords {
    private FourLetterWords() {
    }

    /** The raw answer to {@code word}, or empty when nothing answers. */
    static Optional<String> send(String loopbackHost, int port, String word, Duration timeout) {
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Ports.loopback(loopbackHost), port), millis);
            socket.setSoTimeout(millis);
            socket.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            byte[] buffer = new byte[1024];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                answer.write(buffer, 0, n);
            }
            return Optional.of(answer.toString(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The server's mode (leader, follower, standalone, ...) while it serves clients, else empty. */
    static Optional<String> mode(String loopbackHost, int port, Duration timeout) {
        return send(loopbackHost, port, "srvr", timeout).flatMap(answer -> answer.lines()
                .filter(line -> line.startsWith("Mode: "))
                .map(line -> line.substring("Mode: ".length()).trim())
                .findFirst());
    }
}
