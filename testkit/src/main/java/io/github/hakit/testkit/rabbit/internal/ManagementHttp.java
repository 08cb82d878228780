package io.github.hakit.testkit.rabbit.internal;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;

/**
 * GETs and PUTs against one node's management API on loopback with the JDK HTTP client. Not API.
 */
public final class ManagementHttp {
    private final HttpClient client;
    private final String authorization;
    private final Duration timeout;

    /** {@code timeout} bounds connect and the whole request. */
    public ManagementHttp(String user, String password, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout <= 0: " + timeout);
        }
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
        this.authorization = "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** GET {@code http://127.0.0.1:port/api/...}, parsed; throws on a non-2xx answer. */
    public Object get(int port, String path) throws IOException {
        return Json.parse(send(port, path, "GET", null));
    }

    /** PUT with a JSON body; throws on a non-2xx answer. */
    public void put(int port, String path, String jsonBody) throws IOException {
        send(port, path, "PUT", jsonBody);
    }

    /** DELETE; throws on a non-2xx answer. */
    public void delete(int port, String path) throws IOException {
        send(port, path, "DELETE", null);
    }

    private String send(int port, String path, String method, String body) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(timeout)
                .header("Authorization", authorization);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException(method + " " + path + " on port " + port + ": HTTP " + response.statusCode()
                        + " " + response.body());
            }
            return response.body().isEmpty() ? "null" : response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + method + " " + path, e);
        }
    }
}
