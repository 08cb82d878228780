package io.github.hakit.core;

import java.util.concurrent.CompletionStage;

/**
 * The asynchronous work {@link Upstream#executeAsync} runs on each attempt's endpoint. The stage's failure is
 * classified like a thrown exception; a call that throws instead of returning a stage is treated the same way.
 *
 * <pre>{@code
 * CompletionStage<SendResult> sent = upstream.executeAsync(CallOptions.nonIdempotent(),
 *     attempt -> client.sendAsync(attempt.endpoint(), message, attempt.timeout()));
 * }</pre>
 */
@FunctionalInterface
public interface AsyncUpstreamCall<T> {
    CompletionStage<T> call(Attempt attempt) throws Exception;
}
