package io.github.hakit.testkit.netlab;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A tiny TCP server for lab checks: {@code java -cp <testkit> io.github.hakit.testkit.netlab.PeerEcho <port>}
 * answers every connection with the address it came from ({@code "10.1.0.20\n"}) and closes it, so a test
 * sees which path (LAN, NAT, hairpin) a connection took. Binds every address of its namespace.
 */
public final class PeerEcho {
    private PeerEcho() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: PeerEcho <port>");
        }
        int port = Integer.parseInt(args[0]);
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), port));
            System.out.println("PeerEcho listening on " + port);
            System.out.flush();
            while (true) {
                try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                    out.write((s.getInetAddress().getHostAddress() + "\n").getBytes(StandardCharsets.US_ASCII));
                }
            }
        }
    }
}
