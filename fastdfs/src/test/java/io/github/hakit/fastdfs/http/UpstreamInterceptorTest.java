package io.github.hakit.fastdfs.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.config.NginxUpstreamParser;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.http.UpstreamInterceptor;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.SocketPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** core's OkHttp routing interceptor with Nginx next-upstream semantics, on scripted loopback servers. */
class UpstreamInterceptorTest {
    private MockWebServer a;
    private MockWebServer b;
    private Upstream upstream;
    private OkHttpClient http;

    @BeforeEach
    void start() throws IOException {
        a = new MockWebServer();
        b = new MockWebServer();
        a.start(InetAddress.getByName("127.0.0.1"), 0);
        b.start(InetAddress.getByName("127.0.0.1"), 0);
        upstream = Upstream.builder("tomcatServer").endpoints(List.of(
                Endpoint.parse(a.getHostName() + ":" + a.getPort() + " weight=10"),
                Endpoint.parse(b.getHostName() + ":" + b.getPort() + " weight=10")))
                .nextUpstream(NginxUpstreamParser.parseNextUpstream("proxy_next_upstream error timeout http_502;")
                        .toBuilder().attemptTimeout(Duration.ofMillis(500)).build())
                .classifier(UpstreamInterceptor.CLASSIFIER).build();
        http = new OkHttpClient.Builder().addInterceptor(UpstreamInterceptor.builder().route(upstream).build())
                .retryOnConnectionFailure(false).build();
    }

    @AfterEach
    void stop() throws IOException {
        upstream.close();
        a.shutdown();
        b.shutdown();
    }

    private Response get() throws IOException {
        return http.newCall(new Request.Builder().url("http://tomcatServer/orders").build()).execute();
    }

    @Test
    void badGatewayMovesToTheNextServer() throws Exception {
        a.enqueue(new MockResponse().setResponseCode(502));
        b.enqueue(new MockResponse().setBody("from b"));
        a.enqueue(new MockResponse().setBody("from a"));
        b.enqueue(new MockResponse().setBody("from b"));
        try (Response r = get()) {
            assertEquals(200, r.code());
            assertEquals("from b", r.body().string());
        }
        assertEquals(1, a.getRequestCount());
        assertEquals("/orders", b.takeRequest().getPath());
    }

    @Test
    void timeoutAndResetMoveToTheNextServer() throws IOException {
        a.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));
        b.enqueue(new MockResponse().setBody("ok"));
        try (Response r = get()) {
            assertEquals("ok", r.body().string());
        }
        a.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.DISCONNECT_AT_START));
        b.enqueue(new MockResponse().setBody("ok again"));
        b.enqueue(new MockResponse().setBody("ok again"));
        try (Response r = get()) {
            assertEquals("ok again", r.body().string());
        }
    }

    @Test
    void postIsNotRepeatedAfterItWasSent() throws IOException {
        a.enqueue(new MockResponse().setResponseCode(502));
        b.enqueue(new MockResponse().setResponseCode(502));
        Request post = new Request.Builder().url("http://tomcatServer/orders")
                .post(RequestBody.create("{}", MediaType.get("application/json"))).build();
        try (Response r = http.newCall(post).execute()) {
            assertEquals(502, r.code());
        }
        assertEquals(1, a.getRequestCount() + b.getRequestCount());
    }

    @Test
    void lastErrorResponseIsPassedOnWhenEveryServerFails() throws IOException {
        a.enqueue(new MockResponse().setResponseCode(502).setBody("a"));
        b.enqueue(new MockResponse().setResponseCode(502).setBody("b"));
        try (Response r = get()) {
            assertEquals(502, r.code());
            String body = r.body().string();
            assertTrue(body.equals("a") || body.equals("b"), body);
        }
        assertEquals(2, a.getRequestCount() + b.getRequestCount());
    }

    @Test
    void everyServerDownIsAnIoExceptionNamingThem() throws IOException {
        a.shutdown();
        b.shutdown();
        IOException e = assertThrows(IOException.class, this::get);
        assertTrue(e.getMessage().contains("tomcatServer"), e.getMessage());
    }

    @Test
    void otherHostsPassThrough() throws IOException {
        a.enqueue(new MockResponse().setBody("direct"));
        try (Response r = http.newCall(new Request.Builder().url(a.url("/x")).build()).execute()) {
            assertEquals("direct", r.body().string());
        }
    }
}
