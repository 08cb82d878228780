package io.github.hakit.rabbit;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Secrets;
import io.github.hakit.core.health.Probe;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Health probe through a node's management API (OkHttp): {@code GET /api/health/checks/local-alarms} must answer
 * 200 — a node with a memory or disk alarm (which blocks publishers) or whose management listener is down fails.
 * Which URL belongs to which AMQP endpoint is given by a function, by default the endpoint's {@code management} tag
 * ({@code Endpoint.builder(host, 5672).tag("management", "http://host:15672")}).
 *
 * <pre>{@code
 * RabbitCluster rabbit = RabbitCluster.builder()
 *     .endpoints(List.of(Endpoint.builder("10.0.0.1", 5672).tag("management", "http://10.0.0.1:15672").build()))
 *     .managementProbe(ManagementProbe.byTag("guest", "guest"))   // checked after the AMQP handshake
 *     .build();
 * }</pre>
 */
public final class ManagementProbe implements Probe, AutoCloseable {
    /** The check each probe runs. */
    public static final String CHECK_PATH = "/api/health/checks/local-alarms";

    private final Function<Endpoint, String> baseUrlOf;
    private final String authorization;
    /** Keeps no idle connection: a check still running when the cluster closes cannot leave one in the pool. */
    private final OkHttpClient http = new OkHttpClient.Builder().retryOnConnectionFailure(false)
            .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS)).build();

    public ManagementProbe(Function<Endpoint, String> baseUrlOf, String user, String password) {
        this.baseUrlOf = Objects.requireNonNull(baseUrlOf, "baseUrlOf");
        this.authorization = Credentials.basic(Objects.requireNonNull(user, "user"),
                Objects.requireNonNull(password, "password"));
    }

    /** URLs from each endpoint's {@code management} tag. */
    public static ManagementProbe byTag(String user, String password) {
        return new ManagementProbe(e -> {
            String url = e.tags().get("management");
            if (url == null) {
                throw new IllegalArgumentException("endpoint " + e.name() + " has no 'management' tag");
            }
            return url;
        }, user, password);
    }

    @Override
    public void check(Endpoint endpoint, Duration timeout) throws Exception {
        OkHttpClient client = http.newBuilder().callTimeout(timeout).connectTimeout(timeout).readTimeout(timeout)
                .build();
        Request request = new Request.Builder().url(baseUrlOf.apply(endpoint) + CHECK_PATH)
                .header("Authorization", authorization).build();
        try (Response response = client.newCall(request).execute()) {
            if (response.code() != 200) {
                String body = response.body() == null ? "" : response.peekBody(200).string();
                throw new IOException("management health check of " + endpoint.name() + ": HTTP " + response.code()
                        + " " + Secrets.redact(body));
            }
        }
    }

    /** Releases the HTTP client's pooled connections and threads ({@link RabbitCluster#close()} calls it). */
    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    @Override
    public String toString() {
        return "management " + CHECK_PATH;
    }
}
