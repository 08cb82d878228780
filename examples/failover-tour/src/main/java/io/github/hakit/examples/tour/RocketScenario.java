package io.github.hakit.examples.tour;

import io.github.hakit.rocket.HaProducer;
import io.github.hakit.rocket.NameServerGroup;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketNode;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.rocketmq.client.consumer.DefaultLitePullConsumer;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

/**
 * RocketMQ: 2 NameServers and 2 masters + 2 slaves ({@code 2m-2s-async}), each in its own JVM, a topic on both
 * broker groups, synchronous sends at a steady rate, and {@code kill -9} of broker-a's master. hakit's
 * {@code HaProducer} against the stock {@code DefaultMQProducer} (3 s send timeout, 2 retries), send by send.
 * Afterwards the master is restarted and a consumer reads the topic back: a send that returned {@code SEND_OK}
 * but cannot be read is lost.
 */
final class RocketScenario implements Scenario {
    private Future<RocketTestCluster> starting;

    @Override
    public String name() {
        return "rocket";
    }

    @Override
    public void prepare(Tour tour) {
        tour.console.step("starting 2 RocketMQ NameServers and 2m-2s brokers in their own JVMs, in the background");
        starting = tour.startInBackground("RocketMQ", () -> tour.own(RocketTestCluster.builder()
                .layout(RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC).nameServers(2).build()).start());
    }

    @Override
    public List<Result> run(Tour tour) throws Exception {
        Console c = tour.console;
        c.title("RocketMQ: 2 NameServers, 2 masters + 2 slaves (async)");
        c.step("waiting for the RocketMQ cluster");
        RocketTestCluster cluster = starting.get(240, TimeUnit.SECONDS);
        c.step("NameServers " + cluster.nameServerAddress() + ", brokers " + String.join(", ",
                cluster.brokers().stream().map(b -> b.name() + " " + b.address()).toList()));
        String topic = "tour-" + UUID.randomUUID().toString().substring(0, 8);
        cluster.createTopic(topic, 4);
        NameServerGroup nameServers = tour.own(NameServerGroup.builder("tour").addresses(cluster.nameServerAddress())
                .build().start());
        HaProducer hakit = tour.own(HaProducer.builder("tour-hakit").nameServers(nameServers)
                .sendTimeout(Duration.ofSeconds(3)).build().start());
        DefaultMQProducer stock = new DefaultMQProducer("tour-stock");
        stock.setNamesrvAddr(cluster.nameServerAddress());
        stock.setInstanceName("tour-stock");
        stock.start();
        tour.own(stock::shutdown);
        for (int i = 0; i < 8; i++) { // routes known, connections to both masters open
            hakit.send(message(topic, "warm-h-" + i));
            stock.send(message(topic, "warm-s-" + i));
        }
        RocketNode master = cluster.master("broker-a");
        int rate = 50;
        int seconds = tour.size(8, 6);
        int n = rate * seconds;
        int killAt = 2 * rate;
        c.step(rate + " sync sends/s per producer for " + seconds + " s; kill -9 of broker-a's master "
                + master.address() + " after 2 s");
        FastDfsScenario.Tally h = new FastDfsScenario.Tally();
        FastDfsScenario.Tally s = new FastDfsScenario.Tally();
        Set<String> hakitOk = new HashSet<>();
        Set<String> stockOk = new HashSet<>();
        long killedAt = 0;
        Console.Progress bar = c.progress("sending", n);
        long t0 = System.nanoTime();
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        for (int i = 0; i < n; i++) {
            long wait = t0 + i * interval - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (i == killAt) {
                cluster.kill(master);
                killedAt = System.nanoTime();
                c.step("kill -9 " + master.name() + " (pid gone)");
            }
            long t = System.nanoTime();
            try {
                SendResult r = hakit.send(message(topic, "h-" + i));
                if (r.getSendStatus() == SendStatus.SEND_OK) {
                    hakitOk.add("h-" + i);
                    h.ok(killedAt, t);
                } else {
                    h.fail(new IllegalStateException(r.getSendStatus().name()));
                }
            } catch (Exception e) {
                h.fail(e);
            }
            t = System.nanoTime();
            try {
                SendResult r = stock.send(message(topic, "s-" + i));
                if (r.getSendStatus() == SendStatus.SEND_OK) {
                    stockOk.add("s-" + i);
                    s.ok(killedAt, t);
                } else {
                    s.fail(new IllegalStateException(r.getSendStatus().name()));
                }
            } catch (Exception e) {
                s.fail(e);
            }
            if (i % rate == rate - 1 || i == n - 1) {
                bar.update(i + 1, "hakit failures " + h.failures + ", stock failures " + s.failures);
            }
        }
        StringBuilder status = new StringBuilder("brokers in the NameServers' routes:\n");
        nameServers.clusterView().brokers().values().forEach(g -> status.append("  ").append(g.name())
                .append(": master ").append(g.master().orElse("- (gone)")).append(", slaves ")
                .append(g.slaves().values()).append(g.writable() ? "" : " (read-only: consumers read the slave)")
                .append('\n'));
        status.append("brokers isolated by hakit's producer: ").append(hakit.isolatedBrokers().keySet()).append('\n')
                .append(nameServers.upstream().status().render());
        c.step("restarting broker-a's master (crash recovery takes 7-12 s) to read everything back");
        cluster.restart(master);
        Set<String> read = readBack(cluster, topic, hakitOk, stockOk, c);
        long hLost = hakitOk.stream().filter(id -> !read.contains(id)).count();
        long sLost = stockOk.stream().filter(id -> !read.contains(id)).count();
        return List.of(new Result("rocket", "broker master kill -9 under sync sends", List.of(
                h.row("hakit HaProducer", n, hLost, "dead broker isolated at once" + note(h)),
                s.row("rocketmq-client DefaultMQProducer", n, sLost, "retries on another broker" + note(s))),
                status.toString()));
    }

    private static String note(FastDfsScenario.Tally t) {
        return t.firstError == null ? "" : "; " + t.firstError;
    }

    private static Message message(String topic, String id) {
        Message m = new Message(topic, ("tour " + id).getBytes(StandardCharsets.UTF_8));
        m.setKeys(id);
        return m;
    }

    private static Set<String> readBack(RocketTestCluster cluster, String topic, Set<String> a, Set<String> b,
            Console c) throws Exception {
        Set<String> seen = new HashSet<>();
        DefaultLitePullConsumer consumer = new DefaultLitePullConsumer("tour-check-" + UUID.randomUUID()
                .toString().substring(0, 8));
        consumer.setNamesrvAddr(cluster.nameServerAddress());
        consumer.setInstanceName("tour-check");
        consumer.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        consumer.subscribe(topic, "*");
        consumer.start();
        try {
            int expected = a.size() + b.size();
            Console.Progress bar = c.progress("reading back", expected);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
            while (System.nanoTime() < deadline && !(seen.containsAll(a) && seen.containsAll(b))) {
                for (MessageExt m : consumer.poll(1000)) {
                    seen.add(m.getKeys());
                }
                bar.update((int) (a.stream().filter(seen::contains).count() + b.stream().filter(seen::contains)
                        .count()), "");
            }
        } finally {
            consumer.shutdown();
        }
        return seen;
    }

}
