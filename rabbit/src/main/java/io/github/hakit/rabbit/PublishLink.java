package io.github.hakit.rabbit;

import com.rabbitmq.client.AMQP;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * One confirm-mode channel of a {@link ReliablePublisher} on one node: the seam between the publisher's rules
 * (timeouts, re-sends, failover, leader follow) and amqp-client, so the rules can be unit-tested on a fake clock
 * with a fake link. Not API.
 */
interface PublishLink {
    /** Endpoint name of the node this link is on. */
    String endpoint();

    /** The sequence number the next {@link #publish} gets (the channel's publish sequence). */
    long nextSeqNo();

    void publish(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props, byte[] body)
            throws IOException;

    /** Closes gracefully, bounded by the link's own timeout; never throws. */
    void close();

    /** Aborts at once; never throws. */
    void abort();

    /** What the broker (or the connection) tells the publisher about one link; called on the link's thread. */
    interface Events {
        void ack(long seq, boolean multiple);

        void nack(long seq, boolean multiple);

        /** A mandatory message came back unroutable. */
        void returned(String messageId, int replyCode, String replyText, String exchange, String routingKey);

        /** The connection or channel is gone; {@code initiatedByApplication} after our own close. */
        void lost(Throwable cause, boolean initiatedByApplication);
    }

    /** Opens links. */
    interface Opener {
        /**
         * A new link on a node: {@code preferred} first when it takes traffic, nodes {@code avoid} names last.
         *
         * @throws IOException      when no node accepted a connection
         * @throws TimeoutException when the handshake timed out
         */
        PublishLink open(Optional<String> preferred, Predicate<String> avoid, Events events)
                throws IOException, TimeoutException;
    }
}
