package io.github.hakit.fastdfs;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A FastDFS file id, {@code group/M00/XX/YY/name}, validated before any I/O: the group name
 * ({@code [A-Za-z0-9_]}, at most 16 characters, {@code FDFS_GROUP_NAME_MAX_LEN}), an {@code M<NN>} store
 * path, two two-digit hex data directories, then a plain file name of at least the 27 base64 characters
 * FastDFS generates ({@code FDFS_FILENAME_BASE64_LENGTH}); no {@code ..}, no absolute paths, no further
 * slashes, no control characters, the remote name shorter than 128 bytes (the storage's buffer).
 *
 * <pre>{@code
 * FileId id = FileId.parse("group1/M00/00/0A/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt");
 * id.group();      // "group1"
 * id.remoteName(); // "M00/00/0A/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt"
 * }</pre>
 *
 * @param group the storage group
 * @param remoteName the name inside the group, {@code M00/XX/YY/...}
 */
public record FileId(String group, String remoteName) {
    private static final Pattern GROUP = Pattern.compile("[A-Za-z0-9_]{1,16}");
    private static final Pattern REMOTE = Pattern.compile("M[0-9]{2}/[0-9A-F]{2}/[0-9A-F]{2}/[A-Za-z0-9_\\-.]{27,}");
    /** Longest remote name a storage accepts (its {@code char filename[128]} buffers). */
    public static final int MAX_REMOTE_NAME_LENGTH = 127;

    /** Longest part of a bad id quoted in an error message. */
    private static final int QUOTE_MAX = 160;

    public FileId {
        validateGroup(group);
        Objects.requireNonNull(remoteName, "remoteName");
        if (remoteName.length() > MAX_REMOTE_NAME_LENGTH) {
            throw new IllegalArgumentException("file name longer than " + MAX_REMOTE_NAME_LENGTH + ": "
                    + quote(remoteName));
        }
        if (remoteName.contains("..")) {
            throw new IllegalArgumentException("file name contains '..': " + quote(remoteName));
        }
        if (!REMOTE.matcher(remoteName).matches()) {
            throw new IllegalArgumentException("not a FastDFS file name (expected M00/XX/YY/<name>): "
                    + quote(remoteName));
        }
    }

    /** {@code s} for an error message: at most {@value #QUOTE_MAX} characters, control characters escaped. */
    static String quote(String s) {
        StringBuilder sb = new StringBuilder();
        int n = Math.min(s.length(), QUOTE_MAX);
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            sb.append(ch < 0x20 || ch == 0x7F ? '?' : ch);
        }
        if (s.length() > QUOTE_MAX) {
            sb.append("...(").append(s.length()).append(" chars)");
        }
        return sb.toString();
    }

    /** Parses {@code group/M00/XX/YY/name}; throws {@link IllegalArgumentException} naming the bad id. */
    public static FileId parse(String fileId) {
        Objects.requireNonNull(fileId, "fileId");
        if (fileId.startsWith("/")) {
            throw new IllegalArgumentException("file id must not be absolute: " + quote(fileId));
        }
        int slash = fileId.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("file id has no group: " + quote(fileId));
        }
        try {
            return new FileId(fileId.substring(0, slash), fileId.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            // the cause names the bad part (quoted, bounded); the id itself is quoted once, bounded
            throw new IllegalArgumentException("invalid file id '" + quote(fileId) + "': " + e.getMessage());
        }
    }

    /** Checks a group name like {@code fdfs_validate_group_name}. */
    public static String validateGroup(String group) {
        Objects.requireNonNull(group, "group");
        if (!GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException("invalid group name (1..16 of [A-Za-z0-9_]): '" + quote(group) + "'");
        }
        return group;
    }

    /** The store path index, the {@code NN} of {@code M<NN>}. */
    public int storePathIndex() {
        return Integer.parseInt(remoteName.substring(1, 3));
    }

    /** Length of a normal remote name: {@code M00/XX/YY/} + 27 base64 + 7 ({@code FDFS_NORMAL_LOGIC_FILENAME_LENGTH}). */
    static final int NORMAL_NAME_LENGTH = 44;
    private static final long APPENDER_FILE_SIZE = 1L << 58; // FDFS_APPENDER_FILE_SIZE (INFINITE_FILE_SIZE)
    private static final long TRUNK_FILE_MARK_SIZE = 1L << 59; // FDFS_TRUNK_FILE_MARK_SIZE

    /**
     * What the storage encoded in the name ({@code storage_gen_filename}): the source storage (IPv4 address
     * or numeric storage id), the creation time and, for a normal file, its size; {@code null} when the name
     * does not decode.
     */
    public Encoded encoded() {
        try {
            byte[] b = java.util.Base64.getUrlDecoder().decode(remoteName.substring(10, 37));
            long source = ((b[0] & 0xFFL) << 24) | ((b[1] & 0xFFL) << 16) | ((b[2] & 0xFFL) << 8) | (b[3] & 0xFFL);
            long ts = ((b[4] & 0xFFL) << 24) | ((b[5] & 0xFFL) << 16) | ((b[6] & 0xFFL) << 8) | (b[7] & 0xFFL);
            long size = 0;
            for (int i = 8; i < 16; i++) {
                size = (size << 8) | (b[i] & 0xFF);
            }
            boolean special = (size & (APPENDER_FILE_SIZE | TRUNK_FILE_MARK_SIZE)) != 0;
            long known = -1;
            if (!special && remoteName.length() == NORMAL_NAME_LENGTH) {
                known = (size >>> 63) != 0 ? size & 0xFFFFFFFFL : size; // COMBINE_RAND_FILE_SIZE below 4 GiB
            }
            String ip = (source >>> 24) + "." + ((source >>> 16) & 0xFF) + "." + ((source >>> 8) & 0xFF) + "."
                    + (source & 0xFF);
            // a numeric storage id is written as int2buff(htonl(id)): small numbers land in the low octets
            return new Encoded(ip, Long.toString(Long.reverseBytes(source) >>> 32), ts, known);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * The storage's encoding of a file name.
     *
     * @param sourceIp the source as an IPv4 address
     * @param sourceId the source as a storage id (when storages use ids)
     * @param createdEpochSecond creation time
     * @param size the file size for a normal file, -1 when the name does not carry it (appender, slave, trunk)
     */
    public record Encoded(String sourceIp, String sourceId, long createdEpochSecond, long size) {
    }

    /** {@code group/remoteName}. */
    @Override
    public String toString() {
        return group + "/" + remoteName;
    }
}
