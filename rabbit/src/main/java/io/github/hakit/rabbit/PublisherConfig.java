package io.github.hakit.rabbit;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Settings of a {@link ReliablePublisher}.
 *
 * <pre>{@code
 * PublisherConfig config = PublisherConfig.builder()
 *     .maxInFlight(5_000)                          // unconfirmed messages held in memory at most
 *     .whenFull(PublisherConfig.WhenFull.BLOCK, Duration.ofSeconds(5))
 *     .confirmDeadline(Duration.ofSeconds(30))     // a future fails if not confirmed by then
 *     .leaderOf("orders")                          // place the connection on that quorum queue's leader
 *     .build();
 * }</pre>
 *
 * @param maxInFlight     messages published (or waiting to be re-published) and not yet confirmed, at most
 *                        (default 10,000)
 * @param whenFull        what {@code publish} does when the window is full (default {@link WhenFull#BLOCK})
 * @param blockTimeout    how long {@code publish} blocks for a free slot before it fails (default 10 s)
 * @param confirmDeadline time from {@code publish} to the broker's confirm after which the message's future fails
 *                        with {@link PublishTimeoutException} (default 30 s)
 * @param mandatory       publish with the {@code mandatory} flag: an unroutable message fails its future with
 *                        {@link MessageReturnedException} (default true)
 * @param connectionName  client-provided connection name shown in the management UI (default
 *                        {@code hakit-publisher})
 * @param leaderQueue     quorum queue whose leader node the connection should be placed on, if any (needs the
 *                        management API)
 * @param leaderRefresh   how often the leader is looked up again (default 5 s)
 * @param confirmStall    a connection with unconfirmed messages and no confirm for this long is given up and the
 *                        messages re-sent on the next node (default 5 s; while a queue leader election is awaited,
 *                        {@code electionTimeout} instead)
 * @param electionTimeout how long the publisher waits for a quorum queue to elect a leader before it blames the
 *                        node: nacks (or silence) after a node loss are the queue's state, so the publisher stays
 *                        on its node and re-sends nacked messages with a backoff (100 ms doubling to 1 s) for up
 *                        to this long, and looks the leader up every 100 ms meanwhile (default 10 s)
 * @param avoidFailedNode a node whose connection was just lost (or gave up) is tried last for this long, and never
 *                        taken as the queue leader's node meanwhile (default 5 s)
 */
public record PublisherConfig(int maxInFlight, WhenFull whenFull, Duration blockTimeout, Duration confirmDeadline,
        boolean mandatory, String connectionName, Optional<String> leaderQueue, Duration leaderRefresh,
        Duration confirmStall, Duration electionTimeout, Duration avoidFailedNode) {

    /** What {@code publish} does when {@code maxInFlight} messages are unconfirmed. */
    public enum WhenFull {
        /** Wait up to {@code blockTimeout} for a slot, then fail the future with {@link BackPressureException}. */
        BLOCK,
        /** Fail the future with {@link BackPressureException} at once. */
        FAIL
    }

    public PublisherConfig {
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight < 1: " + maxInFlight);
        }
        Objects.requireNonNull(whenFull, "whenFull");
        positive(blockTimeout, "blockTimeout");
        positive(confirmDeadline, "confirmDeadline");
        Objects.requireNonNull(connectionName, "connectionName");
        Objects.requireNonNull(leaderQueue, "leaderQueue");
        positive(leaderRefresh, "leaderRefresh");
        positive(confirmStall, "confirmStall");
        positive(electionTimeout, "electionTimeout");
        positive(avoidFailedNode, "avoidFailedNode");
    }

    private static void positive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(what + " <= 0: " + d);
        }
    }

    /** All defaults. */
    public static PublisherConfig ofDefaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxInFlight = maxInFlight;
        b.whenFull = whenFull;
        b.blockTimeout = blockTimeout;
        b.confirmDeadline = confirmDeadline;
        b.mandatory = mandatory;
        b.connectionName = connectionName;
        b.leaderQueue = leaderQueue;
        b.leaderRefresh = leaderRefresh;
        b.confirmStall = confirmStall;
        b.electionTimeout = electionTimeout;
        b.avoidFailedNode = avoidFailedNode;
        return b;
    }

    /** Builder with the defaults above. */
    public static final class Builder {
        private int maxInFlight = 10_000;
        private WhenFull whenFull = WhenFull.BLOCK;
        private Duration blockTimeout = Duration.ofSeconds(10);
        private Duration confirmDeadline = Duration.ofSeconds(30);
        private boolean mandatory = true;
        private String connectionName = "hakit-publisher";
        private Optional<String> leaderQueue = Optional.empty();
        private Duration leaderRefresh = Duration.ofSeconds(5);
        private Duration confirmStall = Duration.ofSeconds(5);
        private Duration electionTimeout = Duration.ofSeconds(10);
        private Duration avoidFailedNode = Duration.ofSeconds(5);

        private Builder() {
        }

        public Builder maxInFlight(int max) {
            this.maxInFlight = max;
            return this;
        }

        public Builder whenFull(WhenFull mode, Duration timeout) {
            this.whenFull = mode;
            this.blockTimeout = timeout;
            return this;
        }

        public Builder confirmDeadline(Duration deadline) {
            this.confirmDeadline = deadline;
            return this;
        }

        public Builder mandatory(boolean mandatory) {
            this.mandatory = mandatory;
            return this;
        }

        public Builder connectionName(String name) {
            this.connectionName = name;
            return this;
        }

        /** Place the connection on the leader of this quorum queue (management API required). */
        public Builder leaderOf(String queue) {
            this.leaderQueue = Optional.of(Objects.requireNonNull(queue, "queue"));
            return this;
        }

        public Builder leaderRefresh(Duration interval) {
            this.leaderRefresh = interval;
            return this;
        }

        /** Give up a connection that confirms nothing for this long (default 5 s). */
        public Builder confirmStall(Duration stall) {
            this.confirmStall = stall;
            return this;
        }

        /** Wait this long for a quorum queue leader election before blaming the node (default 10 s). */
        public Builder electionTimeout(Duration timeout) {
            this.electionTimeout = timeout;
            return this;
        }

        /** Try a node whose connection was just lost last, for this long (default 5 s). */
        public Builder avoidFailedNode(Duration duration) {
            this.avoidFailedNode = duration;
            return this;
        }

        public PublisherConfig build() {
            return new PublisherConfig(maxInFlight, whenFull, blockTimeout, confirmDeadline, mandatory,
                    connectionName, leaderQueue, leaderRefresh, confirmStall, electionTimeout, avoidFailedNode);
        }
    }
}
