package io.github.hakit.rabbit;

/** A message a {@link ReliablePublisher} could not get confirmed; subclasses say why. */
public class PublishException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String messageId;

    public PublishException(String messageId, String message, Throwable cause) {
        super(message, cause);
        this.messageId = messageId;
    }

    /** The message's id (the AMQP {@code message-id} property). */
    public String messageId() {
        return messageId;
    }
}
