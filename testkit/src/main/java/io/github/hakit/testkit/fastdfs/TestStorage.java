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
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * A storage server of a {@link FastDfsTestCluster}, following {@code storage/storage_service.c}:
 * upload (normal, appender, slave), download with offset/length, delete, set/get metadata, query file
 * info, append, modify, truncate, active test. Errors answer with the errno in the status byte and an
 * empty body, and keep the connection open (the {@code storage_deal_task} tail); a negative package
 * length or an oversized non-upload request closes it.
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

    private final ClusterState cluster;
    private final String group;
    private final String storageId;
    private final Path storePath;
    private final long joinTime;
    private final Map<String, Long> syncedUntil = new ConcurrentHashMap<>();
    private final AtomicLong fileCounter = new AtomicLong();
    private volatile long upTime;
    private volatile boolean diskFull;

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
            return false; // "pkg length is too large": the nio layer closes the connection
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
            default:
                status = Wire.EINVAL; // storage_deal_task: "unkown cmd" -> EINVAL, connection kept
                break;
        }
        Wire.writeResponse(out, status, status == 0 ? answer : null);
        return true;
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
        Wire.writeResponse(out, status, null);
        return true;
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
        if (size > Files.size(file)) {
            return Wire.EINVAL;
        }
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
            return false;
        }
        byte[] body = Wire.readFully(in, (int) len);
        if (len <= fixed) {
            Wire.writeResponse(out, Wire.EINVAL, null);
            return true;
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
        if (check == 0 && offset > size) {
            check = Wire.EINVAL;
        }
        if (check != 0) {
            Wire.writeResponse(out, check, null);
            return true;
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
        Map<String, String> meta = new TreeMap<>();
        Path metaFile = metaFile(name);
        if (flag == Wire.METADATA_MERGE && Files.exists(metaFile)) {
            meta.putAll(parseMeta(Files.readAllBytes(metaFile)));
        }
        Map<String, String> incoming = parseMeta(java.util.Arrays.copyOfRange(body, fixed + (int) nameLen, body.length));
        for (Map.Entry<String, String> e : incoming.entrySet()) {
            if (e.getKey().length() > Wire.MAX_META_NAME_LEN || e.getValue().length() > Wire.MAX_META_VALUE_LEN) {
                return Wire.EINVAL;
            }
        }
        meta.putAll(incoming);
        if (meta.isEmpty()) {
            Files.deleteIfExists(metaFile);
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
        return new Result((byte) 0, Files.exists(metaFile) ? Files.readAllBytes(metaFile) : new byte[0]);
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
        Wire.putLong(answer, 16, parsed.crc32());
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
            if (!(Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    static Map<String, String> parseMeta(byte[] raw) {
        Map<String, String> meta = new TreeMap<>();
        if (raw.length == 0) {
            return meta;
        }
        String s = new String(raw, StandardCharsets.UTF_8);
        for (String record : s.split(String.valueOf((char) Wire.RECORD_SEPARATOR))) {
            if (record.isEmpty()) {
                continue;
            }
            int sep = record.indexOf((char) Wire.FIELD_SEPARATOR);
            if (sep < 0) {
                meta.put(record, "");
            } else {
                meta.put(record.substring(0, sep), record.substring(sep + 1));
            }
        }
        return meta;
    }

    static byte[] packMeta(Map<String, String> meta) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (sb.length() > 0) {
                sb.append((char) Wire.RECORD_SEPARATOR);
            }
            sb.append(e.getKey()).append((char) Wire.FIELD_SEPARATOR).append(e.getValue());
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
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
