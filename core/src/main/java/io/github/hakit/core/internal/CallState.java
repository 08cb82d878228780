package io.github.hakit.core.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * What one call remembers across its attempts: the endpoints it tried (Nginx's {@code rrp->tried}) and the hash
 * balancers' per-request state ({@code hp->hash}, {@code hp->rehash}, {@code hp->tries}). Not API.
 */
public class CallState {
    /** The hash key, or {@code null}. */
    public final String key;
    /** {@code ngx_crc32_long(key)}: the consistent-hash start. */
    public final int keyCrc;
    /** Consistent hash: the current ring point; -1 before the first pick. */
    public long chashPoint = -1;
    /** Modulo hash: accumulated hash and rehash counter. */
    public long hash;
    public int rehash;
    /** Hash balancers: points or rehashes tried so far (more than 20 falls back to round robin). */
    public int hashTries;
    /** After the fallback to backups, Nginx keeps the call on the backup list. */
    public boolean onBackups;
    private List<Node> tried;

    public CallState(String key, int keyCrc) {
        this.key = key;
        this.keyCrc = keyCrc;
    }

    /** The state of a call with hash key {@code key} ({@code null}: none). */
    public CallState(String key) {
        this(key, key == null ? 0 : crc32(key));
    }

    /** {@code ngx_crc32_long} of the key's UTF-8 bytes. */
    public static int crc32(String key) {
        CRC32 crc = new CRC32();
        crc.update(key.getBytes(StandardCharsets.UTF_8));
        return (int) crc.getValue();
    }

    public boolean tried(Node n) {
        if (tried == null) {
            return false;
        }
        for (int i = 0; i < tried.size(); i++) {
            if (tried.get(i) == n) {
                return true;
            }
        }
        return false;
    }

    public void markTried(Node n) {
        if (tried == null) {
            tried = new ArrayList<>(4);
        }
        if (!tried(n)) {
            tried.add(n);
        }
    }

    /** The {@code k}-th endpoint tried, in order. */
    public Node triedAt(int k) {
        return tried.get(k);
    }

    public int triedCount() {
        return tried == null ? 0 : tried.size();
    }

    /** Forgets the tried endpoints (a new round). */
    public void newRound() {
        if (tried != null) {
            tried.clear();
        }
    }

    /** Keeps only the tried endpoints that are still in {@code r} (membership changed during the call). */
    public void rebase(Routing r) {
        if (tried != null) {
            tried.removeIf(n -> !r.contains(n) && !n.dynamic);
        }
    }
}
