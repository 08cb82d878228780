package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.MessageProperties;
import com.sun.net.httpserver.HttpServer;
import io.github.hakit.rabbit.spring.HakitRabbitAutoConfiguration;
import io.github.hakit.rabbit.spring.HakitRabbitHealthIndicator;
import io.github.hakit.rabbit.spring.HakitRabbitObservabilityAutoConfiguration;
import io.github.hakit.testkit.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * issue 14, "secrets never echoed": a password planted in every configuration slot (management URL user info, an
 * AMQP URI where host:port is expected, the password property, Spring properties) must not appear in any exception
 * message, log line, {@code toString}, status table or health detail.
 */
class SecretsRedactionTest {
    private static final String SECRET = "S3cr3t-pl4nted";

    private final List<String> texts = new ArrayList<>();
    private final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final ByteArrayOutputStream logs = new ByteArrayOutputStream();
    private PrintStream realErr;
    private PrintStream realOut;
    private HttpServer management;
    private int closedPort;

    @BeforeEach
    void start() throws IOException {
        realErr = System.err;
        realOut = System.out;
        PrintStream capture = new PrintStream(logs, true, StandardCharsets.UTF_8);
        System.setErr(capture);
        System.setOut(capture);
        // a management API that fails every request and echoes a secret in its error body
        management = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        management.createContext("/", exchange -> {
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            byte[] body = ("{\"error\":\"bad\",\"password\":\"" + SECRET + "\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Connection", "close");
            exchange.sendResponseHeaders(500, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        management.start();
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = s.getLocalPort();
        }
    }

    @AfterEach
    void stop() {
        System.setErr(realErr);
        System.setOut(realOut);
        management.stop(0);
    }

    private String managementUrl() {
        return "http://app:" + SECRET + "@127.0.0.1:" + management.getAddress().getPort();
    }

    private void collect(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            texts.add(c.getClass().getName() + ": " + c.getMessage());
            texts.add(c.toString());
        }
    }

    private void assertNoSecretAnywhere() {
        texts.add(logs.toString(StandardCharsets.UTF_8));
        for (String text : texts) {
            assertFalse(text != null && text.contains(SECRET), "secret echoed in: " + text);
        }
    }

    @Test
    void managementUrlWithUserInfoIsUsedAsCredentialsAndNeverEchoed() {
        RabbitManagement api = new RabbitManagement(List.of(managementUrl()), "guest", "guest",
                Duration.ofSeconds(2));
        for (int i = 0; i < 20; i++) {
            IOException e = assertThrows(IOException.class, api::clusterView);
            collect(e);
            assertTrue(e.getMessage().contains("HTTP 500"), e.getMessage());
            assertTrue(e.getMessage().contains("127.0.0.1:" + management.getAddress().getPort()), e.getMessage());
        }
        api.close();
        assertEquals("Basic " + Base64.getEncoder().encodeToString(("app:" + SECRET).getBytes(StandardCharsets.UTF_8)),
                authorizations.get(0), "user info of the URL is the credential");
        collect(assertThrows(IllegalArgumentException.class, () -> new RabbitManagement(
                List.of("htp//app:" + SECRET + "@host:15672"), "guest", "guest", Duration.ofSeconds(1))));
        assertNoSecretAnywhere();
    }

    @Test
    void amqpUriGivenWhereHostPortIsExpectedIsNotEchoed() {
        collect(assertThrows(IllegalArgumentException.class, () -> RabbitCluster.builder()
                .endpoints("amqp://app:" + SECRET + "@127.0.0.1:5672").build()));
        collect(assertThrows(IllegalArgumentException.class, () -> RabbitCluster.builder()
                .endpoints("app:" + SECRET + "@127.0.0.1:5672").build()));
        assertNoSecretAnywhere();
    }

    @Test
    void passwordAndManagementUrlOfAClusterStayOutOfStatusHealthToStringAndPublishErrors() throws Exception {
        try (RabbitCluster rabbit = RabbitCluster.builder().endpoints("127.0.0.1:" + closedPort)
                .credentials("app", SECRET).managementUrls(List.of(managementUrl())).build()) {
            texts.add(rabbit.toString());
            texts.add(rabbit.status().render());
            texts.add(rabbit.status().toString());
            Health health = new HakitRabbitHealthIndicator(rabbit, true).health();
            texts.add(health.toString());
            try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.builder()
                    .confirmDeadline(Duration.ofMillis(300)).build())) {
                Throwable e = publisher.publish("", "q", MessageProperties.PERSISTENT_BASIC, new byte[1])
                        .handle((r, t) -> t).get(10, TimeUnit.SECONDS);
                assertInstanceOf(PublishTimeoutException.class, e);
                collect(e);
                texts.add(publisher.toString());
            }
            collect(assertThrows(IOException.class, () -> rabbit.declareQuorumQueue("q")));
            Await.until(Duration.ofSeconds(10), () -> !rabbit.status().endpoints().get(0).lastCheck().isEmpty(),
                    () -> "a health check ran: " + rabbit.status().render());
            texts.add(rabbit.status().render());
        }
        assertNoSecretAnywhere();
    }

    @Test
    void springPropertiesWithSecretsAreNotEchoedInFailuresOrHealth() {
        Map<String, Object> bad = Map.of("hakit.rabbit.addresses", "amqp://app:" + SECRET + "@127.0.0.1:5672",
                "hakit.rabbit.password", SECRET);
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext()) {
            ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", bad));
            ctx.register(HakitRabbitAutoConfiguration.class, HakitRabbitObservabilityAutoConfiguration.class);
            collect(assertThrows(RuntimeException.class, ctx::refresh));
        }
        Map<String, Object> good = Map.of("hakit.rabbit.addresses", "127.0.0.1:" + closedPort,
                "hakit.rabbit.password", SECRET, "hakit.rabbit.management-urls", managementUrl());
        try (AnnotationConfigApplicationContext ctx = new AnnotationConfigApplicationContext()) {
            ctx.getEnvironment().getPropertySources().addFirst(new MapPropertySource("test", good));
            ctx.register(HakitRabbitAutoConfiguration.class, HakitRabbitObservabilityAutoConfiguration.class);
            ctx.refresh();
            RabbitCluster rabbit = ctx.getBean(RabbitCluster.class);
            texts.add(rabbit.toString());
            texts.add(ctx.getBean("hakitRabbitHealthIndicator",
                    org.springframework.boot.actuate.health.HealthIndicator.class).health().toString());
        }
        assertNoSecretAnywhere();
    }
}
