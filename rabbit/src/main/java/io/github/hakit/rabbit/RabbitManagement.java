package io.github.hakit.rabbit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import io.github.hakit.core.Secrets;
import java.util.concurrent.TimeUnit;
import okhttp3.ConnectionPool;
import okhttp3.Credentials;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * A small client of the RabbitMQ management HTTP API (OkHttp): the cluster view for health endpoints, the leader of
 * a quorum queue for leader-aware placement, and the AMQP listener of every node. Each request tries the given base
 * URLs in order, starting with the one that answered last, until one answers, each bounded by the timeout.
 *
 * <pre>{@code
 * RabbitManagement api = new RabbitManagement(List.of("http://10.0.0.1:15672", "http://10.0.0.2:15672"),
 *         "guest", "guest", Duration.ofSeconds(2));
 * ClusterView view = api.clusterView();                    // nodes, running, partitions, alarms
 * Optional<String> leader = api.queueLeader("/", "orders"); // "rabbit@node2"
 * }</pre>
 */
public final class RabbitManagement implements AutoCloseable {
    /** Base URLs without user info, each with the Authorization header it is called with. */
    private final List<Base> bases;
    private final OkHttpClient http;
    private final ObjectMapper json = new ObjectMapper();
    /**
     * The URL that answered last: requests start there, so a dead or hung node (whose URL may be first in the list)
     * costs a timeout once, not on every request.
     */
    private volatile int lastAnswered;
    /** Longest management answer read; longer ones fail the request. */
    static final long MAX_ANSWER_BYTES = 8L << 20;

    private record Base(String url, String authorization) {
    }

    public RabbitManagement(List<String> baseUrls, String user, String password, Duration timeout) {
        Objects.requireNonNull(baseUrls, "baseUrls");
        if (baseUrls.isEmpty()) {
            throw new IllegalArgumentException("no management URL");
        }
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        List<Base> list = new ArrayList<>(baseUrls.size());
        for (String url : baseUrls) {
            list.add(base(url, user, password));
        }
        this.bases = List.copyOf(list);
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout <= 0: " + timeout);
        }
        this.http = new OkHttpClient.Builder().connectTimeout(timeout).readTimeout(timeout).callTimeout(timeout)
                .retryOnConnectionFailure(false)
                // no idle connections kept: a request still running at close() cannot leave one behind
                .connectionPool(new ConnectionPool(0, 1, TimeUnit.SECONDS)).build();
    }

    /**
     * A base URL as given, minus its user info: {@code http://app:secret@host:15672} is called as
     * {@code http://host:15672} with {@code app}/{@code secret} as its credentials, so no message or log line ever
     * holds the password.
     */
    private static Base base(String url, String user, String password) {
        HttpUrl parsed = parse(url);
        String authorization = parsed.username().isEmpty() ? Credentials.basic(user, password)
                : Credentials.basic(parsed.username(), parsed.password(), StandardCharsets.UTF_8);
        String clean = parsed.newBuilder().username("").password("").build().toString();
        if (clean.endsWith("/")) {
            clean = clean.substring(0, clean.length() - 1);
        }
        return new Base(clean, authorization);
    }

    /** A management base URL parsed, or an exception naming it (redacted). */
    static HttpUrl parse(String url) {
        Objects.requireNonNull(url, "management URL");
        HttpUrl parsed = HttpUrl.parse(url.strip());
        if (parsed == null) {
            throw new IllegalArgumentException("invalid management URL (expected http[s]://host:port): '"
                    + Secrets.redact(url) + "'");
        }
        return parsed;
    }

    /** The cluster as the first answering node sees it. */
    public ClusterView clusterView() throws IOException {
        List<ClusterView.Node> nodes = new ArrayList<>();
        for (JsonNode n : get("/api/nodes?columns=name,running,partitions,mem_alarm,disk_free_alarm")) {
            List<String> partitions = new ArrayList<>();
            n.path("partitions").forEach(p -> partitions.add(p.asText()));
            nodes.add(new ClusterView.Node(n.path("name").asText(), n.path("running").asBoolean(), partitions,
                    n.path("mem_alarm").asBoolean(), n.path("disk_free_alarm").asBoolean()));
        }
        return new ClusterView(nodes);
    }

    /** The node that leads a quorum queue (or hosts a classic one), if the queue exists. */
    public Optional<String> queueLeader(String vhost, String queue) throws IOException {
        JsonNode q;
        try {
            q = get("/api/queues/" + encode(vhost) + "/" + encode(queue));
        } catch (NotFound e) {
            return Optional.empty();
        }
        JsonNode leader = q.hasNonNull("leader") ? q.get("leader") : q.get("node");
        return leader == null || leader.isNull() ? Optional.empty() : Optional.of(leader.asText());
    }

    /** Every node's AMQP listener ({@code node -> port}), from {@code /api/overview}. */
    public Map<String, Integer> amqpPorts() throws IOException {
        Map<String, Integer> ports = new java.util.HashMap<>();
        for (JsonNode l : get("/api/overview").path("listeners")) {
            String protocol = l.path("protocol").asText();
            if ("amqp".equals(protocol) || "amqp/ssl".equals(protocol)) {
                ports.putIfAbsent(l.path("node").asText(), l.path("port").asInt());
            }
        }
        return ports;
    }

    /** Releases the HTTP client's connections and threads. */
    @Override
    public void close() {
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /** The answer as text, refused beyond {@link #MAX_ANSWER_BYTES} (a management answer is small JSON). */
    private static String boundedText(ResponseBody body, String what) throws IOException {
        okio.BufferedSource source = body.source();
        if (source.request(MAX_ANSWER_BYTES + 1)) {
            throw new IOException("GET " + what + ": answer longer than " + MAX_ANSWER_BYTES + " bytes");
        }
        return source.getBuffer().readUtf8();
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private JsonNode get(String path) throws IOException {
        IOException last = null;
        int first = lastAnswered;
        for (int i = 0; i < bases.size(); i++) {
            int index = (first + i) % bases.size();
            Base b = bases.get(index);
            String base = b.url();
            Request request = new Request.Builder().url(base + path).header("Authorization", b.authorization())
                    .build();
            try (Response response = http.newCall(request).execute()) {
                ResponseBody body = response.body();
                String text = body == null ? "" : boundedText(body, base + path);
                if (response.code() == 404) {
                    throw new NotFound(base + path);
                }
                if (!response.isSuccessful()) {
                    last = new IOException("GET " + base + path + ": HTTP " + response.code() + " "
                            + Secrets.redact(text.length() > 200 ? text.substring(0, 200) + "…" : text));
                    continue;
                }
                lastAnswered = index;
                return json.readTree(text);
            } catch (NotFound e) {
                throw e;
            } catch (IOException e) {
                last = new IOException("GET " + base + path + ": " + Secrets.message(e), e);
            }
        }
        throw last;
    }

    private static final class NotFound extends IOException {
        private static final long serialVersionUID = 1L;

        NotFound(String what) {
            super("not found: " + what);
        }
    }
}
