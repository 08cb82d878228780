package io.github.hakit.fastdfs;

/**
 * An operation did not complete within its deadline ({@code callTimeout}, plus its content at
 * {@code minTransferRate}), whichever server was slow and however slowly it sent its bytes.
 *
 * <pre>{@code
 * try { client.upload(src, req); } catch (FastDfsTimeoutException e) { retryLater(); }
 * }</pre>
 */
public class FastDfsTimeoutException extends FastDfsException {
    private static final long serialVersionUID = 1L;

    public FastDfsTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
