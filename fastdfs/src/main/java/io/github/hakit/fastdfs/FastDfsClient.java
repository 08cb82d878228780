package io.github.hakit.fastdfs;

import io.github.hakit.core.AttemptRecord;
import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Candidates;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Failure;
import io.github.hakit.core.FailureClassifier;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.config.HaproxyBackendParser;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.health.Probe;
import io.github.hakit.core.Ticker;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamCallException;
import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.fastdfs.internal.ConnectionPool;
import io.github.hakit.fastdfs.internal.FdfsConnection;
import io.github.hakit.fastdfs.internal.Proto;
import io.github.hakit.fastdfs.internal.ProtocolViolationException;
import io.github.hakit.fastdfs.internal.StorageProtocol;
import io.github.hakit.fastdfs.internal.TrackerProtocol;
import io.github.hakit.fastdfs.internal.TrackerProtocol.StorageAddress;
import io.github.hakit.fastdfs.internal.TrackerProtocol.StoreTarget;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A highly available FastDFS client. Trackers form a {@code core} {@link Upstream}: health checked with
 * FastDFS's ACTIVE_TEST, passive failure accounting, and failover <em>within the request</em> when a
 * tracker refuses, times out or answers garbage. Storages are found through the trackers and run through a
 * second upstream ({@link #storages()}) with per-call candidates: the storage the tracker named (a fresh file's
 * source storage first), then fetch-all's and the group's other ACTIVE storages. A storage that fails is out for
 * {@code storageFailTimeout} (visible in status, meters and events); a replica without a fresh file is asked
 * again within the deadline. Every operation ends within {@code callTimeout} (plus its content at
 * {@code minTransferRate}), however slowly a server sends. Everything streams through fixed buffers.
 *
 * <pre>{@code
 * try (FastDfsClient fdfs = FastDfsClient.builder()
 *         .trackers("10.0.0.1:22122,10.0.0.2:22122")
 *         .networkTimeout(Duration.ofSeconds(2))
 *         .build()) {
 *     FileId id = fdfs.upload(UploadSource.of(Path.of("a.jpg")), UploadRequest.builder().group("group1").ext("jpg").build());
 *     try (InputStream in = fdfs.openStream(id)) { ... }
 *     fdfs.delete(id);
 * }
 * }</pre>
 *
 * <p>Why not fastdfs-client-java underneath: its timeouts, pool and tracker list live in static fields of
 * {@code ClientGlobal} (one configuration per JVM, timeouts in whole seconds), it cannot parse the list
 * answers of FastDFS 6.1x, and its tracker rotation neither skips dead trackers nor retries within a call.
 * hakit therefore speaks the wire protocol itself ({@code internal} package, following the C sources); the
 * Java client is used in the tests to check that both agree.
 */
public final class FastDfsClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FastDfsClient.class);
    /**
     * A real 6.16 tracker offers replicas of a file only once they reported it synced or it is older than 300 s
     * ({@code tracker_mem.c}); a minute more covers clock skew between the client and the storages.
     */
    static final long FRESH_SECONDS = 360;
    /** How long a group's storage list (list-storages) is reused before it is asked again. */
    static final Duration GROUP_LIST_TTL = Duration.ofSeconds(10);
    /** Wait between rounds while replicas do not have a fresh file yet. */
    static final Duration NOT_SYNCED_BACKOFF = Duration.ofMillis(100);
    /** Without a call timeout, how long a read waits for replicas to receive a fresh file. */
    static final Duration NOT_SYNCED_MAX_WAIT = Duration.ofSeconds(30);

    /** FastDFS errors that are not the endpoint's fault are not retried; protocol garbage is invalid_header. */
    static final FailureClassifier CLASSIFIER = t -> {
        if (t instanceof FastDfsException || t instanceof IllegalArgumentException
                || t instanceof StorageProtocol.UploadSourceException) {
            return null;
        }
        if (t instanceof ProtocolViolationException) {
            return Failure.maybeSent(FailureKind.INVALID_HEADER);
        }
        if (t instanceof ConnectionPool.PoolExhaustedException) {
            return Failure.notSent(FailureKind.ERROR);
        }
        return FailureClassifier.network().classify(t);
    };

    /**
     * Storages: ENOENT is "this storage has no such file (yet)" (moves on without counting, like Nginx's 404);
     * an upload failure says itself whether its request was complete.
     */
    static final FailureClassifier STORAGE_CLASSIFIER = t -> {
        if (t instanceof Sent sent) {
            Failure f = CLASSIFIER.classify(sent.getCause());
            return Failure.maybeSent(f == null ? FailureKind.ERROR : f.kind());
        }
        if (t instanceof NotSent notSent) {
            Failure f = CLASSIFIER.classify(notSent.getCause());
            return Failure.notSent(f == null ? FailureKind.ERROR : f.kind());
        }
        if (t instanceof FastDfsServerException e && e.isNotFound()) {
            return Failure.notSent(FailureKind.NO_ROUTE);
        }
        return CLASSIFIER.classify(t);
    };

    /** An upload attempt failed after its request was complete (or a one-shot source was consumed): stop. */
    private static final class Sent extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient RuntimeException toCaller;

        Sent(IOException cause, RuntimeException toCaller) {
            super(cause.toString(), cause);
            this.toCaller = toCaller;
        }
    }

    /** An upload attempt failed before its request was complete: another storage may take it. */
    private static final class NotSent extends IOException {
        private static final long serialVersionUID = 1L;

        NotSent(IOException cause) {
            super(cause.toString(), cause);
        }
    }

    private final Upstream trackers;
    private final Upstream storages;
    private final ConnectionPool pool;
    private final Ticker ticker;
    private final Clock clock;
    private final ScheduledExecutorService scheduler;
    private final boolean ownScheduler;
    private final Duration connectTimeout;
    private final Duration networkTimeout;
    private final Duration callTimeout;
    private final Duration storageFailTimeout;
    private final long minTransferRate;
    private final long maxBytesInMemory;
    private final Map<String, GroupList> groupLists = new ConcurrentHashMap<>();
    private final Set<String> knownStorages = ConcurrentHashMap.newKeySet();
    private final List<Consumer<String>> storageWatchers = new CopyOnWriteArrayList<>();
    private volatile ProtocolLayout layoutHint;

    /** A group's storages as a tracker listed them, and when. */
    private record GroupList(long atNanos, List<StorageView> storages) {
    }

    private FastDfsClient(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.networkTimeout = b.networkTimeout;
        this.callTimeout = b.callTimeout;
        this.storageFailTimeout = b.storageFailTimeout;
        this.minTransferRate = b.minTransferRate;
        this.maxBytesInMemory = b.maxBytesInMemory;
        this.ticker = b.ticker;
        this.clock = b.clock;
        this.ownScheduler = b.scheduler == null;
        this.scheduler = ownScheduler ? newScheduler(b.name) : b.scheduler;
        this.pool = new ConnectionPool(b.pool, b.ticker::read);
        this.layoutHint = b.layout;
        NextUpstreamPolicy policy = NextUpstreamPolicy.builder()
                .conditions(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.INVALID_HEADER)
                .tries(0).attemptTimeout(b.networkTimeout).timeout(b.callTimeout).build();
        Upstream.Builder ub = Upstream.builder(b.name).endpoints(b.trackers).nextUpstream(policy)
                .classifier(CLASSIFIER).ticker(b.ticker).scheduler(scheduler);
        if (b.healthCheck != null) {
            ub.healthCheck(b.healthCheck, activeTestProbe());
        }
        Upstream.Builder sb = Upstream.builder(b.name + "-storages").endpoints(List.of())
                .nextUpstream(NextUpstreamPolicy.builder()
                        .conditions(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.INVALID_HEADER,
                                FailureKind.NO_ROUTE)
                        .tries(0).attemptTimeout(b.networkTimeout).build())
                .allDown(AllDownPolicy.tryAnyway())
                .classifier(STORAGE_CLASSIFIER).ticker(b.ticker).scheduler(scheduler);
        for (UpstreamListener l : b.listeners) {
            ub.listener(l);
            sb.listener(l);
        }
        this.trackers = ub.build();
        this.storages = sb.build();
    }

    private static ScheduledExecutorService newScheduler(String name) {
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "hakit-" + name);
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        return s;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** FastDFS ACTIVE_TEST on a fresh connection, as the probe of the tracker upstream. */
    public static Probe activeTestProbe() {
        return (endpoint, timeout) -> {
            try (FdfsConnection c = FdfsConnection.open(endpoint.host(), endpoint.port(), timeout, timeout)) {
                if (!c.activeTest()) {
                    throw new IOException("ACTIVE_TEST refused by " + endpoint.address());
                }
            }
        };
    }

    /** The trackers' upstream (state, listeners, membership changes). */
    public Upstream trackers() {
        return trackers;
    }

    /**
     * The storages' upstream: every storage a call has used, with its passive state ({@code max_fails=1
     * fail_timeout=storageFailTimeout}): a storage taken out shows here, in its meters and in listener events.
     */
    public Upstream storages() {
        return storages;
    }

    // ------------------------------------------------------------------------------------------------ deadline

    /**
     * The deadline of one operation: {@code callTimeout} from its start for the tracker queries, storage
     * attempts and answers, plus the time the content needs at {@code minTransferRate}.
     */
    private final class Op {
        private final String what;
        private long deadline;

        Op(String what) {
            this(what, callTimeout.isZero() ? Long.MAX_VALUE : callTimeout.toNanos());
        }

        /** An operation with {@code budgetNanos} from now ({@code Long.MAX_VALUE}: unbounded). */
        Op(String what, long budgetNanos) {
            this.what = what;
            this.deadline = budgetNanos == Long.MAX_VALUE ? Long.MAX_VALUE : ticker.read() + budgetNanos;
        }

        /** More time for {@code bytes} of content. */
        void allowTransfer(long bytes) {
            if (deadline != Long.MAX_VALUE) {
                deadline = saturatedAdd(deadline, transferNanos(bytes));
            }
        }

        boolean bounded() {
            return deadline != Long.MAX_VALUE;
        }

        long leftNanos() {
            return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - ticker.read();
        }

        /** {@code cap}, or less when less is left; throws when nothing is left. */
        Duration left(Duration cap) {
            long left = leftNanos();
            if (left <= 0) {
                throw timedOut(null);
            }
            return left >= cap.toNanos() ? cap : Duration.ofNanos(left);
        }

        FastDfsTimeoutException timedOut(Throwable cause) {
            return new FastDfsTimeoutException(what + " did not complete within callTimeout " + callTimeout.toMillis()
                    + " ms" + (cause == null ? "" : ": " + cause), cause);
        }
    }

    /** The time {@code bytes} of content may take at {@code minTransferRate}. */
    private long transferNanos(long bytes) {
        if (bytes <= 0) {
            return 0;
        }
        long nanos = saturatedMul(bytes / minTransferRate, 1_000_000_000L)
                + (bytes % minTransferRate) * 1_000_000_000L / minTransferRate;
        return nanos < 0 ? Long.MAX_VALUE - 1 : nanos;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return r < a ? Long.MAX_VALUE - 1 : r;
    }

    private static long saturatedMul(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? Long.MAX_VALUE : lo;
    }

    // ------------------------------------------------------------------------------------------------ upload

    public FileId upload(byte[] data, String ext) {
        return upload(UploadSource.of(data), UploadRequest.builder().ext(ext).build());
    }

    /** Uploads a file; its extension (up to 6 characters) is kept. */
    public FileId upload(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String ext = dot >= 0 ? name.substring(dot + 1) : "";
        if (!ext.matches("[A-Za-z0-9_-]{1," + Proto.FILE_EXT_NAME_MAX_LEN + "}")) {
            ext = ""; // FastDFS keeps at most 6 plain characters of extension
        }
        return upload(UploadSource.of(file), UploadRequest.builder().ext(ext).build());
    }

    public FileId upload(InputStream in, long length, String ext) {
        return upload(UploadSource.of(in, length), UploadRequest.builder().ext(ext).build());
    }

    /**
     * Uploads {@code source} as {@code request} says. A storage that cannot be reached (or fails before the
     * request is complete) is replaced by another storage of the group; a failure after the request was sent
     * throws {@link PossibleOrphanException}; a failed upload never returns an id.
     */
    public FileId upload(UploadSource source, UploadRequest request) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(request, "request");
        Op op = new Op("upload");
        op.allowTransfer(source.length());
        if (request.master() != null) {
            return uploadSlave(op, source, request);
        }
        StoreTarget first;
        if (request.storage() != null) {
            String[] hp = request.storage().split(":");
            first = new StoreTarget(null, hp[0], Integer.parseInt(hp[1]), Proto.STORE_PATH_ANY & 0xFF);
        } else {
            first = onTracker(op, c -> TrackerProtocol.queryStore(c, request.group()), request.group());
        }
        Map<String, StoreTarget> targets = new ConcurrentHashMap<>();
        targets.put(first.address(), first);
        Candidates candidates = Candidates.of(storageEndpoint(first.host(), first.port())).orElse(() -> {
            List<Endpoint> more = new ArrayList<>();
            for (StoreTarget t : alternatives(op, first, request)) {
                targets.putIfAbsent(t.address(), t);
                more.add(storageEndpoint(t.host(), t.port()));
            }
            return more;
        });
        StoreTarget[] used = new StoreTarget[1];
        FileId id = onStorages(op, "upload", candidates, false, (c, address) -> {
            StoreTarget t = targets.get(address);
            used[0] = t;
            String expectedGroup = t.group() != null ? t.group() : request.group();
            StorageProtocol.SendState state = new StorageProtocol.SendState();
            try {
                return withConnection(op, t.host(), t.port(), c, conn -> {
                    try (InputStream in = source.open()) {
                        return StorageProtocol.upload(conn, expectedGroup, request.appender(), t.storePathIndex(),
                                source.length(), request.ext(), in, state);
                    }
                }, state);
            } catch (IOException e) {
                throw uploadFailure(t.address(), source, state, e);
            }
        });
        return withMetadata(op, id, used[0].host(), used[0].port(), request.metadata());
    }

    /** Whether a failed upload attempt may move to another storage. */
    private static IOException uploadFailure(String address, UploadSource source, StorageProtocol.SendState state,
            IOException e) {
        if (e instanceof StorageProtocol.UploadSourceException) {
            return new Sent(e, new FastDfsException("upload source failed: " + e.getMessage(), e));
        }
        if (state.requestSent()) {
            return new Sent(e, new PossibleOrphanException(address, e));
        }
        if (!source.replayable() && state.sourceBytesRead() > 0) {
            return new Sent(e, new FastDfsException("upload to " + address + " failed after " + state.sourceBytesRead()
                    + " bytes of a one-shot stream were sent; it cannot be replayed on another storage", e));
        }
        log.debug("upload to {} failed before the request was complete, trying another storage", address, e);
        return new NotSent(e);
    }

    /** The other storages of the group the upload is going to (tracker store-all, then the group's list). */
    private List<StoreTarget> alternatives(Op op, StoreTarget first, UploadRequest request) {
        String group = request.group() != null ? request.group() : first.group();
        if (group == null && request.storage() != null) {
            group = groupOfStorage(op, request.storage());
        }
        List<StoreTarget> more = new ArrayList<>();
        if (group != null) {
            String g = group;
            try {
                more.addAll(onTracker(op, c -> TrackerProtocol.queryStoreAll(c, g), g));
            } catch (FastDfsTimeoutException e) {
                throw e;
            } catch (RuntimeException e) {
                log.debug("no store-all answer for the upload", e);
            }
            for (StorageView s : groupStorages(op, g, false)) {
                if (s.status() == StorageStatus.ACTIVE) {
                    more.add(new StoreTarget(g, s.host(), s.port(), Proto.STORE_PATH_ANY & 0xFF));
                }
            }
        }
        return more;
    }

    private String groupOfStorage(Op op, String address) {
        for (GroupView g : clusterView(op).groups()) {
            for (StorageView s : g.storages()) {
                if (s.address().equals(address)) {
                    return g.name();
                }
            }
        }
        return null;
    }

    private FileId withMetadata(Op op, FileId id, String host, int port, Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return id;
        }
        try {
            onStorages(op, "set metadata of " + id, Candidates.of(storageEndpoint(host, port)), true,
                    (c, address) -> withConnection(op, host, port, c, conn -> {
                        StorageProtocol.setMetadata(conn, id, metadata, false);
                        return null;
                    }, null));
            return id;
        } catch (RuntimeException e) {
            try {
                delete(id);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new FastDfsException("uploaded " + id + " but setting its metadata failed; the file was deleted", e);
        }
    }

    private FileId uploadSlave(Op op, UploadSource source, UploadRequest request) {
        FileId master = request.master();
        StorageAddress s = onTracker(op, c -> TrackerProtocol.queryFetch(c, master, true), master.group());
        FileId id = onStorages(op, "upload slave of " + master, Candidates.of(storageEndpoint(s.host(), s.port())),
                false, (c, address) -> {
                    StorageProtocol.SendState state = new StorageProtocol.SendState();
                    try {
                        return withConnection(op, s.host(), s.port(), c, conn -> {
                            try (InputStream in = source.open()) {
                                return StorageProtocol.uploadSlave(conn, master, request.prefix(), request.ext(),
                                        source.length(), in, state);
                            }
                        }, state);
                    } catch (IOException e) {
                        IOException f = uploadFailure(address, source, state, e);
                        throw f instanceof Sent ? f : new Sent(e, new FastDfsException("slave upload to " + address
                                + " failed", e));
                    }
                });
        return withMetadata(op, id, s.host(), s.port(), request.metadata());
    }

    // ------------------------------------------------------------------------------------------------ download

    /**
     * The whole file as bytes, for small files: at most {@code maxBytesInMemory} (builder); memory grows with
     * the bytes that arrive, never with a length a storage announced. Large files: {@link #download(FileId,
     * OutputStream)}.
     */
    public byte[] downloadBytes(FileId id) {
        Objects.requireNonNull(id, "id");
        try (ReplicaStream in = new ReplicaStream(id, 0, 0)) {
            long size = in.size();
            if (size > maxBytesInMemory) {
                throw new FastDfsException(id + " has " + size + " bytes, more than maxBytesInMemory "
                        + maxBytesInMemory + "; stream it with download(id, out) or openStream(id)");
            }
            FileId.Encoded encoded = id.encoded();
            long known = encoded == null ? -1 : encoded.size();
            int initial = (int) Math.min(size, known >= 0 ? Math.min(known, 1 << 20) : 1 << 16);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.max(initial, 32));
            in.transferTo(out);
            if (out.size() != size) {
                throw new FastDfsException(id + ": read " + out.size() + " of " + size + " bytes");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("download of " + id + " failed", e);
        }
    }

    /** Streams the file into {@code out}; returns the bytes written. */
    public long download(FileId id, OutputStream out) {
        return download(id, 0, 0, out);
    }

    /** Streams {@code length} bytes from {@code offset} ({@code length} 0 = to the end) into {@code out}. */
    public long download(FileId id, long offset, long length, OutputStream out) {
        Objects.requireNonNull(out, "out");
        try (InputStream in = openStream(id, offset, length)) {
            return in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + id + " to the output failed", e);
        }
    }

    /** Downloads into {@code target} (written to a temporary file first, then moved). */
    public void download(FileId id, Path target) {
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        try (OutputStream out = Files.newOutputStream(tmp)) {
            download(id, out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + tmp, e);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + tmp + " to " + target, e);
        }
    }

    public InputStream openStream(FileId id) {
        return openStream(id, 0, 0);
    }

    /**
     * An input stream over the file, read lazily from a storage. When the storage fails (also mid-stream)
     * or a replica does not have the file yet, the stream continues from the same position on another
     * storage of the group. Close it to release the connection.
     */
    public InputStream openStream(FileId id, long offset, long length) {
        Objects.requireNonNull(id, "id");
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must be >= 0: " + offset + ", " + length);
        }
        return new ReplicaStream(id, offset, length);
    }

    /** The storages the trackers offer for {@code id} (fetch-all), in their order. */
    public List<String> storagesOf(FileId id) {
        List<String> out = new ArrayList<>();
        for (StorageAddress a : fetchAll(new Op("fetch-all " + id), id)) {
            out.add(a.address());
        }
        return out;
    }

    private List<StorageAddress> fetchAll(Op op, FileId id) {
        return onTracker(op, c -> TrackerProtocol.queryFetchAll(c, id, layoutHint), id.group());
    }

    /** A download opened on a storage: the connection positioned at the content, and its length. */
    private record Opened(FdfsConnection conn, long length) {
    }

    private final class ReplicaStream extends InputStream {
        private static final int MAX_REOPENS = 16;
        private final FileId id;
        private final long offset;
        private final long length;
        private long position;
        private long total = -1;
        private long remaining;
        /**
         * Time this stream may still spend waiting for storages (opening, reading): callTimeout plus the content
         * at minTransferRate; a slow reader is not counted. {@code Long.MAX_VALUE}: unbounded.
         */
        private long budget;
        private int reopens;
        private FdfsConnection conn;
        private boolean closed;

        ReplicaStream(FileId id, long offset, long length) {
            this.id = id;
            this.offset = offset;
            this.length = length;
            this.budget = callTimeout.isZero() ? Long.MAX_VALUE : callTimeout.toNanos();
        }

        private void spend(long nanos) throws FastDfsTimeoutException {
            if (budget != Long.MAX_VALUE) {
                budget -= Math.max(0, nanos);
            }
        }

        private void checkBudget(Throwable cause) {
            if (budget != Long.MAX_VALUE && budget <= 0) {
                throw new FastDfsTimeoutException("download of " + id + " waited for storages longer than callTimeout "
                        + callTimeout.toMillis() + " ms plus its size at " + minTransferRate + " bytes/s"
                        + (cause == null ? "" : ": " + cause), cause);
            }
        }

        /** The number of bytes this stream delivers in total (connects to a storage if needed). */
        long size() throws IOException {
            while (total < 0) {
                open();
            }
            return total;
        }

        @Override
        public long transferTo(OutputStream out) throws IOException {
            byte[] buf = new byte[64 * 1024];
            long n = 0;
            int r;
            while ((r = read(buf, 0, buf.length)) >= 0) {
                out.write(buf, 0, r);
                n += r;
            }
            return n;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int r = read(one, 0, 1);
            return r < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (closed) {
                throw new IOException("stream closed");
            }
            while (true) {
                if (total >= 0 && position >= total) {
                    return -1;
                }
                if (len == 0) {
                    return 0;
                }
                if (conn == null) {
                    open();
                    continue;
                }
                int r;
                long started = ticker.read();
                try {
                    // only the time spent waiting for the storage counts (a slow reader is not the storage's fault)
                    conn.deadline(ticker::read, budget == Long.MAX_VALUE ? Long.MAX_VALUE : started + budget);
                    r = conn.in().read(b, off, (int) Math.min(len, remaining));
                    if (r < 0) {
                        throw new java.io.EOFException(conn.address() + " ended the download with " + remaining
                                + " bytes missing");
                    }
                } catch (IOException e) {
                    long elapsed = ticker.read() - started;
                    String address = conn.address();
                    conn.close();
                    pool.release(conn, false);
                    conn = null;
                    Failure f = STORAGE_CLASSIFIER.classify(e);
                    storageFailed(address, f == null ? FailureKind.ERROR : f.kind(), elapsed, e);
                    spend(elapsed);
                    checkBudget(e);
                    if (++reopens > MAX_REOPENS) {
                        throw new FastDfsException("download of " + id + " failed " + reopens + " times mid-stream", e);
                    }
                    continue;
                }
                spend(ticker.read() - started);
                position += r;
                remaining -= r;
                if (remaining == 0) {
                    pool.release(conn, true);
                    conn = null;
                }
                return r;
            }
        }

        private void open() {
            checkBudget(null);
            long started = ticker.read();
            Op op = new Op("download of " + id, budget);
            Opened o = onFile(op, id, false, (c, address) -> {
                for (int round = 0; ; round++) {
                    FdfsConnection fc = pool.borrow(c.host(), c.port(), c.connect(), c.read());
                    boolean keep = false;
                    try {
                        fc.deadline(ticker::read, op.deadline);
                        long n = StorageProtocol.startDownload(fc, id, offset + position,
                                length == 0 ? 0 : length - position);
                        if (total >= 0 && position + n != total) {
                            fc.markBroken();
                            throw new ProtocolViolationException(address + " has a different size for " + id + ": "
                                    + (position + n) + " instead of " + total);
                        }
                        keep = true;
                        return new Opened(fc, n);
                    } catch (IOException e) {
                        boolean stale = fc.reused() && round == 0 && !(e instanceof SocketTimeoutException)
                                && !(e instanceof ProtocolViolationException);
                        if (!stale) {
                            throw e;
                        }
                        fc.markBroken();
                        pool.evict(address); // the storage closed pooled connections (restart): try a fresh one
                    } finally {
                        if (!keep) {
                            pool.release(fc, !fc.isBroken());
                        }
                    }
                }
            });
            spend(ticker.read() - started);
            if (total < 0) {
                total = position + o.length();
                if (budget != Long.MAX_VALUE) {
                    budget = saturatedAdd(budget, transferNanos(total));
                }
            }
            remaining = o.length();
            if (remaining == 0) {
                pool.release(o.conn(), true);
            } else {
                conn = o.conn();
            }
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (conn != null) {
                pool.release(conn, false); // unread bytes remain on the connection
                conn = null;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ other ops

    /** Deletes the file (on its source storage, or another storage of the group when that one is down). */
    public void delete(FileId id) {
        Op op = new Op("delete " + id);
        onFile(op, id, true, (c, address) -> withConnection(op, c, conn -> {
            StorageProtocol.delete(conn, id);
            return null;
        }));
    }

    /**
     * The file's metadata; empty when the file has none. A real storage answers ENOENT both for a file
     * without metadata and for a missing file: hakit then asks that storage for the file's info to tell them
     * apart.
     */
    public Map<String, String> metadata(FileId id) {
        Op op = new Op("metadata of " + id);
        return onFile(op, id, false, (c, address) -> withConnection(op, c, conn -> {
            try {
                return StorageProtocol.getMetadata(conn, id);
            } catch (FastDfsServerException e) {
                if (!e.isNotFound()) {
                    throw e;
                }
                StorageProtocol.queryFileInfo(conn, id); // ENOENT here: this storage has no such file
                return Map.<String, String>of();
            }
        }));
    }

    /** Sets metadata, replacing all ({@code merge} false) or merging into the existing entries. */
    public void setMetadata(FileId id, Map<String, String> metadata, boolean merge) {
        Objects.requireNonNull(metadata, "metadata");
        Op op = new Op("set metadata of " + id);
        onFile(op, id, true, (c, address) -> withConnection(op, c, conn -> {
            StorageProtocol.setMetadata(conn, id, metadata, merge);
            return null;
        }));
    }

    public FileInfo info(FileId id) {
        Op op = new Op("info of " + id);
        return onFile(op, id, false, (c, address) -> withConnection(op, c, conn -> StorageProtocol.queryFileInfo(conn,
                id)));
    }

    /** Appends to an appender file on its source storage (not retried once sent). */
    public void append(FileId appenderFile, UploadSource source) {
        onSourceStorage(appenderFile, "append to", source.length(), (c, state) -> {
            try (InputStream in = source.open()) {
                StorageProtocol.append(c, appenderFile, source.length(), in, state);
            }
        });
    }

    /** Overwrites part of an appender file from {@code offset} (not retried once sent). */
    public void modify(FileId appenderFile, long offset, UploadSource source) {
        if (offset < 0) {
            throw new IllegalArgumentException("offset < 0: " + offset);
        }
        onSourceStorage(appenderFile, "modify", source.length(), (c, state) -> {
            try (InputStream in = source.open()) {
                StorageProtocol.modify(c, appenderFile, offset, source.length(), in, state);
            }
        });
    }

    /** Truncates an appender file to {@code size} bytes. */
    public void truncate(FileId appenderFile, long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size < 0: " + size);
        }
        onSourceStorage(appenderFile, "truncate", 0, (c, state) -> StorageProtocol.truncate(c, appenderFile, size));
    }

    @FunctionalInterface
    private interface SourceCall {
        void apply(FdfsConnection c, StorageProtocol.SendState state) throws IOException;
    }

    /** A change on the file's source storage (tracker QUERY_UPDATE); failures after sending say so. */
    private void onSourceStorage(FileId id, String op, long contentBytes, SourceCall call) {
        Op o = new Op(op + " " + id);
        o.allowTransfer(contentBytes);
        StorageAddress s = onTracker(o, c -> TrackerProtocol.queryFetch(c, id, true), id.group());
        StorageProtocol.SendState state = new StorageProtocol.SendState();
        onStorages(o, op + " " + id, Candidates.of(storageEndpoint(s.host(), s.port())), false,
                (c, address) -> {
                    try {
                        return withConnection(o, c, conn -> {
                            call.apply(conn, state);
                            return null;
                        }, state);
                    } catch (IOException e) {
                        throw new Sent(e, new FastDfsException(op + " " + id + " on " + address + " failed"
                                + (state.requestSent() ? " after the request was sent (it may have been applied)"
                                : ""), e));
                    }
                });
    }

    // ------------------------------------------------------------------------------------------------ storages

    /** Where one storage attempt connects, with its timeouts. */
    private record Conn(String host, int port, Duration connect, Duration read) {
    }

    @FunctionalInterface
    private interface StorageAttempt<T> {
        T apply(Conn c, String address) throws IOException;
    }

    /** A storage as a per-call candidate: Nginx's {@code max_fails=1 fail_timeout=storageFailTimeout}. */
    private Endpoint storageEndpoint(String host, int port) {
        return Endpoint.builder(host, port).maxFails(1).failTimeout(storageFailTimeout).build();
    }

    /**
     * Runs {@code call} on the candidates through the storages' upstream. What no storage could do ends in
     * the exception of the last attempt that decided it ({@link Sent}), in ENOENT when every storage said so,
     * else in a {@link FastDfsException} listing the attempts.
     */
    private <T> T onStorages(Op op, String what, Candidates candidates, boolean idempotent, StorageAttempt<T> call) {
        try {
            return storages.execute(candidates, idempotent ? CallOptions.idempotent() : CallOptions.nonIdempotent(),
                    attempt -> {
                        Endpoint e = attempt.endpoint();
                        seen(e.name());
                        Duration read = op.left(attempt.timeout());
                        Duration connect = connectTimeout.compareTo(read) < 0 ? connectTimeout : read;
                        return call.apply(new Conn(e.host(), e.port(), connect, read), e.address());
                    });
        } catch (UpstreamCallException e) {
            List<AttemptRecord> attempts = e.attempts();
            if (!attempts.isEmpty() && attempts.get(attempts.size() - 1).error() instanceof Sent sent) {
                throw sent.toCaller;
            }
            if (op.bounded() && op.leftNanos() <= 0) {
                throw op.timedOut(e);
            }
            throw new StorageFailure(what + " failed on every storage: " + attempts, e, attempts);
        }
    }

    /** Every storage tried failed; the attempts say how. */
    private static final class StorageFailure extends FastDfsException {
        private static final long serialVersionUID = 1L;
        private final transient List<AttemptRecord> attempts;

        StorageFailure(String message, Throwable cause, List<AttemptRecord> attempts) {
            super(message, cause);
            this.attempts = attempts;
        }

        boolean allNotFound() {
            return !attempts.isEmpty() && attempts.stream().allMatch(a -> a.kind() == FailureKind.NO_ROUTE);
        }

        boolean someNotFound() {
            return attempts.stream().anyMatch(a -> a.kind() == FailureKind.NO_ROUTE);
        }
    }

    /**
     * Runs a request on a storage holding {@code id}: a fresh file's source storage first (a real tracker
     * offers only it until the replicas report the file synced), else the tracker's choice (its source storage
     * for updates); then the storages fetch-all offers and the group's other ACTIVE storages. ENOENT from a
     * storage moves on without counting; when a fresh file is missing on a replica while another storage failed,
     * the replicas are asked again until the deadline (they may not have it yet). "Not found" only when every
     * storage said so.
     */
    private <T> T onFile(Op op, FileId id, boolean update, StorageAttempt<T> call) {
        FileId.Encoded encoded = id.encoded();
        boolean fresh = encoded != null
                && clock.instant().getEpochSecond() - encoded.createdEpochSecond() < FRESH_SECONDS;
        List<Endpoint> first = new ArrayList<>();
        if (fresh) {
            StorageView source = sourceOf(op, id, encoded);
            if (source != null) {
                first.add(storageEndpoint(source.host(), source.port()));
            }
        }
        if (first.isEmpty()) {
            StorageAddress a = onTracker(op, c -> TrackerProtocol.queryFetch(c, id, update), id.group());
            first.add(storageEndpoint(a.host(), a.port()));
        }
        long waitUntil = op.bounded() ? Long.MAX_VALUE : ticker.read() + NOT_SYNCED_MAX_WAIT.toNanos();
        for (int round = 1; ; round++) {
            Candidates candidates = Candidates.of(first).orElse(() -> groupCandidates(op, id));
            try {
                return onStorages(op, "request for " + id, candidates, true, call);
            } catch (StorageFailure e) {
                if (e.allNotFound()) {
                    throw new FastDfsServerException(String.join(",", addresses(e.attempts)),
                            "request for " + id + " (every storage)", FastDfsServerException.ENOENT);
                }
                boolean wait = fresh && e.someNotFound() && ticker.read() + NOT_SYNCED_BACKOFF.toNanos() < waitUntil
                        && op.leftNanos() > NOT_SYNCED_BACKOFF.toNanos();
                if (!wait) {
                    throw e;
                }
                log.debug("{} is not on the replicas yet and its other storages failed; asking again (round {})", id,
                        round);
                pause(NOT_SYNCED_BACKOFF);
            }
        }
    }

    private static List<String> addresses(List<AttemptRecord> attempts) {
        List<String> out = new ArrayList<>();
        for (AttemptRecord a : attempts) {
            out.add(a.endpoint().address());
        }
        return out;
    }

    private void pause(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FastDfsException("interrupted", e);
        }
    }

    /** fetch-all's storages for {@code id}, then the group's other ACTIVE storages. */
    private List<Endpoint> groupCandidates(Op op, FileId id) {
        Map<String, Endpoint> out = new LinkedHashMap<>();
        try {
            for (StorageAddress a : fetchAll(op, id)) {
                out.putIfAbsent(a.address(), storageEndpoint(a.host(), a.port()));
            }
        } catch (FastDfsTimeoutException e) {
            throw e;
        } catch (RuntimeException e) {
            log.debug("fetch-all for {} failed: {}", id, e.toString());
        }
        for (StorageView s : groupStorages(op, id.group(), false)) {
            if (s.status() == StorageStatus.ACTIVE) {
                out.putIfAbsent(s.address(), storageEndpoint(s.host(), s.port()));
            }
        }
        return new ArrayList<>(out.values());
    }

    /** The storage that created {@code id} (its address or storage id is in the name), if the group lists it. */
    private StorageView sourceOf(Op op, FileId id, FileId.Encoded encoded) {
        for (int pass = 0; pass < 2; pass++) {
            for (StorageView s : groupStorages(op, id.group(), pass == 1)) {
                if (s.host().equals(encoded.sourceIp()) || s.id().equals(encoded.sourceId())) {
                    return s;
                }
            }
        }
        return null;
    }

    /** The group's storages (list-storages), cached for {@link #GROUP_LIST_TTL}; empty when no tracker answers. */
    private List<StorageView> groupStorages(Op op, String group, boolean refresh) {
        GroupList cached = groupLists.get(group);
        long now = ticker.read();
        if (cached != null && !refresh && now - cached.atNanos() < GROUP_LIST_TTL.toNanos()) {
            return cached.storages();
        }
        if (cached != null && refresh && now - cached.atNanos() < NOT_SYNCED_BACKOFF.toNanos()) {
            return cached.storages();
        }
        try {
            List<StorageView> list = onTracker(op, c -> TrackerProtocol.listStorages(c, group, layoutHint), group);
            groupLists.put(group, new GroupList(now, list));
            return list;
        } catch (FastDfsTimeoutException e) {
            throw e;
        } catch (RuntimeException e) {
            log.debug("list-storages of {} failed: {}", group, e.toString());
            return cached == null ? List.of() : cached.storages();
        }
    }

    /** A storage some call used for the first time: tell the watchers (meters). */
    private void seen(String storage) {
        if (knownStorages.add(storage)) {
            for (Consumer<String> w : storageWatchers) {
                w.accept(storage);
            }
        }
    }

    /** Calls {@code watcher} for every storage used so far and for each one used later (by endpoint name). */
    void watchStorages(Consumer<String> watcher) {
        storageWatchers.add(watcher);
        knownStorages.forEach(watcher);
    }

    private void storageFailed(String address, FailureKind kind, long elapsedNanos, Throwable why) {
        pool.evict(address);
        try {
            storages.recordFailure(address, kind, Math.max(0, elapsedNanos));
        } catch (IllegalArgumentException unknown) {
            log.debug("storage {} failed before it was known: {}", address, why.toString());
        }
    }

    // ------------------------------------------------------------------------------------------------ cluster

    /** Groups and storages with their states, from one tracker (failing over like every tracker call). */
    public ClusterView clusterView() {
        return clusterView(new Op("cluster view"));
    }

    private ClusterView clusterView(Op op) {
        ClusterView view = trackers.execute(CallOptions.idempotent(), attempt -> {
            Endpoint e = attempt.endpoint();
            return withConnection(op, e.host(), e.port(), trackerConn(op, attempt.timeout(), e), c -> {
                TrackerProtocol.Groups groups = TrackerProtocol.listGroups(c, layoutHint);
                List<GroupView> full = new ArrayList<>();
                for (GroupView g : groups.groups()) {
                    List<StorageView> storages = TrackerProtocol.listStorages(c, g.name(), groups.layout());
                    full.add(new GroupView(g.name(), g.totalMb(), g.freeMb(), g.storageCount(), g.activeCount(),
                            g.storagePort(), storages));
                }
                return new ClusterView(e.address(), groups.layout(), full);
            }, null);
        });
        layoutHint = view.layout();
        return view;
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    @FunctionalInterface
    private interface ConnectionCall<T> {
        T apply(FdfsConnection c) throws IOException;
    }

    private Conn trackerConn(Op op, Duration attemptTimeout, Endpoint e) {
        Duration read = op.left(attemptTimeout);
        return new Conn(e.host(), e.port(), connectTimeout.compareTo(read) < 0 ? connectTimeout : read, read);
    }

    /** A tracker request with failover across trackers; ENOENT for a group becomes {@link UnknownGroupException}. */
    private <T> T onTracker(Op op, ConnectionCall<T> call, String group) {
        try {
            return trackers.execute(CallOptions.idempotent(), attempt -> {
                Endpoint e = attempt.endpoint();
                return withConnection(op, e.host(), e.port(), trackerConn(op, attempt.timeout(), e), call, null);
            });
        } catch (FastDfsServerException e) {
            if (e.isNotFound()) {
                throw new UnknownGroupException(group == null ? "(any)" : group, e.getMessage());
            }
            throw e;
        } catch (UpstreamCallException e) {
            if (op.bounded() && op.leftNanos() <= 0) {
                throw op.timedOut(e);
            }
            throw e;
        }
    }

    private <T> T withConnection(Op op, Conn c, ConnectionCall<T> call) throws IOException {
        return withConnection(op, c.host(), c.port(), c, call, null);
    }

    private <T> T withConnection(Op op, Conn c, ConnectionCall<T> call, StorageProtocol.SendState state)
            throws IOException {
        return withConnection(op, c.host(), c.port(), c, call, state);
    }

    /**
     * Borrows a pooled connection and runs {@code call} under the operation's deadline (reads get what is left
     * of it; a request with content is cut off by closing the socket when the deadline passes). A pooled
     * connection the server had already closed fails before the request could reach it; then the call runs
     * once more on a fresh connection. An answer that does not parse is the server's protocol violation.
     */
    private <T> T withConnection(Op op, String host, int port, Conn timeouts, ConnectionCall<T> call,
            StorageProtocol.SendState state) throws IOException {
        for (int round = 0; ; round++) {
            FdfsConnection c = pool.borrow(host, port, timeouts.connect(), timeouts.read());
            c.deadline(ticker::read, op.deadline);
            boolean reusable = false;
            // a send cannot time out by itself: a peer that stops reading (frozen) is cut off by closing the socket
            // when the deadline passes, or when a read timeout passes without the send making progress
            ScheduledFuture<?> watchdog = state != null && op.bounded()
                    ? scheduler.schedule(c::close, Math.max(1, op.leftNanos()), TimeUnit.NANOSECONDS) : null;
            SendStall stall = state != null ? new SendStall(c, state) : null;
            ScheduledFuture<?> stallCheck = stall == null ? null : scheduler.scheduleWithFixedDelay(stall,
                    timeouts.read().toNanos(), timeouts.read().toNanos(), TimeUnit.NANOSECONDS);
            try {
                T result = call.apply(c);
                reusable = true;
                return result;
            } catch (FastDfsServerException e) {
                reusable = !c.isBroken();
                throw e;
            } catch (FastDfsException e) {
                throw e;
            } catch (RuntimeException e) {
                // parsing the answer failed in a way the parser did not foresee: the server's fault, not the caller's
                c.markBroken();
                throw new ProtocolViolationException(c.address() + ": malformed answer (" + e + ")");
            } catch (IOException e) {
                if (watchdog != null && op.leftNanos() <= 0) {
                    c.markBroken();
                    throw new FdfsConnection.DeadlineExceededException(c.address() + ": the operation's deadline "
                            + "passed while sending (" + e + ")");
                }
                if (stall != null && stall.stalled) {
                    c.markBroken();
                    throw new SocketTimeoutException(c.address() + " took no bytes of the request for "
                            + timeouts.read().toMillis() + " ms (" + e + ")");
                }
                boolean stale = c.reused() && round == 0 && !(e instanceof SocketTimeoutException)
                        && !(e instanceof InterruptedIOException) && !(e instanceof ProtocolViolationException)
                        && !(e instanceof StorageProtocol.UploadSourceException)
                        && (state == null || (!state.requestSent() && state.sourceBytesRead() == 0));
                if (!stale) {
                    throw e;
                }
                log.debug("pooled connection to {}:{} was stale ({}), retrying on a fresh one", host, port, e.toString());
                pool.evict(host + ":" + port);
            } finally {
                if (watchdog != null) {
                    watchdog.cancel(false);
                }
                if (stallCheck != null) {
                    stallCheck.cancel(false);
                }
                pool.release(c, reusable);
            }
        }
    }

    /** Closes a connection whose request send made no progress between two checks (the peer stopped reading). */
    private static final class SendStall implements Runnable {
        private final FdfsConnection c;
        private final StorageProtocol.SendState state;
        private long last = -1;
        private volatile boolean stalled;

        SendStall(FdfsConnection c, StorageProtocol.SendState state) {
            this.c = c;
            this.state = state;
        }

        @Override
        public void run() {
            long written = c.bytesWritten();
            if (!state.requestSent() && written == last) {
                stalled = true;
                c.close();
            }
            last = written;
        }
    }

    /** The connection pool (for monitoring: idle and in-use counts). */
    ConnectionPool pool() {
        return pool;
    }

    @Override
    public void close() {
        trackers.close();
        storages.close();
        pool.close();
        if (ownScheduler) {
            scheduler.shutdownNow();
        }
    }

    /**
     * Configures a {@link FastDfsClient}. Defaults: connect timeout 2 s, network (per read) timeout 5 s,
     * call timeout 30 s (plus content at 64 KiB/s), ACTIVE_TEST health checks every 2 s (rise 2, fall 3), storages avoided for
     * 10 s after a failure, {@link PoolConfig#ofDefaults()}.
     */
    public static final class Builder {
        /** Default {@link #callTimeout}. */
        public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);
        /** Default {@link #minTransferRate}: 64 KiB/s. */
        public static final long DEFAULT_MIN_TRANSFER_RATE = 64 * 1024;
        /** Default {@link #maxBytesInMemory}: 64 MiB. */
        public static final long DEFAULT_MAX_BYTES_IN_MEMORY = 64L * 1024 * 1024;
        private String name = "fastdfs-trackers";
        private List<Endpoint> trackers;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration networkTimeout = Duration.ofSeconds(5);
        private Duration callTimeout = DEFAULT_CALL_TIMEOUT;
        private Duration storageFailTimeout = Duration.ofSeconds(10);
        private long minTransferRate = DEFAULT_MIN_TRANSFER_RATE;
        private long maxBytesInMemory = DEFAULT_MAX_BYTES_IN_MEMORY;
        private Clock clock = Clock.systemUTC();
        private ScheduledExecutorService scheduler;
        private HealthCheckConfig healthCheck = HealthCheckConfig.ofDefaults();
        private PoolConfig pool = PoolConfig.ofDefaults();
        private Ticker ticker = Ticker.system();
        private ProtocolLayout layout;
        private final List<UpstreamListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /** Trackers as {@code host:port,host:port} (Nginx defaults: max_fails=1 fail_timeout=10s). */
        public Builder trackers(String addresses) {
            this.trackers = Endpoint.parseList(addresses);
            return this;
        }

        /**
         * Trackers as Nginx {@code server} lines ({@code 10.0.0.1:22122 max_fails=2 fail_timeout=30s}) or
         * HAProxy {@code server} lines ({@code server t1 10.0.0.1:22122 check inter 2s}); lines starting with
         * a name and then an address are read as HAProxy.
         */
        public Builder trackerLines(List<String> lines) {
            List<Endpoint> list = new ArrayList<>();
            for (String line : lines) {
                String l = line.trim();
                String[] words = l.replaceFirst("^server\\s+", "").split("\\s+");
                boolean haproxy = words.length >= 2 && !words[0].contains(":") && words[1].contains(":");
                list.add(haproxy ? HaproxyBackendParser.parseServer(l) : Endpoint.parse(l));
            }
            if (list.isEmpty()) {
                throw new IllegalArgumentException("no tracker lines");
            }
            this.trackers = List.copyOf(list);
            return this;
        }

        public Builder trackers(List<Endpoint> endpoints) {
            this.trackers = List.copyOf(endpoints);
            return this;
        }

        /** Upstream name used in logs and errors. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = PoolConfig.positive(d, "connectTimeout");
            return this;
        }

        /** Per-attempt timeout for tracker requests and the read timeout on storage connections. */
        public Builder networkTimeout(Duration d) {
            this.networkTimeout = PoolConfig.positive(d, "networkTimeout");
            return this;
        }

        /**
         * Overall deadline of one operation: tracker queries, storage attempts and answers together, however
         * slowly a server sends its bytes; content (upload source, download body) adds its size at
         * {@link #minTransferRate}. Zero = none (then only {@code networkTimeout} bounds each read). Default 30 s.
         */
        public Builder callTimeout(Duration d) {
            Objects.requireNonNull(d, "callTimeout");
            if (d.isNegative() || d.compareTo(NextUpstreamPolicy.MAX_DURATION) > 0) {
                throw new IllegalArgumentException("callTimeout must be 0.." + NextUpstreamPolicy.MAX_DURATION.toDays()
                        + " days: " + d);
            }
            this.callTimeout = d;
            return this;
        }

        /**
         * The slowest content transfer accepted, bytes per second (default 64 KiB/s): an upload or download of
         * {@code n} bytes may take {@code callTimeout + n / rate}; for a stream only the time spent waiting for
         * the storage counts.
         */
        public Builder minTransferRate(long bytesPerSecond) {
            if (bytesPerSecond < 1) {
                throw new IllegalArgumentException("minTransferRate must be >= 1 byte/s: " + bytesPerSecond);
            }
            this.minTransferRate = bytesPerSecond;
            return this;
        }

        /** Largest file {@link FastDfsClient#downloadBytes} accepts (default 64 MiB); stream larger ones. */
        public Builder maxBytesInMemory(long bytes) {
            if (bytes < 0 || bytes > Integer.MAX_VALUE - 16) {
                throw new IllegalArgumentException("maxBytesInMemory must be 0.." + (Integer.MAX_VALUE - 16) + ": "
                        + bytes);
            }
            this.maxBytesInMemory = bytes;
            return this;
        }

        /** Wall clock for the age of files (fresh files are read from their source storage first). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Scheduler for tracker health checks, storage ejection ends and send deadlines (default: one daemon
         * thread owned by the client, stopped by {@link FastDfsClient#close()}; an injected one is not shut down).
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** How long a failed storage is avoided. */
        public Builder storageFailTimeout(Duration d) {
            this.storageFailTimeout = PoolConfig.positive(d, "storageFailTimeout");
            return this;
        }

        /** Active tracker checks (ACTIVE_TEST); null turns them off. */
        public Builder healthCheck(HealthCheckConfig config) {
            this.healthCheck = config;
            return this;
        }

        public Builder pool(PoolConfig pool) {
            this.pool = Objects.requireNonNull(pool, "pool");
            return this;
        }

        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /** The servers' wire layout if known; by default recognised from answer sizes. */
        public Builder layout(ProtocolLayout layout) {
            this.layout = layout;
            return this;
        }

        public Builder listener(UpstreamListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public FastDfsClient build() {
            if (trackers == null || trackers.isEmpty()) {
                throw new IllegalStateException("no trackers configured: call trackers(\"host:port,...\")");
            }
            return new FastDfsClient(this);
        }
    }
}
