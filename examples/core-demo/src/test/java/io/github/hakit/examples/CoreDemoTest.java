package io.github.hakit.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class CoreDemoTest {
    @Test
    void theDemoLosesNoCallWhenAServerIsKilledAndShowsItDownThenUp() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CoreDemo.Result r = new CoreDemo(new PrintStream(bytes, true, StandardCharsets.UTF_8)).run(100);
        assertEquals(0, r.callerFailures(), bytes.toString(StandardCharsets.UTF_8));
        assertTrue(r.downTable().lines().anyMatch(l -> l.startsWith("s1 ") && l.contains("| DOWN")), r.downTable());
        assertTrue(r.upTable().lines().anyMatch(l -> l.startsWith("s1 ") && l.contains("| UP ")), r.upTable());
    }
}
