package io.github.hakit.rocket;

import io.github.hakit.core.metrics.UpstreamMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer meters for an {@link HaProducer} (Micrometer is an optional dependency; this class is only loaded when
 * used). The Spring auto-configuration binds one per producer: hakit's own and each {@code RocketMQTemplate}'s.
 *
 * <pre>{@code
 * new HaProducerMetrics(producer).bindTo(registry);
 * }</pre>
 *
 * Meters, tagged {@code producer} (the producer group):
 * <ul>
 *   <li>{@code hakit.rocketmq.producer.sends} — calls to send, sendAsync and sendOneway</li>
 *   <li>{@code hakit.rocketmq.producer.attempts} — attempts, tagged {@code broker} and
 *       {@code outcome=success|failure} (a failed attempt was retried on another broker or ended the send)</li>
 *   <li>{@code hakit.rocketmq.producer.failed.attempts} — failed attempts, all brokers</li>
 *   <li>{@code hakit.rocketmq.producer.caller.failures} — sends that failed for the caller</li>
 * </ul>
 * plus core's {@code hakit.upstream.*} meters of the broker upstream ({@link UpstreamMetrics}, upstream
 * {@code rocketmq-brokers-<group>}: ejections as state changes, retries, exhausted sends).
 */
public final class HaProducerMetrics implements MeterBinder {
    private final HaProducer producer;

    public HaProducerMetrics(HaProducer producer) {
        this.producer = Objects.requireNonNull(producer, "producer");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Tags tags = Tags.of("producer", producer.group());
        FunctionCounter.builder("hakit.rocketmq.producer.sends", producer, p -> p.stats().sends()).tags(tags)
                .description("calls to send, sendAsync and sendOneway").register(registry);
        FunctionCounter.builder("hakit.rocketmq.producer.failed.attempts", producer, p -> p.stats().failedAttempts())
                .tags(tags).description("failed send attempts, all brokers").register(registry);
        FunctionCounter.builder("hakit.rocketmq.producer.caller.failures", producer, p -> p.stats().callerFailures())
                .tags(tags).description("sends that failed for the caller").register(registry);
        new UpstreamMetrics(producer.upstream()).bindTo(registry);
        Map<String, Counter> counters = new ConcurrentHashMap<>();
        producer.addListener(new SendListener() {
            @Override
            public void attemptSucceeded(String topic, SendAttempt attempt) {
                counter(attempt.brokerName(), "success").increment();
            }

            @Override
            public void attemptFailed(String topic, SendAttempt attempt) {
                counter(attempt.brokerName(), "failure").increment();
            }

            private Counter counter(String broker, String outcome) {
                return counters.computeIfAbsent(broker + '\n' + outcome, k -> Counter
                        .builder("hakit.rocketmq.producer.attempts").tags(tags.and("broker", broker, "outcome", outcome))
                        .description("send attempts per broker").register(registry));
            }
        });
    }
}
