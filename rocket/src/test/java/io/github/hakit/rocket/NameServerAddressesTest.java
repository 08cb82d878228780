package io.github.hakit.rocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NameServerAddressesTest {
    @Test
    void parsesRocketMqCommaAndWhitespaceSeparatedLists() {
        Map<String, List<String>> valid = Map.of(
                "10.0.0.1:9876;10.0.0.2:9876", List.of("10.0.0.1:9876", "10.0.0.2:9876"),
                " a:9876 , b:9877\n", List.of("a:9876", "b:9877"),
                "a:9876;a:9876;b:1", List.of("a:9876", "b:1"),
                "ns.example:9876\nns2.example:9876\n", List.of("ns.example:9876", "ns2.example:9876"));
        valid.forEach((text, expected) -> assertEquals(expected, NameServerAddresses.parseList(text), text));
    }

    @Test
    void rejectsBadEntriesNamingThem() {
        Map<String, String> invalid = Map.of(
                "", "no NameServer address",
                "a", "not host:port: a",
                "a:", "not host:port: a:",
                "a:x", "bad port in NameServer address: a:x",
                "a:70000", "port out of range in NameServer address: a:70000",
                ":9876", "not host:port: :9876");
        invalid.forEach((text, message) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NameServerAddresses.parseList(text), text);
            assertTrue(e.getMessage().contains(message), e.getMessage());
        });
    }
}
