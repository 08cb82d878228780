package io.github.hakit.testkit.fastdfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One raw FastDFS connection for protocol-level tests: a request, its answer, whether the server closed. */
final class RawFdfs implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    record Answer(byte status, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    RawFdfs(FdfsServer server) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress(server.host(), server.port()), 2000);
        socket.setSoTimeout(5000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    void send(byte cmd, byte[] body) throws IOException {
        out.write(Wire.header(body.length, cmd, (byte) 0));
        out.write(body);
        out.flush();
    }

    void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    Answer read() throws IOException {
        byte[] h = Wire.readFully(in, Wire.HEADER_SIZE);
        long n = Wire.getLong(h, 0);
        if (h[8] != Wire.CMD_RESP || n < 0 || n > 16 * 1024 * 1024) {
            throw new IOException("not an answer header: cmd " + h[8] + ", length " + n);
        }
        return new Answer(h[9], Wire.readFully(in, (int) n));
    }

    Answer call(byte cmd, byte[] body) throws IOException {
        send(cmd, body);
        return read();
    }

    /** True when the server closed the connection (EOF or reset) within {@code millis}. */
    boolean closedByPeer(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // connection reset
        } finally {
            socket.setSoTimeout(5000);
        }
    }

    /** True when no byte arrives within {@code millis}. */
    boolean silentFor(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            in.read();
            return false;
        } catch (SocketTimeoutException e) {
            return true;
        } finally {
            socket.setSoTimeout(5000);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    // ---- request bodies ------------------------------------------------------------------------

    static byte[] group(String g) {
        byte[] b = new byte[Wire.GROUP_NAME_MAX_LEN];
        Wire.putFixed(b, 0, g, Wire.GROUP_NAME_MAX_LEN);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] all = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }

    static byte[] longs(long... values) {
        byte[] b = new byte[8 * values.length];
        for (int i = 0; i < values.length; i++) {
            Wire.putLong(b, 8 * i, values[i]);
        }
        return b;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Upload (cmd 11 or 23) straight to a storage; answers the remote file name ({@code M00/...}). */
    static String upload(TestStorage storage, byte[] data, String ext, byte cmd) throws IOException {
        try (RawFdfs c = new RawFdfs(storage)) {
            Answer a = c.call(cmd, uploadBody(data, ext));
            if (a.status() != 0) {
                throw new IOException("upload answered errno " + a.status());
            }
            return a.text().substring(Wire.GROUP_NAME_MAX_LEN);
        }
    }

    static byte[] uploadBody(byte[] data, String ext) {
        byte[] e = new byte[Wire.FILE_EXT_NAME_MAX_LEN];
        Wire.putFixed(e, 0, ext, Wire.FILE_EXT_NAME_MAX_LEN);
        return concat(new byte[] {0}, longs(data.length), e, data);
    }

    /** Fetch-all (105) or fetch-one (102) as {@code host:port} list; empty list on an error status. */
    static List<String> fetch(TestTracker tracker, byte cmd, String group, String name) throws IOException {
        try (RawFdfs c = new RawFdfs(tracker)) {
            Answer a = c.call(cmd, concat(group(group), ascii(name)));
            List<String> hosts = new ArrayList<>();
            if (a.status() != 0) {
                return hosts;
            }
            byte[] b = a.body();
            int first = Wire.GROUP_NAME_MAX_LEN + Wire.IP_ADDRESS_SIZE - 1;
            hosts.add(Wire.getFixed(b, Wire.GROUP_NAME_MAX_LEN, Wire.IP_ADDRESS_SIZE - 1) + ":" + Wire.getLong(b, first));
            for (int p = first + 8; p + 23 <= b.length; p += 23) {
                hosts.add(Wire.getFixed(b, p, 15) + ":" + Wire.getLong(b, p + 15));
            }
            return hosts;
        }
    }
}
