package io.github.hakit.fastdfs;

/**
 * A storage's state as its tracker reports it ({@code FDFS_STORAGE_STATUS_*}, tracker_types.h).
 *
 * <pre>{@code
 * StorageStatus.of(7).isServing(); // ACTIVE: true
 * }</pre>
 */
public enum StorageStatus {
    INIT(0), WAIT_SYNC(1), SYNCING(2), IP_CHANGED(3), DELETED(4), OFFLINE(5), ONLINE(6), ACTIVE(7), RECOVERY(9),
    NONE(99), UNKNOWN(-1);

    private final int code;

    StorageStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** ACTIVE storages serve uploads and downloads. */
    public boolean isServing() {
        return this == ACTIVE;
    }

    public static StorageStatus of(int code) {
        for (StorageStatus s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        return UNKNOWN;
    }
}
