package io.github.hakit.core.health;

import io.github.hakit.core.FailureKind;
import java.util.Objects;

/**
 * HAProxy's passive observation of live traffic ({@code observe layer4|layer7 error-limit N on-error ...}):
 * after {@code errorLimit} consecutive errors the {@code onError} action runs. Requires active health checks
 * on the endpoint, as in HAProxy.
 *
 * <pre>{@code
 * ObserveConfig observe = new ObserveConfig(ObserveConfig.Layer.LAYER4, 10, ObserveConfig.OnError.MARK_DOWN);
 * }</pre>
 *
 * @param layer      LAYER4 counts connection errors and timeouts; LAYER7 also invalid answers and HTTP 5xx
 * @param errorLimit consecutive errors that trigger {@code onError}; HAProxy's default is 10
 * @param onError    what happens then
 */
public record ObserveConfig(Layer layer, int errorLimit, OnError onError) {

    /** HAProxy's default {@code error-limit}. */
    public static final int DEFAULT_ERROR_LIMIT = 10;

    public ObserveConfig {
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(onError, "onError");
        if (errorLimit < 1) {
            throw new IllegalArgumentException("error-limit < 1: " + errorLimit);
        }
    }

    /** {@code observe layer4}, {@code error-limit 10}, {@code on-error fastinter}. */
    public static ObserveConfig layer4() {
        return new ObserveConfig(Layer.LAYER4, DEFAULT_ERROR_LIMIT, OnError.FASTINTER);
    }

    /** What is observed. */
    public enum Layer {
        LAYER4, LAYER7;

        /** Whether a failure of this kind counts as an observed error on this layer. */
        public boolean counts(FailureKind kind) {
            return switch (kind) {
                case ERROR, TIMEOUT -> true;
                case INVALID_HEADER, HTTP_500, HTTP_502, HTTP_503, HTTP_504 -> this == LAYER7;
                default -> false;
            };
        }
    }

    /** HAProxy's {@code on-error} actions. Every action also forces {@code fastinter} for the next check. */
    public enum OnError {
        /** Only bring the next check forward to {@code fastinter}. */
        FASTINTER,
        /** Count as one failed health check. */
        FAIL_CHECK,
        /** Leave the endpoint one failed check away from DOWN, then count a failed check. */
        SUDDEN_DEATH,
        /** Mark DOWN at once. */
        MARK_DOWN
    }
}
