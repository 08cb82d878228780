package io.github.hakit.core.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.hakit.core.Endpoint;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ServerListTest {
    private static List<String> addresses(String value, int port) {
        return ServerList.parse("p", value, port).stream().map(Endpoint::address).toList();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1:22122,10.0.0.2:22122            | 10.0.0.1:22122 10.0.0.2:22122",
        "10.0.0.1;10.0.0.2:22123                  | 10.0.0.1:22122 10.0.0.2:22123",
        "10.0.0.1 10.0.0.2                        | 10.0.0.1:22122 10.0.0.2:22122",
        "' 10.0.0.1 ,; 10.0.0.2 '                 | 10.0.0.1:22122 10.0.0.2:22122",
        "server 10.0.0.1 max_fails=2;             | 10.0.0.1:22122",
        "10.0.0.1:7 weight=3                      | 10.0.0.1:7",
        "server t1 10.0.0.1 check inter 2s        | 10.0.0.1:22122",
        "upstream u { server a:1; server b; }     | a:1 b:22122",
        "[::1]                                    | [::1]:22122",
        "::1                                      | [::1]:22122",
        "tracker-1.example                        | tracker-1.example:22122",
    })
    void readsWhatOpsPaste(String value, String expected) {
        assertEquals(List.of(expected.split(" ")), addresses(value, 22122));
    }

    @Test
    void serverLineParametersAreKept() {
        Endpoint e = ServerList.parse("p", "server 10.0.0.1:9876 weight=2 max_fails=3 fail_timeout=30s backup;",
                9876).get(0);
        assertEquals(2, e.weight());
        assertEquals(3, e.maxFails());
        assertEquals(Duration.ofSeconds(30), e.failTimeout());
        assertTrue(e.backup());
    }

    @Test
    void severalValuesOfAListProperty() {
        assertEquals(3, ServerList.parse("p", List.of("a", "b;c"), 5672).size());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "10.0.0.1:x                | port 'x' is not a number",
        "10.0.0.1:70000            | out of range",
        "amqp://u:secret@h:5672    | a URL where host:port was expected",
        "server 10.0.0.1 wieght=2  | wieght",
        "unix:/tmp/s               | unix sockets",
        "';;,'                     | no node given",
    })
    void badValuesNameThePropertyAndTheExpectedForm(String value, String reason) {
        InvalidPropertyException e = assertThrows(InvalidPropertyException.class,
                () -> ServerList.parse("hakit.x.nodes", value, 5672));
        assertEquals("hakit.x.nodes", e.property());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertTrue(e.expected().contains("5672"), e.expected());
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void failureAnalysisNamesPropertyValueAndForm() {
        var analysis = new HakitFailureAnalyzer().analyze(new IllegalStateException("wrapped",
                new InvalidPropertyException("hakit.rabbit.addresses", "a:b", "port 'b' is not a number",
                        ServerList.expectedForm(5672))));
        assertTrue(analysis.getDescription().contains("'hakit.rabbit.addresses'"), analysis.getDescription());
        assertTrue(analysis.getDescription().contains("'a:b'"), analysis.getDescription());
        assertTrue(analysis.getAction().contains("defaults to 5672"), analysis.getAction());
    }

    @Test
    void unknownKeysGetTheClosestKnownName() {
        var known = java.util.Set.of("hakit.rabbit.addresses", "hakit.rabbit.servers", "hakit.rabbit.username");
        assertEquals("hakit.rabbit.addresses", UnknownPropertyFailureAnalyzer.closest("hakit.rabbit.address", known));
        assertEquals(null, UnknownPropertyFailureAnalyzer.closest("hakit.rabbit.zzzzzzzz", known));
    }
}
