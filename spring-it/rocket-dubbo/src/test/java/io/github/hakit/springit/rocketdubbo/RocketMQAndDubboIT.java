package io.github.hakit.springit.rocketdubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.hakit.rocket.HaConsumer;
import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.NameServerGroup;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.model.FrameworkModel;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;

/**
 * RocketMQ (hakit-rocket) and Dubbo (hakit-dubbo) in one JVM on one class path: Spring Boot's netty 4.1 for both,
 * Dubbo's netty-all aggregator excluded. A Dubbo call over the dubbo protocol (netty transport) and RocketMQ sends and
 * pushes (netty remoting) both work — the combination README "RocketMQ and Dubbo in one application" documents.
 */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 1)
class RocketMQAndDubboIT {
    /** The service the test exports. */
    public interface Echo {
        String echo(String text);
    }

    static final class EchoImpl implements Echo {
        @Override
        public String echo(String text) {
            return "echo:" + text;
        }
    }

    @Test
    void dubboCallsAndRocketMQMessagesShareOneNetty(RocketTestCluster cluster) throws Exception {
        // Dubbo: provider and consumer (direct URL, no registry) in their own framework model, loopback only
        int port = Ports.freePort("127.0.0.1");
        FrameworkModel framework = new FrameworkModel();
        DubboBootstrap dubbo = DubboBootstrap.getInstance(framework.newApplication());
        try {
            ApplicationConfig app = new ApplicationConfig("hakit-rocket-dubbo");
            app.setQosEnable(false);
            ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
            protocol.setHost("127.0.0.1");
            ServiceConfig<Echo> service = new ServiceConfig<>();
            service.setInterface(Echo.class);
            service.setRef(new EchoImpl());
            ReferenceConfig<Echo> reference = new ReferenceConfig<>();
            reference.setInterface(Echo.class);
            reference.setUrl("dubbo://127.0.0.1:" + port);
            reference.setTimeout(5_000);
            dubbo.application(app).registry(new RegistryConfig(RegistryConfig.NO_AVAILABLE)).protocol(protocol)
                    .service(service).reference(reference).start();
            assertEquals("echo:netty", reference.get().echo("netty"));

            // RocketMQ: sends and a push consumer through hakit, in the same JVM
            String topic = "rocket-dubbo";
            cluster.createTopic(topic, 2, false);
            Set<String> received = ConcurrentHashMap.newKeySet();
            try (NameServerGroup group = NameServerGroup.builder("rocket-dubbo")
                    .addresses(cluster.nameServerAddress()).build().start();
                 HaProducer producer = HaProducer.builder("rocket-dubbo-producer").nameServers(group)
                         .sendTimeout(Duration.ofSeconds(5)).build().start();
                 HaConsumer<DefaultMQPushConsumer> consumer = HaConsumer.push("rocket-dubbo-consumer", group)) {
                // a new group starts at each queue's end unless told otherwise: a queue assigned after the first
                // sends would skip them (seen: 99 of 100 on a loaded machine)
                consumer.client().setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
                consumer.client().subscribe(topic, "*");
                consumer.client().registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
                    msgs.forEach(m -> received.add(new String(m.getBody(), StandardCharsets.UTF_8)));
                    return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
                });
                consumer.start();
                for (int i = 0; i < 100; i++) {
                    assertEquals(SendStatus.SEND_OK, producer.send(new Message(topic,
                            ("m-" + i).getBytes(StandardCharsets.UTF_8))).getSendStatus());
                    // Dubbo keeps working while RocketMQ traffic flows on the same event loops' classes
                    assertEquals("echo:" + i, reference.get().echo(String.valueOf(i)));
                }
                Await.until(Duration.ofSeconds(60), () -> received.size() >= 100,
                        () -> "received " + received.size() + " of 100");
            }
        } finally {
            dubbo.destroy();
            framework.destroy();
        }
    }
}
