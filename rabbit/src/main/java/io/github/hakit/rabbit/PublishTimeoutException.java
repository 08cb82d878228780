package io.github.hakit.rabbit;

/**
 * The broker did not confirm a message within the publisher's confirm deadline (for example, the whole cluster was
 * down). The message was never reported as confirmed; it may or may not have reached a queue if it was sent.
 */
public class PublishTimeoutException extends PublishException {
    private static final long serialVersionUID = 1L;

    public PublishTimeoutException(String messageId, String message, Throwable lastError) {
        super(messageId, message, lastError);
    }
}
