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

    public FileId {
        validateGroup(group);
        Objects.requireNonNull(remoteName, "remoteName");
        if (remoteName.length() > MAX_REMOTE_NAME_LENGTH) {
            throw new IllegalArgumentException("file name longer than " + MAX_REMOTE_NAME_LENGTH + ": " + remoteName);
        }
        if (remoteName.contains("..")) {
            throw new IllegalArgumentException("file name contains '..': " + remoteName);
        }
        if (!REMOTE.matcher(remoteName).matches()) {
            throw new IllegalArgumentException("not a FastDFS file name (expected M00/XX/YY/<name>): " + remoteName);
        }
    }

    /** Parses {@code group/M00/XX/YY/name}; throws {@link IllegalArgumentException} naming the bad id. */
    public static FileId parse(String fileId) {
        Objects.requireNonNull(fileId, "fileId");
        if (fileId.startsWith("/")) {
            throw new IllegalArgumentException("file id must not be absolute: " + fileId);
        }
        int slash = fileId.indexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("file id has no group: " + fileId);
        }
        try {
            return new FileId(fileId.substring(0, slash), fileId.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid file id '" + fileId + "': " + e.getMessage(), e);
        }
    }

    /** Checks a group name like {@code fdfs_validate_group_name}. */
    public static String validateGroup(String group) {
        Objects.requireNonNull(group, "group");
        if (!GROUP.matcher(group).matches()) {
            throw new IllegalArgumentException("invalid group name (1..16 of [A-Za-z0-9_]): '" + group + "'");
        }
        return group;
    }

    /** The store path index, the {@code NN} of {@code M<NN>}. */
    public int storePathIndex() {
        return Integer.parseInt(remoteName.substring(1, 3));
    }

    /** {@code group/remoteName}. */
    @Override
    public String toString() {
        return group + "/" + remoteName;
    }
}
