package io.github.hakit.fastdfs.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;

/** One TCP connection to a tracker or storage. Not thread-safe; owned by one call at a time. Not API. */
public final class FdfsConnection implements AutoCloseable {
    private final String host;
    private final int port;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private long lastUsedNanos;
    private boolean broken;
    private boolean reused;

    private FdfsConnection(String host, int port, Socket socket) throws IOException {
        this.host = host;
        this.port = port;
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = new BufferedOutputStream(socket.getOutputStream(), 64 * 1024);
    }

    /** Connects with the given timeouts (connect, and read timeout for every later read). */
    public static FdfsConnection open(String host, int port, Duration connectTimeout, Duration readTimeout)
            throws IOException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(new InetSocketAddress(host, port), timeoutMillis(connectTimeout));
            s.setSoTimeout(timeoutMillis(readTimeout));
            return new FdfsConnection(host, port, s);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    static int timeoutMillis(Duration d) {
        long ms = Math.max(1, d.toMillis());
        return ms > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) ms;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String address() {
        return host + ":" + port;
    }

    public void readTimeout(Duration timeout) throws SocketException {
        socket.setSoTimeout(timeoutMillis(timeout));
    }

    public InputStream in() {
        return in;
    }

    public OutputStream out() {
        return out;
    }

    /** Writes header and body and flushes. */
    public void send(byte cmd, byte[] body) throws IOException {
        out.write(Proto.header(body.length, cmd));
        out.write(body);
        out.flush();
    }

    /**
     * Reads a response header: its command must be {@code TRACKER_PROTO_CMD_RESP} and its length within
     * bounds, else {@link ProtocolViolationException} (nginx's "invalid_header").
     *
     * @return the status and body length
     */
    public Response readResponse(long maxBody) throws IOException {
        byte[] h = new byte[Proto.HEADER_SIZE];
        readFully(h, 0, h.length);
        long len = Proto.getLong(h, 0);
        if (h[8] != Proto.CMD_RESP) {
            broken = true;
            throw new ProtocolViolationException(address() + " answered command " + h[8] + ", expected "
                    + Proto.CMD_RESP);
        }
        if (len < 0 || len > maxBody) {
            broken = true;
            throw new ProtocolViolationException(address() + " announced a body of " + len + " bytes (max " + maxBody
                    + ")");
        }
        return new Response(h[9] & 0xFF, len);
    }

    /** Status and body length of an answer. */
    public record Response(int status, long length) {
    }

    public byte[] readBody(long length) throws IOException {
        byte[] b = new byte[(int) length];
        readFully(b, 0, b.length);
        return b;
    }

    public void readFully(byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, off + done, len - done);
            if (r < 0) {
                broken = true;
                throw new EOFException(address() + " closed the connection after " + done + " of " + len + " bytes");
            }
            done += r;
        }
    }

    /** FDFS_PROTO_CMD_ACTIVE_TEST: true when the server answers status 0 with an empty body. */
    public boolean activeTest() throws IOException {
        send(Proto.CMD_ACTIVE_TEST, new byte[0]);
        Response r = readResponse(0);
        return r.status() == 0;
    }

    long lastUsedNanos() {
        return lastUsedNanos;
    }

    void touch(long nanos) {
        lastUsedNanos = nanos;
    }

    /** Marks the connection unusable: it is closed instead of returned to the pool. */
    public void markBroken() {
        broken = true;
    }

    public boolean isBroken() {
        return broken || socket.isClosed();
    }

    /** True when it came from the pool rather than a fresh connect. */
    public boolean reused() {
        return reused;
    }

    void reused(boolean value) {
        reused = value;
    }

    @Override
    public void close() {
        broken = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return "FdfsConnection[" + address() + "]";
    }
}
