package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * Streaming: a 256 MiB upload and download in a JVM started with {@code -Xmx64m} (failsafe execution
 * {@code small-heap}). The test servers run in the same heap and stream too.
 */
class LargeFileSmallHeapIT {
    private static final long SIZE = 256L * 1024 * 1024;

    @Test
    void uploadsAndDownloads256MiBInA64MiBHeap() throws IOException {
        long maxHeap = Runtime.getRuntime().maxMemory();
        assertTrue(maxHeap <= 80L * 1024 * 1024, "this test must run with -Xmx64m, max heap is " + maxHeap);
        try (FastDfsTestCluster cluster = FastDfsTestCluster.builder().trackers(1).group("group1", 1).build();
                FastDfsClient client = FastDfsClient.builder().trackers(cluster.trackerAddresses())
                        .networkTimeout(Duration.ofSeconds(30)).build()) {
            GeneratedStream source = new GeneratedStream(SIZE);
            FileId id = client.upload(UploadSource.of(source, SIZE), UploadRequest.builder().ext("bin").build());
            assertEquals(SIZE, client.info(id).size());

            CRC32 downloaded = new CRC32();
            long n = 0;
            byte[] buf = new byte[64 * 1024];
            try (InputStream in = client.openStream(id)) {
                int r;
                while ((r = in.read(buf)) > 0) {
                    downloaded.update(buf, 0, r);
                    n += r;
                }
            }
            assertEquals(SIZE, n);
            assertEquals(source.crc(), downloaded.getValue());
        }
    }

    /** Deterministic pseudo-random bytes, never held in memory at once; keeps a running CRC32. */
    private static final class GeneratedStream extends InputStream {
        private final long size;
        private final CRC32 crc = new CRC32();
        private long position;
        private long state = 0x9E3779B97F4A7C15L;

        GeneratedStream(long size) {
            this.size = size;
        }

        long crc() {
            return crc.getValue();
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - position);
            for (int i = 0; i < n; i++) {
                state = state * 6364136223846793005L + 1442695040888963407L;
                b[off + i] = (byte) (state >>> 56);
            }
            crc.update(b, off, n);
            position += n;
            return n;
        }
    }
}
