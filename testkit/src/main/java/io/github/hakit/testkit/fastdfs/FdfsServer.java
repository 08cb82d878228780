package io.github.hakit.testkit.fastdfs;

import io.github.hakit.testkit.Ports;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One FastDFS server process of a {@link FastDfsTestCluster}: a TCP listener on its own loopback
 * address that a test can {@link #stop() stop} (the socket closes: connection refused, open
 * connections reset), {@link #start() restart} on the same address, or switch to
 * {@link #blackHole() black-hole} mode (like a frozen process: connections are accepted, requests are
 * never answered, so callers must time out) and {@link #resume() back}.
 *
 * <pre>{@code
 * FdfsServer t = cluster.tracker(0);
 * t.stop();      // connection refused
 * t.start();     // same address again
 * t.blackHole(); // accepts, never answers
 * t.resume();
 * }</pre>
 */
public abstract class FdfsServer {
    private static final Logger log = LoggerFactory.getLogger(FdfsServer.class);

    /** What the server does with connections. */
    public enum Mode {
        /** Serving. */
        RUNNING,
        /** Frozen ({@link #freeze()}): accepting connections, reading and answering nothing. */
        BLACK_HOLE,
        /** Listener closed. */
        STOPPED
    }

    private final String name;
    private final String host;
    private final int port;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Object modeLock = new Object();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile Mode mode = Mode.STOPPED;
    private ServerSocket serverSocket;
    private ExecutorService threads;
    private java.util.concurrent.Future<?> acceptTask;

    FdfsServer(String name, String host, int port) {
        this.name = name;
        this.host = host;
        this.port = port;
        Ports.loopback(host);
    }

    public String name() {
        return name;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code host:port}. */
    public String address() {
        return host + ":" + port;
    }

    public Mode mode() {
        return mode;
    }

    /** True while the listener is open (running or black-holed). */
    public boolean isListening() {
        return mode != Mode.STOPPED;
    }

    /** Connections accepted since creation. */
    public int acceptedConnections() {
        return accepted.get();
    }

    /** Opens the listener (again) on the same address. */
    public synchronized void start() {
        if (mode != Mode.STOPPED) {
            return;
        }
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(Ports.loopback(host), port), 128);
            serverSocket = socket;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address() + " for " + name, e);
        }
        threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fdfs-" + name);
            t.setDaemon(true);
            return t;
        });
        setMode(Mode.RUNNING);
        ServerSocket listening = serverSocket;
        acceptTask = threads.submit(() -> acceptLoop(listening));
        log.info("{} listening on {}", name, address());
    }

    /** Closes the listener and every open connection: new connections are refused. */
    public synchronized void stop() {
        if (mode == Mode.STOPPED) {
            return;
        }
        setMode(Mode.STOPPED);
        try {
            serverSocket.close();
        } catch (IOException e) {
            log.debug("closing {}", name, e);
        }
        try {
            // the JDK closes a listener blocked in accept() only once accept() returns: wait for it, so that
            // a restart right after stop() can bind the port again
            acceptTask.get(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("{}: accept loop did not end cleanly", name, e);
        }
        for (Socket s : connections) {
            closeQuietly(s);
        }
        connections.clear();
        threads.shutdownNow();
        log.info("{} stopped ({})", name, address());
    }

    /**
     * Freezes the server like {@code kill -STOP} of the real daemon: connections are still accepted, nothing is
     * read or answered, requests in progress stall where they are, a frozen storage neither sends nor receives
     * replication, and the trackers keep reporting a frozen storage ACTIVE (a real tracker notices only after
     * {@code check_active_interval}, ~120-200 s). Unlike {@link #stop()}, no connection is refused or reset.
     */
    public void freeze() {
        blackHole();
    }

    /** Ends {@link #freeze()} like {@code kill -CONT}: stalled requests continue and are answered. */
    public void unfreeze() {
        resume();
    }

    /** True while {@link #freeze() frozen}. */
    public boolean isFrozen() {
        return mode == Mode.BLACK_HOLE;
    }

    /** Same as {@link #freeze()}. */
    public void blackHole() {
        if (mode == Mode.RUNNING) {
            setMode(Mode.BLACK_HOLE);
            log.info("{} black-holed ({})", name, address());
        }
    }

    /** Same as {@link #unfreeze()}. */
    public void resume() {
        if (mode == Mode.BLACK_HOLE) {
            setMode(Mode.RUNNING);
            log.info("{} resumed ({})", name, address());
        }
    }

    private void setMode(Mode m) {
        synchronized (modeLock) {
            mode = m;
            modeLock.notifyAll();
        }
        onModeChange(m);
    }

    /** Hook for subclasses. */
    void onModeChange(Mode newMode) {
    }

    private void acceptLoop(ServerSocket listening) {
        while (!listening.isClosed()) {
            try {
                Socket s = listening.accept();
                accepted.incrementAndGet();
                connections.add(s);
                threads.execute(() -> serve(s));
            } catch (IOException e) {
                if (!listening.isClosed()) {
                    log.warn("{} accept failed", name, e);
                }
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            // sockopt.c tcp_set_nodelay on accepted sockets; sf_nio.c TCP_SET_QUICK_ACK after every recv()
            s.setTcpNoDelay(true);
            QuickAck quickAck = QuickAck.of(s);
            InputStream in = new BufferedInputStream(new GatedInput(s.getInputStream(), quickAck), 64 * 1024);
            OutputStream out = new BufferedOutputStream(new GatedOutput(s.getOutputStream()), 64 * 1024);
            while (true) {
                if (!awaitAnswering()) {
                    return;
                }
                Wire.Header h = Wire.readHeader(in);
                if (h == null) {
                    return;
                }
                if (!awaitAnswering()) {
                    return;
                }
                if (h.length() < 0) {
                    // tracker_nio.c / storage_nio.c: "pkg length is negative" -> close the connection
                    log.debug("{}: negative package length {}, closing", name, h.length());
                    return;
                }
                if (h.cmd() == Wire.CMD_QUIT) {
                    return; // FDFS_PROTO_CMD_QUIT: no answer, connection closed
                }
                if (!handle(h, in, out)) {
                    return;
                }
            }
        } catch (SocketException e) {
            log.trace("{}: connection ended: {}", name, e.toString());
        } catch (IOException e) {
            log.debug("{}: connection ended", name, e);
        } finally {
            connections.remove(s);
        }
    }

    /**
     * The socket as a frozen process leaves it: while {@link #freeze() frozen} no byte is read (the sender's
     * data stays in the kernel buffers) and none is written; after each read the connection is put in quick-ACK
     * mode, as {@code fdfs_storaged}/{@code fdfs_trackerd} do ({@code tcp_quick_ack = true}): without it a client
     * that writes a request in two pieces with Nagle on (fastdfs-client-java: header, then file content) waits for
     * this side's delayed ACK, 40 ms per request on Linux.
     */
    private final class GatedInput extends java.io.FilterInputStream {
        private final QuickAck quickAck;

        GatedInput(InputStream in, QuickAck quickAck) {
            super(in);
            this.quickAck = quickAck;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int r = read(one, 0, 1);
            return r < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            awaitAnsweringOrThrow();
            int r = in.read(b, off, len);
            if (r > 0) {
                quickAck.arm();
            }
            return r;
        }

        @Override
        public long skip(long n) throws IOException {
            awaitAnsweringOrThrow();
            return in.skip(n);
        }
    }

    private final class GatedOutput extends java.io.FilterOutputStream {
        GatedOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            awaitAnsweringOrThrow();
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            awaitAnsweringOrThrow();
            out.write(b, off, len);
        }
    }

    private void awaitAnsweringOrThrow() throws IOException {
        if (!awaitAnswering()) {
            throw new SocketException(name + " stopped");
        }
    }

    /** Blocks while frozen; false when the server stopped. */
    private boolean awaitAnswering() {
        synchronized (modeLock) {
            while (mode == Mode.BLACK_HOLE) {
                try {
                    modeLock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return mode == Mode.RUNNING;
        }
    }

    /**
     * Handles one request whose header has been read; the body is still in {@code in}. Returns false to
     * close the connection.
     */
    abstract boolean handle(Wire.Header header, InputStream in, OutputStream out) throws IOException;

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public String toString() {
        return name + "@" + address() + "(" + mode + ")";
    }
}
