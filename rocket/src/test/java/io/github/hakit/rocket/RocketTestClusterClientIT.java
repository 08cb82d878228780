package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The stock rocketmq-client against the testkit cluster: what every later test builds on. */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class RocketTestClusterClientIT {
    private static final Logger log = LoggerFactory.getLogger(RocketTestClusterClientIT.class);

    @Test
    void clientClasspathHasNoBrokerJars() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.rocketmq.broker.BrokerStartup"));
        assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.rocketmq.store.DefaultMessageStore"));
    }

    @Test
    void stockClientSendsAndConsumesThroughBothMastersAndSurvivesAKilledMaster(RocketTestCluster cluster)
            throws Exception {
        String topic = "testkit-basic";
        cluster.createTopic(topic, 2);
        DefaultMQProducer producer = new DefaultMQProducer("testkit-basic-producer");
        producer.setNamesrvAddr(cluster.nameServerAddress());
        producer.setSendLatencyFaultEnable(true);
        producer.setPollNameServerInterval(1_000);
        producer.setInstanceName("testkit-basic-" + System.nanoTime());
        DefaultMQPushConsumer consumer = new DefaultMQPushConsumer("testkit-basic-consumer");
        consumer.setNamesrvAddr(cluster.nameServerAddress());
        consumer.setHeartbeatBrokerInterval(3_000);
        consumer.setInstanceName("testkit-basic-c-" + System.nanoTime());
        Set<String> received = ConcurrentHashMap.newKeySet();
        consumer.subscribe(topic, "*");
        consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                received.add(new String(m.getBody(), StandardCharsets.UTF_8));
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        producer.start();
        consumer.start();
        try {
            Map<String, AtomicInteger> perBroker = new ConcurrentHashMap<>();
            for (int i = 0; i < 200; i++) {
                SendResult r = producer.send(new Message(topic, ("m" + i).getBytes(StandardCharsets.UTF_8)), 3_000);
                assertEquals(SendStatus.SEND_OK, r.getSendStatus());
                perBroker.computeIfAbsent(r.getMessageQueue().getBrokerName(), k -> new AtomicInteger()).incrementAndGet();
            }
            assertEquals(Set.of("broker-a", "broker-b"), perBroker.keySet(), "both masters take sends: " + perBroker);
            Await.until(Duration.ofSeconds(60), () -> received.size() == 200, () -> "200 consumed, have " + received.size());

            cluster.kill(cluster.master("broker-a"));
            int afterKill = 0;
            for (int i = 200; i < 300; i++) {
                SendResult r = producer.send(new Message(topic, ("m" + i).getBytes(StandardCharsets.UTF_8)), 3_000);
                assertEquals(SendStatus.SEND_OK, r.getSendStatus());
                if (r.getMessageQueue().getBrokerName().equals("broker-b")) {
                    afterKill++;
                }
            }
            assertEquals(100, afterKill, "every send after the kill landed on broker-b");

            Duration restart = cluster.restart(cluster.master("broker-a"));
            AtomicInteger sent = new AtomicInteger(300);
            long t0 = System.nanoTime();
            Await.until(Duration.ofSeconds(60), () -> {
                try {
                    int i = sent.getAndIncrement();
                    return producer.send(new Message(topic, ("m" + i).getBytes(StandardCharsets.UTF_8)), 3_000)
                            .getMessageQueue().getBrokerName().equals("broker-a");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, () -> "a send to the restarted broker-a");
            log.info("stock client: broker-a master restarted in {} ms, got traffic again {} ms after that",
                    restart.toMillis(), (System.nanoTime() - t0) / 1_000_000);
            Await.until(Duration.ofSeconds(60), () -> received.size() == sent.get(),
                    () -> sent.get() + " consumed, have " + received.size());
        } finally {
            consumer.shutdown();
            producer.shutdown();
        }
    }
}
