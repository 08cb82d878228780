package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.AMQP;
import io.github.hakit.core.testing.FakeClock;
import io.github.resilience4j.core.IntervalFunction;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The publisher's timing rules on a {@link FakeClock}, over fake links: no broker, no sleeps. */
class ReliablePublisherTest {
    private static final List<String> NODES = List.of("a:5672", "b:5672", "c:5672");

    private final FakeClock clock = new FakeClock();
    private final FakeOpener opener = new FakeOpener();
    private final Set<String> notTakingTraffic = new HashSet<>();
    private final AtomicReference<Optional<String>> leader = new AtomicReference<>(Optional.empty());
    private final AtomicInteger lookups = new AtomicInteger();
    private ReliablePublisher publisher;

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close(Duration.ZERO);
        }
    }

    private ReliablePublisher start(PublisherConfig.Builder config, boolean leaderAware) {
        publisher = new ReliablePublisher(config.build(), clock, clock, opener,
                IntervalFunction.ofExponentialBackoff(Duration.ofMillis(50), 2.0, Duration.ofSeconds(1)),
                e -> !notTakingTraffic.contains(e), leaderAware ? () -> {
                    lookups.incrementAndGet();
                    return leader.get();
                } : null);
        return publisher;
    }

    private ReliablePublisher start() {
        return start(PublisherConfig.builder(), false);
    }

    private CompletableFuture<PublishResult> publish(String id) {
        return publisher.publish("", "q", new AMQP.BasicProperties.Builder().messageId(id).build(), new byte[] {1});
    }

    private void forwardMillis(long millis) {
        clock.forward(Duration.ofMillis(millis));
    }

    @Test
    void ackCompletesEveryFutureItCoversWithTheNodeAndTheLatencyIsReported() {
        start();
        List<Long> latencies = new ArrayList<>();
        publisher.addConfirmLatencyListener(latencies::add);
        CompletableFuture<PublishResult> one = publish("1");
        CompletableFuture<PublishResult> two = publish("2");
        forwardMillis(30);
        opener.last().events.ack(2, true);
        assertEquals("a:5672", one.join().endpoint());
        assertEquals(1, two.join().sends());
        assertEquals(List.of(30_000_000L, 30_000_000L), latencies);
        assertEquals(0, publisher.stats().inFlight());
    }

    @Test
    void unconfirmedMessageFailsExactlyAtTheConfirmDeadline() {
        start(PublisherConfig.builder().confirmDeadline(Duration.ofSeconds(3)).confirmStall(Duration.ofSeconds(10)),
                false);
        CompletableFuture<PublishResult> f = publish("late");
        forwardMillis(2_949);
        assertFalse(f.isDone(), "not before the deadline");
        forwardMillis(100);
        Throwable e = f.handle((r, t) -> t).join();
        assertInstanceOf(PublishTimeoutException.class, e);
        assertTrue(e.getMessage().contains("not confirmed within PT3S"), e.getMessage());
        assertEquals(0, publisher.stats().inFlight(), "the slot is free again");
    }

    @Test
    void nackedMessagesAreResentOnTheSameNodeWithADoublingBackoffAndNoReconnect() {
        start();
        publish("n");
        FakeLink a = opener.last();
        for (int round = 0; round < 4; round++) {
            a.events.nack(a.sent.size(), false);
            long delay = ReliablePublisher.nackDelayMillis(round + 1);
            forwardMillis(delay - 1);
            assertEquals(round + 1, a.sent.size(), "not re-sent before " + delay + " ms");
            forwardMillis(1);
            assertEquals(round + 2, a.sent.size(), "re-sent after " + delay + " ms");
        }
        assertEquals(List.of(100L, 200L, 400L, 800L, 1000L, 1000L), List.of(ReliablePublisher.nackDelayMillis(1),
                ReliablePublisher.nackDelayMillis(2), ReliablePublisher.nackDelayMillis(3),
                ReliablePublisher.nackDelayMillis(4), ReliablePublisher.nackDelayMillis(5),
                ReliablePublisher.nackDelayMillis(50)));
        assertEquals(1, opener.opened.size(), "no node switch while the queue nacks");
        assertEquals(4, publisher.stats().nacked());
        assertEquals(4, publisher.stats().resent());
        a.events.ack(a.sent.size(), false);
        assertEquals(0, publisher.stats().inFlight());
    }

    @Test
    void nacksForLongerThanTheElectionTimeoutGiveTheNodeUpForAnother() {
        start(PublisherConfig.builder().electionTimeout(Duration.ofSeconds(2)), false);
        CompletableFuture<PublishResult> f = publish("n");
        FakeLink a = opener.last();
        for (long delay : new long[] {100, 200, 400, 800, 1000}) {
            a.events.nack(a.sent.size(), false);
            forwardMillis(delay);
        }
        assertEquals(6, a.sent.size(), "re-sent after each nack");
        assertEquals(1, opener.opened.size(), "still on the first node after 2.5 s of nacks begun 2.5 s ago");
        a.events.nack(a.sent.size(), false);
        clock.runDue();
        assertEquals(2, opener.opened.size(), "given up after the election timeout");
        FakeLink b = opener.last();
        assertEquals("b:5672", b.endpoint);
        assertTrue(opener.avoidedAtOpen.get(1).contains("a:5672"), "the nacking node is tried last");
        assertEquals(1, b.sent.size(), "the message is re-sent on the new node");
        b.events.ack(1, false);
        assertEquals("b:5672", f.join().endpoint());
    }

    @Test
    void lostConnectionResendsUnconfirmedMessagesFirstInOrderOnAnotherNode() {
        start();
        publish("1");
        publish("2");
        publish("3");
        FakeLink a = opener.last();
        a.events.ack(1, false);
        a.events.lost(new IOException("connection reset"), false);
        CompletableFuture<PublishResult> during = publish("4");
        clock.runDue();
        FakeLink b = opener.last();
        assertEquals("b:5672", b.endpoint);
        assertEquals(List.of("2", "3", "4"), b.sent, "re-sent in order, ahead of the newer message");
        assertTrue(opener.avoidedAtOpen.get(1).contains("a:5672"));
        b.events.ack(3, true);
        assertEquals(1, during.join().sends());
        assertEquals(2, publisher.stats().resent());
        assertEquals(1, publisher.stats().recoveries());
    }

    @Test
    void failedReconnectsBackOffWithTheClustersRecoveryBackoff() {
        start();
        publish("1");
        opener.failures.add(new ConnectException("refused b"));
        opener.failures.add(new ConnectException("refused c"));
        opener.last().events.lost(new IOException("gone"), false);
        clock.runDue();
        assertEquals(2, opener.attempts.get(), "first reconnect at once");
        forwardMillis(49);
        assertEquals(2, opener.attempts.get());
        forwardMillis(1);
        assertEquals(3, opener.attempts.get(), "second after 50 ms");
        forwardMillis(99);
        assertEquals(3, opener.attempts.get());
        forwardMillis(1);
        assertEquals(4, opener.attempts.get(), "third after 100 more ms");
        assertEquals(List.of("1"), opener.last().sent);
    }

    @Test
    void nodeLostJustNowIsAvoidedForAvoidFailedNodeThenTriedAgain() {
        start(PublisherConfig.builder().avoidFailedNode(Duration.ofSeconds(5)), false);
        opener.last().events.lost(new IOException("gone"), false);
        clock.runDue();
        assertTrue(opener.avoidedAtOpen.get(1).contains("a:5672"));
        forwardMillis(4_900);
        opener.last().events.lost(new IOException("gone too"), false);
        clock.runDue();
        assertEquals(Set.of("a:5672", "b:5672"), opener.avoidedAtOpen.get(2));
        forwardMillis(200);
        opener.last().events.lost(new IOException("and again"), false);
        clock.runDue();
        assertFalse(opener.avoidedAtOpen.get(3).contains("a:5672"), "a is no longer avoided after 5 s");
    }

    @Test
    void connectionThatConfirmsNothingForConfirmStallIsGivenUp() {
        start(PublisherConfig.builder().confirmStall(Duration.ofSeconds(5)), false);
        publish("1");
        forwardMillis(4_900);
        assertEquals(1, opener.opened.size());
        forwardMillis(200);
        assertEquals(2, opener.opened.size(), "stalled connection given up");
        assertEquals(List.of("1"), opener.last().sent);
    }

    @Test
    void whileAnElectionIsAwaitedSilenceIsToleratedUpToTheElectionTimeout() {
        start(PublisherConfig.builder().leaderOf("q").confirmStall(Duration.ofSeconds(2))
                .electionTimeout(Duration.ofSeconds(8)), true);
        leader.set(Optional.of("a:5672"));
        opener.last().events.lost(new IOException("a died"), false);
        clock.runDue();
        FakeLink b = opener.last();
        publish("1");
        forwardMillis(7_000);
        assertEquals(2, opener.opened.size(), "no switch while the election is awaited (" + b.endpoint + ")");
        forwardMillis(1_200);
        assertEquals(3, opener.opened.size(), "given up after the election timeout");
    }

    @Test
    void afterTheLeadersNodeDiesTheLeaderIsLookedUpEvery100msAndReconnectionGoesStraightToIt() {
        leader.set(Optional.of("a:5672"));
        start(PublisherConfig.builder().leaderOf("q").leaderRefresh(Duration.ofSeconds(5)), true);
        assertEquals(Optional.of("a:5672"), opener.preferredAtOpen.get(0), "placed on the leader");
        publish("1");
        FakeLink a = opener.last();
        int before = lookups.get();
        a.events.lost(new IOException("a killed"), false);
        clock.runDue();
        assertEquals(before + 1, lookups.get(), "looked up at once");
        forwardMillis(300);
        assertEquals(before + 4, lookups.get(), "every 100 ms while the answer names the dead node");
        assertEquals(1, opener.opened.size(), "reconnection waits for the new leader");
        leader.set(Optional.of("c:5672"));
        forwardMillis(100);
        assertEquals(2, opener.opened.size());
        assertEquals("c:5672", opener.last().endpoint, "straight to the new leader");
        assertEquals(Optional.of("c:5672"), opener.preferredAtOpen.get(1));
        assertEquals(List.of("1"), opener.last().sent);
        assertEquals(1, publisher.stats().recoveries(), "one switch");
        opener.last().events.ack(1, false);
        int settled = lookups.get();
        forwardMillis(4_900);
        assertEquals(settled, lookups.get(), "back to the slow refresh once the leader is known");
        forwardMillis(200);
        assertEquals(settled + 1, lookups.get());
        forwardMillis(2_000);
        assertEquals(2, opener.opened.size(), "the held reconnection does not run a second time");
    }

    @Test
    void whenNoNewLeaderIsKnownWithin1sThePublisherReconnectsAnywhereThenMovesToTheLeader() {
        leader.set(Optional.of("a:5672"));
        start(PublisherConfig.builder().leaderOf("q"), true);
        opener.last().events.lost(new IOException("a killed"), false);
        clock.runDue();
        forwardMillis(ReliablePublisher.LEADER_HOLD_MILLIS - 1);
        assertEquals(1, opener.opened.size());
        forwardMillis(1);
        assertEquals(2, opener.opened.size(), "reconnected after the hold");
        assertEquals("b:5672", opener.last().endpoint, "not the node just lost");
        leader.set(Optional.of("c:5672"));
        forwardMillis(100);
        assertEquals(3, opener.opened.size(), "moved once the leader is known");
        assertEquals("c:5672", opener.last().endpoint);
        assertEquals(1, publisher.stats().leaderMoves());
        assertEquals(2, publisher.stats().recoveries());
    }

    @Test
    void losingANodeThatIsNotTheLeadersReconnectsAtOnceToTheLeader() {
        leader.set(Optional.of("a:5672"));
        opener.endpoints.add("b:5672");
        start(PublisherConfig.builder().leaderOf("q"), true);
        assertEquals("b:5672", opener.last().endpoint);
        opener.last().events.lost(new IOException("b killed"), false);
        clock.runDue();
        assertEquals(2, opener.opened.size(), "no hold: the leader is known and alive");
        assertEquals("a:5672", opener.last().endpoint);
    }

    @Test
    void aLeaderOnANodeThatTakesNoTrafficIsNotFollowed() {
        leader.set(Optional.of("a:5672"));
        start(PublisherConfig.builder().leaderOf("q"), true);
        opener.last().events.lost(new IOException("a killed"), false);
        clock.runDue();
        notTakingTraffic.add("c:5672");
        leader.set(Optional.of("c:5672"));
        forwardMillis(1_000);
        assertEquals(2, opener.opened.size(), "c is DOWN: stay on " + opener.last().endpoint);
        notTakingTraffic.clear();
        forwardMillis(100);
        assertEquals(3, opener.opened.size());
        assertEquals("c:5672", opener.last().endpoint);
    }

    @Test
    void electionWaitIsBoundedThenTheSlowRefreshResumes() {
        leader.set(Optional.of("a:5672"));
        start(PublisherConfig.builder().leaderOf("q").electionTimeout(Duration.ofSeconds(1))
                .leaderRefresh(Duration.ofSeconds(5)), true);
        opener.last().events.lost(new IOException("a killed"), false);
        clock.runDue();
        int before = lookups.get();
        forwardMillis(1_000);
        assertEquals(before + 10, lookups.get(), "polled for the election timeout");
        forwardMillis(4_000);
        assertEquals(before + 10, lookups.get(), "then only every leaderRefresh");
    }

    @Test
    void movingToTheLeaderKeepsTheOldConnectionUntilItsConfirmsAreIn() {
        leader.set(Optional.of("b:5672"));
        start(PublisherConfig.builder().leaderOf("q").leaderRefresh(Duration.ofSeconds(1)), true);
        assertEquals("b:5672", opener.last().endpoint);
        publish("1");
        FakeLink b = opener.last();
        leader.set(Optional.of("c:5672"));
        forwardMillis(1_000);
        FakeLink c = opener.last();
        assertEquals("c:5672", c.endpoint);
        publish("2");
        assertEquals(List.of("2"), c.sent, "new messages go to the leader");
        assertFalse(b.closed, "old connection open while a confirm is due");
        b.events.ack(1, false);
        forwardMillis(50);
        assertTrue(b.closed);
        assertEquals(0, publisher.stats().resent());
    }

    @Test
    void messagesNackedOnTheRetiringConnectionAreResentOnTheLeadersConnection() {
        leader.set(Optional.of("b:5672"));
        start(PublisherConfig.builder().leaderOf("q").leaderRefresh(Duration.ofSeconds(1)), true);
        publish("1");
        FakeLink b = opener.last();
        leader.set(Optional.of("c:5672"));
        forwardMillis(1_000);
        FakeLink c = opener.last();
        assertEquals("c:5672", c.endpoint);
        b.events.nack(1, false);
        forwardMillis(ReliablePublisher.nackDelayMillis(1));
        assertEquals(List.of("1"), c.sent, "the nacked message goes out on the live connection");
        publish("2");
        assertEquals(List.of("1", "2"), c.sent, "and new messages are not held behind it");
    }

    @Test
    void windowFullFailsAtOnceInFailMode() {
        start(PublisherConfig.builder().maxInFlight(2).whenFull(PublisherConfig.WhenFull.FAIL, Duration.ofSeconds(1)),
                false);
        publish("1");
        publish("2");
        Throwable e = publish("3").handle((r, t) -> t).join();
        assertInstanceOf(BackPressureException.class, e);
        assertTrue(e.getMessage().contains("2 messages unconfirmed"), e.getMessage());
    }

    @Test
    void returnedMandatoryMessageFailsWithTheReturn() {
        start();
        CompletableFuture<PublishResult> f = publish("r");
        opener.last().events.returned("r", 312, "NO_ROUTE", "", "q");
        opener.last().events.ack(1, false);
        Throwable e = f.handle((r, t) -> t).join();
        assertInstanceOf(MessageReturnedException.class, e);
        assertEquals(0, publisher.stats().confirmed());
    }

    @Test
    void closeFailsWhatIsUnconfirmedAndClosesTheLink() {
        start();
        CompletableFuture<PublishResult> f = publish("x");
        publisher.close(Duration.ZERO);
        assertInstanceOf(PublishException.class, f.handle((r, t) -> t).join());
        assertTrue(opener.last().closed);
        assertInstanceOf(PublishException.class, publish("y").handle((r, t) -> t).join());
        assertEquals(0, clock.pendingTasks(), "no timer left: " + clock.pendingTasks());
    }

    @Test
    void publishesWhileNoNodeIsReachableWaitAndGoOutOnRecovery() {
        start();
        for (int i = 0; i < 5; i++) {
            opener.failures.add(new ConnectException("refused"));
        }
        opener.last().events.lost(new IOException("gone"), false);
        List<CompletableFuture<PublishResult>> waiting = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            waiting.add(publish("w" + i));
        }
        forwardMillis(2_000);
        FakeLink live = opener.last();
        assertEquals(List.of("w0", "w1", "w2"), live.sent);
        live.events.ack(3, true);
        waiting.forEach(w -> assertEquals(1, w.join().sends()));
    }

    // ------------------------------------------------------------------------------------------ fakes

    static final class FakeLink implements PublishLink {
        final String endpoint;
        final PublishLink.Events events;
        final List<String> sent = new ArrayList<>();
        boolean closed;

        FakeLink(String endpoint, PublishLink.Events events) {
            this.endpoint = endpoint;
            this.events = events;
        }

        @Override
        public String endpoint() {
            return endpoint;
        }

        @Override
        public long nextSeqNo() {
            return sent.size() + 1;
        }

        @Override
        public void publish(String exchange, String routingKey, boolean mandatory, AMQP.BasicProperties props,
                byte[] body) {
            sent.add(props.getMessageId());
        }

        @Override
        public void close() {
            closed = true;
        }

        @Override
        public void abort() {
            closed = true;
        }
    }

    /** Opens links on the preferred node if given, else on the first node (in a, b, c order) not avoided. */
    static final class FakeOpener implements PublishLink.Opener {
        final Deque<String> endpoints = new ArrayDeque<>();
        final Deque<IOException> failures = new ArrayDeque<>();
        final List<FakeLink> opened = new ArrayList<>();
        final List<Optional<String>> preferredAtOpen = new ArrayList<>();
        final List<Set<String>> avoidedAtOpen = new ArrayList<>();
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public PublishLink open(Optional<String> preferred, Predicate<String> avoid, PublishLink.Events events)
                throws IOException {
            attempts.incrementAndGet();
            IOException failure = failures.poll();
            if (failure != null) {
                throw failure;
            }
            Set<String> avoided = new HashSet<>();
            NODES.stream().filter(avoid).forEach(avoided::add);
            String endpoint = endpoints.poll();
            if (endpoint == null) {
                endpoint = preferred.orElseGet(() -> NODES.stream().filter(n -> !avoided.contains(n)).findFirst()
                        .orElse(NODES.get(0)));
            }
            preferredAtOpen.add(preferred);
            avoidedAtOpen.add(avoided);
            FakeLink link = new FakeLink(endpoint, events);
            opened.add(link);
            return link;
        }

        FakeLink last() {
            return opened.get(opened.size() - 1);
        }
    }
}
