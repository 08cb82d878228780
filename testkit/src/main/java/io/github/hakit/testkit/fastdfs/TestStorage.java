package io.github.hakit.testkit.fastdfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * A storage server of a {@link FastDfsTestCluster}, following {@code storage/storage_service.c}:
 * upload (normal, appender, slave), download with offset/length, delete, set/get metadata, query file
 * info, append, modify, truncate, regenerate appender name, active test. Errors answer with the errno in the
 * status byte and an empty body; after an EINVAL answer the connection is closed, other errors keep it
 * ({@code sock_send_done_callback}); a negative package length closes it at once, and an oversized request
 * without file content is read to its end, answered EINVAL and closed (observed on 6.16.1).
 *
 * <p>Files live under {@link #storePath()}{@code /data/XX/YY/}, metadata next to them in {@code <name>-m}
 * files, so a web server can serve {@code /group/M00/XX/YY/name} with an alias to {@code data/}.
 *
 * <pre>{@code
 * TestStorage s = cluster.storage("group1", 0);
 * s.hasFile("M00/00/00/xxx.jpg");
 * Path webRoot = s.dataDir(); // nginx: location /group1/M00/ { alias <webRoot>/; }
 * }</pre>
 */
public final class TestStorage extends FdfsServer {
    /** Largest body accepted for requests that carry no file content (storage buff_size default 256 KiB). */
    private static final int MAX_SMALL_BODY = 256 * 1024;
    /** Oversized small requests up to this size are read to their end before the EINVAL answer; larger ones close. */
    private static final long MAX_DRAINED_BODY = 16L * 1024 * 1024;
    /** FDFS_NORMAL_LOGIC_FILENAME_LENGTH: a longer name is a slave file (IS_SLAVE_FILE). */
    private static final int NORMAL_LOGIC_FILENAME_LENGTH = Wire.LOGIC_FILE_PATH_LEN + Wire.FILENAME_BASE64_LENGTH
            + Wire.FILE_EXT_NAME_MAX_LEN + 1;

    private final ClusterState cluster;
    private final String group;
    private final String storageId;
    private final Path storePath;
    private final long joinTime;
    private final Map<String, Long> syncedUntil = new ConcurrentHashMap<>();
    private final AtomicLong fileCounter = new AtomicLong();
    private volatile long upTime;
    private volatile boolean diskFull;
    private volatile boolean replicationPaused;

    TestStorage(ClusterState cluster, String group, String storageId, String host, int port, Path storePath) {
        super("storage-" + group + "-" + (storageId != null ? storageId : host), host, port);
        this.cluster = cluster;
        this.group = group;
        this.storageId = storageId;
        this.storePath = storePath;
        this.joinTime = cluster.nowSeconds();
    }

    /** The group this storage belongs to. */
    public String group() {
        return group;
    }

    /** The storage id ({@code use_storage_id=true}) or null. */
    public String storageId() {
        return storageId;
    }

    /** How the storage names itself in file names and to trackers: its id, or its IP without ids. */
    public String sourceKey() {
        return storageId != null ? storageId : host();
    }

    /** {@code store_path0}: the directory holding {@code data/}. */
    public Path storePath() {
        return storePath;
    }

    /** The directory a web server must alias {@code /<group>/M00/} to. */
    public Path dataDir() {
        return storePath.resolve("data");
    }

    /**
     * Simulates a disk below the reserved space: uploads answer ENOSPC (28) and the trackers stop choosing
     * this storage for uploads ({@code tracker_check_reserved_space}).
     */
    public void diskFull(boolean full) {
        this.diskFull = full;
    }

    public boolean isDiskFull() {
        return diskFull;
    }

    /** True when this storage holds {@code remoteFilename} ({@code M00/...}). */
    public boolean hasFile(String remoteFilename) {
        return Files.isRegularFile(dataFile(remoteFilename));
    }

    long joinTime() {
        return joinTime;
    }

    long upTime() {
        return upTime;
    }

    /**
     * Holds back replication <em>to</em> this storage (its other roles go on): changes made on the other storages
     * of the group stay there, so a fresh file exists on its source only and trackers offer only the source for it
     * (see {@link FetchRouting}). Like a storage whose sync from its peers lags.
     */
    public void pauseReplication() {
        replicationPaused = true;
    }

    /** Ends {@link #pauseReplication()}: the held-back changes arrive. */
    public void resumeReplication() {
        replicationPaused = false;
    }

    public boolean isReplicationPaused() {
        return replicationPaused;
    }

    /** Highest file timestamp from {@code source} this storage has received by replication. */
    long syncedUntil(String source) {
        return syncedUntil.getOrDefault(source, 0L);
    }

    void markSynced(String source, long timestamp) {
        syncedUntil.merge(source, timestamp, Math::max);
    }

    /** FDFS_STORAGE_STATUS_ACTIVE while listening (a frozen storage stays ACTIVE, as on a real tracker). */
    byte status() {
        return isListening() ? Wire.STATUS_ACTIVE : Wire.STATUS_OFFLINE;
    }

    @Override
    void onModeChange(Mode newMode) {
        if (newMode == Mode.RUNNING && upTime == 0) {
            upTime = cluster.nowSeconds();
        }
        if (newMode == Mode.STOPPED) {
            upTime = 0;
        }
    }

    Path dataFile(String remoteFilename) {
        return dataDir().resolve(remoteFilename.substring(4));
    }

    Path metaFile(String remoteFilename) {
        Path f = dataFile(remoteFilename);
        return f.resolveSibling(f.getFileName() + "-m");
    }

    @Override
    boolean handle(Wire.Header h, InputStream in, OutputStream out) throws IOException {
        long len = h.length();
        switch (h.cmd()) {
            case Wire.STORAGE_UPLOAD_FILE:
                return upload(len, in, out, false);
            case Wire.STORAGE_UPLOAD_APPENDER_FILE:
                return upload(len, in, out, true);
            case Wire.STORAGE_UPLOAD_SLAVE_FILE:
                return uploadSlave(len, in, out);
            case Wire.STORAGE_APPEND_FILE:
                return appendOrModify(len, in, out, false);
            case Wire.STORAGE_MODIFY_FILE:
                return appendOrModify(len, in, out, true);
            case Wire.STORAGE_DOWNLOAD_FILE:
                return download(len, in, out);
            default:
                break;
        }
        if (len > MAX_SMALL_BODY) {
            // 6.16.1: the body is received to its announced end, then EINVAL and the connection closes
            if (len > MAX_DRAINED_BODY) {
                return false;
            }
            return reject(in, out, len, Wire.EINVAL);
        }
        byte[] body = Wire.readFully(in, (int) len);
        byte status;
        byte[] answer = null;
        switch (h.cmd()) {
            case Wire.CMD_ACTIVE_TEST:
                status = len == 0 ? 0 : Wire.EINVAL;
                break;
            case Wire.STORAGE_DELETE_FILE:
                status = delete(body);
                break;
            case Wire.STORAGE_SET_METADATA:
                status = setMetadata(body);
                break;
            case Wire.STORAGE_GET_METADATA: {
                Result r = getMetadata(body);
                status = r.status;
                answer = r.body;
                break;
            }
            case Wire.STORAGE_QUERY_FILE_INFO: {
                Result r = queryFileInfo(body);
                status = r.status;
                answer = r.body;
                break;
            }
            case Wire.STORAGE_TRUNCATE_FILE:
                status = truncate(body);
                break;
            case Wire.STORAGE_REGENERATE_APPENDER_FILENAME: {
                Result r = regenerateAppenderName(body);
                status = r.status;
                answer = r.body;
                break;
            }
            default:
                status = Wire.EINVAL; // storage_deal_task: "unkown cmd" -> EINVAL, connection kept
                break;
        }
        return answer(out, status, status == 0 ? answer : null);
    }

    /** Writes an answer; false (close the connection) after a header-only EINVAL, as sock_send_done_callback. */
    private static boolean answer(OutputStream out, byte status, byte[] body) throws IOException {
        Wire.writeResponse(out, status, body);
        return status != Wire.EINVAL;
    }

    private record Result(byte status, byte[] body) {
        static Result error(byte status) {
            return new Result(status, null);
        }
    }

    // ---- upload ----------------------------------------------------------------------------------

    /** 1 byte store path index, 8 bytes file size, 6 bytes ext, file content. */
    private boolean upload(long len, InputStream in, OutputStream out, boolean appender) throws IOException {
        int fixed = 1 + Wire.PKG_LEN_SIZE + Wire.FILE_EXT_NAME_MAX_LEN;
        if (len < fixed) {
            return reject(in, out, len, Wire.EINVAL);
        }
        byte[] head = Wire.readFully(in, fixed);
        int storePathIndex = head[0];
        long fileSize = Wire.getLong(head, 1);
        String ext = Wire.getFixed(head, 1 + Wire.PKG_LEN_SIZE, Wire.FILE_EXT_NAME_MAX_LEN);
        if (fileSize < 0 || len != fixed + fileSize || (storePathIndex != -1 && storePathIndex != 0)
                || !validExt(ext)) {
            return reject(in, out, len - fixed, Wire.EINVAL);
        }
        if (diskFull) {
            return reject(in, out, len - fixed, Wire.ENOSPC);
        }
        Received received = receive(in, fileSize);
        String name = newFileName(fileSize, received.crc, appender, ext);
        return store(out, received, name);
    }

    /** 8 master name length, 8 file size, 16 prefix, 6 ext, master name, content. */
    private boolean uploadSlave(long len, InputStream in, OutputStream out) throws IOException {
        int fixed = 2 * Wire.PKG_LEN_SIZE + Wire.FILE_PREFIX_MAX_LEN + Wire.FILE_EXT_NAME_MAX_LEN;
        if (len <= fixed) {
            return reject(in, out, len, Wire.EINVAL);
        }
        byte[] head = Wire.readFully(in, fixed);
        long masterLen = Wire.getLong(head, 0);
        long fileSize = Wire.getLong(head, 8);
        String prefix = Wire.getFixed(head, 16, Wire.FILE_PREFIX_MAX_LEN);
        String ext = Wire.getFixed(head, 16 + Wire.FILE_PREFIX_MAX_LEN, Wire.FILE_EXT_NAME_MAX_LEN);
        if (masterLen <= 0 || masterLen >= 128 || fileSize < 0 || len != fixed + masterLen + fileSize) {
            return reject(in, out, len - fixed, Wire.EINVAL);
        }
        String master = new String(Wire.readFully(in, (int) masterLen), StandardCharsets.ISO_8859_1);
        byte check = checkFilename(master);
        if (check == 0 && !Files.isRegularFile(dataFile(master))) {
            check = Wire.ENOENT;
        }
        if (check == 0 && (prefix.isEmpty() || !validExt(ext))) {
            check = Wire.EINVAL;
        }
        String slave = check == 0 ? FdfsFileName.slaveName(master, prefix, ext) : null;
        if (check == 0 && Files.exists(dataFile(slave))) {
            check = Wire.EEXIST; // slave file already exists
        }
        if (check != 0) {
            return reject(in, out, fileSize, check);
        }
        return store(out, receive(in, fileSize), slave);
    }

    private boolean store(OutputStream out, Received received, String name) throws IOException {
        Path target = dataFile(name);
        Files.createDirectories(target.getParent());
        Files.move(received.tmp, target, StandardCopyOption.ATOMIC_MOVE);
        cluster.replicate(this, ClusterState.Op.COPY, name);
        byte[] body = new byte[Wire.GROUP_NAME_MAX_LEN + name.length()];
        Wire.putFixed(body, 0, group, Wire.GROUP_NAME_MAX_LEN);
        Wire.putFixed(body, Wire.GROUP_NAME_MAX_LEN, name, name.length());
        Wire.writeResponse(out, (byte) 0, body);
        return true;
    }

    private String newFileName(long size, int crc, boolean appender, String ext) {
        // FDFS_FILE_DIST_PATH_ROUND_ROBIN with FDFS_FILE_DIST_DEFAULT_ROTATE_COUNT = 100 files per directory
        long n = fileCounter.getAndIncrement() / 100;
        int high = (int) ((n / 256) % 256);
        int low = (int) (n % 256);
        String name;
        do {
            name = FdfsFileName.generate(sourceKey(), high, low, cluster.nowSeconds(), size, crc, appender, ext,
                    cluster.random());
        } while (Files.exists(dataFile(name)));
        return name;
    }

    private record Received(Path tmp, int crc, long size) {
    }

    private Received receive(InputStream in, long size) throws IOException {
        Path tmpDir = storePath.resolve("tmp");
        Files.createDirectories(tmpDir);
        Path tmp = Files.createTempFile(tmpDir, "upload", ".tmp");
        CRC32 crc = new CRC32();
        try (OutputStream file = Files.newOutputStream(tmp)) {
            byte[] buf = new byte[64 * 1024];
            long left = size;
            while (left > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    throw new java.io.EOFException("client closed during upload, " + left + " bytes missing");
                }
                crc.update(buf, 0, r);
                file.write(buf, 0, r);
                left -= r;
            }
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        return new Received(tmp, (int) crc.getValue(), size);
    }

    /** Reads and drops the rest of a rejected request so the connection stays in step, then answers. */
    private boolean reject(InputStream in, OutputStream out, long remaining, byte status) throws IOException {
        Wire.skipFully(in, remaining);
        return answer(out, status, null);
    }

    // ---- append / modify / truncate --------------------------------------------------------------

    /** Append: 8 name length, 8 size, name, content. Modify: 8 name length, 8 offset, 8 size, name, content. */
    private boolean appendOrModify(long len, InputStream in, OutputStream out, boolean modify) throws IOException {
        int fixed = (modify ? 3 : 2) * Wire.PKG_LEN_SIZE;
        if (len <= fixed) {
            return reject(in, out, len, Wire.EINVAL);
        }
        byte[] head = Wire.readFully(in, fixed);
        long nameLen = Wire.getLong(head, 0);
        long offset = modify ? Wire.getLong(head, 8) : -1;
        long size = Wire.getLong(head, modify ? 16 : 8);
        if (nameLen <= 0 || nameLen >= 128 || size < 0 || len != fixed + nameLen + size) {
            return reject(in, out, len - fixed, Wire.EINVAL);
        }
        String name = new String(Wire.readFully(in, (int) nameLen), StandardCharsets.ISO_8859_1);
        byte check = checkAppender(name);
        Path file = check == 0 ? dataFile(name) : null;
        if (check == 0 && modify && (offset < 0 || offset > Files.size(file))) {
            check = Wire.EINVAL;
        }
        if (check != 0) {
            return reject(in, out, size, check);
        }
        if (size == 0) {
            // 6.16.1 answers a 0-byte append/modify with status 0 and the request body echoed back
            byte[] echo = new byte[fixed + (int) nameLen];
            System.arraycopy(head, 0, echo, 0, fixed);
            System.arraycopy(name.getBytes(StandardCharsets.ISO_8859_1), 0, echo, fixed, (int) nameLen);
            return answer(out, (byte) 0, echo);
        }
        Received received = receive(in, size);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw");
                InputStream data = Files.newInputStream(received.tmp)) {
            raf.seek(modify ? offset : raf.length());
            byte[] buf = new byte[64 * 1024];
            int r;
            while ((r = data.read(buf)) > 0) {
                raf.write(buf, 0, r);
            }
        } finally {
            Files.deleteIfExists(received.tmp);
        }
        cluster.replicate(this, ClusterState.Op.COPY, name);
        Wire.writeResponse(out, (byte) 0, null);
        return true;
    }

    /** 8 name length, 8 remaining size, name. */
    private byte truncate(byte[] body) throws IOException {
        if (body.length <= 2 * Wire.PKG_LEN_SIZE) {
            return Wire.EINVAL;
        }
        long nameLen = Wire.getLong(body, 0);
        long size = Wire.getLong(body, 8);
        if (nameLen != body.length - 16 || size < 0) {
            return Wire.EINVAL;
        }
        String name = new String(body, 16, (int) nameLen, StandardCharsets.ISO_8859_1);
        byte check = checkAppender(name);
        if (check != 0) {
            return check;
        }
        Path file = dataFile(name);
        // a size beyond the end extends the file with zero bytes (ftruncate), observed on 6.16.1
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
        cluster.replicate(this, ClusterState.Op.COPY, name);
        return 0;
    }

    private byte checkAppender(String name) {
        byte check = checkFilename(name);
        if (check != 0) {
            return check;
        }
        if (!Files.isRegularFile(dataFile(name))) {
            return Wire.ENOENT;
        }
        return FdfsFileName.parse(name).appender() ? 0 : Wire.EINVAL; // not an appender file
    }

    // ---- download / delete / metadata / info -----------------------------------------------------

    /** 8 offset, 8 length (0 = to the end), 16 group, file name. The answer streams the bytes. */
    private boolean download(long len, InputStream in, OutputStream out) throws IOException {
        int fixed = 2 * Wire.PKG_LEN_SIZE + Wire.GROUP_NAME_MAX_LEN;
        if (len > MAX_SMALL_BODY) {
            if (len > MAX_DRAINED_BODY) {
                return false;
            }
            return reject(in, out, len, Wire.EINVAL);
        }
        byte[] body = Wire.readFully(in, (int) len);
        if (len <= fixed) {
            return answer(out, Wire.EINVAL, null);
        }
        long offset = Wire.getLong(body, 0);
        long count = Wire.getLong(body, 8);
        String g = Wire.getFixed(body, 16, Wire.GROUP_NAME_MAX_LEN);
        String name = new String(body, fixed, body.length - fixed, StandardCharsets.ISO_8859_1);
        byte check = checkGroupAndName(g, name);
        if (check == 0 && (offset < 0 || count < 0)) {
            check = Wire.EINVAL;
        }
        Path file = check == 0 ? dataFile(name) : null;
        long size = 0;
        if (check == 0) {
            try {
                size = Files.size(file);
            } catch (NoSuchFileException e) {
                check = Wire.ENOENT;
            }
        }
        if (check == 0 && offset >= size) {
            check = Wire.EINVAL; // storage_server_download_file: file_offset >= file_bytes, so any empty file too
        }
        if (check != 0) {
            return answer(out, check, null);
        }
        long n = count == 0 ? size - offset : Math.min(count, size - offset);
        out.write(Wire.header(n, Wire.CMD_RESP, (byte) 0));
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(offset);
            byte[] buf = new byte[64 * 1024];
            long left = n;
            while (left > 0) {
                int r = raf.read(buf, 0, (int) Math.min(buf.length, left));
                if (r < 0) {
                    throw new IOException("file " + file + " shrank while being sent");
                }
                out.write(buf, 0, r);
                left -= r;
            }
        }
        out.flush();
        return true;
    }

    private byte delete(byte[] body) throws IOException {
        Target t = target(body);
        if (t.status != 0) {
            return t.status;
        }
        Files.deleteIfExists(dataFile(t.name));
        Files.deleteIfExists(metaFile(t.name));
        cluster.replicate(this, ClusterState.Op.DELETE, t.name);
        return 0;
    }

    /** 8 name length, 8 metadata length, 1 flag, 16 group, name, metadata. */
    private byte setMetadata(byte[] body) throws IOException {
        int fixed = 2 * Wire.PKG_LEN_SIZE + 1 + Wire.GROUP_NAME_MAX_LEN;
        if (body.length <= fixed) {
            return Wire.EINVAL;
        }
        long nameLen = Wire.getLong(body, 0);
        long metaLen = Wire.getLong(body, 8);
        byte flag = body[16];
        if (nameLen <= 0 || metaLen < 0 || fixed + nameLen + metaLen != body.length
                || (flag != Wire.METADATA_OVERWRITE && flag != Wire.METADATA_MERGE)) {
            return Wire.EINVAL;
        }
        String g = Wire.getFixed(body, 17, Wire.GROUP_NAME_MAX_LEN);
        String name = new String(body, fixed, (int) nameLen, StandardCharsets.ISO_8859_1);
        byte check = checkGroupAndName(g, name);
        if (check != 0) {
            return check;
        }
        if (!Files.isRegularFile(dataFile(name))) {
            return Wire.ENOENT;
        }
        // storage_do_set_metadata: names cut to 64 and values to 256 bytes, records sorted by name, duplicate
        // names kept; overwrite with an empty list deletes the metadata, merge is a sorted merge-join
        List<String[]> incoming = parseMeta(java.util.Arrays.copyOfRange(body, fixed + (int) nameLen, body.length));
        Path metaFile = metaFile(name);
        List<String[]> meta;
        if (flag == Wire.METADATA_OVERWRITE) {
            meta = incoming;
        } else if (incoming.isEmpty()) {
            return 0;
        } else {
            meta = mergeMeta(Files.exists(metaFile) ? parseMeta(Files.readAllBytes(metaFile)) : List.of(), incoming);
        }
        if (meta.isEmpty()) {
            if (!Files.deleteIfExists(metaFile)) {
                return 0;
            }
        } else {
            Files.write(metaFile, packMeta(meta));
        }
        cluster.replicate(this, ClusterState.Op.COPY, name);
        return 0;
    }

    /** A request body of 16 bytes group + file name, checked; ENOENT when the file is absent. */
    private record Target(byte status, String name) {
    }

    private Target target(byte[] body) {
        if (body.length <= Wire.GROUP_NAME_MAX_LEN) {
            return new Target(Wire.EINVAL, null);
        }
        String g = Wire.getFixed(body, 0, Wire.GROUP_NAME_MAX_LEN);
        String name = new String(body, Wire.GROUP_NAME_MAX_LEN, body.length - Wire.GROUP_NAME_MAX_LEN,
                StandardCharsets.ISO_8859_1);
        byte check = checkGroupAndName(g, name);
        if (check == 0 && !Files.isRegularFile(dataFile(name))) {
            check = Wire.ENOENT;
        }
        return new Target(check, name);
    }

    private Result getMetadata(byte[] body) throws IOException {
        Target t = target(body);
        if (t.status != 0) {
            return Result.error(t.status);
        }
        Path metaFile = metaFile(t.name);
        if (!Files.isRegularFile(metaFile)) {
            return Result.error(Wire.ENOENT); // no metadata: the same errno as a missing file (lstat of the -m file)
        }
        return new Result((byte) 0, Files.readAllBytes(metaFile));
    }

    /** Answer: 8 size, 8 create time, 8 crc32, 16 source IP (storage_server_query_file_info). */
    private Result queryFileInfo(byte[] body) throws IOException {
        Target t = target(body);
        if (t.status != 0) {
            return Result.error(t.status);
        }
        String name = t.name;
        Path file = dataFile(name);
        FdfsFileName parsed = FdfsFileName.parse(name);
        byte[] answer = new byte[3 * Wire.PKG_LEN_SIZE + Wire.IP_ADDRESS_SIZE];
        Wire.putLong(answer, 0, Files.size(file));
        Wire.putLong(answer, 8, Files.getLastModifiedTime(file).toMillis() / 1000);
        // query_file_info_deal_response: appender and slave files get the CRC32 of their content, others the name's
        boolean computed = parsed.appender() || name.length() > NORMAL_LOGIC_FILENAME_LENGTH;
        Wire.putLong(answer, 16, computed ? crc32Of(file) : parsed.crc32());
        String ip = cluster.ipOfSource(parsed.source());
        Wire.putFixed(answer, 24, ip == null ? "" : ip, Wire.IP_ADDRESS_SIZE - 1);
        return new Result((byte) 0, answer);
    }

    private byte checkGroupAndName(String g, String name) {
        if (!group.equals(g)) {
            return Wire.EINVAL; // "group_name: %s not correct, should be: %s"
        }
        return checkFilename(name);
    }

    /** storage_split_filename_ex + fdfs_check_data_filename: {@code M00/XX/YY/} then a plain name. */
    static byte checkFilename(String name) {
        if (name.length() < Wire.LOGIC_FILE_PATH_LEN + Wire.FILENAME_BASE64_LENGTH || name.length() >= 128
                || !name.startsWith("M00/") || !isHex2(name, 4) || name.charAt(6) != '/' || !isHex2(name, 7)
                || name.charAt(9) != '/' || name.indexOf('/', 10) >= 0 || name.contains("..")
                || name.indexOf('\0') >= 0) {
            return Wire.EINVAL;
        }
        return 0;
    }

    private static boolean isHex2(String s, int at) {
        return Character.digit(s.charAt(at), 16) >= 0 && Character.digit(s.charAt(at + 1), 16) >= 0;
    }

    private static boolean validExt(String ext) {
        for (int i = 0; i < ext.length(); i++) {
            char c = ext.charAt(i);
            // tracker_proto.c fdfs_validate_filename: ASCII letters, digits, '-', '_' and '.'
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** fdfs_split_metadata + sort by name: records {name, value}, cut to the limits, duplicates kept in order. */
    static List<String[]> parseMeta(byte[] raw) {
        List<String[]> meta = new ArrayList<>();
        if (raw.length == 0) {
            return meta;
        }
        String s = new String(raw, StandardCharsets.UTF_8);
        for (String record : s.split(String.valueOf((char) Wire.RECORD_SEPARATOR), -1)) {
            int sep = record.indexOf((char) Wire.FIELD_SEPARATOR);
            String key = sep < 0 ? record : record.substring(0, sep);
            String value = sep < 0 ? "" : record.substring(sep + 1);
            meta.add(new String[] {cut(key, Wire.MAX_META_NAME_LEN), cut(value, Wire.MAX_META_VALUE_LEN)});
        }
        meta.sort(java.util.Comparator.comparing(r -> r[0]));
        return meta;
    }

    /** A string cut to at most {@code max} UTF-8 bytes (the C code copies bytes). */
    private static String cut(String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return b.length <= max ? s : new String(b, 0, max, StandardCharsets.UTF_8);
    }

    /** The merge loop of storage_do_set_metadata: equal names take the new record and advance both lists. */
    static List<String[]> mergeMeta(List<String[]> old, List<String[]> incoming) {
        List<String[]> all = new ArrayList<>();
        int i = 0;
        int j = 0;
        while (i < old.size() && j < incoming.size()) {
            int c = old.get(i)[0].compareTo(incoming.get(j)[0]);
            if (c < 0) {
                all.add(old.get(i++));
            } else if (c == 0) {
                all.add(incoming.get(j++));
                i++;
            } else {
                all.add(incoming.get(j++));
            }
        }
        all.addAll(old.subList(i, old.size()));
        all.addAll(incoming.subList(j, incoming.size()));
        return all;
    }

    static byte[] packMeta(List<String[]> meta) {
        StringBuilder sb = new StringBuilder();
        for (String[] e : meta) {
            if (sb.length() > 0) {
                sb.append((char) Wire.RECORD_SEPARATOR);
            }
            sb.append(e[0]).append((char) Wire.FIELD_SEPARATOR).append(e[1]);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static long crc32Of(Path file) throws IOException {
        CRC32 crc = new CRC32();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            int r;
            while ((r = in.read(buf)) > 0) {
                crc.update(buf, 0, r);
            }
        }
        return crc.getValue();
    }

    /**
     * cmd 38 (storage_server_regenerate_appender_filename): body = appender file name; the file becomes a normal
     * file under a new name in the same directory, with the current time, its size and CRC32 and the old name's
     * 7-character extension part; answer 16 group + new name.
     */
    private Result regenerateAppenderName(byte[] body) throws IOException {
        if (body.length < NORMAL_LOGIC_FILENAME_LENGTH || body.length >= 128) {
            return Result.error(Wire.EINVAL);
        }
        String name = new String(body, StandardCharsets.ISO_8859_1);
        byte check = checkAppender(name);
        if (check != 0) {
            return Result.error(check);
        }
        Path file = dataFile(name);
        FdfsFileName old = FdfsFileName.parse(name);
        String formattedExt = name.substring(name.length() - (Wire.FILE_EXT_NAME_MAX_LEN + 1));
        String newName;
        do {
            newName = FdfsFileName.generateWithFormattedExt(sourceKey(), old.subPathHigh(), old.subPathLow(),
                    cluster.nowSeconds(), Files.size(file), (int) crc32Of(file), formattedExt, cluster.random());
        } while (Files.exists(dataFile(newName)));
        Files.move(file, dataFile(newName), StandardCopyOption.ATOMIC_MOVE);
        Path meta = metaFile(name);
        if (Files.exists(meta)) {
            Files.move(meta, metaFile(newName), StandardCopyOption.ATOMIC_MOVE);
        }
        cluster.replicate(this, ClusterState.Op.DELETE, name);
        cluster.replicate(this, ClusterState.Op.COPY, newName);
        byte[] answer = new byte[Wire.GROUP_NAME_MAX_LEN + newName.length()];
        Wire.putFixed(answer, 0, group, Wire.GROUP_NAME_MAX_LEN);
        Wire.putFixed(answer, Wire.GROUP_NAME_MAX_LEN, newName, newName.length());
        return new Result((byte) 0, answer);
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    @Override
    public int hashCode() {
        return Objects.hash(group, host(), port());
    }
}
