package io.github.hakit.rocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.hakit.core.Failure;
import io.github.hakit.core.FailureClassifier;
import io.github.hakit.core.FailureKind;

import io.github.hakit.rocket.SendFailureKind;
import java.util.List;
import org.apache.rocketmq.client.exception.MQBrokerException;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.remoting.exception.RemotingConnectException;
import org.apache.rocketmq.remoting.exception.RemotingSendRequestException;
import org.apache.rocketmq.remoting.exception.RemotingTimeoutException;
import org.apache.rocketmq.remoting.exception.RemotingTooMuchRequestException;
import org.junit.jupiter.api.Test;

class BrokerFailuresTest {
    private record Case(Throwable thrown, SendFailureKind expected) {
    }

    @Test
    void classifiesWhatTheClientThrows() {
        List<Case> cases = List.of(
                new Case(new RemotingConnectException("127.0.0.1:1"), SendFailureKind.CONNECTION),
                new Case(new RemotingSendRequestException("127.0.0.1:1"), SendFailureKind.CONNECTION_AFTER_SEND),
                new Case(new RemotingTimeoutException("wait"), SendFailureKind.TIMEOUT),
                new Case(new RemotingTooMuchRequestException("sendKernelImpl call timeout"), SendFailureKind.TIMEOUT),
                new Case(new MQBrokerException(2, "[TIMEOUT_CLEAN_QUEUE]broker busy"), SendFailureKind.BROKER_BUSY),
                new Case(new MQBrokerException(1, "[PC_SYNCHRONIZED]broker busy"), SendFailureKind.BROKER_BUSY),
                new Case(new MQBrokerException(1, "store error"), SendFailureKind.BROKER_ERROR),
                new Case(new MQBrokerException(14, "service not available now"), SendFailureKind.BROKER_ERROR),
                new Case(new MQBrokerException(16, "the broker sending message is forbidden"), SendFailureKind.BROKER_ERROR),
                new Case(new MQBrokerException(17, "topic not exist"), SendFailureKind.NO_ROUTE),
                new Case(new MQBrokerException(13, "message body illegal"), SendFailureKind.REJECTED),
                new Case(new MQClientException(10005, "No route info of this topic: t"), SendFailureKind.NO_ROUTE),
                new Case(new MQClientException("The broker[broker-a] not exist", null), SendFailureKind.NO_ROUTE),
                new Case(new MQClientException("send failed", new RemotingConnectException("a")), SendFailureKind.CONNECTION),
                new Case(new MQClientException(13, "the message body size over max value"), SendFailureKind.REJECTED),
                new Case(new MQClientException("The producer service state not OK", null), SendFailureKind.CLIENT_ERROR),
                new Case(new InterruptedException(), SendFailureKind.INTERRUPTED),
                new Case(new IllegalStateException("bug"), SendFailureKind.CLIENT_ERROR));
        for (Case c : cases) {
            assertEquals(c.expected(), BrokerFailures.classify(c.thrown()), c.thrown().toString());
        }
    }

    @Test
    void onlyFailuresThatCannotHaveStoredTheMessageAreSafeWithoutDuplicates() {
        assertEquals(false, SendFailureKind.CONNECTION.mayBeStored());
        assertEquals(false, SendFailureKind.BROKER_BUSY.mayBeStored());
        assertEquals(true, SendFailureKind.TIMEOUT.mayBeStored());
        assertEquals(false, SendFailureKind.REJECTED.retriable());
    }

    @Test
    void coreFailuresSayWhatMovesOnWhatCountsAndWhatMayHaveBeenStored() {
        FailureClassifier c = BrokerFailures.classifier();
        assertEquals(Failure.notSent(FailureKind.ERROR), c.classify(new RemotingConnectException("a")));
        assertEquals(Failure.maybeSent(FailureKind.ERROR), c.classify(new RemotingSendRequestException("a")));
        assertEquals(Failure.maybeSent(FailureKind.TIMEOUT), c.classify(new RemotingTimeoutException("wait")));
        assertEquals(Failure.notSent(FailureKind.OVERLOADED), c.classify(new MQBrokerException(2, "busy")));
        assertEquals(Failure.notSent(FailureKind.UNAVAILABLE), c.classify(new MQBrokerException(14, "not available")));
        assertEquals(Failure.notSent(FailureKind.NO_ROUTE), c.classify(new MQBrokerException(17, "topic not exist")));
        assertEquals(Failure.notSent(FailureKind.REJECTED), c.classify(new MQBrokerException(13, "illegal")));
        // not the broker's fault: rethrown at once, uncounted
        assertNull(c.classify(new InterruptedException()));
        assertNull(c.classify(new IllegalStateException("bug")));
        assertNull(c.classify(new BrokerFailures.DeadlineExceeded("deadline passed")));
    }
}
