package io.github.hakit.fastdfs.internal;

import java.nio.charset.StandardCharsets;

/**
 * FastDFS client-side wire constants and codec helpers (header: 8-byte big-endian body length, command,
 * status; {@code tracker/tracker_proto.h}). Not API.
 */
public final class Proto {
    public static final int HEADER_SIZE = 10; // sizeof(TrackerHeader)
    public static final int PKG_LEN_SIZE = 8; // FDFS_PROTO_PKG_LEN_SIZE
    public static final byte CMD_RESP = 100; // TRACKER_PROTO_CMD_RESP
    public static final byte CMD_QUIT = 82; // FDFS_PROTO_CMD_QUIT
    public static final byte CMD_ACTIVE_TEST = 111; // FDFS_PROTO_CMD_ACTIVE_TEST

    public static final byte LIST_ONE_GROUP = 90; // TRACKER_PROTO_CMD_SERVER_LIST_ONE_GROUP
    public static final byte LIST_ALL_GROUPS = 91;
    public static final byte LIST_STORAGE = 92;
    public static final byte QUERY_STORE_WITHOUT_GROUP_ONE = 101;
    public static final byte QUERY_FETCH_ONE = 102;
    public static final byte QUERY_UPDATE = 103;
    public static final byte QUERY_STORE_WITH_GROUP_ONE = 104;
    public static final byte QUERY_FETCH_ALL = 105;
    public static final byte QUERY_STORE_WITHOUT_GROUP_ALL = 106;
    public static final byte QUERY_STORE_WITH_GROUP_ALL = 107;

    public static final byte UPLOAD_FILE = 11; // STORAGE_PROTO_CMD_UPLOAD_FILE
    public static final byte DELETE_FILE = 12;
    public static final byte SET_METADATA = 13;
    public static final byte DOWNLOAD_FILE = 14;
    public static final byte GET_METADATA = 15;
    public static final byte UPLOAD_SLAVE_FILE = 21;
    public static final byte QUERY_FILE_INFO = 22;
    public static final byte UPLOAD_APPENDER_FILE = 23;
    public static final byte APPEND_FILE = 24;
    public static final byte MODIFY_FILE = 34;
    public static final byte TRUNCATE_FILE = 36;

    public static final int GROUP_NAME_MAX_LEN = 16; // FDFS_GROUP_NAME_MAX_LEN
    public static final int IP_ADDRESS_SIZE = 16; // IPv4 IP_ADDRESS_SIZE
    public static final int STORAGE_ID_MAX_SIZE = 16; // FDFS_STORAGE_ID_MAX_SIZE
    public static final int FILE_EXT_NAME_MAX_LEN = 6; // FDFS_FILE_EXT_NAME_MAX_LEN
    public static final int FILE_PREFIX_MAX_LEN = 16; // FDFS_FILE_PREFIX_MAX_LEN
    public static final byte RECORD_SEPARATOR = 0x01; // FDFS_RECORD_SEPERATOR
    public static final byte FIELD_SEPARATOR = 0x02; // FDFS_FIELD_SEPERATOR
    /** Store path index -1 lets the storage choose (storage_upload_file). */
    public static final byte STORE_PATH_ANY = (byte) 0xFF;

    private Proto() {
    }

    public static byte[] header(long bodyLength, byte cmd) {
        byte[] b = new byte[HEADER_SIZE];
        putLong(b, 0, bodyLength);
        b[8] = cmd;
        return b;
    }

    public static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }

    public static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    /** NUL-padded fixed-size field. */
    public static void putFixed(byte[] b, int off, String s, int size) {
        byte[] v = s.getBytes(StandardCharsets.UTF_8);
        if (v.length > size) {
            throw new IllegalArgumentException("'" + s + "' longer than " + size + " bytes");
        }
        System.arraycopy(v, 0, b, off, v.length);
    }

    /** A fixed-size field up to its first NUL. */
    public static String getFixed(byte[] b, int off, int size) {
        int end = off;
        while (end < off + size && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /** {@code s} for an error message: control characters escaped, at most 80 characters. */
    public static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 80; i++) {
            char ch = s.charAt(i);
            if (ch < 0x20 || ch == 0x7F) {
                sb.append(String.format("\\x%02x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        return s.length() > 80 ? sb + "...(" + s.length() + " chars)" : sb.toString();
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
