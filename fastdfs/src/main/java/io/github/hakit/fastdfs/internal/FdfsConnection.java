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
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * One TCP connection to a tracker or storage. Not thread-safe; owned by one call at a time. Not API.
 *
 * <p>Every read is bounded twice: by the read timeout (no byte for that long) and by the deadline of the
 * operation that owns the connection ({@link #deadline}): before each blocking read the socket timeout is
 * set to what is left of that deadline, so a peer trickling one byte at a time cannot stretch an operation
 * past it. Reads past the deadline throw {@link DeadlineExceededException}.
 */
public final class FdfsConnection implements AutoCloseable {
    private static final int ENOENT = 2;
    private final String host;
    private final int port;
    private final Socket socket;
    private final BufferedInputStream in;
    private final OutputStream out;
    private long lastUsedNanos;
    private boolean broken;
    private boolean reused;
    private int readTimeoutMillis;
    private LongSupplier clock = System::nanoTime;
    private long deadline = Long.MAX_VALUE;

    private FdfsConnection(String host, int port, Socket socket, int readTimeoutMillis) throws IOException {
        this.host = host;
        this.port = port;
        this.socket = socket;
        this.readTimeoutMillis = readTimeoutMillis;
        this.in = new BufferedInputStream(new DeadlineInput(socket.getInputStream()), 64 * 1024);
        this.out = new BufferedOutputStream(new CountingOutput(socket.getOutputStream()), 64 * 1024);
    }

    private volatile long bytesWritten;

    /** Bytes handed to the socket so far (a send that makes no progress is stalled). */
    public long bytesWritten() {
        return bytesWritten;
    }

    private final class CountingOutput extends java.io.FilterOutputStream {
        CountingOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            bytesWritten += len;
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            bytesWritten++;
        }
    }

    /** A read that would end after the operation's deadline (the peer may be trickling bytes). */
    public static final class DeadlineExceededException extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        public DeadlineExceededException(String message) {
            super(message);
        }
    }

    /** The socket stream under the buffer: each read gets at most what is left of the deadline. */
    private final class DeadlineInput extends InputStream {
        private final InputStream raw;

        DeadlineInput(InputStream raw) {
            this.raw = raw;
        }

        private void arm() throws IOException {
            if (deadline == Long.MAX_VALUE) {
                socket.setSoTimeout(readTimeoutMillis);
                return;
            }
            long left = deadline - clock.getAsLong();
            if (left <= 0) {
                broken = true;
                throw new DeadlineExceededException(address() + ": the operation's deadline passed while reading");
            }
            long ms = Math.max(1, (left + 999_999) / 1_000_000);
            socket.setSoTimeout((int) Math.min(readTimeoutMillis, ms));
        }

        @Override
        public int read() throws IOException {
            arm();
            return raw.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            arm();
            try {
                return raw.read(b, off, len);
            } catch (SocketTimeoutException e) {
                broken = true;
                if (deadline != Long.MAX_VALUE && deadline - clock.getAsLong() <= 0) {
                    throw new DeadlineExceededException(address() + ": the operation's deadline passed while reading");
                }
                throw e;
            }
        }

        @Override
        public int available() throws IOException {
            return raw.available();
        }
    }

    /**
     * Bounds every later read by {@code deadlineNanos} on {@code clock} ({@code Long.MAX_VALUE}: the read
     * timeout alone).
     */
    public void deadline(LongSupplier clock, long deadlineNanos) {
        this.clock = clock;
        this.deadline = deadlineNanos;
    }

    /** The deadline on the clock given to {@link #deadline}, or {@code Long.MAX_VALUE}. */
    public long deadline() {
        return deadline;
    }

    /**
     * True when nothing that was not asked for is waiting on the connection (bytes after an answer belong
     * to no request: such a connection must not be reused).
     */
    public boolean nothingPending() {
        try {
            return !isBroken() && in.available() == 0;
        } catch (IOException e) {
            return false;
        }
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
            return new FdfsConnection(host, port, s, timeoutMillis(readTimeout));
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
        readTimeoutMillis = timeoutMillis(timeout);
        socket.setSoTimeout(readTimeoutMillis);
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
        int status = h[9] & 0xFF;
        if (status != 0 && status != ENOENT) {
            broken = true; // a real storage closes the connection after EINVAL (and other errors); ENOENT keeps it
        }
        return new Response(status, len);
    }

    /** Status and body length of an answer. */
    public record Response(int status, long length) {
    }

    /**
     * Reads a body of {@code length} bytes (already bounded by {@link #readResponse}); memory grows with the
     * bytes that really arrive, not with the announced length.
     */
    public byte[] readBody(long length) throws IOException {
        if (length <= 8192) {
            byte[] b = new byte[(int) length];
            readFully(b, 0, b.length);
            return b;
        }
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream(8192);
        byte[] chunk = new byte[8192];
        long left = length;
        while (left > 0) {
            int n = (int) Math.min(chunk.length, left);
            readFully(chunk, 0, n);
            body.write(chunk, 0, n);
            left -= n;
        }
        return body.toByteArray();
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
