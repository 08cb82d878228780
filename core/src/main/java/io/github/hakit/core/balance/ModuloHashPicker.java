package io.github.hakit.core.balance;

import io.github.hakit.core.internal.CallState;
import io.github.hakit.core.internal.Node;
import io.github.hakit.core.internal.Picker;
import io.github.hakit.core.internal.Pool;
import io.github.hakit.core.internal.Routing;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Nginx's {@code hash $key} without {@code consistent} ({@code ngx_http_upstream_get_hash_peer} of Nginx 1.22
 * {@code ngx_http_upstream_hash_module.c}), compatible with Cache::Memcached: each round adds
 * {@code (crc32([rehash] key) >> 16) & 0x7fff} to the call's hash (the rehash number, in decimal, is prepended from
 * the second round on), takes it modulo the total configured weight of the primaries (down ones included) and walks
 * the weighted list to a server; a tried, down, failed or full server costs a round; after 20 rounds (over the
 * whole call, retries included), without a key or with a single server, round robin decides.
 */
final class ModuloHashPicker implements Picker {
    private final Pool pool;

    ModuloHashPicker(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Node pick(Routing r, CallState call, long nanos) {
        if (call == null || call.key == null || call.key.isEmpty() || r.single || !(r.data instanceof long[] cumulative)
                || cumulative.length == 0 || cumulative[cumulative.length - 1] == 0) {
            return Picks.roundRobin(pool, call, nanos);
        }
        long total = cumulative[cumulative.length - 1];
        byte[] key = call.key.getBytes(StandardCharsets.UTF_8);
        while (call.hashTries <= 20) {
            CRC32 crc = new CRC32();
            if (call.rehash > 0) {
                crc.update(Integer.toString(call.rehash).getBytes(StandardCharsets.US_ASCII));
            }
            crc.update(key);
            long h = (crc.getValue() >>> 16) & 0x7fff;
            call.hash += h;
            call.rehash++;
            long w = Long.remainderUnsigned(call.hash, total);
            Node p = r.primaries[owner(cumulative, w)];
            if (!call.tried(p) && pool.usable(p, r.panic, call, nanos) && p.tryAcquire()) {
                if (p.fails != 0) {
                    synchronized (pool.lock()) {
                        pool.passive().selectedLocked(p, nanos);
                    }
                }
                return p;
            }
            call.hashTries++;
        }
        return Picks.roundRobin(pool, call, nanos);
    }

    /** The peer whose weight range holds {@code w}: Nginx's {@code while (w >= peer->weight) w -= peer->weight}. */
    private static int owner(long[] cumulative, long w) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > w) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** Cumulative configured weights of the primaries ({@code peers->total_weight} at the end). */
    @Override
    public Object prepare(Routing r, Routing old, boolean membership) {
        long[] cumulative = new long[r.primaries.length];
        long sum = 0;
        for (int i = 0; i < cumulative.length; i++) {
            sum += r.primaries[i].endpoint().weight();
            cumulative[i] = sum;
        }
        return cumulative;
    }
}
