package io.github.hakit.rocket;

import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Candidates;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.HostPort;
import io.github.hakit.core.NoLiveEndpointException;
import io.github.hakit.core.ResultClassifier;
import io.github.hakit.core.Ticker;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamCallException;
import io.github.hakit.core.UpstreamStatus;
import io.github.hakit.core.event.UpstreamListener;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.retry.RetryBudgetConfig;
import io.github.hakit.rocket.internal.BrokerFailures;
import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.impl.producer.TopicPublishInfo;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A RocketMQ producer that routes around failing brokers, as a thin adapter on core's {@link Upstream}: a topic's
 * broker groups (their masters) are each send's per-call {@link Candidates}; core's next-upstream loop tries them in
 * rotation, shares the overall deadline across the attempts (a hung broker cannot eat the whole budget,
 * apache/rocketmq#4720), retries a failed attempt on a different broker, and remembers failed brokers: a broker that
 * fails (or answers slower than {@code slowSendThreshold}) is out for {@code brokerIsolation} (Nginx's
 * {@code max_fails=1 fail_timeout=brokerIsolation}), visible in {@link #status()}, in core's metrics and in
 * {@link UpstreamListener} events. Failures reach the caller classified ({@link SendFailureKind}) with every attempt
 * listed. Sync, async and one-way sends. Wraps rocketmq-client's {@link DefaultMQProducer}: hakit picks the broker
 * and queue, the client does the I/O.
 *
 * <pre>{@code
 * try (NameServerGroup nameServers = NameServerGroup.builder("orders").addresses("ns1:9876;ns2:9876").build().start();
 *      HaProducer producer = HaProducer.builder("order-producer").nameServers(nameServers)
 *              .sendTimeout(Duration.ofSeconds(3)).tries(3).build().start()) {
 *     SendResult r = producer.send(new Message("orders", body));
 *     log.info("\n{}", producer.status().render());   // brokers, DOWN (passive) while isolated
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
    private final Upstream brokers;
    private final Ticker ticker;
    private final ResultClassifier<SendResult> notStoredOk;
    private final LongAdder sends = new LongAdder();
    private final LongAdder failedAttempts = new LongAdder();
    private final LongAdder callerFailures = new LongAdder();
    private final List<SendListener> listeners;
    /** Per topic: the route the candidates were made from, and the candidates (rebuilt when the route changes). */
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    /** Broker endpoints by {@code name@address}, so that a route change keeps equal endpoints. */
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final AtomicInteger queueRotation = new AtomicInteger();
    private volatile MQClientInstance client;

    /** A topic's writable queues grouped by broker, and the brokers as core endpoints. */
    private record Route(TopicPublishInfo info, List<Endpoint> brokers, Map<String, List<MessageQueue>> queues) {
    }

    private HaProducer(Builder config) {
        this.config = config;
        this.ticker = config.ticker;
        this.listeners = new CopyOnWriteArrayList<>(config.listeners);
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
        NextUpstreamPolicy policy = NextUpstreamPolicy.builder()
                .conditions(FailureKind.ERROR, FailureKind.TIMEOUT, FailureKind.OVERLOADED, FailureKind.UNAVAILABLE,
                        FailureKind.NO_ROUTE)
                .tries(config.tries)
                // like the old selector: once every broker was tried, another round (failed ones last)
                .rounds(config.tries)
                .backoff(IntervalFunction.of(Duration.ofMillis(1)))
                .timeout(config.sendTimeout)
                .attemptTimeout(config.sendTimeout)
                .shareDeadline(config.minAttemptTimeout)
                // tries bounds the retries of a send; a budget would fail sends while a broker dies mid-burst
                .budget(RetryBudgetConfig.unlimited())
                .build();
        Upstream.Builder ub = Upstream.builder("rocketmq-brokers-" + config.group).endpoints(List.of())
                .nextUpstream(policy).classifier(BrokerFailures.classifier()).ticker(ticker);
        if (config.scheduler != null) {
            ub.scheduler(config.scheduler);
        }
        config.upstreamListeners.forEach(ub::listener);
        this.brokers = ub.build();
        this.notStoredOk = new ResultClassifier<>() {
            @Override
            public FailureKind classify(SendResult r) {
                return r.getSendStatus() == SendStatus.SEND_OK ? null : FailureKind.UNAVAILABLE;
            }
        };
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
     * {@link #send(Message)} with this call's own overall deadline (e.g. the timeout a {@code RocketMQTemplate} caller
     * passed), longer or shorter than {@code sendTimeout}: the attempts share it, each at most {@code sendTimeout}.
     */
    public SendResult send(Message message, Duration timeout) throws RocketSendException {
        Objects.requireNonNull(message, "message");
        Call call = new Call(message, Builder.positive(timeout, "timeout"));
        try {
            Candidates candidates = call.candidates();
            SendResult r = brokers.execute(candidates, call.options(), attempt -> {
                MessageQueue mq = call.queue(attempt.endpoint());
                long millis = call.attemptMillis(attempt.timeout());
                long a0 = ticker.read();
                try {
                    return call.answered(mq, a0, millis, producer.send(message, mq, millis));
                } catch (Exception e) {
                    throw call.failed(mq, a0, millis, e);
                }
            }, resultClassifier(call));
            call.done(r);
            return r;
        } catch (RuntimeException e) {
            throw call.failure(e);
        }
    }

    /**
     * Sends asynchronously with the same retries and deadline; the future fails with a
     * {@link RocketSendException}. Callbacks run on the client's async threads: keep them short.
     */
    public CompletableFuture<SendResult> sendAsync(Message message) {
        return sendAsync(message, config.sendTimeout);
    }

    /** {@link #sendAsync(Message)} with this call's own overall deadline (see {@link #send(Message, Duration)}). */
    public CompletableFuture<SendResult> sendAsync(Message message, Duration timeout) {
        Objects.requireNonNull(message, "message");
        Call call = new Call(message, Builder.positive(timeout, "timeout"));
        CompletableFuture<SendResult> result = new CompletableFuture<>();
        CompletionStage<SendResult> stage;
        try {
            stage = brokers.executeAsync(call.candidates(), call.options(), attempt -> {
                MessageQueue mq = call.queue(attempt.endpoint());
                long millis = call.attemptMillis(attempt.timeout());
                long a0 = ticker.read();
                CompletableFuture<SendResult> one = new CompletableFuture<>();
                try {
                    producer.send(message, mq, new SendCallback() {
                        @Override
                        public void onSuccess(SendResult r) {
                            one.complete(call.answered(mq, a0, millis, r));
                        }

                        @Override
                        public void onException(Throwable e) {
                            one.completeExceptionally(call.failed(mq, a0, millis, e));
                        }
                    }, millis);
                } catch (Exception e) {
                    throw call.failed(mq, a0, millis, e);
                }
                return one;
            }, resultClassifier(call));
        } catch (RuntimeException e) {
            result.completeExceptionally(call.failure(e));
            return result;
        }
        stage.whenComplete((r, e) -> {
            if (e == null) {
                call.done(r);
                result.complete(r);
            } else {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                result.completeExceptionally(call.failure(cause instanceof RuntimeException re ? re
                        : new UpstreamCallException(brokers.name(), "send failed", List.of(), cause)));
            }
        });
        return result;
    }

    /**
     * Sends one-way (no answer awaited): only failures seen before the request leaves — no connection,
     * no route — are retried on another broker.
     */
    public void sendOneway(Message message) throws RocketSendException {
        Objects.requireNonNull(message, "message");
        Call call = new Call(message, config.sendTimeout);
        try {
            brokers.execute(call.candidates(), CallOptions.nonIdempotent(), attempt -> {
                MessageQueue mq = call.queue(attempt.endpoint());
                long millis = call.attemptMillis(attempt.timeout());
                long a0 = ticker.read();
                try {
                    producer.sendOneway(message, mq);
                    call.answered(mq, a0, millis, null);
                    return Boolean.TRUE;
                } catch (Exception e) {
                    throw call.failed(mq, a0, millis, e);
                }
            });
        } catch (RuntimeException e) {
            throw call.failure(e);
        }
    }

    private ResultClassifier<SendResult> resultClassifier(Call call) {
        if (!config.retryWhenNotStoredOk) {
            return null;
        }
        return new ResultClassifier<>() {
            @Override
            public FailureKind classify(SendResult r) {
                return notStoredOk.classify(r);
            }

            @Override
            public void discard(SendResult r) {
                call.notStoredOk(r);
            }
        };
    }

    private void emit(Consumer<SendListener> event) {
        for (SendListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                log.warn("send listener {} threw", l, e);
            }
        }
    }

    private Duration since(long t0) {
        return Duration.ofNanos(ticker.read() - t0);
    }

    /** The writable queues of a topic from the client's route table, fetching the route when missing. */
    private TopicPublishInfo publishInfo(String topic) {
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
        return info == null || !info.ok() ? null : info;
    }

    /** The topic's brokers and queues, rebuilt only when the client's route for it changed. */
    private Route route(String topic, TopicPublishInfo info) {
        Route r = routes.get(topic);
        if (r != null && r.info() == info) {
            return r;
        }
        Map<String, List<MessageQueue>> byBroker = new LinkedHashMap<>();
        for (MessageQueue q : info.getMessageQueueList()) {
            byBroker.computeIfAbsent(q.getBrokerName(), b -> new ArrayList<>()).add(q);
        }
        List<Endpoint> list = new ArrayList<>(byBroker.size());
        for (String broker : byBroker.keySet()) {
            String address = client.findBrokerAddressInPublish(broker);
            if (address == null) {
                continue; // no master: not writable
            }
            list.add(endpoints.computeIfAbsent(broker + "@" + address, k -> {
                HostPort hp = HostPort.parse(address);
                return Endpoint.builder(hp.host(), hp.port()).name(broker).maxFails(1)
                        .failTimeout(config.brokerIsolation).build();
            }));
        }
        r = new Route(info, List.copyOf(list), Map.copyOf(byBroker));
        routes.put(topic, r);
        return r;
    }

    /**
     * Brokers out of rotation now (ejected by a failure or a slow answer) and about how long they stay out: core's
     * failure memory, as in {@link #status()}.
     */
    public Map<String, Duration> isolatedBrokers() {
        Map<String, Duration> out = new TreeMap<>();
        for (EndpointStatus s : brokers.status().endpoints()) {
            if (!s.state().takesTraffic()) {
                Duration left = config.brokerIsolation.minus(s.sinceLastChange());
                out.put(s.name(), left.isNegative() ? Duration.ZERO : left);
            }
        }
        return out;
    }

    /**
     * The brokers this producer has sent to, HAProxy-style: {@code UP}, or {@code DOWN (passive)} while a failure
     * keeps one out of rotation, with its successes, failures and last change.
     */
    public UpstreamStatus status() {
        return brokers.status();
    }

    /** The core upstream of the brokers (listeners, {@code UpstreamMetrics}, operator drain/maintenance). */
    public Upstream upstream() {
        return brokers;
    }

    /** Adds a send listener (e.g. meters bound after the producer was built). */
    public void addListener(SendListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
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

    /** The producer group. */
    public String group() {
        return config.group;
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
        brokers.close();
    }

    /** One call: its deadline, its route, and its attempts as {@link SendAttempt}s. */
    private final class Call {
        final Message message;
        final long start = ticker.read();
        final long deadline;
        final Duration timeout;
        final List<SendAttempt> attempts = new ArrayList<>(2);
        Route route;
        SendFailureKind routeFailure;
        Throwable routeError;

        Call(Message message, Duration timeout) {
            this.message = message;
            this.timeout = timeout;
            this.deadline = start + timeout.toNanos();
            sends.increment();
        }

        CallOptions options() {
            // a request that may have been stored is repeated only when asked (RocketMQ is at-least-once); the
            // call's own deadline replaces the policy's sendTimeout, longer or shorter
            return (config.retryWhenMayBeStored ? CallOptions.idempotent() : CallOptions.nonIdempotent())
                    .withTimeout(timeout);
        }

        /** The topic's brokers; throws (ending the call) when no route can be had. */
        Candidates candidates() {
            TopicPublishInfo info = null;
            for (int lookup = 1; info == null; lookup++) {
                try {
                    info = publishInfo(message.getTopic());
                    if (info == null) {
                        break;
                    }
                } catch (RuntimeException e) {
                    routeError = e;
                    // the client wraps a NameServer timeout or send failure; it closes that connection and asks
                    // its next NameServer, so another lookup is worth its time while the deadline lasts
                    boolean nameServer = e.getCause() instanceof RemotingException;
                    if (!nameServer || lookup >= ROUTE_LOOKUPS || deadline - ticker.read() <= 0) {
                        routeFailure = nameServer ? SendFailureKind.NO_ROUTE : SendFailureKind.CLIENT_ERROR;
                        throw e;
                    }
                    log.debug("route lookup for topic {} failed ({}); asking the next NameServer",
                            message.getTopic(), e.getCause().toString());
                }
            }
            if (info == null) {
                routeFailure = SendFailureKind.NO_ROUTE;
                routeError = new IllegalStateException("no route to topic " + message.getTopic());
                throw (IllegalStateException) routeError;
            }
            route = route(message.getTopic(), info);
            if (route.brokers().isEmpty()) {
                routeFailure = SendFailureKind.NO_ROUTE;
                routeError = new IllegalStateException("no writable broker for topic " + message.getTopic());
                throw (IllegalStateException) routeError;
            }
            return Candidates.rotating(route.brokers());
        }

        /** A queue of the broker core picked, in rotation. */
        MessageQueue queue(Endpoint broker) {
            List<MessageQueue> qs = route.queues().get(broker.name());
            return qs.get(Math.floorMod(queueRotation.getAndIncrement(), qs.size()));
        }

        /** This attempt's timeout: core's share of the deadline, within this call's own deadline. */
        long attemptMillis(Duration share) {
            long left = deadline - ticker.read();
            if (left <= 0) {
                throw new BrokerFailures.DeadlineExceeded("deadline of " + Duration.ofNanos(deadline - start).toMillis()
                        + " ms passed");
            }
            return Math.max(1, Math.min(share.toMillis(), left / 1_000_000));
        }

        SendResult answered(MessageQueue mq, long a0, long millis, SendResult r) {
            Duration took = since(a0);
            if (took.compareTo(config.slowSendThreshold) >= 0) {
                // a latency fault: the answer is good, the broker is slow; keep it out like a failed one
                brokers.recordFailure(mq.getBrokerName(), FailureKind.TIMEOUT, took.toNanos());
            }
            SendAttempt attempt = new SendAttempt(mq.getBrokerName(), mq.getQueueId(), took, Duration.ofMillis(millis),
                    null, null);
            attempts.add(attempt);
            if (!listeners.isEmpty()) {
                emit(l -> l.attemptSucceeded(message.getTopic(), attempt));
            }
            return r;
        }

        /** Records a failed attempt; returns what to throw to core's loop. */
        Exception failed(MessageQueue mq, long a0, long millis, Throwable e) {
            SendFailureKind kind = BrokerFailures.classify(e);
            failedAttempts.increment();
            SendAttempt attempt = new SendAttempt(mq.getBrokerName(), mq.getQueueId(), since(a0),
                    Duration.ofMillis(millis), kind, e);
            attempts.add(attempt);
            emit(l -> l.attemptFailed(message.getTopic(), attempt));
            if (kind == SendFailureKind.INTERRUPTED) {
                Thread.currentThread().interrupt();
            }
            return e instanceof Exception ex ? ex : new RuntimeException(e);
        }

        /** A non-OK store status that core moves on from. */
        void notStoredOk(SendResult r) {
            failedAttempts.increment();
            int last = attempts.size() - 1;
            SendAttempt ok = attempts.get(last);
            SendAttempt failed = new SendAttempt(ok.brokerName(), ok.queueId(), ok.took(), ok.timeout(),
                    SendFailureKind.NOT_STORED_OK, new IllegalStateException(r.getSendStatus().name()));
            attempts.set(last, failed);
            emit(l -> l.attemptFailed(message.getTopic(), failed));
        }

        void done(SendResult r) {
            if (attempts.size() > 1 && log.isDebugEnabled()) {
                log.debug("send to {} succeeded after {}", message.getTopic(), attempts);
            }
        }

        RocketSendException failure(RuntimeException e) {
            callerFailures.increment();
            SendFailureKind kind;
            Throwable cause = e;
            if (e instanceof BrokerFailures.DeadlineExceeded) {
                kind = SendFailureKind.TIMEOUT;
            } else if (routeFailure != null && attempts.isEmpty()) {
                kind = routeFailure;
                cause = routeError;
            } else if (e instanceof NoLiveEndpointException) {
                SendAttempt last = attempts.isEmpty() ? null : attempts.get(attempts.size() - 1);
                kind = last != null && last.failure() != null ? last.failure() : SendFailureKind.TIMEOUT;
                cause = last != null && last.error() != null ? last.error() : e;
            } else {
                Throwable inner = e instanceof UpstreamCallException && e.getCause() != null ? e.getCause() : e;
                kind = BrokerFailures.classify(inner);
                cause = inner;
            }
            if (kind == SendFailureKind.INTERRUPTED) {
                Thread.currentThread().interrupt();
            }
            RocketSendException failure = new RocketSendException(message.getTopic(), kind, attempts, since(start),
                    cause);
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
        private Ticker ticker = Ticker.system();
        private ScheduledExecutorService scheduler;
        private final List<UpstreamListener> upstreamListeners = new CopyOnWriteArrayList<>();
        private Consumer<DefaultMQProducer> customizer;
        private DefaultMQProducer client;
        private final List<SendListener> listeners = new CopyOnWriteArrayList<>();

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

        /** The monotonic clock of the deadlines, attempt timings and broker isolation (default {@link Ticker#system()}). */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * The scheduler for the broker upstream's timers (ends of isolation, async retries' backoff); default: one
         * daemon thread owned by the producer, gone when idle.
         */
        public Builder scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** Adds a listener for the broker upstream's events: isolation and its end, retries, exhausted sends. */
        public Builder listener(UpstreamListener listener) {
            upstreamListeners.add(Objects.requireNonNull(listener, "listener"));
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

        /** Adds a listener for failed attempts and sends (with the topic and hakit's {@link SendAttempt}s). */
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
            if (d.compareTo(Endpoint.MAX_DURATION) > 0) { // core's bound: beyond it nanosecond clocks overflow
                throw new IllegalArgumentException(what + " above " + Endpoint.MAX_DURATION.toDays() + " days: " + d);
            }
            return d;
        }
    }
}
