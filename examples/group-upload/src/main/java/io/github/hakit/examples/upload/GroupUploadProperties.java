package io.github.hakit.examples.upload;

import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code group-upload.*}: where the cluster is.
 *
 * @param embedded   start the testkit FastDFS cluster in this JVM (2 trackers, group1/group2 x 2 storages, a real
 *                   Nginx per storage when installed) — the default
 * @param trackers   the real cluster's trackers ({@code h:p,h:p}) when not embedded
 * @param http       per group, the storages' web servers ({@code group1=h:p,h:p}) for HTTP downloads
 * @param networkTimeout per tracker/storage attempt
 */
@ConfigurationProperties("group-upload")
public record GroupUploadProperties(@DefaultValue("true") boolean embedded, String trackers, Map<String, String> http,
        @DefaultValue("2s") Duration networkTimeout) {
    public GroupUploadProperties {
        http = http == null ? Map.of() : Map.copyOf(http);
        if (!embedded && (trackers == null || trackers.isBlank())) {
            throw new IllegalArgumentException("group-upload.trackers is required when group-upload.embedded=false");
        }
    }
}
