package io.github.hakit.testkit.fastdfs;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * FastDFS wire constants and codec helpers, as the C sources define them. Every constant names the
 * header it comes from.
 */
final class Wire {
    // tracker/tracker_proto.h
    static final int HEADER_SIZE = 10; // TrackerHeader: pkg_len[8] + cmd + status
    static final int PKG_LEN_SIZE = 8; // FDFS_PROTO_PKG_LEN_SIZE
    static final byte CMD_RESP = 100; // TRACKER_PROTO_CMD_RESP (= STORAGE_PROTO_CMD_RESP)
    static final byte CMD_QUIT = 82; // FDFS_PROTO_CMD_QUIT
    static final byte CMD_ACTIVE_TEST = 111; // FDFS_PROTO_CMD_ACTIVE_TEST

    static final byte TRACKER_LIST_ONE_GROUP = 90; // TRACKER_PROTO_CMD_SERVER_LIST_ONE_GROUP
    static final byte TRACKER_LIST_ALL_GROUPS = 91; // TRACKER_PROTO_CMD_SERVER_LIST_ALL_GROUPS
    static final byte TRACKER_LIST_STORAGE = 92; // TRACKER_PROTO_CMD_SERVER_LIST_STORAGE
    static final byte TRACKER_QUERY_STORE_WITHOUT_GROUP_ONE = 101;
    static final byte TRACKER_QUERY_FETCH_ONE = 102;
    static final byte TRACKER_QUERY_UPDATE = 103;
    static final byte TRACKER_QUERY_STORE_WITH_GROUP_ONE = 104;
    static final byte TRACKER_QUERY_FETCH_ALL = 105;
    static final byte TRACKER_QUERY_STORE_WITHOUT_GROUP_ALL = 106;
    static final byte TRACKER_QUERY_STORE_WITH_GROUP_ALL = 107;

    static final byte STORAGE_UPLOAD_FILE = 11; // STORAGE_PROTO_CMD_UPLOAD_FILE
    static final byte STORAGE_DELETE_FILE = 12;
    static final byte STORAGE_SET_METADATA = 13;
    static final byte STORAGE_DOWNLOAD_FILE = 14;
    static final byte STORAGE_GET_METADATA = 15;
    static final byte STORAGE_UPLOAD_SLAVE_FILE = 21;
    static final byte STORAGE_QUERY_FILE_INFO = 22;
    static final byte STORAGE_UPLOAD_APPENDER_FILE = 23;
    static final byte STORAGE_APPEND_FILE = 24;
    static final byte STORAGE_MODIFY_FILE = 34; // since V3.08
    static final byte STORAGE_TRUNCATE_FILE = 36; // since V3.08
    static final byte STORAGE_REGENERATE_APPENDER_FILENAME = 38; // since V6.02

    static final byte METADATA_OVERWRITE = 'O'; // STORAGE_SET_METADATA_FLAG_OVERWRITE
    static final byte METADATA_MERGE = 'M'; // STORAGE_SET_METADATA_FLAG_MERGE

    // tracker/tracker_types.h, common/fdfs_define.h, fastcommon
    static final int GROUP_NAME_MAX_LEN = 16; // FDFS_GROUP_NAME_MAX_LEN
    static final int IP_ADDRESS_SIZE = 16; // IP_ADDRESS_SIZE (IPv4, fastcommon)
    static final int STORAGE_ID_MAX_SIZE = 16; // FDFS_STORAGE_ID_MAX_SIZE
    static final int DOMAIN_NAME_MAX_SIZE = 128; // FDFS_DOMAIN_NAME_MAX_SIZE
    static final int FILE_EXT_NAME_MAX_LEN = 6; // FDFS_FILE_EXT_NAME_MAX_LEN
    static final int FILE_PREFIX_MAX_LEN = 16; // FDFS_FILE_PREFIX_MAX_LEN
    static final int LOGIC_FILE_PATH_LEN = 10; // FDFS_LOGIC_FILE_PATH_LEN ("M00/XX/YY/")
    static final int FILENAME_BASE64_LENGTH = 27; // FDFS_FILENAME_BASE64_LENGTH
    static final byte RECORD_SEPARATOR = 0x01; // FDFS_RECORD_SEPERATOR
    static final byte FIELD_SEPARATOR = 0x02; // FDFS_FIELD_SEPERATOR
    static final int MAX_META_NAME_LEN = 64; // FDFS_MAX_META_NAME_LEN
    static final int MAX_META_VALUE_LEN = 256; // FDFS_MAX_META_VALUE_LEN

    static final byte STATUS_ONLINE = 6; // FDFS_STORAGE_STATUS_ONLINE
    static final byte STATUS_ACTIVE = 7; // FDFS_STORAGE_STATUS_ACTIVE
    static final byte STATUS_OFFLINE = 5; // FDFS_STORAGE_STATUS_OFFLINE

    // errno values the servers put into the status byte (Linux)
    static final byte ENOENT = 2;
    static final byte EIO = 5;
    static final byte EEXIST = 17;
    static final byte EINVAL = 22;
    static final byte ENOSPC = 28;

    /** Storage ids are numbers up to FDFS_MAX_SERVER_ID ((1 << 24) - 1), tracker_types.h. */
    static final int MAX_SERVER_ID = (1 << 24) - 1;

    private Wire() {
    }

    record Header(long length, byte cmd, byte status) {
    }

    /** Reads a header; null on a clean end of stream before the first byte. */
    static Header readHeader(InputStream in) throws IOException {
        byte[] b = new byte[HEADER_SIZE];
        int first = in.read();
        if (first < 0) {
            return null;
        }
        b[0] = (byte) first;
        readFully(in, b, 1, HEADER_SIZE - 1);
        return new Header(getLong(b, 0), b[8], b[9]);
    }

    static byte[] header(long length, byte cmd, byte status) {
        byte[] b = new byte[HEADER_SIZE];
        putLong(b, 0, length);
        b[8] = cmd;
        b[9] = status;
        return b;
    }

    static void writeResponse(OutputStream out, byte status, byte[] body) throws IOException {
        byte[] h = header(body == null ? 0 : body.length, CMD_RESP, status);
        if (body == null || body.length == 0) {
            out.write(h);
        } else {
            byte[] all = new byte[h.length + body.length];
            System.arraycopy(h, 0, all, 0, h.length);
            System.arraycopy(body, 0, all, h.length, body.length);
            out.write(all);
        }
        out.flush();
    }

    static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = new byte[n];
        readFully(in, b, 0, n);
        return b;
    }

    static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int done = 0;
        while (done < len) {
            int r = in.read(b, off + done, len - done);
            if (r < 0) {
                throw new EOFException("connection closed after " + done + " of " + len + " bytes");
            }
            done += r;
        }
    }

    static void skipFully(InputStream in, long n) throws IOException {
        byte[] buf = new byte[8192];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new EOFException("connection closed while skipping " + left + " bytes");
            }
            left -= r;
        }
    }

    static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    static int getInt(byte[] b, int off) {
        return ((b[off] & 0xFF) << 24) | ((b[off + 1] & 0xFF) << 16) | ((b[off + 2] & 0xFF) << 8) | (b[off + 3] & 0xFF);
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** A NUL-padded fixed-size field as C writes it with memcpy/strcpy; longer input is cut. */
    static void putFixed(byte[] b, int off, String s, int size) {
        byte[] v = s.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(v, 0, b, off, Math.min(v.length, size));
    }

    /** A fixed-size field up to its first NUL. */
    static String getFixed(byte[] b, int off, int size) {
        int end = off;
        while (end < off + size && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.ISO_8859_1);
    }
}
