package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The module's test classpath is the trimmed one (exclusions in rocket/pom.xml): the stock client's
 * sync, async and one-way sends, a compressed body, and both consumer kinds work on it.
 */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class TrimmedClasspathIT {

    @Test
    void excludedServerSideLibrariesAreAbsent() {
        for (String name : List.of("org.rocksdb.RocksDB", "io.grpc.Channel", "io.opentelemetry.api.OpenTelemetry",
                "io.prometheus.metrics.model.registry.PrometheusRegistry", "com.github.luben.zstd.Zstd",
                "org.awaitility.Awaitility", "io.netty.handler.codec.http.HttpObject")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(name), name);
        }
    }

    @Test
    void producerAndBothConsumerKindsWorkOnTheTrimmedClasspath(RocketTestCluster cluster) throws Exception {
        String topic = "trimmed";
        cluster.createTopic(topic, 2, false);
        // a freshly started cluster on a loaded machine: every NameServer must route the topic before the stock
        // clients start (a consumer's start looks its subscription up on a NameServer and fails on a hiccup)
        Await.until(Duration.ofSeconds(60), () -> cluster.nameServers().stream().allMatch(ns -> {
            try {
                return !cluster.route(ns, topic).isEmpty();
            } catch (IllegalStateException notYet) {
                return false;
            }
        }), () -> "every NameServer routes " + topic);
        Set<String> pushed = ConcurrentHashMap.newKeySet();
        DefaultMQProducer producer = started(() -> {
            DefaultMQProducer p = new DefaultMQProducer("trimmed-producer");
            p.setNamesrvAddr(cluster.nameServerAddress());
            p.setInstanceName("trimmed-" + System.nanoTime());
            return p;
        }, DefaultMQProducer::start, DefaultMQProducer::shutdown);
        DefaultMQPushConsumer push = started(() -> {
            DefaultMQPushConsumer c = new DefaultMQPushConsumer("trimmed-push");
            c.setNamesrvAddr(cluster.nameServerAddress());
            c.setHeartbeatBrokerInterval(3_000);
            c.setInstanceName("trimmed-push-" + System.nanoTime());
            c.subscribe(topic, "*");
            c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                msgs.forEach(m -> pushed.add(key(m)));
                return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
            });
            return c;
        }, DefaultMQPushConsumer::start, DefaultMQPushConsumer::shutdown);
        DefaultLitePullConsumer pull = started(() -> {
            DefaultLitePullConsumer c = new DefaultLitePullConsumer("trimmed-pull");
            c.setNamesrvAddr(cluster.nameServerAddress());
            c.setInstanceName("trimmed-pull-" + System.nanoTime());
            c.setHeartbeatBrokerInterval(3_000);
            c.subscribe(topic, "*");
            return c;
        }, DefaultLitePullConsumer::start, DefaultLitePullConsumer::shutdown);
        try {
            int n = 0;
            for (; n < 20; n++) {
                assertEquals(SendStatus.SEND_OK, producer.send(message(topic, n, 16), 5_000).getSendStatus());
            }
            // bodies over compressMsgBodyOverHowmuch (4 KiB) are compressed (ZLIB by default)
            for (; n < 30; n++) {
                assertEquals(SendStatus.SEND_OK, producer.send(message(topic, n, 10_000), 5_000).getSendStatus());
            }
            for (; n < 40; n++) {
                CompletableFuture<SendResult> done = new CompletableFuture<>();
                producer.send(message(topic, n, 16), new SendCallback() {
                    @Override
                    public void onSuccess(SendResult r) {
                        done.complete(r);
                    }

                    @Override
                    public void onException(Throwable e) {
                        done.completeExceptionally(e);
                    }
                }, 5_000);
                assertEquals(SendStatus.SEND_OK, done.get(10, TimeUnit.SECONDS).getSendStatus());
            }
            for (; n < 50; n++) {
                producer.sendOneway(message(topic, n, 16));
            }
            int total = n;
            Await.until(Duration.ofSeconds(60), () -> pushed.size() == total, () -> "push consumer got " + pushed.size());
            Set<String> pulled = ConcurrentHashMap.newKeySet();
            Await.until(Duration.ofSeconds(60), () -> {
                pull.poll(200).forEach(m -> pulled.add(key(m)));
                return pulled.size() == total;
            }, () -> "lite pull consumer got " + pulled.size());
        } finally {
            pull.shutdown();
            push.shutdown();
            producer.shutdown();
        }
    }

    private interface Start<C> {
        void start(C client) throws Exception;
    }

    /**
     * A client built by {@code create} and started; a start that fails on a NameServer hiccup (the stock client turns
     * a RemotingSendRequestException of its route lookup into an IllegalStateException) shuts that client down and
     * starts a new one, for up to 30 s.
     */
    private static <C> C started(java.util.concurrent.Callable<C> create, Start<C> start,
            java.util.function.Consumer<C> shutdown) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            C client = create.call();
            try {
                start.start(client);
                return client;
            } catch (IllegalStateException | org.apache.rocketmq.client.exception.MQClientException e) {
                shutdown.accept(client);
                if (System.nanoTime() - deadline > 0) {
                    throw e;
                }
                LoggerFactory.getLogger(TrimmedClasspathIT.class).info("start failed ({}); a new client", e.toString());
            }
        }
    }

    private static Message message(String topic, int n, int size) {
        byte[] body = new byte[size];
        Arrays.fill(body, (byte) ('a' + n % 26));
        Message m = new Message(topic, body);
        m.setKeys("k" + n);
        return m;
    }

    private static String key(MessageExt m) {
        String body = new String(m.getBody(), StandardCharsets.UTF_8);
        return m.getKeys() + ":" + body.length();
    }
}
