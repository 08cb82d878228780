package io.github.hakit.rocket.internal;

import io.github.hakit.core.Failure;
import io.github.hakit.core.FailureClassifier;
import io.github.hakit.core.FailureKind;

import io.github.hakit.rocket.SendFailureKind;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.exception.RemotingSendRequestException;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.exception.RemotingTooMuchRequestException;

/**
 * Maps what rocketmq-client throws to a {@link SendFailureKind} (hakit's public vocabulary) and to a core
 * {@link Failure} (what moves a send to the next broker and what counts against a broker). Response codes are those of
 * {@code org.apache.rocketmq.remoting.protocol.ResponseCode} (5.5.0); the retriable set follows the
 * client's own {@code DefaultMQProducer#retryResponseCodes}.
 */
public final class BrokerFailures {
    static final int SYSTEM_ERROR = 1;
    static final int SYSTEM_BUSY = 2;
    static final int MESSAGE_ILLEGAL = 13;
    static final int SERVICE_NOT_AVAILABLE = 14;
    static final int NO_PERMISSION = 16;
    static final int TOPIC_NOT_EXIST = 17;
    static final int NO_BUYER_ID = 204;
    static final int NOT_IN_CURRENT_UNIT = 205;
    /** {@code ClientErrorCode.NOT_FOUND_TOPIC_EXCEPTION}. */
    static final int CLIENT_NOT_FOUND_TOPIC = 10005;

    private static final FailureClassifier CLASSIFIER = BrokerFailures::failure;

    private BrokerFailures() {
    }

    /** The deadline of a call passed before its next attempt: ends the call and is not the broker's fault. */
    public static final class DeadlineExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DeadlineExceeded(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The broker upstream's {@link FailureClassifier}: what rocketmq-client threw, as a core {@link Failure} of the
     * broker ({@code null}, so rethrown at once and not counted: an interrupt, a client error, a passed deadline).
     */
    public static FailureClassifier classifier() {
        return CLASSIFIER;
    }

    static Failure failure(Throwable t) {
        if (t instanceof DeadlineExceeded) {
            return null;
        }
        return switch (classify(t)) {
            case CONNECTION -> Failure.notSent(FailureKind.ERROR);
            case CONNECTION_AFTER_SEND -> Failure.maybeSent(FailureKind.ERROR);
            case TIMEOUT -> Failure.maybeSent(FailureKind.TIMEOUT);
            case BROKER_BUSY -> Failure.notSent(FailureKind.OVERLOADED);
            case NO_ROUTE -> Failure.notSent(FailureKind.NO_ROUTE);
            case BROKER_ERROR -> Failure.notSent(FailureKind.UNAVAILABLE);
            case NOT_STORED_OK -> Failure.maybeSent(FailureKind.UNAVAILABLE);
            case REJECTED -> Failure.notSent(FailureKind.REJECTED);
            case INTERRUPTED, CLIENT_ERROR -> null;
        };
    }

    /** The kind of a failure; never null. */
    public static SendFailureKind classify(Throwable t) {
        if (t == null) {
            return SendFailureKind.CLIENT_ERROR;
        }
        if (t instanceof InterruptedException) {
            return SendFailureKind.INTERRUPTED;
        }
        if (t instanceof RemotingConnectException) {
            return SendFailureKind.CONNECTION;
        }
        if (t instanceof RemotingTooMuchRequestException) {
            // thrown before writing: the attempt's time was used up, or the async/oneway semaphore was full
            return SendFailureKind.TIMEOUT;
        }
        if (t instanceof RemotingTimeoutException) {
            return SendFailureKind.TIMEOUT;
        }
        if (t instanceof RemotingSendRequestException) {
            return SendFailureKind.CONNECTION_AFTER_SEND;
        }
        if (t instanceof RemotingException) {
            return SendFailureKind.CONNECTION_AFTER_SEND;
        }
        if (t instanceof MQBrokerException b) {
            return byResponseCode(b.getResponseCode(), b.getErrorMessage());
        }
        if (t instanceof MQClientException c) {
            if (c.getCause() != null && c.getCause() != c) {
                SendFailureKind inner = classify(c.getCause());
                if (inner != SendFailureKind.CLIENT_ERROR) {
                    return inner;
                }
            }
            if (c.getResponseCode() == CLIENT_NOT_FOUND_TOPIC || mentionsMissingRoute(c.getErrorMessage())) {
                return SendFailureKind.NO_ROUTE;
            }
            if (c.getResponseCode() > 0) {
                return byResponseCode(c.getResponseCode(), c.getErrorMessage());
            }
            return SendFailureKind.CLIENT_ERROR;
        }
        return SendFailureKind.CLIENT_ERROR;
    }

    private static boolean mentionsMissingRoute(String message) {
        return message != null && (message.contains("No route info") || message.contains("not exist"));
    }

    static SendFailureKind byResponseCode(int code, String message) {
        switch (code) {
            case SYSTEM_BUSY:
                return SendFailureKind.BROKER_BUSY;
            case TOPIC_NOT_EXIST:
                return SendFailureKind.NO_ROUTE;
            case SYSTEM_ERROR:
                return message != null && message.contains("busy") ? SendFailureKind.BROKER_BUSY
                        : SendFailureKind.BROKER_ERROR;
            case SERVICE_NOT_AVAILABLE:
            case NO_PERMISSION:
            case NO_BUYER_ID:
            case NOT_IN_CURRENT_UNIT:
                return SendFailureKind.BROKER_ERROR;
            case MESSAGE_ILLEGAL:
            default:
                return SendFailureKind.REJECTED;
        }
    }
}
