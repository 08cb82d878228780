package io.github.hakit.rabbit;

/** The publisher's in-flight window was full (and stayed full for the block timeout): the message was not sent. */
public class BackPressureException extends PublishException {
    private static final long serialVersionUID = 1L;

    public BackPressureException(String messageId, String message) {
        super(messageId, message, null);
    }
}
