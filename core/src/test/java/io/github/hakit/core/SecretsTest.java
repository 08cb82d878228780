package io.github.hakit.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SecretsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "amqp://app:s3cr3t@127.0.0.1:5672 | amqp://app:***@127.0.0.1:5672",
            "management API http://app:p%40ss@host:15672/api failed | management API http://app:***@host:15672/api failed",
            "malformed host:port: 'amqp://app:pw@127.0.0.1:5672' | malformed host:port: 'amqp://app:***@127.0.0.1:5672'",
            "malformed host:port: 'app:pw@127.0.0.1:5672' | malformed host:port: 'app:***@127.0.0.1:5672'",
            "password=hunter2 user=app | password=*** user=app",
            "{\"password\": \"hunter2\", \"user\": \"app\"} | {\"password\": \"***\", \"user\": \"app\"}",
            "accessKey: AKIA123 secretKey: xyz | accessKey: *** secretKey: ***",
            "digest:app:pw | digest:***",
            "nothing to hide at 127.0.0.1:5672 | nothing to hide at 127.0.0.1:5672",
            "http://127.0.0.1:15672/api/overview | http://127.0.0.1:15672/api/overview",
            "user@example.org wrote | user@example.org wrote",
            "htp//app:pw@host:15672 | htp//app:***@host:15672",
            "//app:pw@host | //app:***@host",
            "see x//app:pw@host/api | see x//app:***@host/api",
            // found by PropertiesFuzzTest: each of these showed the password before
            "app:pw@127.0.0.1;app:pw2@127.0.0.2 | app:***@127.0.0.1;app:***@127.0.0.2",
            "'app:pw@' | 'app:***@'",
            "backupXapp:pw@127.0.0.1 | backupXapp:***@127.0.0.1",
            "::app:pw@127.0.0.1 | :***@127.0.0.1",
            "app:pw@ 10.0.0.0/8 | app:***@ 10.0.0.0/8",
            "app:pw@127.0.0.app:pw2@127.0.0.1 | app:***@127.0.0.app:***@127.0.0.1",
    })
    void hidesPasswordsButKeepsUsersAndHosts(String in, String expected) {
        assertEquals(expected, Secrets.redact(in));
    }

    @Test
    void nullAndEmptyStayAsTheyAre() {
        assertNull(Secrets.redact(null));
        assertEquals("", Secrets.redact(""));
        assertNull(Secrets.message(new RuntimeException()));
    }

    @Test
    void anEndpointsToStringHidesSecretsInItsTags() {
        Endpoint e = Endpoint.builder("10.0.0.1", 15672).tag("management", "http://app:s3cret@10.0.0.1:15672")
                .tag("password", "hunter2").build();
        String text = e.toString();
        assertEquals(false, text.contains("s3cret") || text.contains("hunter2"), text);
        assertEquals(true, text.contains("app:***@10.0.0.1:15672"), text);
    }

    @Test
    void redactingTwiceChangesNothing() {
        String once = Secrets.redact("amqp://a:b@h:1 password=c token: d");
        assertEquals(once, Secrets.redact(once));
    }
}
