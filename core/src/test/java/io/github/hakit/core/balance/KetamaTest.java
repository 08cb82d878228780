package io.github.hakit.core.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.internal.Node;
import org.junit.jupiter.api.Test;

class KetamaTest {
    private static Node node(String name, int weight, int index) {
        return new Node(Endpoint.builder(name, 80).name(name).weight(weight).build(), index, null, false, 0, 0);
    }

    @Test
    void ketamaPointsFollowNginxConstruction() {
        // 160 points per weight unit (ngx_http_upstream_init_chash)
        Node[] peers = {node("a", 1, 0), node("b", 3, 1)};
        Ketama ring = Ketama.build(peers);
        assertEquals(160 * 4, ring.size());
        int owned = 0;
        for (int i = 0; i < ring.size(); i++) {
            if (ring.owner(i) == 1) {
                owned++;
            }
        }
        assertEquals(480, owned);
    }
}
