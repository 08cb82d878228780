package io.github.hakit.rocket;

import io.github.hakit.rocket.internal.AttemptBudget;
import io.github.hakit.rocket.internal.BrokerSelector;
import io.github.hakit.rocket.internal.SendFailures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.client.impl.producer.TopicPublishInfo;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RocketMQ producer that routes around failing brokers: each send gets an overall deadline split
 * into per-attempt shares (a hung broker cannot eat the whole budget), failed attempts are retried on
 * a different broker, a broker that fails or answers slowly is isolated at once (latency-fault
 * isolation, on by default), and failures reach the caller classified ({@link SendFailureKind}) with
 * every attempt listed. Sync, async and one-way sends. Wraps rocketmq-client's
 * {@link DefaultMQProducer}; hakit picks the queue, the client does the I/O.
 *
 * <pre>{@code
 * try (NameServerGroup nameServers = NameServerGroup.builder("orders").addresses("ns1:9876;ns2:9876").build().start();
 *      HaProducer producer = HaProducer.builder("order-producer").nameServers(nameServers)
 *              .sendTimeout(Duration.ofSeconds(3)).tries(3).build().start()) {
 *     SendResult r = producer.send(new Message("orders", body));
 * }
 * }</pre>
 */
public final class HaProducer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HaProducer.class);
    /**
     * Route lookups one call may make for a topic it has no route to. After a NameServer timeout the client closes
     * that connection and moves on, but a lookup made while the close is still under way fails on the closing
     * connection at once (RemotingSendRequestException); the third goes to the next NameServer.
     */
    private static final int ROUTE_LOOKUPS = 3;

    private final Builder config;
    private final DefaultMQProducer producer;
    private final BrokerSelector selector;
    private final LongAdder sends = new LongAdder();
    private final LongAdder failedAttempts = new LongAdder();
    private final LongAdder callerFailures = new LongAdder();
    private volatile MQClientInstance client;

    private HaProducer(Builder config) {
        this.config = config;
        this.selector = new BrokerSelector(config.brokerIsolation, config.slowSendThreshold, config.nanoTicker);
        this.producer = config.client != null ? config.client : new DefaultMQProducer(config.group, config.rpcHook);
        producer.setInstanceName(config.instanceName);
        producer.setRetryTimesWhenSendFailed(0); // hakit retries, across brokers, within the deadline
        producer.setRetryTimesWhenSendAsyncFailed(0);
        producer.setSendLatencyFaultEnable(true);
        producer.setSendMsgTimeout((int) config.sendTimeout.toMillis());
        producer.setMqClientApiTimeout((int) config.nameServerTimeout().toMillis());
        producer.setPollNameServerInterval((int) config.routePollInterval.toMillis());
        producer.setHeartbeatBrokerInterval((int) config.heartbeatInterval.toMillis());
        if (config.customizer != null) {
            config.customizer.accept(producer);
        }
    }

    /** A builder for a producer in {@code producerGroup}. */
    public static Builder builder(String producerGroup) {
        return new Builder(producerGroup);
    }

    /** Starts the client and, with a {@link NameServerGroup}, keeps it on the group's healthy NameServers. */
    public HaProducer start() throws MQClientException {
        producer.setNamesrvAddr(config.nameServers != null ? config.nameServers.namesrvAddr() : config.namesrvAddr);
        if (config.nameServers != null) {
            config.nameServers.prepareInstance(producer, config.rpcHook);
        }
        producer.start();
        client = producer.getDefaultMQProducerImpl().getMqClientFactory();
        if (config.nameServers != null) {
            config.nameServers.attach(client);
        }
        log.info("producer {} started (timeout {} ms, tries {}, isolation {} ms)", config.group,
                config.sendTimeout.toMillis(), config.tries, config.brokerIsolation.toMillis());
        return this;
    }

    /**
     * Sends synchronously: tries up to {@code tries} brokers within {@code sendTimeout}.
     *
     * @throws RocketSendException when no attempt succeeded; {@link RocketSendException#attempts()} says why
     */
    public SendResult send(Message message) throws RocketSendException {
        return send(message, config.sendTimeout);
    }

    /**
     * {@link #send(Message)} with this call's own overall deadline instead of {@code sendTimeout} (e.g. the
     * timeout a {@code RocketMQTemplate} caller passed).
     */
    public SendResult send(Message message, Duration timeout) throws RocketSendException {
        Objects.requireNonNull(message, "message");
        Call call = new Call(message, Builder.positive(timeout, "timeout"));
        while (true) {
            MessageQueue mq = call.next();
            if (mq == null) {
                throw call.failure();
            }
            long a0 = config.nanoTicker.getAsLong();
            try {
                SendResult r = producer.send(message, mq, call.attemptMillis);
                if (call.succeeded(mq, a0, r)) {
                    return r;
                }
            } catch (Exception e) {
                if (!call.failed(mq, a0, e)) {
                    throw call.failure();
                }
            }
        }
    }

    /**
     * Sends asynchronously with the same retries and deadline; the future fails with a
     * {@link RocketSendException}. Callbacks run on the client's async threads: keep them short.
     */
    public CompletableFuture<SendResult> sendAsync(Message message) {
        return sendAsync(message, config.sendTimeout);
    }

    /** {@link #sendAsync(Message)} with this call's own overall deadline. */
    public CompletableFuture<SendResult> sendAsync(Message message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        CompletableFuture<SendResult> result = new CompletableFuture<>();
        attemptAsync(new Call(message, Builder.positive(timeout, "timeout")), result);
        return result;
    }

    private void attemptAsync(Call call, CompletableFuture<SendResult> result) {
        MessageQueue mq = call.next();
        if (mq == null) {
            result.completeExceptionally(call.failure());
            return;
        }
        long a0 = config.nanoTicker.getAsLong();
        try {
            producer.send(call.message, mq, new SendCallback() {
                @Override
                public void onSuccess(SendResult r) {
                    if (call.succeeded(mq, a0, r)) {
                        result.complete(r);
                    } else {
                        attemptAsync(call, result);
                    }
                }

                @Override
                public void onException(Throwable e) {
                    if (call.failed(mq, a0, e)) {
                        attemptAsync(call, result);
                    } else {
                        result.completeExceptionally(call.failure());
                    }
                }
            }, call.attemptMillis);
        } catch (Exception e) {
            if (call.failed(mq, a0, e)) {
                attemptAsync(call, result);
            } else {
                result.completeExceptionally(call.failure());
            }
        }
    }

    /**
     * Sends one-way (no answer awaited): only failures seen before the request leaves — no connection,
     * no route — are retried on another broker.
     */
    public void sendOneway(Message message) throws RocketSendException {
        Objects.requireNonNull(message, "message");
        Call call = new Call(message, config.sendTimeout);
        while (true) {
            MessageQueue mq = call.next();
            if (mq == null) {
                throw call.failure();
            }
            long a0 = config.nanoTicker.getAsLong();
            try {
                producer.sendOneway(message, mq);
                call.attempts.add(new SendAttempt(mq.getBrokerName(), mq.getQueueId(), since(a0),
                        Duration.ofMillis(call.attemptMillis), null, null));
                return;
            } catch (Exception e) {
                if (!call.failed(mq, a0, e)) {
                    throw call.failure();
                }
            }
        }
    }

    private void emit(Consumer<SendListener> event) {
        for (SendListener l : config.listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                log.warn("send listener {} threw", l, e);
            }
        }
    }

    private Duration since(long t0) {
        return Duration.ofNanos(config.nanoTicker.getAsLong() - t0);
    }

    /** The writable queues of a topic from the client's route table, fetching the route when missing. */
    private List<MessageQueue> writableQueues(String topic) {
        Map<String, TopicPublishInfo> table = producer.getDefaultMQProducerImpl().getTopicPublishInfoTable();
        TopicPublishInfo info = table.get(topic);
        if (info == null || !info.ok()) {
            client.updateTopicRouteInfoFromNameServer(topic);
            info = table.get(topic);
            if (info == null || !info.ok()) {
                // like the stock client: fall back to the default topic's route (auto-create on the broker)
                client.updateTopicRouteInfoFromNameServer(topic, true, producer);
                info = table.get(topic);
            }
        }
        return info == null || !info.ok() ? List.of() : info.getMessageQueueList();
    }

    /** Brokers out of rotation now and for how long. */
    public Map<String, Duration> isolatedBrokers() {
        return selector.isolated();
    }

    /** Counters since start. */
    public Stats stats() {
        return new Stats(sends.sum(), failedAttempts.sum(), callerFailures.sum());
    }

    /**
     * Send counters.
     *
     * @param sends          calls to send/sendAsync/sendOneway
     * @param failedAttempts attempts that failed (each was retried or ended a call)
     * @param callerFailures calls that failed for the caller
     */
    public record Stats(long sends, long failedAttempts, long callerFailures) {
    }

    /** The wrapped client, for what hakit does not cover; do not change its retry settings. */
    public DefaultMQProducer unwrap() {
        return producer;
    }

    @Override
    public void close() {
        if (config.nameServers != null && client != null) {
            config.nameServers.detach(client);
        }
        producer.shutdown();
    }

    /** The state of one call across its attempts. */
    private final class Call {
        final Message message;
        final long start = config.nanoTicker.getAsLong();
        final long deadline;
        final List<SendAttempt> attempts = new ArrayList<>(2);
        final Set<String> tried = new HashSet<>(4);
        long attemptMillis;
        SendFailureKind lastKind;
        Throwable lastError;
        boolean done;

        Call(Message message, Duration timeout) {
            this.message = message;
            this.deadline = start + timeout.toNanos();
            sends.increment();
        }

        /** The queue for the next attempt, or null when the call is over (then {@link #failure()}). */
        MessageQueue next() {
            if (done) {
                return null;
            }
            int triesLeft = config.tries - attempts.size();
            if (triesLeft <= 0) {
                return null;
            }
            if (deadline - config.nanoTicker.getAsLong() <= 0) {
                return timedOut();
            }
            List<MessageQueue> queues = null;
            for (int lookup = 1; queues == null; lookup++) {
                try {
                    queues = writableQueues(message.getTopic());
                } catch (RuntimeException e) {
                    lastError = e;
                    // the client wraps a NameServer timeout or send failure; it closes that connection and asks
                    // its next NameServer, so another lookup is worth its time while the deadline lasts
                    boolean nameServer = e.getCause() instanceof RemotingException;
                    if (!nameServer || lookup >= ROUTE_LOOKUPS || deadline - config.nanoTicker.getAsLong() <= 0) {
                        lastKind = nameServer ? SendFailureKind.NO_ROUTE : SendFailureKind.CLIENT_ERROR;
                        return null;
                    }
                    log.info("route lookup for topic {} failed ({}); asking the next NameServer",
                            message.getTopic(), e.getCause().toString());
                }
            }
            // the budget after the lookups, which may have waited on a NameServer
            attemptMillis = AttemptBudget.attemptMillis(deadline - config.nanoTicker.getAsLong(), triesLeft,
                    config.minAttemptTimeout);
            if (attemptMillis == 0) {
                return timedOut();
            }
            MessageQueue mq = selector.select(queues, tried);
            if (mq == null && !queues.isEmpty()) {
                tried.clear(); // every broker was tried: another round, isolated ones last
                mq = selector.select(queues, tried);
            }
            if (mq == null) {
                lastKind = SendFailureKind.NO_ROUTE;
                lastError = new IllegalStateException("no route to topic " + message.getTopic());
                return null;
            }
            tried.add(mq.getBrokerName());
            return mq;
        }

        private MessageQueue timedOut() {
            if (lastKind == null) {
                lastKind = SendFailureKind.TIMEOUT;
            }
            return null;
        }

        /** True when the call is done with this result; false when a non-OK status should be retried. */
        boolean succeeded(MessageQueue mq, long a0, SendResult r) {
            Duration took = since(a0);
            if (r.getSendStatus() != SendStatus.SEND_OK && config.retryWhenNotStoredOk
                    && attempts.size() + 1 < config.tries) {
                failedAttempts.increment();
                attempts.add(new SendAttempt(mq.getBrokerName(), mq.getQueueId(), took,
                        Duration.ofMillis(attemptMillis), SendFailureKind.NOT_STORED_OK,
                        new IllegalStateException(r.getSendStatus().name())));
                lastKind = SendFailureKind.NOT_STORED_OK;
                return false;
            }
            selector.succeeded(mq.getBrokerName(), took);
            attempts.add(new SendAttempt(mq.getBrokerName(), mq.getQueueId(), took, Duration.ofMillis(attemptMillis),
                    null, null));
            done = true;
            if (attempts.size() > 1 && log.isDebugEnabled()) {
                log.debug("send to {} succeeded after {}", message.getTopic(), attempts);
            }
            return true;
        }

        /** Records a failed attempt; true when another attempt may follow. */
        boolean failed(MessageQueue mq, long a0, Throwable e) {
            SendFailureKind kind = SendFailures.classify(e);
            failedAttempts.increment();
            attempts.add(new SendAttempt(mq.getBrokerName(), mq.getQueueId(), since(a0),
                    Duration.ofMillis(attemptMillis), kind, e));
            lastKind = kind;
            lastError = e;
            emit(l -> l.attemptFailed(message.getTopic(), attempts.get(attempts.size() - 1)));
            if (kind == SendFailureKind.INTERRUPTED) {
                Thread.currentThread().interrupt();
            }
            if (kind.retriable()) {
                selector.failed(mq.getBrokerName());
                log.debug("broker {} failed ({}), isolated for {} ms", mq.getBrokerName(), kind,
                        config.brokerIsolation.toMillis());
            }
            boolean retry = kind.retriable() && (config.retryWhenMayBeStored || !kind.mayBeStored());
            if (!retry) {
                done = true;
            }
            return retry;
        }

        RocketSendException failure() {
            callerFailures.increment();
            SendFailureKind kind = lastKind != null ? lastKind : SendFailureKind.TIMEOUT;
            RocketSendException failure = new RocketSendException(message.getTopic(), kind, attempts, since(start),
                    lastError);
            emit(l -> l.sendFailed(message.getTopic(), failure));
            return failure;
        }
    }

    /**
     * Configuration. Defaults: send timeout 3 s (RocketMQ's {@code sendMsgTimeout}), 3 tries (the stock
     * client's 1 + {@code retryTimesWhenSendFailed}), attempts get at least 300 ms, a failing broker is
     * isolated for 5 s, a send slower than 1 s isolates its broker too, retries also after a timeout
     * (RocketMQ is at-least-once; the message keeps its unique key), a non-OK store status is returned
     * (not retried), routes are polled every 10 s (RocketMQ: 30 s) and a {@link NameServerGroup} pushes
     * broker changes sooner, heartbeat 10 s, NameServer requests time out after a third of the send timeout
     * (at most 3 s).
     */
    public static final class Builder {
        private final String group;
        private NameServerGroup nameServers;
        private String namesrvAddr;
        private RPCHook rpcHook;
        private String instanceName;
        private Duration sendTimeout = Duration.ofSeconds(3);
        private int tries = 3;
        private Duration minAttemptTimeout = Duration.ofMillis(300);
        private Duration brokerIsolation = Duration.ofSeconds(5);
        private Duration slowSendThreshold = Duration.ofSeconds(1);
        private boolean retryWhenMayBeStored = true;
        private boolean retryWhenNotStoredOk;
        private Duration routePollInterval = Duration.ofSeconds(10);
        private Duration heartbeatInterval = Duration.ofSeconds(10);
        private Duration nameServerTimeout;
        private LongSupplier nanoTicker = System::nanoTime;
        private Consumer<DefaultMQProducer> customizer;
        private DefaultMQProducer client;
        private final List<SendListener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

        private Builder(String group) {
            this.group = nonBlank(group, "producer group");
        }

        /** NameServers with health checks; the client is kept on the healthy ones. */
        public Builder nameServers(NameServerGroup group) {
            this.nameServers = Objects.requireNonNull(group, "group");
            return this;
        }

        /** A fixed {@code namesrvAddr} ({@code host:port;host:port}) instead of a {@link NameServerGroup}. */
        public Builder namesrvAddr(String addr) {
            this.namesrvAddr = nonBlank(addr, "namesrvAddr");
            return this;
        }

        /**
         * A hook on every request the client sends, e.g. RocketMQ's {@code AclClientRPCHook} for an ACL-enabled
         * cluster. The group's passive accounting runs beside it.
         */
        public Builder rpcHook(RPCHook hook) {
            this.rpcHook = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /**
         * The client's instance name (clients with the same name share one client instance: its connections and
         * its settings, such as the NameServer timeout, are those of the first to start). Default
         * {@code hakit-<NameServer group>-<producer group>}: each producer group has its own, apart from the
         * group's consumers (as in RocketMQ 5.x, where every client gets its own instance by default).
         */
        public Builder instanceName(String name) {
            this.instanceName = nonBlank(name, "instanceName");
            return this;
        }

        /** Overall deadline of one send, all attempts included (> 0). */
        public Builder sendTimeout(Duration timeout) {
            this.sendTimeout = positive(timeout, "sendTimeout");
            return this;
        }

        /** Attempts per send, 1..16 (1 = no retry). */
        public Builder tries(int tries) {
            if (tries < 1 || tries > 16) {
                throw new IllegalArgumentException("tries must be 1..16: " + tries);
            }
            this.tries = tries;
            return this;
        }

        /** The smallest timeout an attempt gets when the deadline is shared (> 0). */
        public Builder minAttemptTimeout(Duration timeout) {
            this.minAttemptTimeout = positive(timeout, "minAttemptTimeout");
            return this;
        }

        /** How long a failed broker stays out of rotation (> 0). */
        public Builder brokerIsolation(Duration isolation) {
            this.brokerIsolation = positive(isolation, "brokerIsolation");
            return this;
        }

        /** A successful send at least this slow isolates its broker like a failure (> 0). */
        public Builder slowSendThreshold(Duration threshold) {
            this.slowSendThreshold = positive(threshold, "slowSendThreshold");
            return this;
        }

        /** Whether to retry after a failure that may have stored the message (timeout, broken connection). */
        public Builder retryWhenMayBeStored(boolean retry) {
            this.retryWhenMayBeStored = retry;
            return this;
        }

        /**
         * Whether a {@code SendStatus} other than {@code SEND_OK} (flush or slave timeout, slave not
         * available) is retried on another broker, like the client's {@code retryAnotherBrokerWhenNotStoreOK}.
         */
        public Builder retryWhenNotStoredOk(boolean retry) {
            this.retryWhenNotStoredOk = retry;
            return this;
        }

        /**
         * How long the client waits for a NameServer ({@code mqClientApiTimeout}; also its broker heartbeats).
         * Default: a third of {@code sendTimeout} (100 ms to RocketMQ's 3 s), so that a send to a topic the client
         * has not seen yet can wait out a hung NameServer and still ask the next one within its deadline.
         */
        public Builder nameServerTimeout(Duration timeout) {
            this.nameServerTimeout = positive(timeout, "nameServerTimeout");
            return this;
        }

        Duration nameServerTimeout() {
            if (nameServerTimeout != null) {
                return nameServerTimeout;
            }
            long third = Math.max(100, sendTimeout.toMillis() / 3);
            return Duration.ofMillis(Math.min(3_000, third));
        }

        /** The client's route poll ({@code pollNameServerInterval}, > 0). */
        public Builder routePollInterval(Duration interval) {
            this.routePollInterval = positive(interval, "routePollInterval");
            return this;
        }

        /** The client's broker heartbeat ({@code heartbeatBrokerInterval}, > 0). */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = positive(interval, "heartbeatInterval");
            return this;
        }

        /** A monotonic nanosecond ticker (tests). */
        public Builder nanoTicker(LongSupplier ticker) {
            this.nanoTicker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * Wrap this client instead of creating one (e.g. the {@code DefaultMQProducer} rocketmq-spring-boot built from
         * {@code rocketmq.producer.*}, with its ACL hook, namespace and TLS setting). It must not be started yet; hakit
         * sets its retry, timeout and instance settings as for a client of its own and starts it in
         * {@link HaProducer#start()}. Its group must be {@code producerGroup}.
         */
        public Builder client(DefaultMQProducer client) {
            Objects.requireNonNull(client, "client");
            if (!group.equals(client.getProducerGroup())) {
                throw new IllegalArgumentException("client's producer group " + client.getProducerGroup()
                        + " is not " + group);
            }
            this.client = client;
            return this;
        }

        /** Last-word changes to the wrapped client (e.g. compression, max message size). */
        public Builder customizer(Consumer<DefaultMQProducer> customizer) {
            this.customizer = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /** Adds a listener for failed attempts and sends. */
        public Builder listener(SendListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        public HaProducer build() {
            if ((nameServers == null) == (namesrvAddr == null)) {
                throw new IllegalStateException("set exactly one of nameServers(...) and namesrvAddr(...)");
            }
            if (instanceName == null) {
                instanceName = nameServers != null ? "hakit-" + nameServers.name() + "-" + group : "hakit-" + group;
            }
            return new HaProducer(this);
        }

        /** {@code value}, or an IllegalArgumentException naming {@code what} and the value when it is null or blank. */
        static String nonBlank(String value, String what) {
            if (value == null || value.isBlank()) {
                throw new IllegalArgumentException("blank " + what + ": " + value);
            }
            return value;
        }

        static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isZero() || d.isNegative()) {
                throw new IllegalArgumentException(what + " must be > 0: " + d);
            }
            return d;
        }
    }
}
