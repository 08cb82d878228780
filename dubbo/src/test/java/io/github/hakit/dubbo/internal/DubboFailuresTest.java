package io.github.hakit.dubbo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import io.github.hakit.core.Failure;
import io.github.hakit.core.FailureKind;
import org.apache.dubbo.remoting.RemotingException;
import org.apache.dubbo.rpc.RpcException;
import org.junit.jupiter.api.Test;

class DubboFailuresTest {
    private final DubboFailures failures = new DubboFailures();

    private static RpcException rpc(int code, String message, Throwable cause) {
        return new RpcException(code, message, cause);
    }

    @Test
    void providerFaultsAreClassifiedByWhetherTheRequestCouldHaveBeenSent() {
        assertEquals(Failure.maybeSent(FailureKind.TIMEOUT),
                failures.classify(rpc(RpcException.TIMEOUT_EXCEPTION, "Invoke remote method timeout", null)));
        assertEquals(Failure.notSent(FailureKind.ERROR),
                failures.classify(rpc(RpcException.NETWORK_EXCEPTION, "x", new ConnectException("refused"))));
        assertEquals(Failure.notSent(FailureKind.ERROR), failures.classify(rpc(RpcException.NETWORK_EXCEPTION,
                "Failed to invoke remote method: message can not send, because channel is closed", null)));
        assertEquals(Failure.maybeSent(FailureKind.ERROR), failures.classify(rpc(RpcException.NETWORK_EXCEPTION,
                "Failed to invoke remote method", new RemotingException(null, null, "connection reset by peer"))));
        assertEquals(Failure.notSent(FailureKind.ERROR),
                failures.classify(rpc(RpcException.LIMIT_EXCEEDED_EXCEPTION, "executes limit", null)));
        assertEquals(Failure.maybeSent(FailureKind.ERROR),
                failures.classify(rpc(RpcException.UNKNOWN_EXCEPTION, "?", null)));
        assertEquals(Failure.maybeSent(FailureKind.TIMEOUT),
                failures.classify(rpc(RpcException.UNKNOWN_EXCEPTION, "?", new SocketTimeoutException("read timed out"))));
        assertEquals(Failure.maybeSent(FailureKind.ERROR), failures.classify(new IOException("broken pipe")));
    }

    @Test
    void callerAndBusinessErrorsAreNotTheProvidersFaultAndAreNotRetried() {
        assertNull(failures.classify(rpc(RpcException.BIZ_EXCEPTION, "biz", null)));
        assertNull(failures.classify(rpc(RpcException.SERIALIZATION_EXCEPTION, "cannot serialize", null)));
        assertNull(failures.classify(rpc(RpcException.VALIDATION_EXCEPTION, "invalid argument", null)));
        assertNull(failures.classify(rpc(RpcException.AUTHORIZATION_EXCEPTION, "denied", null)));
        assertNull(failures.classify(rpc(RpcException.FORBIDDEN_EXCEPTION, "forbidden", null)));
        assertNull(failures.classify(new IllegalArgumentException("a bug")));
    }
}
