package io.github.hakit.fastdfs.internal;

import io.github.hakit.fastdfs.FastDfsServerException;
import io.github.hakit.fastdfs.FileId;
import io.github.hakit.fastdfs.FileInfo;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * Storage requests ({@code storage/storage_service.c} request layouts), streaming file content in fixed
 * buffers both ways. Not API.
 */
public final class StorageProtocol {
    private static final int BUFFER = 64 * 1024;
    private static final long MAX_SMALL_ANSWER = 1 << 20;

    private StorageProtocol() {
    }

    /** Tells the caller whether the whole request reached the socket (then a failure may leave a file). */
    public static final class SendState {
        private volatile boolean sent;
        private volatile long sourceBytesRead;

        public boolean requestSent() {
            return sent;
        }

        /** Bytes consumed from the upload source (a stream that was read cannot be replayed). */
        public long sourceBytesRead() {
            return sourceBytesRead;
        }
    }

    /**
     * UPLOAD_FILE / UPLOAD_APPENDER_FILE: 1 byte store path index, 8 bytes size, 6 bytes ext, content.
     */
    public static FileId upload(FdfsConnection c, String group, boolean appender, int storePathIndex, long size,
            String ext, InputStream content, SendState state) throws IOException {
        byte[] head = new byte[1 + Proto.PKG_LEN_SIZE + Proto.FILE_EXT_NAME_MAX_LEN];
        head[0] = (byte) storePathIndex;
        Proto.putLong(head, 1, size);
        Proto.putFixed(head, 1 + Proto.PKG_LEN_SIZE, ext, Proto.FILE_EXT_NAME_MAX_LEN);
        c.out().write(Proto.header(head.length + size, appender ? Proto.UPLOAD_APPENDER_FILE : Proto.UPLOAD_FILE));
        c.out().write(head);
        copy(content, c.out(), size, state);
        c.out().flush();
        state.sent = true;
        return fileIdAnswer(c, group, "upload");
    }

    /** UPLOAD_SLAVE_FILE: 8 master length, 8 size, 16 prefix, 6 ext, master name, content. */
    public static FileId uploadSlave(FdfsConnection c, FileId master, String prefix, String ext, long size,
            InputStream content, SendState state) throws IOException {
        byte[] masterName = master.remoteName().getBytes(StandardCharsets.UTF_8);
        byte[] head = new byte[2 * Proto.PKG_LEN_SIZE + Proto.FILE_PREFIX_MAX_LEN + Proto.FILE_EXT_NAME_MAX_LEN
                + masterName.length];
        Proto.putLong(head, 0, masterName.length);
        Proto.putLong(head, 8, size);
        Proto.putFixed(head, 16, prefix, Proto.FILE_PREFIX_MAX_LEN);
        Proto.putFixed(head, 16 + Proto.FILE_PREFIX_MAX_LEN, ext, Proto.FILE_EXT_NAME_MAX_LEN);
        System.arraycopy(masterName, 0, head, head.length - masterName.length, masterName.length);
        c.out().write(Proto.header(head.length + size, Proto.UPLOAD_SLAVE_FILE));
        c.out().write(head);
        copy(content, c.out(), size, state);
        c.out().flush();
        state.sent = true;
        return fileIdAnswer(c, master.group(), "upload slave of " + master);
    }

    /** APPEND_FILE: 8 name length, 8 size, name, content. */
    public static void append(FdfsConnection c, FileId id, long size, InputStream content, SendState state)
            throws IOException {
        byte[] name = id.remoteName().getBytes(StandardCharsets.UTF_8);
        byte[] head = new byte[2 * Proto.PKG_LEN_SIZE + name.length];
        Proto.putLong(head, 0, name.length);
        Proto.putLong(head, 8, size);
        System.arraycopy(name, 0, head, 16, name.length);
        c.out().write(Proto.header(head.length + size, Proto.APPEND_FILE));
        c.out().write(head);
        copy(content, c.out(), size, state);
        c.out().flush();
        state.sent = true;
        emptyAnswer(c, "append to " + id);
    }

    /** MODIFY_FILE: 8 name length, 8 offset, 8 size, name, content (appender files, since V3.08). */
    public static void modify(FdfsConnection c, FileId id, long offset, long size, InputStream content,
            SendState state) throws IOException {
        byte[] name = id.remoteName().getBytes(StandardCharsets.UTF_8);
        byte[] head = new byte[3 * Proto.PKG_LEN_SIZE + name.length];
        Proto.putLong(head, 0, name.length);
        Proto.putLong(head, 8, offset);
        Proto.putLong(head, 16, size);
        System.arraycopy(name, 0, head, 24, name.length);
        c.out().write(Proto.header(head.length + size, Proto.MODIFY_FILE));
        c.out().write(head);
        copy(content, c.out(), size, state);
        c.out().flush();
        state.sent = true;
        emptyAnswer(c, "modify " + id);
    }

    /** TRUNCATE_FILE: 8 name length, 8 remaining size, name (appender files, since V3.08). */
    public static void truncate(FdfsConnection c, FileId id, long size) throws IOException {
        byte[] name = id.remoteName().getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[2 * Proto.PKG_LEN_SIZE + name.length];
        Proto.putLong(b, 0, name.length);
        Proto.putLong(b, 8, size);
        System.arraycopy(name, 0, b, 16, name.length);
        c.send(Proto.TRUNCATE_FILE, b);
        emptyAnswer(c, "truncate " + id);
    }

    /** DELETE_FILE: 16 group + name. */
    public static void delete(FdfsConnection c, FileId id) throws IOException {
        c.send(Proto.DELETE_FILE, groupAndName(id));
        emptyAnswer(c, "delete " + id);
    }

    /** SET_METADATA: 8 name length, 8 meta length, 1 flag ('O' overwrite, 'M' merge), 16 group, name, meta. */
    public static void setMetadata(FdfsConnection c, FileId id, Map<String, String> meta, boolean merge)
            throws IOException {
        byte[] name = id.remoteName().getBytes(StandardCharsets.UTF_8);
        byte[] packed = packMetadata(meta);
        byte[] b = new byte[2 * Proto.PKG_LEN_SIZE + 1 + Proto.GROUP_NAME_MAX_LEN + name.length + packed.length];
        Proto.putLong(b, 0, name.length);
        Proto.putLong(b, 8, packed.length);
        b[16] = merge ? (byte) 'M' : (byte) 'O';
        Proto.putFixed(b, 17, id.group(), Proto.GROUP_NAME_MAX_LEN);
        System.arraycopy(name, 0, b, 17 + Proto.GROUP_NAME_MAX_LEN, name.length);
        System.arraycopy(packed, 0, b, 17 + Proto.GROUP_NAME_MAX_LEN + name.length, packed.length);
        c.send(Proto.SET_METADATA, b);
        emptyAnswer(c, "set metadata of " + id);
    }

    public static Map<String, String> getMetadata(FdfsConnection c, FileId id) throws IOException {
        c.send(Proto.GET_METADATA, groupAndName(id));
        return parseMetadata(smallAnswer(c, "get metadata of " + id));
    }

    /** QUERY_FILE_INFO answer: 8 size, 8 create time, 8 crc32, 16 source IP. */
    public static FileInfo queryFileInfo(FdfsConnection c, FileId id) throws IOException {
        c.send(Proto.QUERY_FILE_INFO, groupAndName(id));
        byte[] a = smallAnswer(c, "query file info of " + id);
        if (a.length != 3 * Proto.PKG_LEN_SIZE + Proto.IP_ADDRESS_SIZE) {
            c.markBroken();
            throw new ProtocolViolationException(c.address() + ": file info answer of " + a.length + " bytes");
        }
        return new FileInfo(Proto.getLong(a, 0), Instant.ofEpochSecond(Proto.getLong(a, 8)),
                Proto.getLong(a, 16) & 0xFFFFFFFFL, Proto.getFixed(a, 24, Proto.IP_ADDRESS_SIZE));
    }

    /**
     * DOWNLOAD_FILE: 8 offset, 8 length (0 = to the end), 16 group, name. Sends the request and reads the
     * answer header; the caller then reads exactly the returned number of bytes from {@code c.in()}.
     */
    public static long startDownload(FdfsConnection c, FileId id, long offset, long length) throws IOException {
        byte[] gn = groupAndName(id);
        byte[] b = new byte[2 * Proto.PKG_LEN_SIZE + gn.length];
        Proto.putLong(b, 0, offset);
        Proto.putLong(b, 8, length);
        System.arraycopy(gn, 0, b, 16, gn.length);
        c.send(Proto.DOWNLOAD_FILE, b);
        FdfsConnection.Response r = c.readResponse(Long.MAX_VALUE);
        if (r.status() != 0) {
            if (r.length() != 0) {
                c.markBroken();
            }
            throw new FastDfsServerException(c.address(), "download " + id, r.status());
        }
        if (length > 0 && r.length() > length) {
            c.markBroken();
            throw new ProtocolViolationException(c.address() + ": sent " + r.length() + " bytes, asked " + length);
        }
        return r.length();
    }

    /** Copies {@code n} bytes of a started download to {@code sink}; returns bytes copied (all, or throws). */
    public static void copyBody(FdfsConnection c, long n, OutputStream sink, java.util.function.LongConsumer progress)
            throws IOException {
        byte[] buf = new byte[BUFFER];
        long left = n;
        InputStream in = c.in();
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                c.markBroken();
                throw new EOFException(c.address() + " closed the download with " + left + " bytes missing");
            }
            sink.write(buf, 0, r);
            left -= r;
            progress.accept(r);
        }
    }

    private static void copy(InputStream in, OutputStream out, long size, SendState state) throws IOException {
        byte[] buf = new byte[BUFFER];
        long left = size;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new UploadSourceException("upload source ended " + left + " bytes before the announced " + size);
            }
            state.sourceBytesRead += r;
            out.write(buf, 0, r);
            left -= r;
        }
    }

    /** The caller's upload source misbehaved (shorter than its announced length); not a server failure. */
    public static final class UploadSourceException extends IOException {
        private static final long serialVersionUID = 1L;

        UploadSourceException(String message) {
            super(message);
        }
    }

    private static FileId fileIdAnswer(FdfsConnection c, String expectedGroup, String op) throws IOException {
        byte[] a = smallAnswer(c, op);
        if (a.length <= Proto.GROUP_NAME_MAX_LEN) {
            c.markBroken();
            throw new ProtocolViolationException(c.address() + ": " + op + " answered " + a.length + " bytes");
        }
        String group = Proto.getFixed(a, 0, Proto.GROUP_NAME_MAX_LEN);
        String name = new String(a, Proto.GROUP_NAME_MAX_LEN, a.length - Proto.GROUP_NAME_MAX_LEN, StandardCharsets.UTF_8);
        if (expectedGroup != null && !expectedGroup.equals(group)) {
            c.markBroken();
            throw new ProtocolViolationException(c.address() + ": " + op + " in " + expectedGroup
                    + " answered a file of group '" + Proto.printable(group) + "'");
        }
        try {
            return new FileId(group, name);
        } catch (IllegalArgumentException e) {
            c.markBroken();
            throw new ProtocolViolationException(c.address() + ": " + op + " answered an invalid file id "
                    + Proto.printable(group + "/" + name));
        }
    }

    private static void emptyAnswer(FdfsConnection c, String op) throws IOException {
        smallAnswer(c, op);
    }

    private static byte[] smallAnswer(FdfsConnection c, String op) throws IOException {
        FdfsConnection.Response r = c.readResponse(MAX_SMALL_ANSWER);
        byte[] body = c.readBody(r.length());
        if (r.status() != 0) {
            throw new FastDfsServerException(c.address(), op, r.status());
        }
        return body;
    }

    private static byte[] groupAndName(FileId id) {
        byte[] name = id.remoteName().getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[Proto.GROUP_NAME_MAX_LEN + name.length];
        Proto.putFixed(b, 0, id.group(), Proto.GROUP_NAME_MAX_LEN);
        System.arraycopy(name, 0, b, Proto.GROUP_NAME_MAX_LEN, name.length);
        return b;
    }

    /** name \x02 value, records separated by \x01 (fdfs_pack_metadata). */
    static byte[] packMetadata(Map<String, String> meta) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : meta.entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().length() > 64 || e.getValue().length() > 256
                    || e.getKey().indexOf(1) >= 0 || e.getKey().indexOf(2) >= 0 || e.getValue().indexOf(1) >= 0
                    || e.getValue().indexOf(2) >= 0) {
                throw new IllegalArgumentException("invalid metadata entry (name 1..64, value <= 256 chars, no "
                        + "\\x01/\\x02): " + e.getKey());
            }
            if (sb.length() > 0) {
                sb.append((char) Proto.RECORD_SEPARATOR);
            }
            sb.append(e.getKey()).append((char) Proto.FIELD_SEPARATOR).append(e.getValue());
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    static Map<String, String> parseMetadata(byte[] raw) {
        Map<String, String> meta = new TreeMap<>();
        if (raw.length == 0) {
            return meta;
        }
        for (String record : new String(raw, StandardCharsets.UTF_8).split("\u0001")) {
            if (record.isEmpty()) {
                continue;
            }
            int sep = record.indexOf('\u0002');
            meta.put(sep < 0 ? record : record.substring(0, sep), sep < 0 ? "" : record.substring(sep + 1));
        }
        return meta;
    }
}
