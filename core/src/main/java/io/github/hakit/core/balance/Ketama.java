package io.github.hakit.core.balance;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.internal.Node;

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

    static Ketama build(Node[] peers) {
        int total = 0;
        for (Node p : peers) {
            total += POINTS_PER_WEIGHT * Math.max(0, p.endpoint().weight());
        }
        long[] points = new long[total];
        int n = 0;
        for (int s = 0; s < peers.length; s++) {
            Endpoint e = peers[s].endpoint();
            byte[] base = serverKey(e);
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

    /**
     * {@code host '\0' port} of the server as written in the Nginx config ({@code ngx_http_upstream_init_chash}
     * splits the {@code server} argument at its last colon; a server written without a port hashes an empty
     * port). The Nginx parser keeps the text in the tag {@value #SERVER_TAG}; other endpoints use host and port.
     */
    static byte[] serverKey(Endpoint e) {
        String server = e.tags().get(SERVER_TAG);
        String host;
        String port;
        if (server == null) {
            host = e.host();
            port = Integer.toString(e.port());
        } else {
            int j = server.length();
            while (j > 0 && Character.isDigit(server.charAt(j - 1))) {
                j--;
            }
            if (j > 0 && server.charAt(j - 1) == ':') {
                host = server.substring(0, j - 1);
                port = server.substring(j);
            } else {
                host = server;
                port = "";
            }
        }
        return (host + '\0' + port).getBytes(StandardCharsets.UTF_8);
    }

    /** Tag holding a server's address as written in an Nginx {@code server} line. */
    static final String SERVER_TAG = "nginx.server";

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
