package io.github.hakit.dubbo.internal;

import java.net.ConnectException;
import java.util.Locale;
import io.github.hakit.core.Failure;
import io.github.hakit.core.FailureClassifier;
import io.github.hakit.core.FailureKind;
import org.apache.dubbo.rpc.RpcException;

/**
 * Maps what a Dubbo invoker threw to a hakit-core {@link Failure} of the provider, or null when it is
 * not the provider's fault and must not be retried elsewhere (business, serialization, validation,
 * authorization errors). Follows Dubbo's own {@code FailoverClusterInvoker}, which rethrows
 * {@code isBiz()} at once, and Nginx's rule that only a request known not to have been sent is safe to
 * repeat for a non-idempotent call.
 */
final class DubboFailures implements FailureClassifier {

    @Override
    public Failure classify(Throwable error) {
        if (!(error instanceof RpcException e)) {
            return FailureClassifier.network().classify(error);
        }
        if (e.isBiz() || e.isSerialization() || e.isValidation() || e.isAuthorization() || e.isForbidden()) {
            return null;
        }
        if (e.isTimeout()) {
            return Failure.maybeSent(FailureKind.TIMEOUT);
        }
        if (e.isLimitExceed()) {
            // the provider refused the call (executes / actives limit): it did not run
            return Failure.notSent(FailureKind.ERROR);
        }
        if (e.isNetwork()) {
            return neverSent(e) ? Failure.notSent(FailureKind.ERROR) : Failure.maybeSent(FailureKind.ERROR);
        }
        Failure cause = e.getCause() == null ? null : FailureClassifier.network().classify(e.getCause());
        return cause != null ? cause : Failure.maybeSent(FailureKind.ERROR);
    }

    /** Dubbo says so in words: no connection existed, so nothing was written. */
    private static boolean neverSent(RpcException e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
            String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("failed to connect") || m.contains("channel is closed") || m.contains("not connected")
                    || m.contains("client is closed") || m.contains("connection refused")) {
                return true;
            }
        }
        return false;
    }
}
