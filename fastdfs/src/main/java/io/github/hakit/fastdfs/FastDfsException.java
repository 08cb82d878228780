package io.github.hakit.fastdfs;

/**
 * A FastDFS operation failed. Subclasses say whether a server answered with an error
 * ({@link FastDfsServerException}), whether an upload may have left a file behind
 * ({@link PossibleOrphanException}), or whether the group is unknown ({@link UnknownGroupException}).
 *
 * <pre>{@code
 * try { client.downloadBytes(id); } catch (FastDfsException e) { ... }
 * }</pre>
 */
public class FastDfsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FastDfsException(String message) {
        super(message);
    }

    public FastDfsException(String message, Throwable cause) {
        super(message, cause);
    }
}
