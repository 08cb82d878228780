package io.github.hakit.fastdfs;

/**
 * The trackers do not know the group (or it has no active storage to serve the request).
 *
 * <pre>{@code
 * try { client.upload(src, UploadRequest.builder().group("group9").build()); }
 * catch (UnknownGroupException e) { log.warn("no group {}", e.group()); }
 * }</pre>
 */
public class UnknownGroupException extends FastDfsException {
    private static final long serialVersionUID = 1L;
    private final String group;

    public UnknownGroupException(String group, String detail) {
        super("unknown FastDFS group or no active storage in it: '" + group + "' (" + detail + ")");
        this.group = group;
    }

    public String group() {
        return group;
    }
}
