package io.github.hakit.fastdfs;

/**
 * The web servers answered an HTTP error (after next-upstream retries, the last answer).
 *
 * <pre>{@code
 * try { http.bytes(id); } catch (FastDfsHttpException e) { int status = e.status(); }
 * }</pre>
 */
public class FastDfsHttpException extends FastDfsException {
    private static final long serialVersionUID = 1L;
    private final int status;

    public FastDfsHttpException(FileId id, int status) {
        super("HTTP download of " + id + " answered " + status);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
