package io.github.hakit.examples.tour;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Address;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.ConfirmListener;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import io.github.hakit.rabbit.PublishResult;
import io.github.hakit.rabbit.PublisherConfig;
import io.github.hakit.rabbit.RabbitCluster;
import io.github.hakit.rabbit.ReliablePublisher;
import io.github.hakit.testkit.proxy.HaproxyListen;
import io.github.hakit.testkit.proxy.HaproxyServer;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * RabbitMQ: a real 3-node cluster (Debian {@code rabbitmq-server}) on loopback, a quorum queue per client,
 * persistent messages with publisher confirms at a steady rate, and {@code kill -9} of the node every publisher is
 * connected to. hakit's {@code ReliablePublisher} against amqp-client with its own automatic recovery (address list
 * of the three nodes), and — when HAProxy is installed — amqp-client through HAProxy ({@code mode tcp},
 * {@code check inter 2s rise 2 fall 3}).
 */
final class RabbitScenario implements Scenario {
    private static final byte[] BODY = new byte[256];
    private Future<RabbitTestCluster> starting;

    @Override
    public String name() {
        return "rabbit";
    }

    @Override
    public void prepare(Tour tour) {
        if (RabbitTestCluster.serverInstalled()) {
            tour.console.step("starting 3 RabbitMQ nodes in the background (15-40 s)");
            starting = tour.startInBackground("RabbitMQ", () -> tour.own(RabbitTestCluster.builder().nodes(3).build())
                    .start());
        }
    }

    @Override
    public List<Result> run(Tour tour) throws Exception {
        Console c = tour.console;
        c.title("RabbitMQ: 3 nodes, quorum queues, publisher confirms");
        if (starting == null) {
            throw new FailoverTour.Skipped("rabbitmq-server is not installed (" + RabbitTestCluster.SCRIPTS_DIR
                    + "); install it with: apt-get install rabbitmq-server   (the tour then starts its own nodes "
                    + "on loopback; the system service is not used)");
        }
        c.step("waiting for the RabbitMQ cluster");
        RabbitTestCluster cluster = starting.get(180, TimeUnit.SECONDS);
        c.step("nodes " + cluster.amqpAddresses());
        RabbitCluster rabbit = tour.own(RabbitCluster.builder().endpoints(cluster.amqpAddresses()).build());
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String hq = "tour-hakit-" + suffix;
        String sq = "tour-stock-" + suffix;
        String pq = "tour-haproxy-" + suffix;
        for (String q : List.of(hq, sq, pq)) {
            rabbit.declareQuorumQueue(q);
        }
        cluster.awaitQuorumMembersOnline(Duration.ofSeconds(60));
        ReliablePublisher publisher = tour.own(rabbit.publisher(PublisherConfig.builder()
                .confirmDeadline(Duration.ofSeconds(30)).build()));
        publisher.publish("", hq, props("warmup"), BODY).get(10, TimeUnit.SECONDS);
        String hakitEndpoint = publisher.currentEndpoint().orElseThrow();
        RabbitNode victim = cluster.nodeByAmqpPort(port(hakitEndpoint)).orElseThrow();
        List<Address> victimFirst = new ArrayList<>();
        victimFirst.add(new Address(RabbitTestCluster.HOST, victim.amqpPort()));
        cluster.nodes().stream().filter(n -> n != victim)
                .forEach(n -> victimFirst.add(new Address(RabbitTestCluster.HOST, n.amqpPort())));
        // amqp-client shuffles an address list: connect until its connection is on the same node as hakit's
        StockPublisher stock = null;
        for (int attempt = 0; attempt < 20 && stock == null; attempt++) {
            StockPublisher candidate = new StockPublisher("amqp-client, 3 addresses, auto recovery", victimFirst, sq);
            if (candidate.connection.getPort() == victim.amqpPort()) {
                stock = tour.own(candidate);
            } else {
                candidate.close();
            }
        }
        if (stock == null) {
            throw new IllegalStateException("amqp-client never connected to " + victim.amqpAddress() + " in 20 tries");
        }
        StockPublisher viaProxy = null;
        if (HaproxyServer.installed()) {
            List<String> servers = victimFirst.stream().map(a -> a.getHost() + ":" + a.getPort()).toList();
            HaproxyServer haproxy = tour.own(HaproxyServer.builder().listen(HaproxyListen.tcp("rabbit", servers)
                    .withBalance("first")).build().start());
            viaProxy = tour.own(new StockPublisher("amqp-client via HAProxy, auto recovery",
                    List.of(new Address(RabbitTestCluster.HOST, haproxy.port("rabbit"))), pq));
            c.step("HAProxy " + haproxy.port("rabbit") + ": mode tcp, balance first, check inter 2s rise 2 fall 3");
        } else {
            c.warn("HAProxy not installed (apt-get install haproxy): the proxy column is left out");
        }
        c.step("every publisher is connected to " + victim.nodeName() + " (" + victim.amqpAddress() + ")");

        int rate = 200;
        int seconds = tour.size(8, 6);
        int killAt = 2 * rate;
        int n = seconds * rate;
        c.step(rate + " persistent messages/s per publisher for " + seconds + " s; kill -9 of "
                + victim.nodeName() + " after 2 s");
        List<CompletableFuture<PublishResult>> futures = new ArrayList<>();
        AtomicLong killedAt = new AtomicLong();
        AtomicLong hakitFirstAfter = new AtomicLong();
        Console.Progress bar = c.progress("publishing", n);
        long t0 = System.nanoTime();
        long interval = TimeUnit.SECONDS.toNanos(1) / rate;
        for (int i = 0; i < n; i++) {
            long wait = t0 + i * interval - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            if (i == killAt) {
                killedAt.set(System.nanoTime());
                victim.kill();
                c.step("kill -9 " + victim.nodeName());
            }
            CompletableFuture<PublishResult> f = publisher.publish("", hq, props("h-" + i), BODY);
            f.thenAccept(r -> {
                if (killedAt.get() != 0 && !r.endpoint().equals(hakitEndpoint)) {
                    hakitFirstAfter.compareAndSet(0, System.nanoTime() - killedAt.get());
                }
            });
            futures.add(f);
            stock.publish("s-" + i, killedAt.get());
            if (viaProxy != null) {
                viaProxy.publish("p-" + i, killedAt.get());
            }
            if (i % rate == rate - 1 || i == n - 1) {
                bar.update(i + 1, "stock failures " + stock.errors + (viaProxy == null ? "" : ", via HAProxy "
                        + viaProxy.errors));
            }
        }
        c.step("waiting for the outstanding confirms");
        int hakitErrors = 0;
        String hakitFirstError = null;
        Set<String> hakitDone = new HashSet<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                futures.get(i).get(40, TimeUnit.SECONDS);
                hakitDone.add("h-" + i);
            } catch (Exception e) {
                hakitErrors++;
                hakitFirstError = hakitFirstError == null ? String.valueOf(e.getCause()) : hakitFirstError;
            }
        }
        stock.awaitConfirms(Duration.ofSeconds(10));
        if (viaProxy != null) {
            viaProxy.awaitConfirms(Duration.ofSeconds(10));
        }
        c.step("reading the three queues from a surviving node");
        RabbitNode reader = cluster.nodes().stream().filter(RabbitNode::isAlive).findFirst().orElseThrow();
        Set<String> inHakit = drain(reader, hq);
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("hakit ReliablePublisher", n, hakitErrors, ms(hakitFirstAfter.get()),
                hakitDone.stream().filter(id -> !inHakit.contains(id)).count(),
                "unconfirmed re-sent on the next node" + (hakitFirstError == null ? "" : "; " + hakitFirstError)));
        rows.add(stock.row(n, drain(reader, sq)));
        if (viaProxy != null) {
            rows.add(viaProxy.row(n, drain(reader, pq)));
        }
        return List.of(new Result("rabbit", "node kill -9 under confirmed publishing", rows,
                rabbit.status().render()));
    }

    private static Long ms(long nanos) {
        return nanos == 0 ? -1L : nanos / 1_000_000;
    }

    private static int port(String hostPort) {
        return Integer.parseInt(hostPort.substring(hostPort.lastIndexOf(':') + 1));
    }

    private static AMQP.BasicProperties props(String id) {
        return MessageProperties.PERSISTENT_BASIC.builder().messageId(id).build();
    }

    private static Set<String> drain(RabbitNode node, String queue) throws Exception {
        ConnectionFactory f = new ConnectionFactory();
        f.setHost(RabbitTestCluster.HOST);
        f.setPort(node.amqpPort());
        f.setAutomaticRecoveryEnabled(false);
        Set<String> ids = new HashSet<>();
        try (Connection conn = f.newConnection("tour-drain"); Channel ch = conn.createChannel()) {
            GetResponse r;
            while ((r = ch.basicGet(queue, true)) != null) {
                ids.add(String.valueOf(r.getProps().getMessageId()));
            }
        }
        return ids;
    }

    /**
     * amqp-client as applications use it: automatic recovery, confirms tracked by sequence number, a publish that
     * throws is a caller-visible failure; a publish that returned is what the application believes done.
     */
    private static final class StockPublisher implements AutoCloseable {
        final String name;
        final String queue;
        final Connection connection;
        final Channel channel;
        final ConcurrentSkipListSet<Long> outstanding = new ConcurrentSkipListSet<>();
        final Set<String> believedDone = new HashSet<>();
        final AtomicLong unconfirmedAtShutdown = new AtomicLong();
        final AtomicLong shutdownAt = new AtomicLong();
        final AtomicLong firstAckAfter = new AtomicLong();
        volatile long killedAt;
        int errors;
        String firstError;

        StockPublisher(String name, List<Address> addresses, String queue) throws Exception {
            this.name = name;
            this.queue = queue;
            ConnectionFactory f = new ConnectionFactory();
            f.setAutomaticRecoveryEnabled(true);
            f.setTopologyRecoveryEnabled(true);
            this.connection = f.newConnection(addresses, name);
            this.channel = connection.createChannel();
            channel.confirmSelect();
            // after recovery the channel numbers its publishes from 1 again: what the dead connection never
            // confirmed is counted, then the count starts over
            channel.addShutdownListener(cause -> {
                if (shutdownAt.compareAndSet(0, System.nanoTime())) {
                    unconfirmedAtShutdown.set(outstanding.size());
                    outstanding.clear();
                }
            });
            channel.addConfirmListener(new ConfirmListener() {
                @Override
                public void handleAck(long seq, boolean multiple) {
                    if (shutdownAt.get() != 0 && killedAt != 0) {
                        firstAckAfter.compareAndSet(0, System.nanoTime() - killedAt);
                    }
                    remove(seq, multiple);
                }

                @Override
                public void handleNack(long seq, boolean multiple) {
                    remove(seq, multiple);
                }
            });
        }

        private void remove(long seq, boolean multiple) {
            if (multiple) {
                outstanding.headSet(seq, true).clear();
            } else {
                outstanding.remove(seq);
            }
        }

        void publish(String id, long killedAt) {
            this.killedAt = killedAt;
            long seq = channel.getNextPublishSeqNo();
            try {
                outstanding.add(seq);
                channel.basicPublish("", queue, props(id), BODY);
                believedDone.add(id);
            } catch (Exception e) {
                outstanding.remove(seq);
                errors++;
                if (firstError == null) {
                    firstError = e.getClass().getSimpleName();
                }
            }
        }

        void awaitConfirms(Duration timeout) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!outstanding.isEmpty() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }

        Row row(int calls, Set<String> inQueue) {
            long lost = believedDone.stream().filter(id -> !inQueue.contains(id)).count();
            long unconfirmed = unconfirmedAtShutdown.get() + outstanding.size();
            return new Row(name, calls, errors, ms(firstAckAfter.get()), lost, unconfirmed + " never confirmed"
                    + (firstError == null ? "" : "; publish threw " + firstError));
        }

        @Override
        public void close() {
            try {
                connection.abort(2000);
            } catch (RuntimeException e) {
                // already gone
            }
        }

        @Override
        public String toString() {
            return name;
        }
    }

}
