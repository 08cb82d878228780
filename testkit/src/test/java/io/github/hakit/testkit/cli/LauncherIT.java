package io.github.hakit.testkit.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.RequiredServers;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import io.github.hakit.testkit.rocket.RocketTestCluster;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The command-line launcher's code path ({@link Launcher#start}, what {@code main} runs before waiting for Ctrl-C)
 * for each cluster: the ports asked for are the ports printed, and every printed address answers.
 */
class LauncherIT {

    /** Starts through the launcher and returns the printed "key = value" lines. */
    private static Map<String, String> launch(List<String> args, List<Launcher.Running> started) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Launcher.Running running = Launcher.start(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        started.add(running);
        Map<String, String> printed = new LinkedHashMap<>();
        for (String line : bytes.toString(StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf(" = ");
            if (line.startsWith("  ") && eq > 0) {
                printed.put(line.substring(2, eq), line.substring(eq + 3));
            }
        }
        assertEquals(running.addresses(), printed, bytes.toString(StandardCharsets.UTF_8));
        return printed;
    }

    private static void assertListening(String addresses) {
        for (String a : addresses.split("[,;]")) {
            String hostPort = a.contains("@") ? a.substring(a.indexOf('@') + 1) : a;
            int colon = hostPort.lastIndexOf(':');
            assertTrue(Ports.isListening(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)),
                    2000), hostPort + " does not answer");
        }
    }

    @Test
    void fastdfsStartsOnTheChosenPortsAndItsTrackersAnswerActiveTest() throws Exception {
        int tracker = Ports.freePortOnAll("127.0.0.2", "127.0.0.3");
        int storage = Ports.freePortOnAll("127.0.0.11", "127.0.0.12", "127.0.0.13", "127.0.0.14");
        List<Launcher.Running> started = new ArrayList<>();
        try {
            Map<String, String> p = launch(List.of("fastdfs", "--ports", tracker + "," + storage, "--layout", "6.1x"),
                    started);
            assertEquals("127.0.0.2:" + tracker + ",127.0.0.3:" + tracker, p.get("trackers"));
            assertEquals("127.0.0.11:" + storage + ",127.0.0.12:" + storage, p.get("group1"));
            assertEquals("127.0.0.13:" + storage + ",127.0.0.14:" + storage, p.get("group2"));
            assertEquals("6.16", p.get("protocol").startsWith("6.1") ? "6.16" : p.get("protocol"));
            for (String t : p.get("trackers").split(",")) {
                activeTest(t);
            }
            assertListening(p.get("group1") + "," + p.get("group2"));
        } finally {
            started.forEach(Launcher.Running::close);
        }
    }

    /** FastDFS ACTIVE_TEST (cmd 111): a 10-byte header, answered by a header with cmd 100, status 0. */
    private static void activeTest(String hostPort) throws IOException {
        int colon = hostPort.lastIndexOf(':');
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1))),
                    2000);
            s.setSoTimeout(2000);
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 111, 0});
            byte[] answer = new byte[10];
            new DataInputStream(s.getInputStream()).readFully(answer);
            assertEquals(100, answer[8], "response command from " + hostPort);
            assertEquals(0, answer[9], "status from " + hostPort);
        }
    }

    @Test
    void zookeeperStartsOnTheChosenPortAndAnswersRuok() throws Exception {
        int port = Ports.freePort("127.0.0.1");
        List<Launcher.Running> started = new ArrayList<>();
        try {
            Map<String, String> p = launch(List.of("zookeeper", "--ports", Integer.toString(port)), started);
            assertEquals("127.0.0.1:" + port, p.get("connectString"));
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(2000);
                s.getOutputStream().write("ruok".getBytes(StandardCharsets.US_ASCII));
                assertEquals("imok", new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
            }
        } finally {
            started.forEach(Launcher.Running::close);
        }
        assertTrue(!Ports.isListening("127.0.0.1", port, 500), "stopped on close");
    }

    @Test
    void rabbitStartsOnTheChosenAmqpPortAndAcceptsAnAmqpConnection() throws Exception {
        RequiredServers.require(RabbitTestCluster.serverInstalled(), "rabbitmq-server (apt-get install rabbitmq-server)");
        int amqp = Ports.freePort("127.0.0.1");
        List<Launcher.Running> started = new ArrayList<>();
        try {
            Map<String, String> p = launch(List.of("rabbit", "--nodes", "1", "--ports", Integer.toString(amqp)), started);
            assertEquals("127.0.0.1:" + amqp, p.get("amqp"));
            ConnectionFactory f = new ConnectionFactory();
            f.setHost("127.0.0.1");
            f.setPort(amqp);
            try (Connection c = f.newConnection("launcher-it")) {
                assertTrue(c.isOpen());
            }
            assertListening(p.get("management").replace("http://", ""));
        } finally {
            started.forEach(Launcher.Running::close);
        }
    }

    @Test
    void rocketStartsItsNameServersOnTheChosenPortsWithEveryBrokerListening() {
        RequiredServers.require(RocketTestCluster.serverClasspathAvailable(), "the RocketMQ server classpath resource");
        int ns = Ports.freePortOnAll("127.0.0.1");
        List<Launcher.Running> started = new ArrayList<>();
        try {
            Map<String, String> p = launch(List.of("rocket", "--name-servers", "1", "--ports", Integer.toString(ns)),
                    started);
            assertEquals("127.0.0.1:" + ns, p.get("namesrvAddr"));
            assertListening(p.get("namesrvAddr"));
            assertListening(p.get("brokers"));
            assertEquals(4, p.get("brokers").split(",").length, p.get("brokers"));
        } finally {
            started.forEach(Launcher.Running::close);
        }
    }

    @Test
    void badArgumentsAreRefusedWithAMessageNamingThem() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals("unknown cluster 'kafka' (fastdfs, rabbit, rocket, zookeeper)",
                assertThrows(IllegalArgumentException.class, () -> Launcher.start(List.of("kafka"), out)).getMessage());
        assertEquals("--ports: not a port number: 'x'", assertThrows(IllegalArgumentException.class,
                () -> Launcher.start(List.of("zookeeper", "--ports", "x"), out)).getMessage());
        assertEquals("ZooKeeper port out of range 1..65535: 70000", assertThrows(IllegalArgumentException.class,
                () -> Launcher.start(List.of("zookeeper", "--ports", "70000"), out)).getMessage());
        assertEquals("--layout must be 6.06 or 6.1x: 7.0", assertThrows(IllegalArgumentException.class,
                () -> Launcher.start(List.of("fastdfs", "--layout", "7.0"), out)).getMessage());
    }
}
