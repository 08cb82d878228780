package io.github.hakit.rabbit;

import com.rabbitmq.client.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/** Test load: persistent messages published at a steady rate on its own thread until stopped; every future kept. */
final class PacedProducer implements AutoCloseable {
    private final ConcurrentLinkedQueue<CompletableFuture<PublishResult>> futures = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;

    /** Starts publishing {@code ratePerSecond} messages to {@code queue}; {@code onConfirm} sees each confirm. */
    PacedProducer(ReliablePublisher publisher, String queue, int ratePerSecond, Consumer<PublishResult> onConfirm) {
        this.thread = new Thread(() -> {
            long start = System.nanoTime();
            for (long i = 0; !stop.get(); i++) {
                long wait = start + i * 1_000_000_000L / ratePerSecond - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                CompletableFuture<PublishResult> f = publisher.publish("", queue, MessageProperties.PERSISTENT_BASIC,
                        ("m" + i).getBytes(StandardCharsets.UTF_8));
                f.thenAccept(onConfirm);
                futures.add(f);
            }
        }, "paced-producer");
        thread.start();
    }

    /** Messages published so far. */
    int published() {
        return futures.size();
    }

    /** Stops publishing and waits up to {@code timeout} per message for its outcome. */
    Outcome stopAndAwait(Duration timeout) throws InterruptedException, TimeoutException {
        close();
        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        long failed = 0;
        for (CompletableFuture<PublishResult> f : futures) {
            try {
                confirmed.add(f.get(timeout.toMillis(), TimeUnit.MILLISECONDS).messageId());
            } catch (ExecutionException e) {
                failed++;
            }
        }
        return new Outcome(futures.size(), confirmed, failed);
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        thread.join(TimeUnit.SECONDS.toMillis(30));
    }

    /** What became of the messages: ids confirmed, and how many failed. */
    record Outcome(int published, Set<String> confirmed, long failed) {
    }
}
