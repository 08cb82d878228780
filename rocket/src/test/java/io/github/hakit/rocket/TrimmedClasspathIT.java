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
        DefaultMQProducer producer = new DefaultMQProducer("trimmed-producer");
        producer.setNamesrvAddr(cluster.nameServerAddress());
        producer.setInstanceName("trimmed-" + System.nanoTime());
        DefaultMQPushConsumer push = new DefaultMQPushConsumer("trimmed-push");
        push.setNamesrvAddr(cluster.nameServerAddress());
        push.setHeartbeatBrokerInterval(3_000);
        push.setInstanceName("trimmed-push-" + System.nanoTime());
        push.subscribe(topic, "*");
        Set<String> pushed = ConcurrentHashMap.newKeySet();
        push.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            msgs.forEach(m -> pushed.add(key(m)));
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        DefaultLitePullConsumer pull = new DefaultLitePullConsumer("trimmed-pull");
        pull.setNamesrvAddr(cluster.nameServerAddress());
        pull.setInstanceName("trimmed-pull-" + System.nanoTime());
        pull.setHeartbeatBrokerInterval(3_000);
        pull.subscribe(topic, "*");
        producer.start();
        push.start();
        pull.start();
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
