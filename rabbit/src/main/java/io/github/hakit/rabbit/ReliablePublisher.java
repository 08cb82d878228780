package io.github.hakit.rabbit;

import com.rabbitmq.client.AMQP;
import io.github.hakit.core.Secrets;
import io.github.hakit.core.Ticker;
import io.github.resilience4j.core.IntervalFunction;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;
import java.util.function.Predicate;
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
 *       it covers; a {@code basic.nack} puts the messages back in line, to be sent again on the <em>same</em>
 *       node after 100 ms doubling to 1 s: a quorum queue nacks while it has no leader, which is the queue's state,
 *       not the node's. Only when nacks go on for {@link PublisherConfig#electionTimeout()} is the node given up.</li>
 *   <li>When the connection or channel dies (node killed, network cut), every unconfirmed message goes back in
 *       line, in publish order, ahead of newer ones; the publisher reconnects at once (having lost the queue
 *       leader's node: as soon as the new leader is known, at most 1 s later) to a healthy node other than the one
 *       just lost (that one is tried last for {@link PublisherConfig#avoidFailedNode()}), with the cluster's
 *       recovery backoff between failed attempts, and re-sends them before anything new. Messages published
 *       meanwhile wait in line instead of throwing. A message the dead node had already put in its queue is thus
 *       delivered twice: same id.</li>
 *   <li>At most {@link PublisherConfig#maxInFlight()} messages are unconfirmed (sent or waiting); {@code publish}
 *       then blocks up to {@link PublisherConfig#blockTimeout()} or fails at once ({@link PublisherConfig#whenFull()}),
 *       with {@link BackPressureException}.</li>
 *   <li>A message not confirmed within {@link PublisherConfig#confirmDeadline()} fails with
 *       {@link PublishTimeoutException} naming the last connection error, and is not sent again.</li>
 *   <li>With {@link PublisherConfig#leaderQueue()} the connection is placed on the queue leader's node, looked up
 *       every {@link PublisherConfig#leaderRefresh()} and, after a lost connection or a nack, every 100 ms until a
 *       leader other than the lost node is known (at most {@link PublisherConfig#electionTimeout()}); the publisher
 *       then moves there if that node takes traffic (the old connection closes once its confirms are in).</li>
 *   <li>A connection that takes messages but confirms nothing for {@link PublisherConfig#confirmStall()} (while an
 *       election is awaited: {@link PublisherConfig#electionTimeout()}) is treated as failed.</li>
 * </ul>
 * Time comes from the cluster's {@link Ticker}, timers run on its scheduler ({@link RabbitCluster.Builder#ticker},
 * {@link RabbitCluster.Builder#scheduler}). Thread-safe. Futures complete on the connection's thread or the
 * scheduler: do not block in callbacks.
 */
public final class ReliablePublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReliablePublisher.class);
    static final long SWEEP_MILLIS = 50;
    /** First delay before re-sending nacked messages; doubles per nack in a row up to {@link #NACK_MAX_MILLIS}. */
    static final long NACK_RESEND_MILLIS = 100;
    static final long NACK_MAX_MILLIS = 1000;
    /** Leader look-up interval while an election is awaited. */
    static final long ELECTION_POLL_MILLIS = 100;
    /**
     * After losing the leader's node, how long reconnecting waits for the new leader to be known (then it goes to
     * any healthy node, and moves once the leader is known): one node switch instead of two, and no messages sent to
     * a follower that nacks them while the queue has no leader.
     */
    static final long LEADER_HOLD_MILLIS = 1000;

    /** Where the queue leader is, by endpoint name; empty while unknown. */
    interface LeaderLookup {
        Optional<String> leaderEndpoint() throws IOException;
    }

    private final PublisherConfig config;
    private final Ticker ticker;
    private final ScheduledExecutorService scheduler;
    private final PublishLink.Opener opener;
    private final IntervalFunction recoveryBackoff;
    private final Predicate<String> takesTraffic;
    private final LeaderLookup leaderLookup;
    private final String idPrefix = UUID.randomUUID().toString();
    private final AtomicLong ids = new AtomicLong();
    private final Semaphore window;
    private final ReentrantLock lock = new ReentrantLock();
    /** Messages waiting to be (re)sent, oldest first. Guarded by {@link #lock}. */
    private final Deque<Pending> backlog = new ArrayDeque<>();
    /** Every live message in publish order, for the deadline sweep. */
    private final ConcurrentLinkedQueue<Pending> byDeadline = new ConcurrentLinkedQueue<>();
    private final Map<String, MessageReturnedException> returned = new ConcurrentHashMap<>();
    /** Endpoint name to the time its connection was lost. */
    private final Map<String, Long> failedAt = new ConcurrentHashMap<>();
    private final AtomicBoolean recovering = new AtomicBoolean();
    /** While reconnecting waits for the leader: the token whose first taker runs the recovery. */
    private final AtomicReference<AtomicBoolean> heldRecovery = new AtomicReference<>();
    private final List<LongConsumer> confirmLatencyListeners = new CopyOnWriteArrayList<>();
    private final Object leaderLock = new Object();
    private volatile Incarnation current;
    /** The previous connection after a move to the queue leader, until its last confirms arrive. */
    private volatile Incarnation retiring;
    private volatile boolean closed;
    private volatile Throwable lastError;
    private volatile long downSinceNanos;
    private volatile ScheduledFuture<?> sweepTask;

    // leader state, guarded by leaderLock
    private Optional<String> leader = Optional.empty();
    /** While non-zero: an election is awaited until this time; a lookup naming {@link #staleLeader} is ignored. */
    private long electionUntilNanos;
    private String staleLeader;
    private ScheduledFuture<?> leaderTask;
    private long leaderTaskDueNanos;

    private final AtomicLong published = new AtomicLong();
    private final AtomicLong confirmed = new AtomicLong();
    private final AtomicLong resent = new AtomicLong();
    private final AtomicLong nacked = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong leaderMoves = new AtomicLong();

    ReliablePublisher(RabbitCluster cluster, PublisherConfig config) {
        this(config, cluster.ticker(), cluster.scheduler(), AmqpPublishLink.opener(cluster, config.connectionName()),
                cluster.settings().recoveryBackoff, cluster::takesTraffic,
                config.leaderQueue().isPresent() && cluster.management().isPresent()
                        ? new LeaderLocator(cluster, config.leaderQueue().get()) : null);
    }

    /** The publisher's rules over any link, clock and scheduler (unit tests use a fake of each). */
    ReliablePublisher(PublisherConfig config, Ticker ticker, ScheduledExecutorService scheduler,
            PublishLink.Opener opener, IntervalFunction recoveryBackoff, Predicate<String> takesTraffic,
            LeaderLookup leaderLookup) {
        this.config = Objects.requireNonNull(config, "config");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.opener = Objects.requireNonNull(opener, "opener");
        this.recoveryBackoff = Objects.requireNonNull(recoveryBackoff, "recoveryBackoff");
        this.takesTraffic = Objects.requireNonNull(takesTraffic, "takesTraffic");
        this.leaderLookup = leaderLookup;
        this.window = new Semaphore(config.maxInFlight());
        this.downSinceNanos = ticker.read();
        if (leaderLookup != null) {
            lookUpLeader();
        }
        this.sweepTask = scheduler.schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
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
                    + (current == null ? "; no connection since " + downFor() + ", last error: " + lastErrorText()
                            : "")));
        }
        long now = ticker.read();
        Pending pending = new Pending(exchange, routingKey, p, body, now, now + config.confirmDeadline().toNanos());
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
        long seq = inc.link.nextSeqNo();
        if (inc.unconfirmed.isEmpty()) {
            inc.progressNanos = ticker.read();
        }
        inc.unconfirmed.put(seq, p);
        p.sends++;
        if (p.sends > 1) {
            resent.incrementAndGet();
        }
        try {
            inc.link.publish(p.exchange, p.routingKey, config.mandatory(), p.props, p.body);
        } catch (IOException | RuntimeException e) {
            log.debug("send of {} on {} failed: {}", p.props.getMessageId(), inc.endpoint, e.toString());
            // on the scheduler: the caller holds the lock, and the loss handling re-sends on another link
            execute(() -> incarnationDied(inc, e, true));
        }
    }

    // ------------------------------------------------------------------------------------------ confirms

    private void onAck(Incarnation inc, long seq, boolean multiple) {
        long now = ticker.read();
        inc.progressNanos = now;
        inc.nacksInARow = 0;
        inc.nackSinceNanos = 0;
        for (Pending p : take(inc, seq, multiple)) {
            MessageReturnedException r = returned.remove(p.props.getMessageId());
            if (r != null) {
                finish(p, null, r);
            } else if (finish(p, new PublishResult(p.props.getMessageId(), p.sends, inc.endpoint), null)) {
                confirmed.incrementAndGet();
                long latency = now - p.publishedNanos;
                for (LongConsumer l : confirmLatencyListeners) {
                    try {
                        l.accept(latency);
                    } catch (RuntimeException e) {
                        log.warn("confirm latency listener failed", e);
                    }
                }
            }
        }
    }

    /**
     * A nack: the messages go back in line and are sent again on the same node after a backoff, while the queue
     * elects a leader; only nacks for longer than {@link PublisherConfig#electionTimeout()} give the node up.
     */
    private void onNack(Incarnation inc, long seq, boolean multiple) {
        long now = ticker.read();
        inc.progressNanos = now;
        List<Pending> again = take(inc, seq, multiple);
        nacked.addAndGet(again.size());
        int inARow = ++inc.nacksInARow;
        if (inc.nackSinceNanos == 0) {
            inc.nackSinceNanos = now;
        }
        lock.lock();
        try {
            for (int i = again.size() - 1; i >= 0; i--) {
                backlog.addFirst(again.get(i));
            }
        } finally {
            lock.unlock();
        }
        long nackingFor = now - inc.nackSinceNanos;
        if (nackingFor >= config.electionTimeout().toNanos()) {
            execute(() -> incarnationDied(inc, new IOException("broker nacked every message on " + inc.endpoint
                    + " for " + TimeUnit.NANOSECONDS.toMillis(nackingFor) + " ms (election timeout "
                    + config.electionTimeout().toMillis() + " ms); reconnecting"), true));
            return;
        }
        awaitElection(null);
        long delay = nackDelayMillis(inARow);
        if (inARow == 1) {
            log.warn("broker nacked {} message(s) on {} (a quorum queue without a leader?); re-sending on the same "
                    + "node in {} ms", again.size(), inc.endpoint, delay);
        } else {
            log.debug("broker nacked {} message(s) on {} ({} in a row); re-sending in {} ms", again.size(),
                    inc.endpoint, inARow, delay);
        }
        // re-sent on the live connection: this one, or the one on the leader when this one is retiring
        schedule(() -> {
            lock.lock();
            try {
                Incarnation live = current;
                if (live != null && !live.dead) {
                    drain(live);
                }
            } finally {
                lock.unlock();
            }
        }, TimeUnit.MILLISECONDS.toNanos(delay));
    }

    static long nackDelayMillis(int inARow) {
        long d = NACK_RESEND_MILLIS << Math.min(10, Math.max(0, inARow - 1));
        return Math.min(NACK_MAX_MILLIS, d);
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

    /**
     * {@code inc} is gone: its unconfirmed messages go back in line and are sent on the live connection, or on a
     * new one. {@code nodeFailed}: the node is tried last for a while, and a leader election is awaited.
     */
    private void incarnationDied(Incarnation inc, Throwable cause, boolean nodeFailed) {
        List<Pending> lost;
        lock.lock();
        try {
            if (inc.dead) {
                return;
            }
            inc.dead = true;
            lastError = cause;
            if (current == inc) {
                current = null;
                downSinceNanos = ticker.read();
            }
            if (retiring == inc) {
                retiring = null;
            }
            lost = new ArrayList<>(inc.unconfirmed.values());
            inc.unconfirmed.clear();
            for (int i = lost.size() - 1; i >= 0; i--) {
                if (!lost.get(i).future.isDone()) {
                    backlog.addFirst(lost.get(i));
                }
            }
        } finally {
            lock.unlock();
        }
        PublishLink link = inc.link;
        if (link != null) {
            link.abort();
        }
        if (closed) {
            return;
        }
        log.warn("publisher connection to {} lost ({}); {} unconfirmed message(s) will be sent again", inc.endpoint,
                cause == null ? "closed" : Secrets.message(cause), lost.size());
        if (nodeFailed) {
            failedAt.put(inc.endpoint, ticker.read());
            awaitElection(inc.endpoint);
        }
        Incarnation live = current;
        if (live == null || live.dead) {
            if (recovering.compareAndSet(false, true)) {
                if (nodeFailed && leaderLookup != null && leaderEndpoint().isEmpty()) {
                    holdRecoveryForLeader();
                } else {
                    execute(() -> recover(1));
                }
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

    /** Reconnects once the leader is known ({@link #lookUpLeader}), or after {@link #LEADER_HOLD_MILLIS}. */
    private void holdRecoveryForLeader() {
        AtomicBoolean token = new AtomicBoolean();
        heldRecovery.set(token);
        if (!schedule(() -> releaseHeldRecovery(token), TimeUnit.MILLISECONDS.toNanos(LEADER_HOLD_MILLIS))) {
            recovering.set(false);
        }
    }

    private void releaseHeldRecovery(AtomicBoolean token) {
        if (token.compareAndSet(false, true)) {
            heldRecovery.compareAndSet(token, null);
            recover(1);
        }
    }

    /** Connects to the leader (if known) or the next healthy node and re-sends the backlog; backs off on failure. */
    private void recover(int attempt) {
        if (closed) {
            recovering.set(false);
            return;
        }
        Optional<String> preferred = usableLeader();
        Incarnation inc = new Incarnation();
        try {
            inc.link = opener.open(preferred, this::avoided, new PublishLink.Events() {
                @Override
                public void ack(long seq, boolean multiple) {
                    onAck(inc, seq, multiple);
                }

                @Override
                public void nack(long seq, boolean multiple) {
                    onNack(inc, seq, multiple);
                }

                @Override
                public void returned(String messageId, int replyCode, String replyText, String exchange,
                        String routingKey) {
                    ReliablePublisher.this.returned.put(messageId, new MessageReturnedException(messageId, replyCode,
                            replyText, exchange, routingKey));
                }

                @Override
                public void lost(Throwable cause, boolean initiatedByApplication) {
                    if (initiatedByApplication && (closed || inc.dead)) {
                        return;
                    }
                    incarnationDied(inc, cause, true);
                }
            });
        } catch (IOException | TimeoutException | RuntimeException e) {
            lastError = e;
            long delay = recoveryBackoff.apply(attempt);
            log.debug("publisher recovery attempt {} failed ({}); next in {} ms", attempt, Secrets.message(e), delay);
            if (closed || !schedule(() -> recover(attempt + 1), TimeUnit.MILLISECONDS.toNanos(delay))) {
                recovering.set(false);
            }
            return;
        }
        inc.endpoint = inc.link.endpoint();
        inc.progressNanos = ticker.read();
        long n = connections.getAndIncrement();
        int count;
        lock.lock();
        try {
            if (closed || inc.dead) {
                inc.dead = true;
            } else {
                count = backlog.size();
                current = inc;
                recovering.set(false);
                drain(inc);
                long downMillis = TimeUnit.NANOSECONDS.toMillis(ticker.read() - downSinceNanos);
                if (n == 0) {
                    log.info("publisher connected to {}", inc.endpoint);
                } else {
                    log.info("publisher on {} after {} ms ({} attempt(s)); re-sending {} message(s)", inc.endpoint,
                            downMillis, attempt, count);
                }
            }
        } finally {
            lock.unlock();
        }
        if (inc.dead) {
            // closed meanwhile, or lost before it was in use
            inc.link.abort();
            if (closed || !schedule(() -> recover(attempt + 1),
                    TimeUnit.MILLISECONDS.toNanos(recoveryBackoff.apply(attempt)))) {
                recovering.set(false);
            }
            return;
        }
        followLeader();
    }

    /** Sends the backlog, oldest first. Holds the lock. */
    private void drain(Incarnation inc) {
        while (!backlog.isEmpty() && !inc.dead) {
            send(inc, backlog.pollFirst());
        }
    }

    private boolean avoided(String endpoint) {
        Long at = failedAt.get(endpoint);
        if (at == null) {
            return false;
        }
        if (ticker.read() - at < config.avoidFailedNode().toNanos()) {
            return true;
        }
        failedAt.remove(endpoint, at);
        return false;
    }

    // ------------------------------------------------------------------------------------------ leader

    /** The queue leader's endpoint when it is known, takes traffic and was not just lost. */
    private Optional<String> usableLeader() {
        Optional<String> l;
        synchronized (leaderLock) {
            l = leader;
        }
        return l.filter(e -> takesTraffic.test(e) && !avoided(e));
    }

    /**
     * After a lost connection or a nack: look the leader up every {@link #ELECTION_POLL_MILLIS} until a leader other
     * than {@code lostEndpoint} is known, for at most {@link PublisherConfig#electionTimeout()}.
     */
    private void awaitElection(String lostEndpoint) {
        if (leaderLookup == null || closed) {
            return;
        }
        long now = ticker.read();
        synchronized (leaderLock) {
            boolean already = electionUntilNanos != 0;
            electionUntilNanos = now + config.electionTimeout().toNanos();
            if (lostEndpoint != null) {
                staleLeader = lostEndpoint;
                if (leader.isPresent() && leader.get().equals(lostEndpoint)) {
                    leader = Optional.empty();
                }
            }
            if (!already || leaderTaskDueNanos - now > TimeUnit.MILLISECONDS.toNanos(ELECTION_POLL_MILLIS)) {
                scheduleLeaderLookup(lostEndpoint != null ? 0 : TimeUnit.MILLISECONDS.toNanos(ELECTION_POLL_MILLIS));
            }
        }
    }

    /** Holds leaderLock. */
    private void scheduleLeaderLookup(long delayNanos) {
        if (leaderTask != null) {
            leaderTask.cancel(false);
        }
        leaderTaskDueNanos = ticker.read() + delayNanos;
        try {
            leaderTask = scheduler.schedule(this::lookUpLeader, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            leaderTask = null;
        }
    }

    private void lookUpLeader() {
        if (closed) {
            return;
        }
        Optional<String> found;
        try {
            found = leaderLookup.leaderEndpoint();
        } catch (IOException | RuntimeException e) {
            log.debug("cannot look up the {}: {}", leaderLookup, Secrets.message(e));
            found = Optional.empty();
        }
        long now = ticker.read();
        boolean follow = false;
        synchronized (leaderLock) {
            if (closed) {
                return;
            }
            if (electionUntilNanos != 0) {
                boolean settled = found.isPresent() && !found.get().equals(staleLeader) && takesTraffic.test(found.get())
                        && !avoided(found.get());
                if (!settled && now - electionUntilNanos < 0) {
                    scheduleLeaderLookup(TimeUnit.MILLISECONDS.toNanos(ELECTION_POLL_MILLIS));
                    return;
                }
                if (settled) {
                    if (!found.equals(leader)) {
                        log.info("{} is on {} now", leaderLookup, found.get());
                    }
                } else {
                    log.warn("no usable leader for the {} within {} ms (last answer: {})", leaderLookup,
                            config.electionTimeout().toMillis(), found.orElse("none"));
                }
                electionUntilNanos = 0;
                staleLeader = null;
            } else if (!found.equals(leader)) {
                log.info("{} is on {}", leaderLookup, found.orElse("an unknown node"));
            }
            leader = found;
            follow = found.isPresent();
            scheduleLeaderLookup(config.leaderRefresh().toNanos());
        }
        AtomicBoolean held = heldRecovery.get();
        if (held != null) {
            execute(() -> releaseHeldRecovery(held));
        } else if (follow) {
            followLeader();
        }
    }

    /**
     * When the queue leader is a node that takes traffic and is not the one in use, new messages go to a connection
     * on the leader; the old connection is closed once its confirms are in (or its messages re-sent after
     * {@link PublisherConfig#confirmStall()}).
     */
    private void followLeader() {
        Optional<String> target = usableLeader();
        Incarnation live = current;
        if (target.isEmpty() || live == null || live.dead || target.get().equals(live.endpoint) || retiring != null
                || closed) {
            return;
        }
        lock.lock();
        try {
            if (current != live || live.dead || retiring != null) {
                return;
            }
            current = null;
            downSinceNanos = ticker.read();
            retiring = live;
        } finally {
            lock.unlock();
        }
        leaderMoves.incrementAndGet();
        log.info("queue leader is on {}; moving the publisher there from {}", target.get(), live.endpoint);
        if (recovering.compareAndSet(false, true)) {
            execute(() -> recover(1));
        }
    }

    // ------------------------------------------------------------------------------------------ timers

    private void sweep() {
        if (closed) {
            return;
        }
        try {
            sweepOnce(ticker.read());
        } catch (RuntimeException e) {
            log.warn("publisher sweep failed", e);
        }
        if (!closed) {
            ScheduledFuture<?> next = null;
            try {
                next = scheduler.schedule(this::sweep, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                log.debug("scheduler shut down; deadline sweeps stop");
            }
            sweepTask = next;
        }
    }

    private void sweepOnce(long now) {
        Incarnation live = current;
        long stall = electing() ? Math.max(config.confirmStall().toNanos(), config.electionTimeout().toNanos())
                : config.confirmStall().toNanos();
        if (live != null && !live.dead && !live.unconfirmed.isEmpty() && now - live.progressNanos > stall) {
            // a node that takes publishes but stops confirming (seen right after a whole-cluster restart, while a
            // quorum queue has no leader yet): give up on this connection, re-send on another node
            incarnationDied(live, new IOException("no confirm from " + live.endpoint + " for "
                    + TimeUnit.NANOSECONDS.toMillis(stall) + " ms with " + live.unconfirmed.size()
                    + " message(s) unconfirmed; reconnecting"), true);
        }
        Incarnation old = retiring;
        if (old != null && (old.unconfirmed.isEmpty() || now - old.progressNanos > config.confirmStall().toNanos())) {
            if (old.unconfirmed.isEmpty()) {
                lock.lock();
                try {
                    old.dead = true;
                    if (retiring == old) {
                        retiring = null;
                    }
                } finally {
                    lock.unlock();
                }
                old.link.close();
            } else {
                incarnationDied(old, new IOException("no confirm from " + old.endpoint + " after moving to the "
                        + "queue leader; re-sending " + old.unconfirmed.size() + " message(s)"), false);
            }
        }
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
                                + " (sent " + head.sends + " time(s); " + state + "; last error: " + lastErrorText()
                                + ")", lastError));
            } else {
                break;
            }
        }
    }

    private boolean electing() {
        synchronized (leaderLock) {
            return electionUntilNanos != 0;
        }
    }

    private void execute(Runnable task) {
        schedule(task, 0);
    }

    private boolean schedule(Runnable task, long delayNanos) {
        try {
            scheduler.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            log.debug("scheduler shut down: {}", e.toString());
            return false;
        }
    }

    private String downFor() {
        return TimeUnit.NANOSECONDS.toMillis(ticker.read() - downSinceNanos) + " ms";
    }

    private String lastErrorText() {
        Throwable t = lastError;
        return t == null ? "none" : Secrets.redact(t.toString());
    }

    // ------------------------------------------------------------------------------------------ state

    /** The endpoint name of the node the publisher is connected to, if connected. */
    public Optional<String> currentEndpoint() {
        Incarnation inc = current;
        return inc == null || inc.dead ? Optional.empty() : Optional.of(inc.endpoint);
    }

    /** The queue leader's endpoint as last looked up (with {@link PublisherConfig#leaderQueue()}). */
    public Optional<String> leaderEndpoint() {
        synchronized (leaderLock) {
            return leader;
        }
    }

    /** The connection name this publisher shows in the management UI (also its meters' tag). */
    public String name() {
        return config.connectionName();
    }

    /** Counters since creation. */
    public Stats stats() {
        return new Stats(published.get(), confirmed.get(), resent.get(), nacked.get(),
                Math.max(0, connections.get() - 1), leaderMoves.get(), config.maxInFlight() - window.availablePermits());
    }

    /** Called with each confirm's latency (publish to ack, nanoseconds) on the connection's thread; must be fast. */
    void addConfirmLatencyListener(LongConsumer listener) {
        confirmLatencyListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Publisher counters.
     *
     * @param published   messages accepted by {@code publish}
     * @param confirmed   messages confirmed by the broker
     * @param resent      sends beyond the first (re-publishes after failover or nack)
     * @param nacked      messages the broker nacked
     * @param recoveries  connections opened after the first (failovers and moves to the queue leader): node switches
     * @param leaderMoves of those, moves to the queue leader's node
     * @param inFlight    messages unconfirmed right now
     */
    public record Stats(long published, long confirmed, long resent, long nacked, long recoveries, long leaderMoves,
            long inFlight) {
    }

    /**
     * Waits up to {@code grace} for unconfirmed messages, then closes the connection and fails what is left with
     * a {@link PublishException}.
     */
    public void close(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        long deadline = ticker.read() + grace.toNanos();
        long spins = Math.max(0, grace.toMillis() / 10);
        while (window.availablePermits() < config.maxInFlight() && ticker.read() - deadline < 0 && spins-- > 0
                && !byDeadline.isEmpty()) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        closed = true;
        ScheduledFuture<?> sweeper = sweepTask;
        if (sweeper != null) {
            sweeper.cancel(false);
        }
        synchronized (leaderLock) {
            if (leaderTask != null) {
                leaderTask.cancel(false);
            }
        }
        Incarnation old = retiring;
        if (old != null) {
            old.link.close();
        }
        Incarnation inc;
        lock.lock();
        try {
            inc = current;
            if (inc != null) {
                inc.dead = true;
            }
        } finally {
            lock.unlock();
        }
        if (inc != null) {
            inc.link.close();
        }
        Pending p;
        while ((p = byDeadline.poll()) != null) {
            finish(p, null, new PublishException(p.props.getMessageId(), "publisher closed before the broker "
                    + "confirmed message " + p.props.getMessageId(), lastError));
        }
    }

    /** {@link #close(Duration)} with 10 s of grace. */
    @Override
    public void close() {
        close(Duration.ofSeconds(10));
    }

    @Override
    public String toString() {
        return "ReliablePublisher[" + config.connectionName() + " on " + currentEndpoint().orElse("no node") + ", "
                + stats() + "]";
    }

    private static final class Pending {
        final String exchange;
        final String routingKey;
        final AMQP.BasicProperties props;
        final byte[] body;
        final long publishedNanos;
        final long deadlineNanos;
        final CompletableFuture<PublishResult> future = new CompletableFuture<>();
        volatile int sends;

        Pending(String exchange, String routingKey, AMQP.BasicProperties props, byte[] body, long publishedNanos,
                long deadlineNanos) {
            this.exchange = exchange;
            this.routingKey = routingKey;
            this.props = props;
            this.body = body;
            this.publishedNanos = publishedNanos;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private static final class Incarnation {
        volatile PublishLink link;
        volatile String endpoint = "?";
        final ConcurrentNavigableMap<Long, Pending> unconfirmed = new ConcurrentSkipListMap<>();
        volatile boolean dead;
        /** Nacks since the last ack; written on the link's thread only. */
        volatile int nacksInARow;
        /** When the current run of nacks began, or 0. */
        volatile long nackSinceNanos;
        /** Last ack or nack, or the send that made {@link #unconfirmed} non-empty. */
        volatile long progressNanos;
    }
}
