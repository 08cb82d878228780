package io.github.hakit.rocket;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * NameServer addresses from an HTTP address server, like RocketMQ's own
 * ({@code rocketmq.namesrv.domain} / {@code TopAddressing}): a GET returns
 * {@code host:port;host:port} (also accepted: commas, whitespace, one per line). Non-2xx answers,
 * empty or unparsable bodies are failures, so the group keeps its last good list.
 *
 * <pre>{@code
 * NameServerSource source = new HttpNameServerSource(new OkHttpClient(),
 *         "http://ns-registry.internal:8080/rocketmq/nsaddr");
 * }</pre>
 */
public final class HttpNameServerSource implements NameServerSource {
    private static final long MAX_BODY = 64 * 1024;

    private final OkHttpClient http;
    private final HttpUrl url;

    public HttpNameServerSource(OkHttpClient http, String url) {
        this.http = Objects.requireNonNull(http, "http");
        Objects.requireNonNull(url, "url");
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null) {
            throw new IllegalArgumentException("not an http(s) URL: " + url);
        }
        this.url = parsed;
    }

    @Override
    public List<String> fetch(Duration timeout) throws IOException {
        Call call = http.newCall(new Request.Builder().url(url).get().build());
        call.timeout().timeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        try (Response response = call.execute()) {
            if (!response.isSuccessful()) {
                throw new IOException("address server " + url + " answered " + response.code());
            }
            ResponseBody body = response.body();
            if (body == null) {
                throw new IOException("address server " + url + " sent no body");
            }
            if (body.contentLength() > MAX_BODY) {
                throw new IOException("address server " + url + " sent " + body.contentLength() + " bytes");
            }
            String text = body.string();
            try {
                return NameServerAddresses.parseList(text);
            } catch (IllegalArgumentException e) {
                throw new IOException("address server " + url + " sent an unusable list: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String describe() {
        return "http " + url;
    }
}
