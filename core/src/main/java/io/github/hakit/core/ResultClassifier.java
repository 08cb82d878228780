package io.github.hakit.core;

/**
 * Classifies a returned value as a failure (e.g. an HTTP 502 response) so the call moves to the next endpoint.
 * When every attempt fails this way the last result is returned, as Nginx passes on the last response.
 */
public interface ResultClassifier<T> {
    /** The failure kind of {@code result}, or {@code null} when it is a success. */
    FailureKind classify(T result);

    /** Releases a result that is dropped because the call moves on (close a response body here). */
    default void discard(T result) {
    }
}
