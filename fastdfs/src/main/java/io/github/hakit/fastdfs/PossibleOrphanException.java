package io.github.hakit.fastdfs;

/**
 * An upload failed after its request reached a storage (for example the storage died or timed out
 * while the answer was awaited): the storage may have stored the file, whose id the caller will never
 * learn. hakit does not retry such an upload blindly, because that could store the file twice.
 *
 * <pre>{@code
 * try { id = client.upload(src, req); } catch (PossibleOrphanException e) { audit(e.storage()); }
 * }</pre>
 */
public class PossibleOrphanException extends FastDfsException {
    private static final long serialVersionUID = 1L;
    private final String storage;

    public PossibleOrphanException(String storage, Throwable cause) {
        super("upload to storage " + storage + " failed after the request was sent; the storage may have kept an"
                + " orphan file: " + cause, cause);
        this.storage = storage;
    }

    /** {@code host:port} of the storage. */
    public String storage() {
        return storage;
    }
}
