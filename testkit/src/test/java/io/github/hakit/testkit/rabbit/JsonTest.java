package io.github.hakit.testkit.rabbit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.hakit.testkit.rabbit.internal.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesManagementAnswersWithNestedValues() {
        Object parsed = Json.parse("[{\"name\":\"q\\\"1\",\"n\":-1.5e2,\"ok\":true,\"x\":null,\"l\":[\"a\",{}]}]");
        Map<?, ?> q = (Map<?, ?>) ((List<?>) parsed).get(0);
        assertEquals("q\"1", q.get("name"));
        assertEquals(-150.0, q.get("n"));
        assertEquals(Boolean.TRUE, q.get("ok"));
        assertEquals(List.of("a", Map.of()), q.get("l"));
    }

    @Test
    void repeatedKeysAreAllKept() {
        Map<?, ?> q = (Map<?, ?>) Json.parse("{\"online\":[\"a\"],\"online\":[\"a\",\"b\"]}");
        assertEquals(List.of(List.of("a"), List.of("a", "b")), Json.all(q, "online"));
    }

    @Test
    void malformedInputIsRejectedWithItsPosition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Json.parse("{\"a\" 1}"));
        assertEquals("bad JSON at 5: expected ':'", e.getMessage());
    }
}
