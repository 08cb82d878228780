package io.github.hakit.core;

/**
 * The handle {@link Upstream#pick()} returns for one endpoint's call slot. Give it back with exactly one of
 * {@link Upstream#success}, {@link Upstream#failure} or {@link Upstream#release}. Handles are allocated once per
 * endpoint, so picking allocates nothing; only {@link Upstream} creates them.
 *
 * <pre>{@code
 * Peer p = upstream.pick();
 * try { call(p.endpoint()); upstream.success(p, elapsedNanos); }
 * catch (IOException e) { upstream.failure(p, FailureKind.ERROR, elapsedNanos); }
 * }</pre>
 */
public interface Peer {
    /** The endpoint this handle stands for. */
    Endpoint endpoint();
}
