package io.github.hakit.rocket.spring;

import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.RocketSendException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Objects;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.common.message.Message;
import org.springframework.aop.framework.ProxyFactory;

/**
 * Routes the plain sends a {@code RocketMQTemplate} makes on its {@link DefaultMQProducer} — {@code send(Message[,
 * timeout])}, {@code send(Message, SendCallback[, timeout])}, {@code sendOneway(Message)} — through an
 * {@link HaProducer} wrapping that same producer (deadline split across attempts, retry on another broker, failed
 * brokers isolated, NameServers from the group), and its {@code start()}/{@code shutdown()} through the
 * HaProducer's. Everything else (orderly sends with a selector, batches, request/reply, getters and setters) goes
 * to the producer itself, which runs on the group's NameServers too.
 *
 * <pre>{@code
 * DefaultMQProducer routed = HakitProducerInterceptor.proxy(raw, HaProducer.builder(group).client(raw)
 *         .nameServers(nameServers).build());
 * template.setProducer(routed);
 * }</pre>
 *
 * A failed send reaches the template as an {@link MQClientException} whose cause is hakit's
 * {@link RocketSendException} (every attempt listed); the template wraps it in its {@code MessagingException}.
 */
public final class HakitProducerInterceptor implements MethodInterceptor {
    private final HaProducer producer;
    private final long defaultTimeoutMillis;

    private HakitProducerInterceptor(HaProducer producer, long defaultTimeoutMillis) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.defaultTimeoutMillis = defaultTimeoutMillis;
    }

    /** A class-based proxy of {@code target} whose plain sends, start and shutdown go through {@code producer}. */
    public static DefaultMQProducer proxy(DefaultMQProducer target, HaProducer producer) {
        ProxyFactory factory = new ProxyFactory(target);
        factory.setProxyTargetClass(true);
        factory.addAdvice(new HakitProducerInterceptor(producer, target.getSendMsgTimeout()));
        return (DefaultMQProducer) factory.getProxy(target.getClass().getClassLoader());
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        Method m = invocation.getMethod();
        Object[] a = invocation.getArguments();
        Class<?>[] types = m.getParameterTypes();
        String name = m.getName();
        boolean message = types.length > 0 && types[0] == Message.class;
        switch (name) {
            case "start" -> {
                if (types.length == 0) {
                    producer.start();
                    return null;
                }
            }
            case "shutdown" -> {
                if (types.length == 0) {
                    producer.close();
                    return null;
                }
            }
            case "send" -> {
                if (message && types.length == 1) {
                    return sync((Message) a[0], defaultTimeoutMillis);
                }
                if (message && types.length == 2 && types[1] == long.class) {
                    return sync((Message) a[0], (Long) a[1]);
                }
                if (message && types.length == 2 && types[1] == SendCallback.class) {
                    async((Message) a[0], (SendCallback) a[1], defaultTimeoutMillis);
                    return null;
                }
                if (message && types.length == 3 && types[1] == SendCallback.class && types[2] == long.class) {
                    async((Message) a[0], (SendCallback) a[1], (Long) a[2]);
                    return null;
                }
            }
            case "sendOneway" -> {
                if (message && types.length == 1) {
                    try {
                        producer.sendOneway((Message) a[0]);
                    } catch (RocketSendException e) {
                        throw new MQClientException(e.getMessage(), e);
                    }
                    return null;
                }
            }
            default -> {
                // everything else: the producer itself
            }
        }
        return invocation.proceed();
    }

    private Object sync(Message message, long timeoutMillis) throws MQClientException {
        try {
            return producer.send(message, Duration.ofMillis(Math.max(1, timeoutMillis)));
        } catch (RocketSendException e) {
            throw new MQClientException(e.getMessage(), e);
        }
    }

    private void async(Message message, SendCallback callback, long timeoutMillis) {
        producer.sendAsync(message, Duration.ofMillis(Math.max(1, timeoutMillis))).whenComplete((r, e) -> {
            if (e == null) {
                callback.onSuccess(r);
            } else {
                Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                        ? e.getCause() : e;
                callback.onException(cause);
            }
        });
    }
}
