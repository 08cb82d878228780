package io.github.hakit.rocket;

import java.util.Set;
import java.util.function.Function;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.exception.MQClientException;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageExt;

/** Push consumers for tests that collect what they receive. */
final class TestConsumers {
    private TestConsumers() {
    }

    /** A not yet started push consumer of {@code topic} from its first offset, adding {@code key(message)} to {@code sink}. */
    static HaConsumer<DefaultMQPushConsumer> collecting(String group, NameServerGroup nameServers, String topic,
            Set<String> sink, Function<MessageExt, String> key) throws MQClientException {
        HaConsumer<DefaultMQPushConsumer> consumer = HaConsumer.push(group, nameServers);
        consumer.client().setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.client().subscribe(topic, "*");
        consumer.client().registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            msgs.forEach(m -> sink.add(key.apply(m)));
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        return consumer;
    }
}
