package io.github.hakit.rabbit;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.Return;
import com.rabbitmq.client.ShutdownSignalException;
import io.github.hakit.core.Endpoint;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes with publisher confirms and never loses a message silently: every message gets a future that completes
 * only when the broker confirms it, or fails with a {@link PublishException} that says why (deadline passed, message
 * returned as unroutable, window full, publisher closed).
 *
 * <pre>{@code
 * try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.ofDefaults())) {
 *     CompletableFuture<PublishResult> f = publisher.publish("", "orders", MessageProperties.PERSISTENT_BASIC, body);
 *     f.whenComplete((ok, error) -> ...);   // ok.messageId() is stable across re-publishes
 * }
 * }</pre>
 *
 * <h2>How</h2>
 * <ul>
 *   <li>Each message carries a {@code message-id} (the caller's, or {@code <publisher id>-<n>}), so a consumer can
 *       drop duplicates (see {@link DeduplicatingHandler}).</li>
 *   <li>Each send is tracked by the channel's publish sequence number. A {@code basic.ack} completes the futures
 *       it covers; a {@code basic.nack} puts the messages back in line to be sent again after a short delay, and
 *       after 3 nacks in a row the connection is given up for the next node.</li>
 *   <li>When the connection or channel dies (node killed, network cut), every unconfirmed message goes back in
 *       line, in publish order, ahead of newer ones; the publisher reconnects to the next healthy node (the
 *       {@link RabbitCluster}'s upstream, short backoff) and re-sends them before anything new. Messages published
 *       meanwhile wait in line instead of throwing. A message the dead node had already put in its queue is thus
 *       delivered twice: same id.</li>
 *   <li>At most {@link PublisherConfig#maxInFlight()} messages are unconfirmed (sent or waiting); {@code publish}
 *       then blocks up to {@link PublisherConfig#blockTimeout()} or fails at once ({@link PublisherConfig#whenFull()}),
 *       with {@link BackPressureException}.</li>
 *   <li>A message not confirmed within {@link PublisherConfig#confirmDeadline()} fails with
 *       {@link PublishTimeoutException} naming the last connection error, and is not sent again.</li>
 *   <li>With {@link PublisherConfig#leaderQueue()} the connection is placed on the queue leader's node, and moved
 *       there when the leader moves (checked every {@link PublisherConfig#leaderRefresh()}).</li>
 *   <li>A connection that takes messages but confirms nothing for {@link PublisherConfig#confirmStall()} is
 *       treated as failed: the publisher moves to the next node and re-sends.</li>
 * </ul>
 * Thread-safe. Futures complete on the connection's thread or the cluster's scheduler: do not block in callbacks.
 */
public final class ReliablePublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReliablePublisher.class);
    private static final long SWEEP_MILLIS = 50;
    /** Nacks in a row (no ack between) after which the connection is given up for the next node. */
    private static final int NACKS_BEFORE_RECONNECT = 3;
    /** Delay before re-sending nacked messages, times the number of nacks in a row. */
    private static final long NACK_RESEND_MILLIS = 100;

    private final RabbitCluster cluster;
    private final PublisherConfig config;
    private final String idPrefix = UUID.randomUUID().toString();
    private final AtomicLong ids = new AtomicLong();
    private final Semaphore window;
    private final ReentrantLock lock = new ReentrantLock();
    /** Messages waiting to be (re)sent, oldest first. Guarded by {@link #lock}. */
    private final Deque<Pending> backlog = new ArrayDeque<>();
    /** Every live message in publish order, for the deadline sweep. */
    private final ConcurrentLinkedQueue<Pending> byDeadline = new ConcurrentLinkedQueue<>();
    private final Map<String, Return> returned = new ConcurrentHashMap<>();
    private final AtomicBoolean recovering = new AtomicBoolean();
    private final Supplier<Optional<String>> preferredEndpoint;
    private final ScheduledFuture<?> sweeper;
    private volatile Incarnation current;
    /** The previous connection after a move to the queue leader, until its last confirms arrive. */
    private volatile Incarnation retiring;
    private volatile long nextLeaderCheckNanos;
    private volatile boolean closed;
    private volatile Throwable lastError;
    private volatile long downSinceNanos;

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong confirmed = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong nacked = new AtomicLong();
    private final AtomicLong recoveries = new AtomicLong();

    ReliablePublisher(RabbitCluster cluster, PublisherConfig config) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
        this.config = Objects.requireNonNull(config, "config");
        this.window = new Semaphore(config.maxInFlight());
        this.preferredEndpoint = config.leaderQueue().isPresent() && cluster.management().isPresent()
                ? new LeaderLocator(cluster, config.leaderQueue().get(), config.leaderRefresh())
                : Optional::empty;
        this.downSinceNanos = System.nanoTime();
        this.sweeper = cluster.scheduler().scheduleWithFixedDelay(this::sweepDeadlines, SWEEP_MILLIS, SWEEP_MILLIS,
                TimeUnit.MILLISECONDS);
        recovering.set(true);
        recover(1);
    }

    /**
     * Publishes {@code body}; the future completes when the broker confirms it.
     *
     * @param props message properties; a missing {@code message-id} is filled in
     * @return a future that completes with the confirm, or fails with a {@link PublishException}
     */
    public CompletableFuture<PublishResult> publish(String exchange, String routingKey, AMQP.BasicProperties props,
            byte[] body) {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
        Objects.requireNonNull(body, "body");
        AMQP.BasicProperties p = props == null ? new AMQP.BasicProperties() : props;
        if (p.getMessageId() == null) {
            p = p.builder().messageId(idPrefix + "-" + ids.incrementAndGet()).build();
        }
        String id = p.getMessageId();
        if (closed) {
            return CompletableFuture.failedFuture(new PublishException(id, "publisher closed", null));
        }
        if (!acquireSlot()) {
            return CompletableFuture.failedFuture(new BackPressureException(id, "publisher window full: "
                    + config.maxInFlight() + " messages unconfirmed"
                    + (config.whenFull() == PublisherConfig.WhenFull.BLOCK ? " for " + config.blockTimeout() : "")
                    + (current == null ? "; no connection since " + downFor() + ", last error: " + lastError : "")));
        }
        Pending pending = new Pending(exchange, routingKey, p, body,
                System.nanoTime() + config.confirmDeadline().toNanos());
        published.incrementAndGet();
        byDeadline.add(pending);
        lock.lock();
        try {
            Incarnation inc = current;
            if (inc == null || inc.dead || !backlog.isEmpty()) {
                backlog.addLast(pending);
            } else {
                send(inc, pending);
            }
        } finally {
            lock.unlock();
        }
        return pending.future;
    }

    private boolean acquireSlot() {
        if (config.whenFull() == PublisherConfig.WhenFull.FAIL) {
            return window.tryAcquire();
        }
        try {
            return window.tryAcquire(config.blockTimeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Sends one message on {@code inc}; on failure it goes back in line and recovery starts. Holds the lock. */
    private void send(Incarnation inc, Pending p) {
        if (p.future.isDone()) {
            return;
        }
        if (inc.dead) {
            backlog.addLast(p);
            return;
        }
        long seq = inc.channel.getNextPublishSeqNo();
        if (inc.unconfirmed.isEmpty()) {
            inc.progressNanos = System.nanoTime();
        }
        inc.unconfirmed.put(seq, p);
        p.sends++;
        if (p.sends > 1) {
            resent.incrementAndGet();
        }
        try {
            inc.channel.basicPublish(p.exchange, p.routingKey, config.mandatory(), p.props, p.body);
        } catch (IOException | RuntimeException e) {
            log.debug("send of {} on {} failed: {}", p.props.getMessageId(), inc.endpoint, e.toString());
            incarnationDied(inc, e);
        }
    }

    // ------------------------------------------------------------------------------------------ confirms

    private void onAck(Incarnation inc, long seq, boolean multiple) {
        inc.progressNanos = System.nanoTime();
        inc.nacksInARow = 0;
        for (Pending p : take(inc, seq, multiple)) {
            Return r = returned.remove(p.props.getMessageId());
            if (r != null) {
                finish(p, null, new MessageReturnedException(p.props.getMessageId(), r.getReplyCode(),
                        r.getReplyText(), r.getExchange(), r.getRoutingKey()));
            } else {
                if (finish(p, new PublishResult(p.props.getMessageId(), p.sends, inc.endpoint), null)) {
                    confirmed.incrementAndGet();
                }
            }
        }
    }

    private void onNack(Incarnation inc, long seq, boolean multiple) {
        inc.progressNanos = System.nanoTime();
        List<Pending> again = take(inc, seq, multiple);
        nacked.addAndGet(again.size());
        int inARow = ++inc.nacksInARow;
        lock.lock();
        try {
            for (int i = again.size() - 1; i >= 0; i--) {
                backlog.addFirst(again.get(i));
            }
        } finally {
            lock.unlock();
        }
        if (inARow >= NACKS_BEFORE_RECONNECT) {
            // seen while a quorum queue elects a new leader: this channel keeps rejecting; a new connection
            // (on the next node) starts afresh
            incarnationDied(inc, new IOException("broker nacked " + inARow + " times in a row on " + inc.endpoint
                    + "; reconnecting"));
            return;
        }
        log.warn("broker nacked {} message(s) on {}; sending them again in {} ms", again.size(), inc.endpoint,
                NACK_RESEND_MILLIS * inARow);
        cluster.scheduler().schedule(() -> {
            lock.lock();
            try {
                if (current == inc && !inc.dead) {
                    drain(inc);
                }
            } finally {
                lock.unlock();
            }
        }, NACK_RESEND_MILLIS * inARow, TimeUnit.MILLISECONDS);
    }

    private static List<Pending> take(Incarnation inc, long seq, boolean multiple) {
        List<Pending> out = new ArrayList<>();
        if (multiple) {
            ConcurrentNavigableMap<Long, Pending> head = inc.unconfirmed.headMap(seq, true);
            for (Map.Entry<Long, Pending> e : head.entrySet()) {
                if (inc.unconfirmed.remove(e.getKey(), e.getValue())) {
                    out.add(e.getValue());
                }
            }
        } else {
            Pending p = inc.unconfirmed.remove(seq);
            if (p != null) {
                out.add(p);
            }
        }
        return out;
    }

    private boolean finish(Pending p, PublishResult result, Throwable error) {
        boolean done = error == null ? p.future.complete(result) : p.future.completeExceptionally(error);
        if (done) {
            window.release();
        }
        return done;
    }

    // ------------------------------------------------------------------------------------------ failover

    private void incarnationDied(Incarnation inc, Throwable cause) {
        lock.lock();
        try {
            if (inc.dead) {
                return;
            }
            inc.dead = true;
            lastError = cause;
            if (current == inc) {
                current = null;
                downSinceNanos = System.nanoTime();
            }
            List<Pending> lost = new ArrayList<>(inc.unconfirmed.values());
            inc.unconfirmed.clear();
            for (int i = lost.size() - 1; i >= 0; i--) {
                if (!lost.get(i).future.isDone()) {
                    backlog.addFirst(lost.get(i));
                }
            }
            if (!closed) {
                log.warn("publisher connection to {} lost ({}); {} unconfirmed message(s) will be sent again",
                        inc.endpoint, cause == null ? "closed" : cause.getMessage(), lost.size());
            }
        } finally {
            lock.unlock();
        }
        try {
            inc.connection.abort(1000);
        } catch (RuntimeException e) {
            log.debug("abort failed", e);
        }
        if (closed) {
            return;
        }
        Incarnation live = current;
        if (live == null || live.dead) {
            if (recovering.compareAndSet(false, true)) {
                cluster.scheduler().execute(() -> recover(1));
            }
        } else {
            lock.lock();
            try {
                drain(live);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Connects to the next healthy node and re-sends the backlog; reschedules itself with backoff on failure. */
    private void recover(int attempt) {
        if (closed) {
            recovering.set(false);
            return;
        }
        Connection connection = null;
        try {
            connection = cluster.newPlainConnection(config.connectionName(), preferredEndpoint);
            Channel channel = connection.createChannel();
            channel.confirmSelect();
            String endpoint = cluster.endpointOf(connection).map(Endpoint::name)
                    .orElse(connection.getAddress().getHostAddress() + ":" + connection.getPort());
            Incarnation inc = new Incarnation(connection, channel, endpoint);
            channel.addConfirmListener(new ConfirmListener() {
                @Override
                public void handleAck(long seq, boolean multiple) {
                    onAck(inc, seq, multiple);
                }

                @Override
                public void handleNack(long seq, boolean multiple) {
                    onNack(inc, seq, multiple);
                }
            });
            channel.addReturnListener(r -> returned.put(String.valueOf(r.getProperties().getMessageId()), r));
            channel.addShutdownListener(cause -> onShutdown(inc, cause));
            connection.addShutdownListener(cause -> onShutdown(inc, cause));
            int count;
            lock.lock();
            try {
                count = backlog.size();
                current = inc;
                recovering.set(false);
                drain(inc);
            } finally {
                lock.unlock();
            }
            long downMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSinceNanos);
            if (recoveries.getAndIncrement() == 0) {
                log.info("publisher connected to {}", endpoint);
            } else {
                log.info("publisher recovered on {} after {} ms ({} attempt(s)); re-sending {} message(s)", endpoint,
                        downMillis, attempt, count);
            }
        } catch (IOException | java.util.concurrent.TimeoutException | RuntimeException e) {
            lastError = e;
            if (connection != null) {
                connection.abort(1000);
            }
            long delay = cluster.settings().recoveryBackoff.apply(attempt);
            log.debug("publisher recovery attempt {} failed ({}); next in {} ms", attempt, e.toString(), delay);
            if (!closed) {
                cluster.scheduler().schedule(() -> recover(attempt + 1), delay, TimeUnit.MILLISECONDS);
            } else {
                recovering.set(false);
            }
        }
    }

    private void onShutdown(Incarnation inc, ShutdownSignalException cause) {
        if (cause.isInitiatedByApplication() && (closed || inc.dead)) {
            return;
        }
        incarnationDied(inc, cause);
    }

    /** Sends the backlog, oldest first. Holds the lock. */
    private void drain(Incarnation inc) {
        while (!backlog.isEmpty() && !inc.dead) {
            send(inc, backlog.pollFirst());
        }
    }

    // ------------------------------------------------------------------------------------------ deadlines

    private void sweepDeadlines() {
        long now = System.nanoTime();
        Incarnation live = current;
        if (live != null && !live.dead && !live.unconfirmed.isEmpty()
                && now - live.progressNanos > config.confirmStall().toNanos()) {
            // a node that takes publishes but stops confirming (seen right after a whole-cluster restart, while a
            // quorum queue has no leader yet): give up on this connection, re-send on the next node
            incarnationDied(live, new IOException("no confirm from " + live.endpoint + " for "
                    + config.confirmStall().toMillis() + " ms with " + live.unconfirmed.size()
                    + " message(s) unconfirmed; reconnecting"));
        }
        checkLeader(live, now);
        Pending head;
        while ((head = byDeadline.peek()) != null) {
            if (head.future.isDone()) {
                byDeadline.poll();
            } else if (now - head.deadlineNanos >= 0) {
                byDeadline.poll();
                Incarnation inc = current;
                String state = inc == null ? "no connection for " + downFor() : "connected to " + inc.endpoint;
                finish(head, null, new PublishTimeoutException(head.props.getMessageId(),
                        "message " + head.props.getMessageId() + " not confirmed within " + config.confirmDeadline()
                                + " (sent " + head.sends + " time(s); " + state + "; last error: " + lastError + ")",
                        lastError));
            } else {
                break;
            }
        }
    }

    /**
     * Leader-aware placement: when the queue's leader is a healthy node other than the one in use, new messages
     * go to a connection on the leader; the old connection is closed once its confirms are in (or re-sent after
     * {@link PublisherConfig#confirmStall()}).
     */
    private void checkLeader(Incarnation live, long now) {
        Incarnation old = retiring;
        if (old != null && (old.unconfirmed.isEmpty() || now - old.progressNanos > config.confirmStall().toNanos())) {
            retiring = null;
            if (old.unconfirmed.isEmpty()) {
                lock.lock();
                try {
                    old.dead = true;
                } finally {
                    lock.unlock();
                }
                closeQuietly(old);
            } else {
                incarnationDied(old, new IOException("no confirm from " + old.endpoint + " after moving to the "
                        + "queue leader; re-sending " + old.unconfirmed.size() + " message(s)"));
            }
        }
        if (live == null || live.dead || now - nextLeaderCheckNanos < 0 || retiring != null) {
            return;
        }
        nextLeaderCheckNanos = now + config.leaderRefresh().toNanos();
        Optional<String> leader = preferredEndpoint.get();
        if (leader.isEmpty() || leader.get().equals(live.endpoint) || !healthy(leader.get())) {
            return;
        }
        lock.lock();
        try {
            if (current != live || live.dead) {
                return;
            }
            current = null;
            downSinceNanos = now;
            retiring = live;
        } finally {
            lock.unlock();
        }
        log.info("queue leader is on {}; moving the publisher there from {}", leader.get(), live.endpoint);
        if (recovering.compareAndSet(false, true)) {
            cluster.scheduler().execute(() -> recover(1));
        }
    }

    private boolean healthy(String endpointName) {
        for (io.github.hakit.core.EndpointStatus s : cluster.upstream().status().endpoints()) {
            if (s.name().equals(endpointName)) {
                return s.state().takesTraffic();
            }
        }
        return false;
    }

    private static void closeQuietly(Incarnation inc) {
        try {
            inc.connection.close(1000);
        } catch (IOException | RuntimeException e) {
            log.debug("close of {} failed: {}", inc.endpoint, e.toString());
        }
    }

    private String downFor() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - downSinceNanos) + " ms";
    }

    // ------------------------------------------------------------------------------------------ state

    /** The endpoint name of the node the publisher is connected to, if connected. */
    public Optional<String> currentEndpoint() {
        Incarnation inc = current;
        return inc == null || inc.dead ? Optional.empty() : Optional.of(inc.endpoint);
    }

    /** Counters since creation. */
    public Stats stats() {
        return new Stats(published.get(), confirmed.get(), resent.get(), nacked.get(),
                Math.max(0, recoveries.get() - 1), config.maxInFlight() - window.availablePermits());
    }

    /**
     * Publisher counters.
     *
     * @param published  messages accepted by {@code publish}
     * @param confirmed  messages confirmed by the broker
     * @param resent     sends beyond the first (re-publishes after failover or nack)
     * @param nacked     messages the broker nacked
     * @param recoveries reconnections after the first connection
     * @param inFlight   messages unconfirmed right now
     */
    public record Stats(long published, long confirmed, long resent, long nacked, long recoveries, long inFlight) {
    }

    /**
     * Waits up to {@code grace} for unconfirmed messages, then closes the connection and fails what is left with
     * a {@link PublishException}.
     */
    public void close(Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        while (window.availablePermits() < config.maxInFlight() && System.nanoTime() - deadline < 0) {
            if (byDeadline.isEmpty()) {
                break;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        closed = true;
        sweeper.cancel(false);
        Incarnation old = retiring;
        if (old != null) {
            closeQuietly(old);
        }
        Incarnation inc = current;
        if (inc != null) {
            try {
                inc.connection.close(1000);
            } catch (IOException | RuntimeException e) {
                log.debug("close failed", e);
            }
        }
        Pending p;
        while ((p = byDeadline.poll()) != null) {
            finish(p, null, new PublishException(p.props.getMessageId(), "publisher closed before the broker "
                    + "confirmed message " + p.props.getMessageId(), lastError));
        }
        if (preferredEndpoint instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                log.debug("close failed", e);
            }
        }
    }

    /** {@link #close(Duration)} with 10 s of grace. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    private static final class Pending {
        final String exchange;
        final String routingKey;
        final AMQP.BasicProperties props;
        final byte[] body;
        final long deadlineNanos;
        final CompletableFuture<PublishResult> future = new CompletableFuture<>();
        volatile int sends;

        Pending(String exchange, String routingKey, AMQP.BasicProperties props, byte[] body, long deadlineNanos) {
            this.exchange = exchange;
            this.routingKey = routingKey;
            this.props = props;
            this.body = body;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private static final class Incarnation {
        final Connection connection;
        final Channel channel;
        final String endpoint;
        final ConcurrentNavigableMap<Long, Pending> unconfirmed = new ConcurrentSkipListMap<>();
        volatile boolean dead;
        /** Nacks since the last ack; written on the connection's thread only. */
        volatile int nacksInARow;
        /** Last ack or nack, or the send that made {@link #unconfirmed} non-empty. */
        volatile long progressNanos = System.nanoTime();

        Incarnation(Connection connection, Channel channel, String endpoint) {
            this.connection = connection;
            this.channel = channel;
            this.endpoint = endpoint;
        }
    }
}
