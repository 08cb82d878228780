package io.github.hakit.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;

/**
 * A consistent-hash ring built as Nginx's {@code hash $key consistent} builds it
 * ({@code ngx_http_upstream_init_chash}): for each server, 160 points per weight unit; point {@code j} is the
 * CRC32 of {@code host + '\0' + port + previous point (4 bytes, little endian)}. A key maps to the first point at or
 * after {@code crc32(key)}, wrapping around.
 */
final class Ketama {
    static final int POINTS_PER_WEIGHT = 160;

    private final int[] hashes;
    private final int[] owners;

    private Ketama(int[] hashes, int[] owners) {
        this.hashes = hashes;
        this.owners = owners;
    }

    static Ketama build(Peer[] peers) {
        int total = 0;
        for (Peer p : peers) {
            total += POINTS_PER_WEIGHT * Math.max(0, p.endpoint().weight());
        }
        long[] points = new long[total];
        int n = 0;
        for (int s = 0; s < peers.length; s++) {
            Endpoint e = peers[s].endpoint();
            byte[] base = (e.host() + '\0' + e.port()).getBytes(StandardCharsets.UTF_8);
            int prev = 0;
            int count = POINTS_PER_WEIGHT * Math.max(0, e.weight());
            for (int j = 0; j < count; j++) {
                CRC32 crc = new CRC32();
                crc.update(base);
                crc.update(new byte[] {(byte) prev, (byte) (prev >>> 8), (byte) (prev >>> 16), (byte) (prev >>> 24)});
                int hash = (int) crc.getValue();
                // sort by unsigned hash, ties by server order (Nginx sorts by hash only; qsort is not stable)
                points[n++] = ((hash & 0xffffffffL) << 20) | s;
                prev = hash;
            }
        }
        Arrays.sort(points);
        int[] hashes = new int[total];
        int[] owners = new int[total];
        for (int i = 0; i < total; i++) {
            hashes[i] = (int) (points[i] >>> 20);
            owners[i] = (int) (points[i] & 0xfffff);
        }
        return new Ketama(hashes, owners);
    }

    /** CRC32 of the key's UTF-8 bytes, as {@code ngx_crc32_long}. */
    static int hashKey(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    boolean isEmpty() {
        return hashes.length == 0;
    }

    int size() {
        return hashes.length;
    }

    /** Index of the first point at or after {@code hash} (unsigned), wrapping to 0. */
    int firstPoint(int hash) {
        long h = hash & 0xffffffffL;
        int lo = 0;
        int hi = hashes.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if ((hashes[mid] & 0xffffffffL) < h) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo == hashes.length ? 0 : lo;
    }

    int owner(int point) {
        return owners[point % owners.length];
    }
}
