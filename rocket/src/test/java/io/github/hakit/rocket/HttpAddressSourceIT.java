package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.rocket.RocketCluster;
import io.github.hakit.testkit.rocket.RocketLayout;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.OkHttpClient;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.junit.jupiter.api.Test;

/** The NameServer list comes from an HTTP address server and changes while a producer runs. */
@RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
class HttpAddressSourceIT {

    @Test
    void nameServerListChangesFromTheAddressServerReachRunningClientsAndFailuresKeepTheLastGoodList(
            RocketTestCluster cluster) throws Exception {
        String ns1 = cluster.nameServer(0).address();
        String ns2 = cluster.nameServer(1).address();
        AtomicReference<String> body = new AtomicReference<>(ns1);
        AtomicInteger status = new AtomicInteger(200);
        AtomicInteger requests = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/rocketmq/nsaddr", exchange -> {
            requests.incrementAndGet();
            byte[] bytes = body.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        String topic = "http-source";
        cluster.createTopic(topic, 2, false);
        NameServerSource source = new HttpNameServerSource(new OkHttpClient(),
                "http://127.0.0.1:" + server.getAddress().getPort() + "/rocketmq/nsaddr");
        try (NameServerGroup group = NameServerGroup.builder(topic).source(source)
                .sourceRefresh(Duration.ofMillis(200)).checkInterval(Duration.ofMillis(500)).build().start();
             HaProducer producer = HaProducer.builder(topic + "-producer").nameServers(group).build().start()) {
            assertEquals(List.of(ns1), clientList(producer));
            send(producer, topic);

            body.set(ns1 + ";" + ns2);
            Await.until(Duration.ofSeconds(10), () -> clientList(producer).size() == 2,
                    () -> "both NameServers in the client, has " + clientList(producer));
            assertEquals(List.of(ns1, ns2), group.healthyAddresses());

            status.set(503);
            int before = requests.get();
            Await.until(Duration.ofSeconds(10), () -> requests.get() >= before + 3, () -> "three failed refreshes");
            assertEquals(List.of(ns1, ns2), group.healthyAddresses(), "the last good list is kept");

            status.set(200);
            body.set(ns2);
            Await.until(Duration.ofSeconds(10), () -> clientList(producer).equals(List.of(ns2)),
                    () -> "only the second NameServer in the client, has " + clientList(producer));
            send(producer, topic + "-2nd");
        } finally {
            server.stop(0);
        }
    }

    private static List<String> clientList(HaProducer producer) {
        return List.copyOf(new java.util.TreeSet<>(producer.unwrap().getDefaultMQProducerImpl().getMqClientFactory()
                .getMQClientAPIImpl().getNameServerAddressList()));
    }

    private static void send(HaProducer producer, String topic) throws RocketSendException {
        assertEquals(SendStatus.SEND_OK,
                producer.send(new Message(topic, "x".getBytes(StandardCharsets.UTF_8))).getSendStatus());
    }
}
