package io.github.hakit.core;

/**
 * The work {@link Upstream#execute} runs on each attempt's endpoint.
 *
 * <pre>{@code
 * String answer = upstream.execute(attempt -> client.get(attempt.endpoint(), attempt.timeout()));
 * }</pre>
 */
@FunctionalInterface
public interface UpstreamCall<T> {
    T call(Attempt attempt) throws Exception;
}
