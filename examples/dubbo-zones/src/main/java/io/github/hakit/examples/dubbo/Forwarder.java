package io.github.hakit.examples.dubbo;

import io.github.hakit.testkit.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A provider host's public address (its NAT): accepts on {@code pubHost:port} and forwards to the LAN address,
 * connecting from {@code pubHost} so the provider can tell a call came over the public path. Lives in the provider's
 * JVM, so {@code kill -9} of the provider takes it down too.
 */
final class Forwarder {
    private Forwarder() {
    }

    static void start(String pubHost, int port, String lanHost, int lanPort) throws IOException {
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(Ports.loopback(pubHost), port));
        daemon(() -> {
            while (true) {
                Socket in = server.accept();
                Socket out = new Socket();
                try {
                    out.bind(new InetSocketAddress(Ports.loopback(pubHost), 0));
                    out.connect(new InetSocketAddress(Ports.loopback(lanHost), lanPort), 2000);
                } catch (IOException e) {
                    in.close();
                    out.close();
                    continue;
                }
                out.setTcpNoDelay(true);
                in.setTcpNoDelay(true);
                daemon(() -> pump(in, out));
                daemon(() -> pump(out, in));
            }
        });
    }

    private interface Io {
        void run() throws IOException;
    }

    private static void daemon(Io body) {
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (IOException e) {
                // connection or listener gone
            }
        }, "forwarder");
        t.setDaemon(true);
        t.start();
    }

    private static void pump(Socket from, Socket to) throws IOException {
        try (from; to) {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            byte[] buf = new byte[16 * 1024];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        }
    }
}
