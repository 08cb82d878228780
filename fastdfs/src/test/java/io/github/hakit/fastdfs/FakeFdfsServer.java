package io.github.hakit.fastdfs;

import io.github.hakit.fastdfs.internal.Proto;
import io.github.hakit.testkit.Ports;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A scripted FastDFS tracker or storage for fault injection: each request (header + body) is answered by a
 * {@link Handler} with raw bytes, optionally trickled, frozen or followed by a close. Not the testkit's server:
 * it says exactly what a test wants, including what a real server never says.
 */
final class FakeFdfsServer implements AutoCloseable {
    /** Answers one request. */
    @FunctionalInterface
    interface Handler {
        Reply answer(int cmd, byte[] body) throws IOException;
    }

    /**
     * What to send: {@code bytes} (each after {@code nanosPerByte} when trickling), then close the connection if
     * {@code close}; {@code freeze} = never answer.
     */
    record Reply(byte[] bytes, long nanosPerByte, boolean close, boolean freeze) {
        static Reply of(byte[] bytes) {
            return new Reply(bytes, 0, false, false);
        }

        Reply trickle(long nanosPerByte) {
            return new Reply(bytes, nanosPerByte, close, freeze);
        }

        Reply thenClose() {
            return new Reply(bytes, nanosPerByte, true, freeze);
        }

        static Reply frozen() {
            return new Reply(new byte[0], 0, false, true);
        }
    }

    private final ServerSocket server;
    private final Handler handler;
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean closed;

    FakeFdfsServer(String host, Handler handler) throws IOException {
        this.handler = handler;
        server = new ServerSocket();
        server.bind(new InetSocketAddress(Ports.loopback(host), 0));
        thread = new Thread(this::accept, "fake-fdfs-" + host);
        thread.setDaemon(true);
        thread.start();
    }

    String host() {
        return server.getInetAddress().getHostAddress();
    }

    int port() {
        return server.getLocalPort();
    }

    String address() {
        return host() + ":" + port();
    }

    int connections() {
        return connections.get();
    }

    int requests() {
        return requests.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "fake-fdfs-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (!closed) {
                byte[] h = in.readNBytes(Proto.HEADER_SIZE);
                if (h.length < Proto.HEADER_SIZE) {
                    return;
                }
                long len = Proto.getLong(h, 0);
                byte[] body = readBody(in, len);
                requests.incrementAndGet();
                Reply r = handler.answer(h[8], body);
                if (r.freeze()) {
                    while (!closed && in.read() >= 0) {
                        // swallow everything, answer nothing
                    }
                    return;
                }
                if (r.nanosPerByte() == 0) {
                    out.write(r.bytes());
                    out.flush();
                } else {
                    for (byte b : r.bytes()) {
                        sleepNanos(r.nanosPerByte());
                        out.write(b);
                        out.flush();
                    }
                }
                if (r.close()) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(s);
        }
    }

    private static byte[] readBody(InputStream in, long len) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        long left = len;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new IOException("client closed mid-request");
            }
            if (b.size() < (1 << 20)) {
                b.write(buf, 0, r);
            }
            left -= r;
        }
        return b.toByteArray();
    }

    private static void sleepNanos(long nanos) throws IOException {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ answers

    /** A response: header (status, body length) and body. */
    static byte[] answer(int status, byte[] body) {
        byte[] b = new byte[Proto.HEADER_SIZE + body.length];
        Proto.putLong(b, 0, body.length);
        b[8] = Proto.CMD_RESP;
        b[9] = (byte) status;
        System.arraycopy(body, 0, b, Proto.HEADER_SIZE, body.length);
        return b;
    }

    static byte[] ok(byte[] body) {
        return answer(0, body);
    }

    static byte[] status(int errno) {
        return answer(errno, new byte[0]);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    /** A store answer (40 bytes): group, storage ip, port, store path index. */
    static byte[] storeAnswer(String group, String ip, int port) {
        return java.util.Arrays.copyOf(fetchAnswer(group, ip, port), 40); // store path index 0
    }

    /** A fetch answer (39 bytes): group, storage ip, port. */
    static byte[] fetchAnswer(String group, String ip, long port) {
        byte[] b = new byte[39];
        Proto.putFixed(b, 0, group, 16);
        Proto.putFixed(b, 16, ip, 15);
        Proto.putLong(b, 31, port);
        return b;
    }

    /** A 6.1x list-storages record (487 bytes): status, id, ip, port. */
    static byte[] storageRecord(int status, String id, String ip, int port) {
        byte[] r = new byte[487];
        r[0] = (byte) status;
        Proto.putFixed(r, 2, id, 16);
        Proto.putFixed(r, 18, ip, 16);
        int longs = 2 + 32 + 16 + 8;
        Proto.putLong(r, longs + 9 * 8, port);
        return r;
    }

    /** Byte offset of the heartbeat time in a 6.1x storage record. */
    static final int HEARTBEAT_AT = 2 + 32 + 16 + 8 + 10 * 8 + 12 + 41 * 8;

    /** An upload answer: 16 bytes group, then the remote name. */
    static byte[] fileIdAnswer(String group, String remoteName) {
        byte[] name = remoteName.getBytes(StandardCharsets.US_ASCII);
        byte[] b = new byte[16 + name.length];
        Proto.putFixed(b, 0, group, 16);
        System.arraycopy(name, 0, b, 16, name.length);
        return b;
    }

    /** A file-info answer: size, create time, crc32, source ip. */
    static byte[] fileInfoAnswer(long size, long created, String ip) {
        byte[] b = new byte[40];
        Proto.putLong(b, 0, size);
        Proto.putLong(b, 8, created);
        Proto.putFixed(b, 24, ip, 16);
        return b;
    }

    /**
     * A remote name as a storage makes it: source ip, creation time, size (COMBINE_RAND_FILE_SIZE), crc, with
     * {@code ext} padded to 7 characters.
     */
    static String remoteName(String sourceIp, long created, long size, int n) {
        byte[] b = new byte[20];
        String[] o = sourceIp.split("\\.");
        for (int i = 0; i < 4; i++) {
            b[i] = (byte) Integer.parseInt(o[i]);
        }
        b[4] = (byte) (created >>> 24);
        b[5] = (byte) (created >>> 16);
        b[6] = (byte) (created >>> 8);
        b[7] = (byte) created;
        Proto.putLong(b, 8, (0x80000000L << 32) | size);
        b[16] = (byte) n;
        String base = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        return String.format("M00/00/%02X/%s%03d.txt", n & 0xFF, base, n % 1000);
    }
}
