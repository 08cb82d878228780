package io.github.hakit.rocket;

import java.time.Duration;
import java.util.Objects;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.impl.MQClientManager;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.remoting.RPCHook;

/**
 * A push or lite-pull consumer created through hakit: it starts on the {@link NameServerGroup}'s
 * healthy NameServers, is kept on them, and is configured to keep consuming when a master dies —
 * it learns the new route soon (the group pushes broker changes; route poll 10 s instead of 30 s), its
 * failed pulls back off 1 s instead of 3 s, and with the master gone from the route the client pulls
 * the master's stored messages from its slave. Offsets committed while the master is down go to the
 * slave; after the master returns a few messages may be delivered again (at-least-once).
 *
 * <pre>{@code
 * HaConsumer<DefaultMQPushConsumer> consumer = HaConsumer.push("order-consumer", nameServers);
 * consumer.client().subscribe("orders", "*");
 * consumer.client().registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> { ...; return CONSUME_SUCCESS; });
 * consumer.start();
 * }</pre>
 *
 * @param <T> the wrapped client type
 */
public final class HaConsumer<T extends ClientConfig> implements AutoCloseable {
    /** Default heartbeat: a new consumer group is known to the brokers within this time. */
    public static final Duration HEARTBEAT = Duration.ofSeconds(3);
    /** Default route poll. */
    public static final Duration ROUTE_POLL = Duration.ofSeconds(10);
    /** Default pause after a failed pull. */
    public static final long PULL_DELAY_ON_ERROR_MILLIS = 1_000;

    private final T client;
    private final NameServerGroup nameServers;
    private final Starter<T> starter;
    private final java.util.function.Consumer<T> stopper;
    private final RPCHook rpcHook;
    private volatile MQClientInstance instance;

    private interface Starter<T> {
        void start(T client) throws MQClientException;
    }

    private HaConsumer(T client, NameServerGroup nameServers, RPCHook rpcHook, Starter<T> starter,
            java.util.function.Consumer<T> stopper) {
        this.client = client;
        this.rpcHook = rpcHook;
        this.nameServers = nameServers;
        this.starter = starter;
        this.stopper = stopper;
        client.setInstanceName("hakit-" + nameServers.name());
        client.setHeartbeatBrokerInterval((int) HEARTBEAT.toMillis());
        client.setPollNameServerInterval((int) ROUTE_POLL.toMillis());
    }

    /** A push consumer in {@code consumerGroup}; subscribe and register a listener on {@link #client()}, then start. */
    public static HaConsumer<DefaultMQPushConsumer> push(String consumerGroup, NameServerGroup nameServers) {
        return push(consumerGroup, nameServers, null);
    }

    /** A push consumer whose requests also pass {@code rpcHook} (e.g. RocketMQ's {@code AclClientRPCHook}); may be null. */
    public static HaConsumer<DefaultMQPushConsumer> push(String consumerGroup, NameServerGroup nameServers,
            RPCHook rpcHook) {
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer(group(consumerGroup), rpcHook);
        consumer.setPullTimeDelayMillsWhenException(PULL_DELAY_ON_ERROR_MILLIS);
        return new HaConsumer<>(consumer, Objects.requireNonNull(nameServers, "nameServers"), rpcHook,
                DefaultMQPushConsumer::start, DefaultMQPushConsumer::shutdown);
    }

    /** A lite pull consumer in {@code consumerGroup}; subscribe or assign on {@link #client()}, then start and poll. */
    public static HaConsumer<DefaultLitePullConsumer> litePull(String consumerGroup, NameServerGroup nameServers) {
        return litePull(consumerGroup, nameServers, null);
    }

    /** A lite pull consumer whose requests also pass {@code rpcHook} (e.g. ACL); may be null. */
    public static HaConsumer<DefaultLitePullConsumer> litePull(String consumerGroup, NameServerGroup nameServers,
            RPCHook rpcHook) {
        DefaultLitePullConsumer consumer = new DefaultLitePullConsumer(group(consumerGroup), rpcHook);
        consumer.setPullTimeDelayMillsWhenException(PULL_DELAY_ON_ERROR_MILLIS);
        return new HaConsumer<>(consumer, Objects.requireNonNull(nameServers, "nameServers"), rpcHook,
                DefaultLitePullConsumer::start, DefaultLitePullConsumer::shutdown);
    }

    private static String group(String consumerGroup) {
        return HaProducer.Builder.nonBlank(consumerGroup, "consumer group");
    }

    /** The wrapped client: subscribe, register listeners, tune before {@link #start()}. */
    public T client() {
        return client;
    }

    /** Starts on the group's healthy NameServers and keeps the client on them. */
    public HaConsumer<T> start() throws MQClientException {
        client.setNamesrvAddr(nameServers.namesrvAddr());
        nameServers.prepareInstance(client, rpcHook);
        starter.start(client);
        // the instance the client really started on (the prepared one unless its configuration changed)
        instance = MQClientManager.getInstance().getOrCreateMQClientInstance(client);
        nameServers.attach(instance);
        return this;
    }

    @Override
    public void close() {
        if (instance != null) {
            nameServers.detach(instance);
        }
        stopper.accept(client);
    }
}
