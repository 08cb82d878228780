package io.github.hakit.fastdfs;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.Failure;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.config.NginxUpstreamParser;
import io.github.hakit.core.Upstream;
import io.github.hakit.core.UpstreamConfig;
import io.github.hakit.core.http.UpstreamInterceptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * HTTP downloads straight from the storages' web servers (the Nginx on every storage serving
 * {@code /groupN/M00/...}), with the semantics of the Nginx that usually sits in front of them: one
 * {@code core} upstream per group, by default
 * {@code server s:80 weight=1 max_fails=2 fail_timeout=30s} and
 * {@code proxy_next_upstream http_404 http_502 http_504 error timeout invalid_header} — without the extra proxy
 * hop. A 404 moves to the next web server without counting as a failure (a replica may not have a fresh file
 * yet), and a fresh file (younger than a real tracker's 300 s sync window) is asked from the web server on its
 * source storage's host first, when that server is configured and up.
 *
 * <pre>{@code
 * try (FastDfsHttp http = FastDfsHttp.builder()
 *         .group("group1", "10.0.0.5:80", "10.0.0.6:80")          // seed parameters applied
 *         .group("group2", List.of("10.0.0.7:80 weight=2 max_fails=2 fail_timeout=30s", "10.0.0.8:80"))
 *         .build()) {
 *     try (InputStream in = http.openStream(FileId.parse("group1/M00/00/00/xxx.jpg"))) { ... }
 * }
 * }</pre>
 *
 * <p>The routing is {@link UpstreamInterceptor} from {@code core}: use {@link #client()} for your own
 * requests to {@code http://fdfs_groupN/...}.
 */
public final class FastDfsHttp implements AutoCloseable {
    /** The server parameters of the seed deployment, applied to bare {@code host:port} entries. */
    public static final String SEED_SERVER_PARAMS = "weight=1 max_fails=2 fail_timeout=30s";
    /** The seed's next-upstream directive. */
    public static final String SEED_NEXT_UPSTREAM = "proxy_next_upstream http_502 http_504 error timeout invalid_header;";
    /**
     * The default next-upstream directive: the seed's plus {@code http_404}, so that a replica without a fresh
     * file (not synced yet) hands the download to the next server, as an Nginx with {@code http_404} does.
     */
    public static final String DEFAULT_NEXT_UPSTREAM =
            "proxy_next_upstream http_404 http_502 http_504 error timeout invalid_header;";

    private final Map<String, Upstream> upstreams;
    private final OkHttpClient client;
    private final OkHttpClient direct;
    private final boolean ownsClient;
    private final Clock clock;

    private FastDfsHttp(Map<String, Upstream> upstreams, OkHttpClient client, OkHttpClient direct, boolean ownsClient,
            Clock clock) {
        this.upstreams = Map.copyOf(upstreams);
        this.client = client;
        this.direct = direct;
        this.ownsClient = ownsClient;
        this.clock = clock;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The virtual host that routes to a group's upstream: {@code fdfs_<group>}. */
    public static String virtualHost(String group) {
        return "fdfs_" + group;
    }

    /** The OkHttp client with the routing interceptor. */
    public OkHttpClient client() {
        return client;
    }

    /** The upstream of a group (state, listeners). */
    public Upstream upstream(String group) {
        Upstream u = upstreams.get(group);
        if (u == null) {
            throw new UnknownGroupException(group, "no HTTP servers configured for it; have " + upstreams.keySet());
        }
        return u;
    }

    /** {@code http://fdfs_<group>/<group>/M00/...}, routed by {@link #client()}. */
    public HttpUrl url(FileId id) {
        upstream(id.group());
        return new HttpUrl.Builder().scheme("http").host(virtualHost(id.group()))
                .addPathSegment(id.group()).addPathSegments(id.remoteName()).build();
    }

    /** The file's body; close it. Throws {@link FastDfsHttpException} for a non-2xx answer. */
    public InputStream openStream(FileId id) {
        HttpUrl url = url(id);
        InputStream fromSource = fromSource(id, url);
        if (fromSource != null) {
            return fromSource;
        }
        Response response;
        try {
            response = client.newCall(new Request.Builder().url(url).get().build()).execute();
        } catch (IOException e) {
            throw new FastDfsException("HTTP download of " + id + " failed: " + e.getMessage(), e);
        }
        if (!response.isSuccessful()) {
            int code = response.code();
            response.close();
            throw new FastDfsHttpException(id, code);
        }
        ResponseBody body = response.body();
        return body == null ? InputStream.nullInputStream() : body.byteStream();
    }

    /**
     * A fresh file from the web server on its source storage's host, if one is configured and up; {@code null}
     * when there is none or it did not answer 2xx (its failure is recorded on the group's upstream).
     */
    private InputStream fromSource(FileId id, HttpUrl routed) {
        FileId.Encoded encoded = id.encoded();
        if (encoded == null || clock.instant().getEpochSecond() - encoded.createdEpochSecond()
                >= FastDfsClient.FRESH_SECONDS) {
            return null;
        }
        Upstream u = upstream(id.group());
        Endpoint source = null;
        for (Endpoint e : u.endpoints()) {
            EndpointStatus st = u.status(e.name());
            if (e.host().equals(encoded.sourceIp()) && st != null && st.state().takesTraffic()) {
                source = e;
                break;
            }
        }
        if (source == null) {
            return null;
        }
        HttpUrl url = routed.newBuilder().host(source.host()).port(source.port()).build();
        long start = System.nanoTime();
        try {
            Response r = direct.newCall(new Request.Builder().url(url).get().build()).execute();
            if (r.isSuccessful()) {
                u.recordSuccess(source.name(), System.nanoTime() - start);
                ResponseBody body = r.body();
                return body == null ? InputStream.nullInputStream() : body.byteStream();
            }
            r.close();
            FailureKind kind = FailureKind.ofHttpStatus(r.code());
            if (kind != null && kind.countsAsFailure()) {
                u.recordFailure(source.name(), kind, System.nanoTime() - start);
            }
        } catch (IOException e) {
            Failure f = UpstreamInterceptor.CLASSIFIER.classify(e);
            u.recordFailure(source.name(), f == null ? FailureKind.ERROR : f.kind(), System.nanoTime() - start);
        }
        return null;
    }

    public long download(FileId id, OutputStream out) {
        try (InputStream in = openStream(id)) {
            return in.transferTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("HTTP download of " + id + " broke off", e);
        }
    }

    public byte[] bytes(FileId id) {
        try (InputStream in = openStream(id)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("HTTP download of " + id + " broke off", e);
        }
    }

    /**
     * Closes the upstreams and, when this instance built its own OkHttp client, that client's dispatcher
     * threads and pooled connections (a client given to {@link Builder#okHttpClient} stays the caller's).
     */
    @Override
    public void close() {
        upstreams.values().forEach(Upstream::close);
        if (ownsClient) {
            client.dispatcher().executorService().shutdown();
            client.connectionPool().evictAll();
        }
    }

    /** Configures the groups' web servers. */
    public static final class Builder {
        private final Map<String, UpstreamConfig> groups = new LinkedHashMap<>();
        private final java.util.Set<String> ownPolicy = new java.util.HashSet<>();
        private NextUpstreamPolicy nextUpstream = NginxUpstreamParser.parseNextUpstream(DEFAULT_NEXT_UPSTREAM);
        private Clock clock = Clock.systemUTC();
        private Duration attemptTimeout = Duration.ofSeconds(5);
        private OkHttpClient base;

        private Builder() {
        }

        /** Web servers of a group as {@code host:port}; each gets {@link #SEED_SERVER_PARAMS}. */
        public Builder group(String group, String... hostPorts) {
            List<String> lines = new ArrayList<>();
            for (String hp : hostPorts) {
                lines.add(hp.trim().contains(" ") ? hp : hp + " " + SEED_SERVER_PARAMS);
            }
            return group(group, lines);
        }

        /** Web servers of a group as Nginx {@code server} lines ({@code host:port weight=1 max_fails=2 ...}). */
        public Builder group(String group, List<String> serverLines) {
            FileId.validateGroup(group);
            List<Endpoint> endpoints = new ArrayList<>();
            for (String line : serverLines) {
                endpoints.add(Endpoint.parse(line));
            }
            groups.put(group, UpstreamConfig.of(virtualHost(group), endpoints));
            ownPolicy.remove(group);
            return this;
        }

        /** A group's web servers as an Nginx {@code upstream} block (its own next-upstream lines win). */
        public Builder groupUpstream(String group, String nginxUpstreamBlock) {
            FileId.validateGroup(group);
            UpstreamConfig parsed = NginxUpstreamParser.parse(nginxUpstreamBlock);
            groups.put(group, new UpstreamConfig(virtualHost(group), parsed.endpoints(), parsed.balancer(),
                    parsed.nextUpstream(), parsed.healthCheck(), parsed.allDown(), parsed.maxEjectionPercent()));
            if (nginxUpstreamBlock.contains("proxy_next_upstream")) {
                ownPolicy.add(group);
            } else {
                ownPolicy.remove(group);
            }
            return this;
        }

        /** Wall clock for the age of files (fresh files go to their source's web server first). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** {@code proxy_next_upstream ...;} lines for every group without its own (default {@link #DEFAULT_NEXT_UPSTREAM}). */
        public Builder nextUpstream(String directives) {
            this.nextUpstream = NginxUpstreamParser.parseNextUpstream(directives);
            return this;
        }

        /** Connect/read timeout per attempt (Nginx's proxy_connect/read_timeout role); default 5 s. */
        public Builder attemptTimeout(Duration timeout) {
            this.attemptTimeout = PoolConfig.positive(timeout, "attemptTimeout");
            return this;
        }

        /** Shares connection pool and dispatcher with an existing client. */
        public Builder okHttpClient(OkHttpClient client) {
            this.base = Objects.requireNonNull(client, "client");
            return this;
        }

        public FastDfsHttp build() {
            if (groups.isEmpty()) {
                throw new IllegalStateException("no groups configured: call group(name, servers...)");
            }
            Map<String, Upstream> ups = new LinkedHashMap<>();
            UpstreamInterceptor.Builder routes = UpstreamInterceptor.builder();
            for (Map.Entry<String, UpstreamConfig> g : groups.entrySet()) {
                UpstreamConfig cfg = g.getValue();
                NextUpstreamPolicy policy = ownPolicy.contains(g.getKey()) ? cfg.nextUpstream() : nextUpstream;
                policy = policy.toBuilder().attemptTimeout(attemptTimeout).build();
                Upstream u = Upstream.builder(cfg.name()).config(cfg.withNextUpstream(policy))
                        .classifier(UpstreamInterceptor.CLASSIFIER).build();
                ups.put(g.getKey(), u);
                routes.route(u);
            }
            OkHttpClient.Builder b = base == null ? new OkHttpClient.Builder() : base.newBuilder();
            OkHttpClient client = b.addInterceptor(routes.build()).retryOnConnectionFailure(false).build();
            OkHttpClient direct = client.newBuilder().connectTimeout(attemptTimeout).readTimeout(attemptTimeout)
                    .writeTimeout(attemptTimeout).build(); // same pool and dispatcher
            return new FastDfsHttp(ups, client, direct, base == null, clock);
        }
    }
}
