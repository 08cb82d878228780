package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.rabbitmq.client.Connection;
import com.rabbitmq.client.MessageProperties;
import io.github.hakit.core.HealthState;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.RequiredServers;
import io.github.hakit.testkit.rabbit.RabbitNode;
import io.github.hakit.testkit.rabbit.RabbitTestCluster;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;

class TlsIT {

    @Test
    void connectsPublishesAndProbesOverAmqpsWithAGeneratedCertificate() throws Exception {
        RequiredServers.require(RabbitTestCluster.serverInstalled() && Files.isExecutable(Path.of("/usr/bin/openssl")),
                "rabbitmq-server and openssl (apt-get install rabbitmq-server openssl)");
        try (RabbitTestCluster tlsCluster = RabbitTestCluster.builder().nodes(1).selfSignedTls(true).build().start()) {
            RabbitNode node = tlsCluster.node(0);
            SSLContext tls = trusting(tlsCluster.tlsCertificate().orElseThrow());
            String address = "127.0.0.1:" + node.amqpsPort();
            try (RabbitCluster rabbit = RabbitCluster.builder().endpoints(address).tls(tls, true).build()) {
                Await.until(Duration.ofSeconds(10), () -> rabbit.status().endpoint(address).state() == HealthState.UP,
                        () -> rabbit.status().render());
                try (Connection c = rabbit.newPlainConnection("tls", Optional::empty)) {
                    assertEquals(node.amqpsPort(), c.getPort());
                    assertTrue(c.getClientProperties().containsKey("product"));
                }
                String queue = RabbitITSupport.uniqueQueue("tls");
                rabbit.declareQuorumQueue(queue);
                try (ReliablePublisher publisher = rabbit.publisher(PublisherConfig.ofDefaults())) {
                    PublishResult r = publisher.publish("", queue, MessageProperties.PERSISTENT_BASIC,
                            "secret".getBytes(StandardCharsets.UTF_8)).get(10, TimeUnit.SECONDS);
                    assertEquals(address, r.endpoint());
                }
                // the server really speaks TLS on that port, with our certificate
                try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", node.amqpsPort())) {
                    socket.startHandshake();
                    assertTrue(socket.getSession().getProtocol().startsWith("TLS"), socket.getSession().getProtocol());
                }
            }
            // without TLS the same port fails the AMQP probe: marked DOWN
            try (RabbitCluster plain = RabbitCluster.builder().endpoints(address).build()) {
                Await.until(Duration.ofSeconds(15), () -> plain.status().endpoint(address).state() == HealthState.DOWN,
                        () -> plain.status().render());
            }
        }
    }

    private static SSLContext trusting(Path pem) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pem)) {
            trust.setCertificateEntry("rabbit", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLSv1.2");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
