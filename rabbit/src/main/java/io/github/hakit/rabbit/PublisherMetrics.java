package io.github.hakit.rabbit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Micrometer meters of a {@link ReliablePublisher}, named after Micrometer's conventions (lower-case, dot-separated;
 * the registry adds units and suffixes, e.g. Prometheus {@code hakit_rabbit_publisher_confirm_latency_seconds}), all
 * tagged {@code publisher=<connection name>}:
 * <ul>
 *   <li>{@code hakit.rabbit.publisher.in.flight} (gauge, messages): published and not yet confirmed;</li>
 *   <li>{@code hakit.rabbit.publisher.confirm.latency} (timer): publish to broker confirm, per confirmed message
 *       (re-sends included: the caller's view);</li>
 *   <li>{@code hakit.rabbit.publisher.republished} (counter, messages): sends beyond the first, after a failover or
 *       a nack;</li>
 *   <li>{@code hakit.rabbit.publisher.published}, {@code .confirmed}, {@code .nacked} (counters, messages) and
 *       {@code hakit.rabbit.publisher.node.switches} (counter): connections opened after the first.</li>
 * </ul>
 * The Spring Boot auto-configuration binds it for the {@code ReliablePublisher} bean. Micrometer is an optional
 * dependency: only this class needs it.
 *
 * <pre>{@code
 * new PublisherMetrics(publisher).bindTo(meterRegistry);
 * }</pre>
 */
public final class PublisherMetrics implements MeterBinder {
    private final ReliablePublisher publisher;

    public PublisherMetrics(ReliablePublisher publisher) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        Tags tags = Tags.of("publisher", publisher.name());
        Gauge.builder("hakit.rabbit.publisher.in.flight", publisher, p -> p.stats().inFlight()).tags(tags)
                .baseUnit("messages").description("messages published and not yet confirmed by the broker")
                .register(registry);
        Timer latency = Timer.builder("hakit.rabbit.publisher.confirm.latency").tags(tags)
                .description("time from publish to the broker's confirm, re-sends included").register(registry);
        publisher.addConfirmLatencyListener(nanos -> latency.record(nanos, TimeUnit.NANOSECONDS));
        counter(registry, "hakit.rabbit.publisher.republished", tags, s -> s.resent(),
                "sends beyond the first (after a failover or a nack)");
        counter(registry, "hakit.rabbit.publisher.published", tags, s -> s.published(), "messages published");
        counter(registry, "hakit.rabbit.publisher.confirmed", tags, s -> s.confirmed(),
                "messages confirmed by the broker");
        counter(registry, "hakit.rabbit.publisher.nacked", tags, s -> s.nacked(), "messages nacked by the broker");
        FunctionCounter.builder("hakit.rabbit.publisher.node.switches", publisher, p -> p.stats().recoveries())
                .tags(tags).description("connections opened after the first (failovers, moves to the queue leader)")
                .register(registry);
    }

    private void counter(MeterRegistry registry, String name, Tags tags, ToLongFunction<ReliablePublisher.Stats> f,
            String description) {
        FunctionCounter.builder(name, publisher, p -> f.applyAsLong(p.stats())).tags(tags).baseUnit("messages")
                .description(description).register(registry);
    }
}
