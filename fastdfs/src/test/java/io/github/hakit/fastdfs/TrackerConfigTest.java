package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.hakit.core.Endpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackerConfigTest {
    @Test
    void trackersFromAddressListNginxAndHaproxyLines() {
        try (FastDfsClient a = FastDfsClient.builder().trackers("127.0.0.2:22122,127.0.0.3:22122").healthCheck(null)
                .build()) {
            assertEquals(List.of("127.0.0.2:22122", "127.0.0.3:22122"),
                    a.trackers().endpoints().stream().map(Endpoint::address).toList());
        }
        try (FastDfsClient b = FastDfsClient.builder().healthCheck(null).trackerLines(List.of(
                "server 127.0.0.2:22122 max_fails=2 fail_timeout=30s;",
                "server t2 127.0.0.3:22122 check inter 2s rise 2 fall 3")).build()) {
            List<Endpoint> e = b.trackers().endpoints();
            assertEquals(2, e.get(0).maxFails());
            assertEquals(Duration.ofSeconds(30), e.get(0).failTimeout());
            assertEquals("127.0.0.3:22122", e.get(1).address());
        }
    }

    @Test
    void missingOrInvalidSettingsAreRejectedWithTheValue() {
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> FastDfsClient.builder().build());
        assertEquals("no trackers configured: call trackers(\"host:port,...\")", none.getMessage());
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class,
                () -> FastDfsClient.builder().networkTimeout(Duration.ZERO));
        assertEquals("networkTimeout must be > 0: PT0S", t.getMessage());
        IllegalArgumentException ext = assertThrows(IllegalArgumentException.class,
                () -> UploadRequest.builder().ext("toolongext").build());
        assertEquals("extension must be at most 6 of [A-Za-z0-9._-], not starting with '.' and without '..': 'toolongext'",
                ext.getMessage());
    }
}
