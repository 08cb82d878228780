package io.github.hakit.rocket.internal;

import io.github.hakit.rocket.SendFailureKind;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.exception.RemotingSendRequestException;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.exception.RemotingTooMuchRequestException;

/**
 * Maps what rocketmq-client throws to a {@link SendFailureKind}. Response codes are those of
 * {@code org.apache.rocketmq.remoting.protocol.ResponseCode} (5.5.0); the retriable set follows the
 * client's own {@code DefaultMQProducer#retryResponseCodes}.
 */
public final class SendFailures {
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

    private SendFailures() {
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
