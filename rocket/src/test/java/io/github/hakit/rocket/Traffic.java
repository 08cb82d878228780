package io.github.hakit.rocket;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;

/**
 * Sends numbered messages through an {@link HaProducer} from a few threads and records, per send, the
 * broker that took it and when; a hook runs once when a given count has been sent (to kill something
 * mid-stream).
 */
final class Traffic {
    /** One acknowledged send. */
    record Ack(int n, String broker, long atNanos, SendStatus status, String msgId) {
    }

    final List<Ack> acks = new CopyOnWriteArrayList<>();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();
    final Map<Integer, String> ackedKeys = new ConcurrentHashMap<>();
    final AtomicLong maxLatencyNanos = new AtomicLong();
    final AtomicLong maxLatencyAfterNanos = new AtomicLong();
    volatile long markNanos = Long.MAX_VALUE;
    long startNanos;
    long endNanos;

    /**
     * Sends {@code total} messages (keys {@code prefix-n}) from {@code threads} threads; {@code atCount}
     * runs {@code hook} once after that many sends were started.
     */
    Traffic run(HaProducer producer, String topic, String prefix, int total, int threads, int atCount, IntConsumer hook)
            throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(threads);
        startNanos = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                try {
                    int n;
                    while ((n = next.getAndIncrement()) < total) {
                        if (n == atCount && hook != null) {
                            markNanos = System.nanoTime();
                            hook.accept(n);
                        }
                        Message m = new Message(topic, (prefix + "-" + n).getBytes(StandardCharsets.UTF_8));
                        m.setKeys(prefix + "-" + n);
                        long t0 = System.nanoTime();
                        try {
                            SendResult r = producer.send(m);
                            long t1 = System.nanoTime();
                            acks.add(new Ack(n, r.getMessageQueue().getBrokerName(), t1, r.getSendStatus(), r.getMsgId()));
                            if (r.getSendStatus() == SendStatus.SEND_OK) {
                                ackedKeys.put(n, r.getMessageQueue().getBrokerName());
                            }
                            maxLatencyNanos.accumulateAndGet(t1 - t0, Math::max);
                            if (t0 > markNanos) {
                                maxLatencyAfterNanos.accumulateAndGet(t1 - t0, Math::max);
                            }
                        } catch (RocketSendException e) {
                            failures.add(e);
                        }
                    }
                } finally {
                    done.countDown();
                }
            }, "traffic-" + t);
            workers.add(worker);
            worker.start();
        }
        done.await();
        endNanos = System.nanoTime();
        return this;
    }

    /**
     * Sends until every broker has taken {@code perBroker} messages (cold JIT, first replication and
     * connection set-up make the first sends slow enough to trip the latency isolation on a busy machine).
     */
    static void warmUp(HaProducer producer, String topic, java.util.Set<String> brokers, int perBroker)
            throws RocketSendException {
        Map<String, Integer> counts = new ConcurrentHashMap<>();
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (!brokers.stream().allMatch(b -> counts.getOrDefault(b, 0) >= perBroker)) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("warm-up did not reach " + brokers + ": " + counts);
            }
            Message m = new Message(topic, "warm-up".getBytes(StandardCharsets.UTF_8));
            m.setKeys("warm-up");
            counts.merge(producer.send(m).getMessageQueue().getBrokerName(), 1, Integer::sum);
        }
    }

    double ratePerSecond() {
        return acks.size() / ((endNanos - startNanos) / 1e9);
    }

    /** Nanoseconds from the mark to the last ack by {@code broker} (negative if none after the mark). */
    long lastAckOnAfterMark(String broker) {
        return acks.stream().filter(a -> a.broker().equals(broker)).mapToLong(Ack::atNanos).max().orElse(0) - markNanos;
    }
}
