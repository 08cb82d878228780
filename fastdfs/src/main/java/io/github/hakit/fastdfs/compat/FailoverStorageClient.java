package io.github.hakit.fastdfs.compat;

import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.NoLiveEndpointException;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamCallException;
import io.github.hakit.fastdfs.FastDfsClient;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.Objects;
import org.csource.common.MyException;
import org.csource.common.NameValuePair;
import org.csource.fastdfs.FileInfo;
import org.csource.fastdfs.ServerInfo;
import org.csource.fastdfs.StorageClient1;
import org.csource.fastdfs.StorageServer;
import org.csource.fastdfs.TrackerClient;
import org.csource.fastdfs.TrackerServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Failover for code written against fastdfs-client-java ({@code org.csource.fastdfs}): the stock
 * {@link StorageClient1} calls stay as they are, hakit decides where they run.
 *
 * <ul>
 *   <li>The tracker question (which storage stores, which storages hold a file) is asked through hakit's tracker
 *       {@link Upstream}: healthy trackers first, a tracker that refuses or times out is reported to the upstream
 *       (Nginx {@code max_fails}) and the question goes to the next tracker within the same call.</li>
 *   <li>{@link #write} (uploads): the call runs on a storage of the group the tracker named; when that storage
 *       refuses the connection (nothing was sent) the next storage of the group is tried. Any later failure is
 *       thrown as the stock client threw it and <em>not</em> re-run: the file may already be stored, and a second
 *       upload would leave an orphan.</li>
 *   <li>{@link #read} (downloads, metadata, file info): the call runs on each storage holding the file in turn
 *       (fetch-all), moving on after an I/O failure or an {@code ENOENT} answer (a replica that has not synced the
 *       file yet).</li>
 *   <li>{@link #update} (delete, set metadata): the tracker's update storage (the file's source), once.</li>
 * </ul>
 *
 * <pre>{@code
 * FastDfsClient hakit = FastDfsClient.builder().trackers("10.0.0.1:22122,10.0.0.2:22122").build();
 * FailoverStorageClient fdfs = FailoverStorageClient.over(hakit);
 * String id = fdfs.write("group2", c -> c.upload_file1("group2", bytes, "jpg", meta));   // the stock call
 * byte[] data = fdfs.read(id, c -> c.download_file1(id));
 * // or the one-liners: fdfs.upload_file1(bytes, "jpg", meta), fdfs.download_file1(id), fdfs.delete_file1(id)
 * }</pre>
 *
 * <p>Timeouts of the stock socket I/O are still fastdfs-client-java's static {@code ClientGlobal} settings
 * ({@code connect_timeout}, {@code network_timeout}, whole seconds); hakit's own deadlines do not reach into it.
 * Thread-safe: every call makes its own {@link StorageClient1}, as the stock client requires (its instances are
 * not thread-safe).
 */
public final class FailoverStorageClient {
    private static final Logger log = LoggerFactory.getLogger(FailoverStorageClient.class);
    /** {@code ENOENT}: the stock client's errno for a file a storage does not have. */
    static final byte ENOENT = 2;

    private final Upstream trackers;
    private final HakitTrackerGroup group;

    private FailoverStorageClient(Upstream trackers) {
        this.trackers = trackers;
        this.group = new HakitTrackerGroup(trackers);
    }

    /** Runs stock calls over {@code client}'s tracker upstream (its health checks and failure accounting). */
    public static FailoverStorageClient over(FastDfsClient client) {
        return over(Objects.requireNonNull(client, "client").trackers());
    }

    /** Runs stock calls over a tracker upstream of your own (its endpoints are the trackers). */
    public static FailoverStorageClient over(Upstream trackers) {
        return new FailoverStorageClient(Objects.requireNonNull(trackers, "trackers"));
    }

    /** A stock tracker group backed by the same upstream, for code that builds its own {@link TrackerClient}. */
    public HakitTrackerGroup trackerGroup() {
        return group;
    }

    // ------------------------------------------------------------------------------------------- the three shapes

    /**
     * Runs an upload-like call on a storage of {@code groupName} ({@code null}: the tracker's choice of group).
     *
     * @throws MyException when no tracker names a storage (the stock errno is in the message)
     */
    public <T> T write(String groupName, StorageCall<T> call) throws IOException, MyException {
        Objects.requireNonNull(call, "call");
        String group = blankToNull(groupName);
        StorageServer[] storages = askTrackers("query store" + (group == null ? "" : " " + group),
                (tc, ts) -> tc.getStoreStorages(ts, group), tc -> "no storage to upload to"
                        + (group == null ? "" : " in group " + group));
        IOException refused = null;
        for (StorageServer storage : storages) {
            try {
                return call.call(new StorageClient1(null, storage));
            } catch (MyException e) {
                Exception c = connectFailure(e);
                if (!(c instanceof ConnectException refusal)) {
                    throw e;
                }
                // no connection, so not a byte left: safe to try the next storage of the group
                log.debug("storage {} refused an upload, trying the next one", storage.getInetSocketAddress(), e);
                refused = addSuppressed(refused, refusal);
            } catch (ConnectException e) {
                log.debug("storage {} refused an upload, trying the next one", storage.getInetSocketAddress(), e);
                refused = addSuppressed(refused, e);
            }
        }
        throw refused;
    }

    /** Runs a read-only call on each storage holding {@code fileId} in turn until one answers it. */
    public <T> T read(String fileId, StorageCall<T> call) throws IOException, MyException {
        Objects.requireNonNull(call, "call");
        String[] parts = split(fileId);
        ServerInfo[] servers = askTrackers("query fetch " + fileId,
                (tc, ts) -> tc.getFetchStorages(ts, parts[0], parts[1]), tc -> "no storage holds " + fileId);
        IOException failed = null;
        T last = null;
        for (ServerInfo s : servers) {
            StorageClient1 client = new StorageClient1(null, new StorageServer(s.getIpAddr(), s.getPort(), 0));
            try {
                last = call.call(client);
            } catch (MyException e) {
                Exception c = connectFailure(e);
                if (!(c instanceof ConnectException refusal)) {
                    throw e;
                }
                log.debug("storage {}:{} refused a read of {}, trying the next one", s.getIpAddr(), s.getPort(), fileId);
                failed = addSuppressed(failed, refusal);
                continue;
            } catch (IOException e) {
                log.debug("storage {}:{} failed a read of {}, trying the next one", s.getIpAddr(), s.getPort(), fileId,
                        e);
                failed = addSuppressed(failed, e);
                continue;
            }
            if (client.getErrorCode() != ENOENT) {
                return last;
            }
        }
        if (failed != null && last == null) {
            throw failed;
        }
        return last;
    }

    /** Runs a call that changes {@code fileId} (delete, set metadata) on the file's update storage, once. */
    public <T> T update(String fileId, StorageCall<T> call) throws IOException, MyException {
        Objects.requireNonNull(call, "call");
        String[] parts = split(fileId);
        StorageServer storage = askTrackers("query update " + fileId,
                (tc, ts) -> tc.getUpdateStorage(ts, parts[0], parts[1]), tc -> "no storage to update " + fileId);
        return call.call(new StorageClient1(null, storage));
    }

    // ------------------------------------------------------------------------------------------ the usual calls

    /** {@link StorageClient1#upload_file1(byte[], String, NameValuePair[])} with failover. */
    public String upload_file1(byte[] content, String ext, NameValuePair[] meta) throws IOException, MyException {
        return write(null, c -> c.upload_file1(content, ext, meta));
    }

    /** {@link StorageClient1#upload_file1(String, byte[], String, NameValuePair[])} with failover. */
    public String upload_file1(String groupName, byte[] content, String ext, NameValuePair[] meta)
            throws IOException, MyException {
        return write(groupName, c -> c.upload_file1(groupName, content, ext, meta));
    }

    /** {@link StorageClient1#upload_file1(String, String, NameValuePair[])} (a local file) with failover. */
    public String upload_file1(String localFilename, String ext, NameValuePair[] meta) throws IOException, MyException {
        return write(null, c -> c.upload_file1(localFilename, ext, meta));
    }

    /** {@link StorageClient1#download_file1(String)} from any replica. */
    public byte[] download_file1(String fileId) throws IOException, MyException {
        return read(fileId, c -> c.download_file1(fileId));
    }

    /** {@link StorageClient1#download_file1(String, String)} (to a local file) from any replica. */
    public int download_file1(String fileId, String localFilename) throws IOException, MyException {
        return read(fileId, c -> c.download_file1(fileId, localFilename));
    }

    /** {@link StorageClient1#get_metadata1(String)} from any replica. */
    public NameValuePair[] get_metadata1(String fileId) throws IOException, MyException {
        return read(fileId, c -> c.get_metadata1(fileId));
    }

    /** {@link StorageClient1#query_file_info1(String)} from any replica. */
    public FileInfo query_file_info1(String fileId) throws IOException, MyException {
        return read(fileId, c -> c.query_file_info1(fileId));
    }

    /** {@link StorageClient1#delete_file1(String)} on the file's source storage. */
    public int delete_file1(String fileId) throws IOException, MyException {
        return update(fileId, c -> c.delete_file1(fileId));
    }

    // ------------------------------------------------------------------------------------------------- internals

    @FunctionalInterface
    private interface TrackerQuestion<T> {
        T ask(TrackerClient client, TrackerServer tracker) throws IOException, MyException;
    }

    @FunctionalInterface
    private interface Refusal {
        String describe(TrackerClient client);
    }

    /**
     * Asks the question on trackers picked by the upstream; a tracker's I/O failure moves to the next one. A
     * {@code null} answer (the tracker's errno, e.g. ENOENT for an unknown group) ends the call with a
     * {@link MyException} naming it, as there is nothing to run the call on.
     */
    private <T> T askTrackers(String what, TrackerQuestion<T> question, Refusal refusal)
            throws IOException, MyException {
        TrackerClient[] last = new TrackerClient[1];
        T answer;
        try {
            answer = trackers.execute(CallOptions.idempotent(), attempt -> {
                Endpoint e = attempt.endpoint();
                TrackerClient client = new TrackerClient(group);
                last[0] = client;
                try {
                    return question.ask(client, new TrackerServer(new InetSocketAddress(e.host(), e.port()), -1));
                } catch (MyException my) {
                    throw connectFailure(my);
                }
            });
        } catch (NoLiveEndpointException e) {
            // every tracker failed: the stock client's callers expect an IOException; the message lists each attempt
            throw new IOException(e.getMessage(), e);
        } catch (UpstreamCallException e) {
            if (e.getCause() instanceof MyException my) {
                throw my;
            }
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw e;
        }
        boolean empty = answer == null || (answer instanceof Object[] array && array.length == 0);
        if (empty) {
            byte errno = last[0] == null ? 0 : last[0].getErrorCode();
            throw new MyException(refusal.describe(last[0]) + " (" + what + ": tracker errno " + errno + ")");
        }
        return answer;
    }

    /**
     * fastdfs-client-java reports a failed connect as {@code MyException("connect to server h:p fail, emsg:...")}
     * ({@code pool.ConnectionFactory#create}), not as an {@code IOException}: that one becomes a
     * {@link ConnectException} (nothing was sent, the next server may be tried); any other is returned as it is.
     */
    static Exception connectFailure(MyException e) {
        String m = e.getMessage();
        if (m != null && m.startsWith("connect to server ")) {
            ConnectException c = new ConnectException(m);
            c.initCause(e);
            return c;
        }
        return e;
    }

    private static String[] split(String fileId) throws MyException {
        Objects.requireNonNull(fileId, "fileId");
        String[] parts = new String[2];
        byte errno = StorageClient1.split_file_id(fileId, parts);
        if (errno != 0) {
            throw new MyException("invalid file id (want group/remote name): '" + fileId + "'");
        }
        return parts;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static IOException addSuppressed(IOException first, IOException next) {
        if (first == null) {
            return next;
        }
        first.addSuppressed(next);
        return first;
    }
}
