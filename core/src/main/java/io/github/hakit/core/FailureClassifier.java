package io.github.hakit.core;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;

/**
 * Maps what an attempt threw to a {@link Failure} of the endpoint, or {@code null} when the exception is not the
 * endpoint's fault (a bug, bad input): such an exception is rethrown at once, without a retry and without
 * counting against the endpoint.
 *
 * <pre>{@code
 * FailureClassifier fastdfs = t -> t instanceof ProtocolException
 *     ? Failure.maybeSent(FailureKind.INVALID_HEADER)
 *     : FailureClassifier.network().classify(t);
 * }</pre>
 */
@FunctionalInterface
public interface FailureClassifier {

    /** The failure, or {@code null} when {@code error} is not an endpoint failure. */
    Failure classify(Throwable error);

    /** Tries this classifier, then {@code other} when this one returns {@code null}. */
    default FailureClassifier orElse(FailureClassifier other) {
        return t -> {
            Failure f = classify(t);
            return f != null ? f : other.classify(t);
        };
    }

    /**
     * Socket-level classification: connect failures are {@code ERROR} before sending; socket and
     * {@link TimeoutException}s are {@code TIMEOUT} after sending; any other {@link IOException} is {@code ERROR}
     * after sending. Looks through causes.
     */
    static FailureClassifier network() {
        return FailureClassifier::classifyNetwork;
    }

    private static Failure classifyNetwork(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof PortUnreachableException) {
                return Failure.notSent(FailureKind.ERROR);
            }
            if (t instanceof SocketTimeoutException || t instanceof TimeoutException) {
                // a connect timeout says so in its message; the request never left
                String m = t.getMessage();
                boolean connect = m != null && m.toLowerCase(java.util.Locale.ROOT).contains("connect");
                return new Failure(FailureKind.TIMEOUT, !connect);
            }
            if (t instanceof InterruptedIOException) {
                return null;
            }
            if (t instanceof IOException) {
                return Failure.maybeSent(FailureKind.ERROR);
            }
        }
        return null;
    }
}
