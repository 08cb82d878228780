package io.github.hakit.rabbit;

/**
 * A message the broker confirmed.
 *
 * @param messageId its {@code message-id} (given by the caller or generated, stable across re-publishes)
 * @param sends     how often it was sent (1 = never re-published; more = re-published after a failover or a nack,
 *                  so a consumer may see it more than once)
 * @param endpoint  name of the node endpoint whose connection carried the confirmed send
 */
public record PublishResult(String messageId, int sends, String endpoint) {
}
