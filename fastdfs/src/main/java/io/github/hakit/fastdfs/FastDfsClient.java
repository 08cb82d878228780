package io.github.hakit.fastdfs;

import io.github.hakit.core.CallOptions;
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
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.fastdfs.internal.ConnectionPool;
import io.github.hakit.fastdfs.internal.FdfsConnection;
import io.github.hakit.fastdfs.internal.Proto;
import io.github.hakit.fastdfs.internal.ProtocolViolationException;
import io.github.hakit.fastdfs.internal.StorageHealth;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A highly available FastDFS client. Trackers form a {@code core} {@link Upstream}: health checked with
 * FastDFS's ACTIVE_TEST, passive failure accounting, and failover <em>within the request</em> when a
 * tracker refuses, times out or answers garbage. Storages are found through the trackers; a storage that
 * fails is avoided for a while, and reads fall back to the other storages of the group (tracker fetch-all),
 * also when a replica has not received the file yet. Everything streams through fixed buffers.
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

    private final Upstream trackers;
    private final ConnectionPool pool;
    private final StorageHealth storageHealth;
    private final Duration connectTimeout;
    private final Duration networkTimeout;
    private volatile ProtocolLayout layoutHint;

    private FastDfsClient(Builder b) {
        this.connectTimeout = b.connectTimeout;
        this.networkTimeout = b.networkTimeout;
        this.pool = new ConnectionPool(b.pool, b.ticker::read);
        this.storageHealth = new StorageHealth(b.storageFailTimeout, b.ticker::read);
        this.layoutHint = b.layout;
        NextUpstreamPolicy policy = NextUpstreamPolicy.builder()
                .conditions(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.INVALID_HEADER)
                .tries(0).attemptTimeout(b.networkTimeout).timeout(b.callTimeout).build();
        Upstream.Builder ub = Upstream.builder(b.name).endpoints(b.trackers).nextUpstream(policy)
                .classifier(CLASSIFIER).ticker(b.ticker);
        if (b.healthCheck != null) {
            ub.healthCheck(b.healthCheck, activeTestProbe());
        }
        for (UpstreamListener l : b.listeners) {
            ub.listener(l);
        }
        this.trackers = ub.build();
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
        if (request.master() != null) {
            return uploadSlave(source, request);
        }
        StoreTarget first;
        if (request.storage() != null) {
            String[] hp = request.storage().split(":");
            first = new StoreTarget(null, hp[0], Integer.parseInt(hp[1]), Proto.STORE_PATH_ANY & 0xFF);
        } else {
            first = queryStore(request.group());
        }
        Set<String> tried = new HashSet<>();
        List<String> failures = new ArrayList<>();
        List<StoreTarget> queue = new ArrayList<>(List.of(first));
        boolean expanded = false;
        if (!storageHealth.isAvailable(first.address())) {
            queue = alternatives(first, request, tried); // a storage that just failed goes last
            expanded = true;
        }
        while (true) {
            StoreTarget next = null;
            while (next == null && !queue.isEmpty()) {
                StoreTarget c = queue.remove(0);
                next = tried.add(c.address()) ? c : null;
            }
            if (next == null) {
                if (expanded) {
                    throw new FastDfsException("upload failed on every storage tried: " + failures);
                }
                queue = alternatives(first, request, tried);
                expanded = true;
                continue;
            }
            StoreTarget t = next;
            StorageProtocol.SendState state = new StorageProtocol.SendState();
            try {
                FileId id = onStorage(t.host(), t.port(), c -> {
                    try (InputStream in = source.open()) {
                        return StorageProtocol.upload(c, t.group(), request.appender(), t.storePathIndex(),
                                source.length(), request.ext(), in, state);
                    }
                }, state);
                storageHealth.succeeded(t.address());
                return withMetadata(id, t, request.metadata());
            } catch (IOException e) {
                storageFailed(t.address(), e);
                if (state.requestSent()) {
                    throw new PossibleOrphanException(t.address(), e);
                }
                failures.add(t.address() + ": " + e);
                if (!source.replayable() && state.sourceBytesRead() > 0) {
                    throw new FastDfsException("upload to " + t.address() + " failed after " + state.sourceBytesRead()
                            + " bytes of a one-shot stream were sent; it cannot be replayed on another storage", e);
                }
                log.debug("upload to {} failed before the request was complete, trying another storage", t.address(), e);
            }
        }
    }

    /** The untried storages of the group the upload is going to, healthy ones first, {@code first} last. */
    private List<StoreTarget> alternatives(StoreTarget first, UploadRequest request, Set<String> tried) {
        String group = request.group() != null ? request.group() : first.group();
        if (group == null && request.storage() != null) {
            group = groupOfStorage(request.storage());
        }
        List<StoreTarget> more = new ArrayList<>();
        if (group != null) {
            String g = group;
            try {
                for (StoreTarget s : storageHealth.order(onTracker(c -> TrackerProtocol.queryStoreAll(c, g), g),
                        StoreTarget::address)) {
                    if (!tried.contains(s.address()) && !s.address().equals(first.address())) {
                        more.add(s);
                    }
                }
            } catch (FastDfsException e) {
                log.debug("no alternative storages for the upload", e);
            }
        }
        if (!tried.contains(first.address())) {
            more.add(first);
        }
        return more;
    }

    private String groupOfStorage(String address) {
        for (GroupView g : clusterView().groups()) {
            for (StorageView s : g.storages()) {
                if (s.address().equals(address)) {
                    return g.name();
                }
            }
        }
        return null;
    }

    private FileId withMetadata(FileId id, StoreTarget storage, Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return id;
        }
        try {
            onStorage(storage.host(), storage.port(), c -> {
                StorageProtocol.setMetadata(c, id, metadata, false);
                return null;
            }, null);
            return id;
        } catch (IOException | RuntimeException e) {
            try {
                delete(id);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new FastDfsException("uploaded " + id + " but setting its metadata failed; the file was deleted", e);
        }
    }

    private FileId uploadSlave(UploadSource source, UploadRequest request) {
        FileId master = request.master();
        StorageAddress s = onTracker(c -> TrackerProtocol.queryFetch(c, master, true), master.group());
        StorageProtocol.SendState state = new StorageProtocol.SendState();
        try {
            FileId id = onStorage(s.host(), s.port(), c -> {
                try (InputStream in = source.open()) {
                    return StorageProtocol.uploadSlave(c, master, request.prefix(), request.ext(), source.length(), in,
                            state);
                }
            }, state);
            return withMetadata(id, new StoreTarget(s.group(), s.host(), s.port(), 0), request.metadata());
        } catch (IOException e) {
            storageFailed(s.address(), e);
            if (state.requestSent()) {
                throw new PossibleOrphanException(s.address(), e);
            }
            throw new FastDfsException("slave upload to " + s.address() + " failed", e);
        }
    }

    private StoreTarget queryStore(String group) {
        return onTracker(c -> TrackerProtocol.queryStore(c, group), group);
    }

    // ------------------------------------------------------------------------------------------------ download

    /** The whole file as bytes (for small files; large ones: {@link #download(FileId, OutputStream)}). */
    public byte[] downloadBytes(FileId id) {
        Objects.requireNonNull(id, "id");
        try (ReplicaStream in = new ReplicaStream(id, 0, 0)) {
            long size = in.size();
            if (size > Integer.MAX_VALUE - 16) {
                throw new FastDfsException(id + " has " + size + " bytes, too many for a byte array; stream it");
            }
            byte[] data = new byte[(int) size];
            int n = in.readNBytes(data, 0, data.length);
            if (n != data.length) {
                throw new FastDfsException(id + ": read " + n + " of " + size + " bytes");
            }
            return data;
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
        for (StorageAddress a : fetchAll(id)) {
            out.add(a.address());
        }
        return out;
    }

    private List<StorageAddress> fetchAll(FileId id) {
        return onTracker(c -> TrackerProtocol.queryFetchAll(c, id, layoutHint), id.group());
    }

    private final class ReplicaStream extends InputStream {
        private final FileId id;
        private final long offset;
        private final long length;
        private final Set<String> tried = new HashSet<>();
        private final List<String> failures = new ArrayList<>();
        private List<StorageAddress> candidates;
        private boolean allNotFound = true;
        private long position;
        private long total = -1;
        private long remaining;
        private FdfsConnection conn;
        private boolean closed;

        ReplicaStream(FileId id, long offset, long length) {
            this.id = id;
            this.offset = offset;
            this.length = length;
        }

        /** The number of bytes this stream delivers in total (connects to a storage if needed). */
        long size() throws IOException {
            while (total < 0) {
                openNext();
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
                    openNext();
                    continue;
                }
                int r;
                try {
                    r = conn.in().read(b, off, (int) Math.min(len, remaining));
                    if (r < 0) {
                        throw new java.io.EOFException(conn.address() + " ended the download with " + remaining
                                + " bytes missing");
                    }
                } catch (IOException e) {
                    fail(conn.address(), e, false);
                    conn.close();
                    pool.release(conn, false);
                    conn = null;
                    continue;
                }
                position += r;
                remaining -= r;
                if (remaining == 0) {
                    pool.release(conn, true);
                    conn = null;
                }
                return r;
            }
        }

        private void openNext() throws IOException {
            StorageAddress next = nextCandidate();
            String address = next.address();
            for (int round = 0; ; round++) {
                FdfsConnection c = null;
                try {
                    c = pool.borrow(next.host(), next.port(), connectTimeout, networkTimeout);
                    long n = StorageProtocol.startDownload(c, id, offset + position, length == 0 ? 0 : length - position);
                    if (total < 0) {
                        total = position + n;
                    } else if (position + n != total) {
                        throw new ProtocolViolationException(address + " has a different size for " + id + ": "
                                + (position + n) + " instead of " + total);
                    }
                    remaining = n;
                    storageHealth.succeeded(address);
                    if (n == 0) {
                        pool.release(c, true);
                    } else {
                        conn = c;
                    }
                    return;
                } catch (FastDfsServerException e) {
                    pool.release(c, !c.isBroken());
                    if (!e.isNotFound()) {
                        throw e;
                    }
                    fail(address, e, true);
                    return;
                } catch (IOException e) {
                    boolean stale = c != null && c.reused() && round == 0 && !(e instanceof SocketTimeoutException)
                            && !(e instanceof ProtocolViolationException);
                    if (c != null) {
                        pool.release(c, false);
                    }
                    if (stale) {
                        pool.evict(address); // the storage closed pooled connections (restart): try a fresh one
                        continue;
                    }
                    fail(address, e, false);
                    return;
                }
            }
        }

        private void fail(String address, Exception e, boolean notFound) {
            allNotFound &= notFound;
            failures.add(address + ": " + e);
            if (!notFound) {
                storageFailed(address, e);
            }
            log.debug("download of {} from {} failed, trying another storage: {}", id, address, e.toString());
        }

        private StorageAddress nextCandidate() {
            if (tried.isEmpty()) {
                StorageAddress first = onTracker(c -> TrackerProtocol.queryFetch(c, id, false), id.group());
                if (storageHealth.isAvailable(first.address())) {
                    tried.add(first.address());
                    return first;
                }
            }
            if (candidates == null) {
                candidates = storageHealth.order(fetchAll(id), StorageAddress::address);
            }
            for (StorageAddress a : candidates) {
                if (tried.add(a.address())) {
                    return a;
                }
            }
            if (allNotFound && !failures.isEmpty()) {
                throw new FastDfsServerException(String.join(",", tried), "download " + id + " (every storage)",
                        FastDfsServerException.ENOENT);
            }
            throw new FastDfsException("download of " + id + " failed on every storage: " + failures);
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
        onFileStorage(id, true, c -> {
            StorageProtocol.delete(c, id);
            return null;
        });
    }

    public Map<String, String> metadata(FileId id) {
        return onFileStorage(id, false, c -> StorageProtocol.getMetadata(c, id));
    }

    /** Sets metadata, replacing all ({@code merge} false) or merging into the existing entries. */
    public void setMetadata(FileId id, Map<String, String> metadata, boolean merge) {
        Objects.requireNonNull(metadata, "metadata");
        onFileStorage(id, true, c -> {
            StorageProtocol.setMetadata(c, id, metadata, merge);
            return null;
        });
    }

    public FileInfo info(FileId id) {
        return onFileStorage(id, false, c -> StorageProtocol.queryFileInfo(c, id));
    }

    /** Appends to an appender file on its source storage (not retried once sent). */
    public void append(FileId appenderFile, UploadSource source) {
        onSourceStorage(appenderFile, "append to", (c, state) -> {
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
        onSourceStorage(appenderFile, "modify", (c, state) -> {
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
        onSourceStorage(appenderFile, "truncate", (c, state) -> StorageProtocol.truncate(c, appenderFile, size));
    }

    @FunctionalInterface
    private interface SourceCall {
        void apply(FdfsConnection c, StorageProtocol.SendState state) throws IOException;
    }

    /** A change on the file's source storage (tracker QUERY_UPDATE); failures after sending say so. */
    private void onSourceStorage(FileId id, String op, SourceCall call) {
        StorageAddress s = onTracker(c -> TrackerProtocol.queryFetch(c, id, true), id.group());
        StorageProtocol.SendState state = new StorageProtocol.SendState();
        try {
            onStorage(s.host(), s.port(), c -> {
                call.apply(c, state);
                return null;
            }, state);
        } catch (IOException e) {
            storageFailed(s.address(), e);
            throw new FastDfsException(op + " " + id + " on " + s.address() + " failed"
                    + (state.requestSent() ? " after the request was sent (it may have been applied)" : ""), e);
        }
    }

    /**
     * Runs a small request on a storage holding {@code id}: the tracker's choice (source storage for
     * updates), then the group's other storages on connection failures (and, for reads, on ENOENT).
     */
    private <T> T onFileStorage(FileId id, boolean update, StorageCall<T> call) {
        StorageAddress first = onTracker(c -> TrackerProtocol.queryFetch(c, id, update), id.group());
        List<StorageAddress> order = new ArrayList<>();
        order.add(first);
        List<String> failures = new ArrayList<>();
        Set<String> tried = new HashSet<>();
        boolean expanded = false;
        for (int i = 0; ; i++) {
            if (i >= order.size()) {
                if (expanded) {
                    throw new FastDfsException("request for " + id + " failed on every storage: " + failures);
                }
                expanded = true;
                order.addAll(storageHealth.order(fetchAll(id), StorageAddress::address));
                if (i >= order.size()) {
                    throw new FastDfsException("request for " + id + " failed: " + failures);
                }
            }
            StorageAddress s = order.get(i);
            if (!tried.add(s.address())) {
                continue;
            }
            try {
                T result = onStorage(s.host(), s.port(), call, null);
                storageHealth.succeeded(s.address());
                return result;
            } catch (FastDfsServerException e) {
                if (update || !e.isNotFound()) {
                    throw e;
                }
                failures.add(s.address() + ": " + e.getMessage());
            } catch (IOException e) {
                storageFailed(s.address(), e);
                failures.add(s.address() + ": " + e);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ cluster

    /** Groups and storages with their states, from one tracker (failing over like every tracker call). */
    public ClusterView clusterView() {
        ClusterView view = trackers.execute(CallOptions.idempotent(), attempt -> {
            Endpoint e = attempt.endpoint();
            return withConnection(e.host(), e.port(), attempt.timeout(), c -> {
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
    private interface StorageCall<T> {
        T apply(FdfsConnection c) throws IOException;
    }

    /** A tracker request with failover across trackers; ENOENT for a group becomes {@link UnknownGroupException}. */
    private <T> T onTracker(StorageCall<T> call, String group) {
        try {
            return trackers.execute(CallOptions.idempotent(), attempt -> {
                Endpoint e = attempt.endpoint();
                return withConnection(e.host(), e.port(), attempt.timeout(), call, null);
            });
        } catch (FastDfsServerException e) {
            if (e.isNotFound()) {
                throw new UnknownGroupException(group == null ? "(any)" : group, e.getMessage());
            }
            throw e;
        }
    }

    private <T> T onStorage(String host, int port, StorageCall<T> call, StorageProtocol.SendState state)
            throws IOException {
        return withConnection(host, port, networkTimeout, call, state);
    }

    /**
     * Borrows a pooled connection and runs {@code call}. A pooled connection the server had already closed
     * fails before the request could reach it; then the call runs once more on a fresh connection.
     */
    private <T> T withConnection(String host, int port, Duration timeout, StorageCall<T> call,
            StorageProtocol.SendState state) throws IOException {
        Duration connect = connectTimeout.compareTo(timeout) < 0 ? connectTimeout : timeout;
        for (int round = 0; ; round++) {
            FdfsConnection c = pool.borrow(host, port, connect, timeout);
            boolean reusable = false;
            try {
                T result = call.apply(c);
                reusable = true;
                return result;
            } catch (FastDfsServerException e) {
                reusable = !c.isBroken();
                throw e;
            } catch (IOException e) {
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
                pool.release(c, reusable);
            }
        }
    }

    private void storageFailed(String address, Throwable why) {
        storageHealth.failed(address, why);
        pool.evict(address);
    }

    /** The connection pool (for monitoring: idle and in-use counts). */
    ConnectionPool pool() {
        return pool;
    }

    @Override
    public void close() {
        trackers.close();
        pool.close();
    }

    /**
     * Configures a {@link FastDfsClient}. Defaults: connect timeout 2 s, network (per attempt) timeout 5 s,
     * no overall call timeout, ACTIVE_TEST health checks every 2 s (rise 2, fall 3), storages avoided for
     * 10 s after a failure, {@link PoolConfig#ofDefaults()}.
     */
    public static final class Builder {
        private String name = "fastdfs-trackers";
        private List<Endpoint> trackers;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration networkTimeout = Duration.ofSeconds(5);
        private Duration callTimeout = Duration.ZERO;
        private Duration storageFailTimeout = Duration.ofSeconds(10);
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

        /** Overall deadline of one tracker request across failovers; zero = none. */
        public Builder callTimeout(Duration d) {
            Objects.requireNonNull(d, "callTimeout");
            if (d.isNegative()) {
                throw new IllegalArgumentException("callTimeout < 0: " + d);
            }
            this.callTimeout = d;
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
