package io.github.hakit.core.http;

import io.github.hakit.core.CallOptions;
import io.github.hakit.core.Endpoint;
import io.github.hakit.core.Failure;
import io.github.hakit.core.FailureClassifier;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.ResultClassifier;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamCallException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * Routes OkHttp requests through {@code core} upstreams, with Nginx's {@code proxy_pass http://name}
 * semantics: a request to {@code http://<upstream name>/path} goes to an endpoint the upstream picks, and on a
 * failure in the upstream's {@code proxy_next_upstream} conditions (error, timeout, invalid_header,
 * http_502, ...) to the next one, each attempt with the upstream's connect timeout ({@code proxy_connect_timeout}) and attempt timeout
 * ({@code proxy_read_timeout}) as OkHttp connect and read/write timeouts. POST, LOCK and PATCH are not retried once sent (Nginx), unless the upstream's policy says
 * {@code non_idempotent}. When every attempt got an HTTP error the last response is returned, as Nginx does.
 * Requests to other hosts pass through untouched.
 *
 * <pre>{@code
 * Upstream tomcat = Upstream.builder("tomcatServer")
 *     .config(NginxUpstreamParser.parse("upstream tomcatServer { server 10.0.0.1:8680 weight=10; server 10.0.0.2:8680 weight=10; }"))
 *     .classifier(UpstreamInterceptor.CLASSIFIER)
 *     .build();
 * OkHttpClient http = new OkHttpClient.Builder()
 *     .addInterceptor(UpstreamInterceptor.builder().route(tomcat).build())
 *     .build();
 * http.newCall(new Request.Builder().url("http://tomcatServer/api/orders").build()).execute();
 * }</pre>
 *
 * <p>Register it with {@code addInterceptor} (an application interceptor: it calls {@code proceed} once per
 * attempt). Build the upstream with {@link #CLASSIFIER} so that OkHttp's protocol errors count as
 * {@code invalid_header}.
 */
public final class UpstreamInterceptor implements Interceptor {
    /**
     * Socket failures as {@link FailureClassifier#network()}; a malformed HTTP answer (OkHttp's
     * {@link ProtocolException}, or an "unexpected end of stream" before a status line) is
     * {@code invalid_header}.
     */
    public static final FailureClassifier CLASSIFIER = t -> {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ProtocolException) {
                return Failure.maybeSent(FailureKind.INVALID_HEADER);
            }
            if (c instanceof InterruptedIOException && !(c instanceof java.net.SocketTimeoutException)) {
                return null;
            }
        }
        return FailureClassifier.network().classify(t);
    };

    private static final ResultClassifier<Response> STATUS = new ResultClassifier<>() {
        @Override
        public FailureKind classify(Response response) {
            return FailureKind.ofHttpStatus(response.code());
        }

        @Override
        public void discard(Response response) {
            response.close();
        }
    };

    /** Error pages kept when an attempt is dropped for the next one are cut at this size. */
    private static final long MAX_ERROR_BODY = 64 * 1024;

    private final Map<String, Upstream> routes;

    private UpstreamInterceptor(Map<String, Upstream> routes) {
        this.routes = Map.copyOf(routes);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request request = chain.request();
        Upstream upstream = routes.get(request.url().host().toLowerCase(Locale.ROOT));
        if (upstream == null) {
            return chain.proceed(request);
        }
        String method = request.method();
        boolean idempotent = !(method.equals("POST") || method.equals("LOCK") || method.equals("PATCH"));
        try {
            return upstream.execute(idempotent ? CallOptions.idempotent() : CallOptions.nonIdempotent(), attempt -> {
                Endpoint e = attempt.endpoint();
                HttpUrl url = request.url().newBuilder().host(e.host()).port(e.port()).build();
                int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, attempt.timeout().toMillis()));
                int connect = (int) Math.max(1, Math.min(millis, attempt.connectTimeout().toMillis()));
                Response response = chain.withConnectTimeout(connect, TimeUnit.MILLISECONDS)
                        .withReadTimeout(millis, TimeUnit.MILLISECONDS)
                        .withWriteTimeout(millis, TimeUnit.MILLISECONDS)
                        .proceed(request.newBuilder().url(url).build());
                FailureKind kind = FailureKind.ofHttpStatus(response.code());
                return kind != null && upstream.policy().retriesOn(kind) ? detached(response) : response;
            }, STATUS);
        } catch (UpstreamCallException e) {
            // OkHttp's Call.execute() reports IOExceptions; keep the attempts in the cause
            throw new IOException(e.getMessage(), e);
        }
    }

    /**
     * An error answer that may be dropped for the next attempt: OkHttp allows a new {@code proceed} only
     * once the previous response is closed, so its (small) body is kept in memory and the connection freed.
     */
    private static Response detached(Response response) throws IOException {
        try (Response r = response) {
            ResponseBody body = r.body();
            if (body == null) {
                return r.newBuilder().build();
            }
            okio.BufferedSource source = body.source();
            source.request(MAX_ERROR_BODY); // false when the body is shorter: then all of it is buffered
            byte[] bytes = source.getBuffer().readByteArray(Math.min(source.getBuffer().size(), MAX_ERROR_BODY));
            return r.newBuilder().body(ResponseBody.create(bytes, body.contentType())).build();
        }
    }

    /** Maps virtual host names to upstreams. */
    public static final class Builder {
        private final Map<String, Upstream> routes = new LinkedHashMap<>();

        private Builder() {
        }

        /** Routes {@code http://<upstream name>/...} through {@code upstream}. */
        public Builder route(Upstream upstream) {
            return route(upstream.name(), upstream);
        }

        /** Routes {@code http://<host>/...} through {@code upstream}. */
        public Builder route(String host, Upstream upstream) {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(upstream, "upstream");
            if (host.isBlank() || HttpUrl.parse("http://" + host + "/") == null) {
                throw new IllegalArgumentException("not a valid virtual host name: '" + host + "'");
            }
            if (routes.putIfAbsent(host.toLowerCase(Locale.ROOT), upstream) != null) {
                throw new IllegalArgumentException("host routed twice: " + host);
            }
            return this;
        }

        public UpstreamInterceptor build() {
            if (routes.isEmpty()) {
                throw new IllegalStateException("no routes: call route(upstream)");
            }
            return new UpstreamInterceptor(routes);
        }
    }
}
