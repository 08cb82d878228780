package io.github.hakit.rocket.spring;

import io.github.hakit.rocket.HaConsumer;
import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.NameServerGroup;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.impl.factory.MQClientInstance;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.spring.core.RocketMQTemplate;
import org.apache.rocketmq.spring.support.DefaultRocketMQListenerContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;

/**
 * Plugs hakit into the beans rocketmq-spring-boot creates, so {@code RocketMQTemplate} and
 * {@code @RocketMQMessageListener} code stays as it is:
 * <ul>
 *   <li>each {@link RocketMQTemplate} (the default one and {@code @ExtRocketMQTemplateConfiguration} ones) gets its
 *       producer wrapped by an {@link HaProducer} on the {@link NameServerGroup}: plain sync, async and one-way
 *       sends fail over across brokers within their deadline ({@code rocketmq.producer.send-message-timeout}, or the
 *       timeout passed), with {@code 1 + rocketmq.producer.retry-times-when-send-failed} attempts; the producer's
 *       client runs on the group's healthy NameServers; transactional sends, orderly sends with a selector, batches
 *       and request/reply go to the producer itself (on the same NameServers). A producer with a namespace is left
 *       as rocketmq-spring built it;</li>
 *   <li>each {@link DefaultRocketMQListenerContainer}'s push consumer starts on the group's healthy NameServers, is
 *       kept on them, and gets hakit's consumer timings (heartbeat 3 s, route poll 10 s, 1 s pause after a failed
 *       pull), as {@link HaConsumer} does.</li>
 * </ul>
 */
public class RocketMQSpringPostProcessor implements DestructionAwareBeanPostProcessor, WrappedProducers {
    private static final Logger log = LoggerFactory.getLogger(RocketMQSpringPostProcessor.class);

    private final ObjectProvider<NameServerGroup> nameServers;
    private final ObjectProvider<RocketProperties> properties;
    private final Map<Object, MQClientInstance> attached = new ConcurrentHashMap<>();
    private final List<HaProducer> producers = new java.util.concurrent.CopyOnWriteArrayList<>();

    public RocketMQSpringPostProcessor(ObjectProvider<NameServerGroup> nameServers,
            ObjectProvider<RocketProperties> properties) {
        this.nameServers = Objects.requireNonNull(nameServers, "nameServers");
        this.properties = Objects.requireNonNull(properties, "properties");
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof RocketMQTemplate template) {
            DefaultMQProducer raw = template.getProducer();
            // rocketmq-spring builds its default producer as a TransactionMQProducer; transactions pass through
            if (raw != null && !AopUtils.isAopProxy(raw)) {
                if (raw.getNamespace() != null && !raw.getNamespace().isBlank()
                        || raw.getNamespaceV2() != null && !raw.getNamespaceV2().isBlank()) {
                    log.info("RocketMQTemplate '{}' uses a namespace: its producer keeps the stock send path",
                            beanName);
                } else {
                    template.setProducer(wrap(raw));
                    log.info("RocketMQTemplate '{}' sends through hakit (producer group {}, NameServer group {})",
                            beanName, raw.getProducerGroup(), nameServers.getObject().name());
                }
            }
        }
        return bean;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof DefaultRocketMQListenerContainer container && container.getConsumer() != null) {
            NameServerGroup group = nameServers.getObject();
            DefaultMQPushConsumer consumer = container.getConsumer();
            consumer.setNamesrvAddr(group.namesrvAddr());
            if ("DEFAULT".equals(consumer.getInstanceName())) {
                consumer.setInstanceName("hakit-" + group.name());
            }
            consumer.setHeartbeatBrokerInterval((int) HaConsumer.HEARTBEAT.toMillis());
            consumer.setPollNameServerInterval((int) HaConsumer.ROUTE_POLL.toMillis());
            consumer.setPullTimeDelayMillsWhenException(HaConsumer.PULL_DELAY_ON_ERROR_MILLIS);
            MQClientInstance instance = group.prepareInstance(consumer,
                    rpcHook(consumer.getDefaultMQPushConsumerImpl()));
            group.attach(instance);
            attached.put(bean, instance);
            log.info("@RocketMQMessageListener container '{}' (group {}) runs on NameServer group {}", beanName,
                    consumer.getConsumerGroup(), group.name());
        }
        return bean;
    }

    @Override
    public void postProcessBeforeDestruction(Object bean, String beanName) {
        MQClientInstance instance = attached.remove(bean);
        if (instance != null) {
            nameServers.ifAvailable(g -> g.detach(instance));
        }
    }

    @Override
    public boolean requiresDestruction(Object bean) {
        return bean instanceof DefaultRocketMQListenerContainer;
    }

    private DefaultMQProducer wrap(DefaultMQProducer raw) {
        RocketProperties.Producer p = properties.getObject().getProducer();
        int retries = raw.getRetryTimesWhenSendFailed();
        int asyncRetries = raw.getRetryTimesWhenSendAsyncFailed();
        HaProducer.Builder b = HaProducer.builder(raw.getProducerGroup()).client(raw)
                .nameServers(nameServers.getObject())
                .sendTimeout(Duration.ofMillis(Math.max(1, raw.getSendMsgTimeout())))
                .tries(Math.max(1, Math.min(16, 1 + retries)))
                .retryWhenNotStoredOk(raw.isRetryAnotherBrokerWhenNotStoreOK())
                .brokerIsolation(p.getBrokerIsolation())
                // batches, orderly and request/reply sends keep the stock path with the user's own retries
                .customizer(c -> {
                    c.setRetryTimesWhenSendFailed(retries);
                    c.setRetryTimesWhenSendAsyncFailed(asyncRetries);
                });
        if (raw.getInstanceName() != null && !"DEFAULT".equals(raw.getInstanceName())) {
            b.instanceName(raw.getInstanceName());
        }
        RPCHook hook = rpcHook(raw.getDefaultMQProducerImpl());
        if (hook != null) {
            b.rpcHook(hook);
        }
        HaProducer producer = b.build();
        producers.add(producer);
        return HakitProducerInterceptor.proxy(raw, producer);
    }

    /** The producers that wrap the templates' clients (for meters). */
    @Override
    public List<HaProducer> producers() {
        return List.copyOf(producers);
    }

    /**
     * The hook (e.g. ACL) a client was built with: the client keeps it in a private field of its implementation and
     * it must reach the client instance hakit prepares, or the client's requests would lose it.
     */
    static RPCHook rpcHook(Object clientImpl) {
        if (clientImpl == null) {
            return null;
        }
        try {
            Field f = clientImpl.getClass().getDeclaredField("rpcHook");
            f.setAccessible(true);
            return (RPCHook) f.get(clientImpl);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.warn("cannot read the RPC hook of {} ({}); a client with ACL credentials would lose them",
                    clientImpl.getClass().getName(), e.toString());
            return null;
        }
    }
}
