package io.github.hakit.fastdfs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Public download links, optionally with FastDFS's anti-steal token: {@code token} = hex MD5 of the file
 * name without the group ({@code M00/...}), the secret key and the Unix timestamp, and {@code ts} = that
 * timestamp ({@code fdfs_http_gen_token}, common/fdfs_http_shared.c; the same as fastdfs-client-java's
 * {@code ProtoCommon.getToken}).
 *
 * <pre>{@code
 * FastDfsUrls urls = FastDfsUrls.builder("https://img.example.com").antiStealSecret("FastDFS1234567890").build();
 * urls.url(id); // https://img.example.com/group1/M00/00/00/xxx.jpg?token=3f...&ts=1700000000
 * }</pre>
 */
public final class FastDfsUrls {
    private final String base;
    private final String secret;
    private final Clock clock;

    private FastDfsUrls(Builder b) {
        this.base = b.base;
        this.secret = b.secret;
        this.clock = b.clock;
    }

    public static Builder builder(String baseUrl) {
        return new Builder(baseUrl);
    }

    /** The link for {@code id}, with a token for the current time when a secret is configured. */
    public String url(FileId id) {
        String url = base + "/" + id.group() + "/" + id.remoteName();
        if (secret == null) {
            return url;
        }
        long ts = clock.millis() / 1000;
        return url + "?token=" + token(id, ts, secret) + "&ts=" + ts;
    }

    /** The anti-steal token for {@code id} at {@code ts}. */
    public static String token(FileId id, long ts, String secret) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(id.remoteName().getBytes(StandardCharsets.UTF_8));
            md5.update(secret.getBytes(StandardCharsets.UTF_8));
            md5.update(Long.toString(ts).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 not available", e);
        }
    }

    /** Builder for {@link FastDfsUrls}. */
    public static final class Builder {
        private final String base;
        private String secret;
        private Clock clock = Clock.systemUTC();

        private Builder(String baseUrl) {
            Objects.requireNonNull(baseUrl, "baseUrl");
            if (!baseUrl.matches("https?://[^/?#\\s]+(/[^?#\\s]*)?")) {
                throw new IllegalArgumentException("base URL must be http(s)://host[:port][/path]: '" + baseUrl + "'");
            }
            this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        }

        /** The storages' {@code http.anti_steal.secret_key}; enables {@code token}/{@code ts}. */
        public Builder antiStealSecret(String secret) {
            Objects.requireNonNull(secret, "secret");
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("empty anti-steal secret");
            }
            this.secret = secret;
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public FastDfsUrls build() {
            return new FastDfsUrls(this);
        }
    }
}
