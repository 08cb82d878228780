package io.github.hakit.rabbit;

/** A {@code mandatory} message could not be routed to any queue: the broker returned it ({@code basic.return}). */
public class MessageReturnedException extends PublishException {
    private static final long serialVersionUID = 1L;
    private final int replyCode;
    private final String replyText;

    public MessageReturnedException(String messageId, int replyCode, String replyText, String exchange,
            String routingKey) {
        super(messageId, "message " + messageId + " returned by the broker: " + replyCode + " " + replyText
                + " (exchange '" + exchange + "', routing key '" + routingKey + "')", null);
        this.replyCode = replyCode;
        this.replyText = replyText;
    }

    /** AMQP reply code, e.g. 312 NO_ROUTE. */
    public int replyCode() {
        return replyCode;
    }

    public String replyText() {
        return replyText;
    }
}
