package io.github.hakit.testkit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
import com.rabbitmq.client.MessageProperties;
import io.github.hakit.testkit.Await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(RabbitClusterExtension.class)
class RabbitTestClusterIT {
    private static final Logger log = LoggerFactory.getLogger(RabbitTestClusterIT.class);

    @Test
    void threeNodesFormOneClusterAndEachPidIsTheErlangVm(RabbitTestCluster cluster) throws IOException {
        Set<String> names = cluster.nodes().stream().map(RabbitNode::nodeName).collect(Collectors.toSet());
        assertEquals(3, names.size());
        assertEquals(names, cluster.runningNodeNames());
        for (RabbitNode node : cluster.nodes()) {
            long pid = node.osPid().orElseThrow();
            assertEquals("beam.smp", Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim(),
                    "pid " + pid + " of " + node.nodeName());
            assertTrue(node.nodeName().matches("rabbit-[abc]-[a-z0-9]+@localhost"), node.nodeName());
        }
    }

    @Test
    void killedNodeLeavesTheClusterThenRestartsOnItsDataAndRejoins(RabbitTestCluster cluster) throws Exception {
        String queue = "testkit-kill-" + UUID.randomUUID();
        RabbitNode a = cluster.node(0);
        RabbitNode b = cluster.node(1);
        try (Connection connection = connect(a); Channel channel = connection.createChannel()) {
            channel.queueDeclare(queue, true, false, false, Map.of("x-queue-type", "quorum"));
            publishConfirmed(channel, queue, "before");
        }
        cluster.awaitQuorumMembersOnline(Duration.ofSeconds(30));

        long pid = b.osPid().orElseThrow();
        b.kill();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "beam " + pid + " still alive");
        Await.until(Duration.ofSeconds(15), () -> !cluster.runningNodeNames().contains(b.nodeName()),
                () -> b.nodeName() + " reported down");
        assertEquals(2, cluster.runningNodeNames().size());

        // the two remaining nodes keep a quorum: publishing with confirms goes on
        try (Connection connection = connect(cluster.node(2)); Channel channel = connection.createChannel()) {
            publishConfirmed(channel, queue, "while-b-down");
        }

        Duration restart = cluster.restart(b, Duration.ofSeconds(90));
        log.info("kill -9 + restart + rejoin + quorum members online: {} ms", restart.toMillis());
        assertEquals(3, cluster.runningNodeNames().size());
        assertTrue(cluster.quorumMembersOffline().isEmpty(), () -> cluster.quorumMembersOffline().toString());
        assertTrue(b.osPid().orElseThrow() != pid, "new Erlang VM");

        try (Connection connection = connect(b); Channel channel = connection.createChannel()) {
            publishConfirmed(channel, queue, "after");
            assertEquals("before", get(channel, queue));
            assertEquals("while-b-down", get(channel, queue));
            assertEquals("after", get(channel, queue));
            channel.queueDelete(queue);
        }
    }

    @Test
    void gracefullyStoppedNodeRestartsAndRejoins(RabbitTestCluster cluster) {
        RabbitNode c = cluster.node(2);
        long t0 = System.nanoTime();
        c.stop(Duration.ofSeconds(30));
        log.info("graceful stop of {}: {} ms", c.nodeName(), (System.nanoTime() - t0) / 1_000_000);
        assertFalse(c.isAlive());
        cluster.awaitRunning(2, Duration.ofSeconds(10));
        assertFalse(cluster.runningNodeNames().contains(c.nodeName()));
        Duration restart = cluster.restart(c, Duration.ofSeconds(90));
        log.info("restart after graceful stop: {} ms", restart.toMillis());
        assertTrue(cluster.runningNodeNames().contains(c.nodeName()));
    }

    private static Connection connect(RabbitNode node) throws IOException, TimeoutException {
        ConnectionFactory factory = new ConnectionFactory();
        factory.setHost(node.host());
        factory.setPort(node.amqpPort());
        factory.setConnectionTimeout(5_000);
        factory.setAutomaticRecoveryEnabled(false);
        return factory.newConnection("testkit-" + node.letter());
    }

    private static void publishConfirmed(Channel channel, String queue, String body) throws Exception {
        channel.confirmSelect();
        channel.basicPublish("", queue, true, MessageProperties.PERSISTENT_TEXT_PLAIN,
                body.getBytes(StandardCharsets.UTF_8));
        channel.waitForConfirmsOrDie(10_000);
    }

    private static String get(Channel channel, String queue) throws IOException {
        GetResponse response = channel.basicGet(queue, true);
        return response == null ? null : new String(response.getBody(), StandardCharsets.UTF_8);
    }
}
