package io.github.hakit.rocket.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.junit.jupiter.api.Test;

class NameServerTrafficTest {
    private static final long TIMEOUT = 3_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000);
    private final List<String> outcomes = new ArrayList<>();
    private final NameServerTraffic traffic = new NameServerTraffic(new NameServerTraffic.Sink() {
        @Override
        public void success(String endpointName, long latencyNanos) {
            outcomes.add(endpointName + " ok " + latencyNanos);
        }

        @Override
        public void timeout(String endpointName, long waitedNanos) {
            outcomes.add(endpointName + " timeout " + waitedNanos);
        }
    }, TIMEOUT, now::get);

    private static RemotingCommand request() {
        return RemotingCommand.createRequestCommand(RequestCode.GET_ROUTEINFO_BY_TOPIC, null);
    }

    @Test
    void anAnsweredRequestIsASuccessWithItsLatency() {
        traffic.watch(Map.of("127.0.0.1:9876", "ns1"));
        RemotingCommand r = request();
        traffic.doBeforeRequest("127.0.0.1:9876", r);
        now.addAndGet(2_000_000);
        traffic.doAfterResponse("127.0.0.1:9876", r, RemotingCommand.createResponseCommand(0, null));
        assertEquals(List.of("ns1 ok 2000000"), outcomes);
        assertEquals(0, traffic.pendingRequests());
    }

    @Test
    void aRequestUnansweredForTheTimeoutIsATimeoutOnceAndALateAnswerIsIgnored() {
        traffic.watch(Map.of("127.0.0.1:9876", "ns1"));
        RemotingCommand r = request();
        traffic.doBeforeRequest("127.0.0.1:9876", r);
        now.addAndGet(TIMEOUT - 1);
        assertEquals(0, traffic.sweep());
        now.addAndGet(1);
        assertEquals(1, traffic.sweep());
        assertEquals(0, traffic.sweep());
        traffic.doAfterResponse("127.0.0.1:9876", r, RemotingCommand.createResponseCommand(0, null));
        assertEquals(List.of("ns1 timeout " + TIMEOUT), outcomes);
    }

    @Test
    void brokerTrafficIsNotWatched() {
        traffic.watch(Map.of("127.0.0.1:9876", "ns1"));
        traffic.doBeforeRequest("127.0.0.1:10911", request());
        traffic.doBeforeRequest(null, request());
        traffic.doBeforeRequest("", request());
        assertEquals(0, traffic.pendingRequests());
    }

    @Test
    void aHostNameIsWatchedUnderTheIpTheConnectionReports() {
        traffic.watch(Map.of("localhost:9876", "ns1"));
        RemotingCommand r = request();
        String reported = NameServerTraffic.resolve("localhost:9876");
        traffic.doBeforeRequest(reported, r);
        traffic.doAfterResponse(reported, r, RemotingCommand.createResponseCommand(0, null));
        assertEquals(1, outcomes.size(), reported);
        assertEquals("127.0.0.1:9876", NameServerTraffic.resolve("127.0.0.1:9876"));
        assertEquals("[0:0:0:0:0:0:0:1]:9876", NameServerTraffic.resolve("[::1]:9876"));
    }

    @Test
    void aClosedHookReportsNothing() {
        traffic.watch(Map.of("127.0.0.1:9876", "ns1"));
        traffic.doBeforeRequest("127.0.0.1:9876", request());
        traffic.close();
        now.addAndGet(TIMEOUT);
        assertEquals(0, traffic.sweep());
        traffic.doBeforeRequest("127.0.0.1:9876", request());
        assertEquals(List.of(), outcomes);
        assertEquals(0, traffic.pendingRequests());
    }

    @Test
    void aNonPositiveTimeoutIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new NameServerTraffic(new NameServerTraffic.Sink() {
                    @Override
                    public void success(String endpointName, long latencyNanos) {
                    }

                    @Override
                    public void timeout(String endpointName, long waitedNanos) {
                    }
                }, 0, now::get));
        assertEquals("request timeout must be > 0: 0 ns", e.getMessage());
    }
}
