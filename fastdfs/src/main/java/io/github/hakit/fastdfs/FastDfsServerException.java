package io.github.hakit.fastdfs;

/**
 * A tracker or storage answered with a non-zero status: the errno of the server
 * ({@code 2} ENOENT, {@code 17} EEXIST, {@code 22} EINVAL, {@code 28} ENOSPC, ...).
 *
 * <pre>{@code
 * try { client.delete(id); } catch (FastDfsServerException e) { if (e.isNotFound()) { ... } }
 * }</pre>
 */
public class FastDfsServerException extends FastDfsException {
    private static final long serialVersionUID = 1L;
    /** No such file or group. */
    public static final int ENOENT = 2;
    /** I/O error on the server. */
    public static final int EIO = 5;
    /** Already exists (slave file). */
    public static final int EEXIST = 17;
    /** Invalid request. */
    public static final int EINVAL = 22;
    /** No space left. */
    public static final int ENOSPC = 28;

    private final int errno;
    private final String server;

    public FastDfsServerException(String server, String operation, int errno) {
        super(operation + " on " + server + " failed: status " + errno + " (" + describe(errno) + ")");
        this.errno = errno;
        this.server = server;
    }

    /** The status byte of the answer. */
    public int errno() {
        return errno;
    }

    /** {@code host:port} of the server that answered. */
    public String server() {
        return server;
    }

    public boolean isNotFound() {
        return errno == ENOENT;
    }

    static String describe(int errno) {
        return switch (errno) {
            case ENOENT -> "ENOENT, not found";
            case EIO -> "EIO";
            case EEXIST -> "EEXIST, already exists";
            case EINVAL -> "EINVAL, invalid request";
            case ENOSPC -> "ENOSPC, no space";
            default -> "errno " + errno;
        };
    }
}
