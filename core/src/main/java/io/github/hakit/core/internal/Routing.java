package io.github.hakit.core.internal;

import java.util.HashMap;
import java.util.Map;

/**
 * The immutable routing view of an upstream, published on every membership, admin or health change; picks read
 * it without a lock. {@code data} is what the balancer precomputed for this view (schedule, ring). Not API.
 */
public final class Routing {
    public final Node[] primaries;
    public final Node[] backups;
    /** Envoy-style panic threshold reached: routing ignores health. */
    public final boolean panic;
    /** Nginx's {@code peers->single}: one primary, no backups (failures are never counted). */
    public final boolean single;
    public final Map<String, Node> byName;
    /** Endpoints not {@code down}: Nginx's {@code peer.tries} for one call. */
    public final int notDown;
    /** The balancer's data for this view, or {@code null}. */
    public final Object data;
    private final Node[] all;

    public Routing(Node[] primaries, Node[] backups, boolean panic, Object data) {
        this.primaries = primaries;
        this.backups = backups;
        this.panic = panic;
        this.single = primaries.length == 1 && backups.length == 0;
        this.data = data;
        this.all = new Node[primaries.length + backups.length];
        System.arraycopy(primaries, 0, all, 0, primaries.length);
        System.arraycopy(backups, 0, all, primaries.length, backups.length);
        Map<String, Node> names = new HashMap<>();
        for (Node n : all) {
            names.put(n.endpoint.name(), n);
        }
        this.byName = Map.copyOf(names);
        int up = 0;
        for (Node n : all) {
            if (!n.endpoint.down()) {
                up++;
            }
        }
        this.notDown = up;
    }

    /** The same nodes with other balancer data. */
    public Routing withData(Object newData) {
        return new Routing(primaries, backups, panic, newData);
    }

    public Node[] all() {
        return all;
    }

    public boolean contains(Node n) {
        Node[] arr = n.backup ? backups : primaries;
        int i = n.index;
        return i >= 0 && i < arr.length && arr[i] == n;
    }
}
