package io.github.hakit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class RabbitManagementTest {

    @Test
    void aHungFirstUrlCostsOneTimeoutThenRequestsStartAtTheUrlThatAnswered() throws Exception {
        List<Socket> hung = new CopyOnWriteArrayList<>();
        HttpServer good = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        good.createContext("/", exchange -> {
            byte[] body = "[{\"name\":\"rabbit@a\",\"running\":true}]".getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Connection", "close");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        good.start();
        try (ServerSocket hole = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        hung.add(hole.accept());
                    }
                } catch (IOException e) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            try (RabbitManagement api = new RabbitManagement(List.of("http://127.0.0.1:" + hole.getLocalPort(),
                    "http://127.0.0.1:" + good.getAddress().getPort()), "guest", "guest", Duration.ofSeconds(2))) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(1, api.clusterView().running());
                }
                assertEquals(1, hung.size(), "the hung URL was tried once");
            }
            for (Socket s : hung) {
                s.close();
            }
        } finally {
            good.stop(0);
        }
    }

    @Test
    void anAnswerLongerThanTheBoundFailsTheRequest() throws Exception {
        HttpServer big = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        big.createContext("/", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            try {
                for (long sent = 0; sent <= RabbitManagement.MAX_ANSWER_BYTES; sent += chunk.length) {
                    exchange.getResponseBody().write(chunk);
                }
            } catch (IOException e) {
                // the client stopped reading
            }
            exchange.close();
        });
        big.start();
        try (RabbitManagement api = new RabbitManagement(List.of("http://127.0.0.1:" + big.getAddress().getPort()),
                "guest", "guest", Duration.ofSeconds(10))) {
            IOException e = assertThrows(IOException.class, api::clusterView);
            assertTrue(e.getMessage().contains("longer than"), e.getMessage());
        } finally {
            big.stop(0);
        }
    }
}
