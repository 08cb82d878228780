package io.github.hakit.examples.tour;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConsoleTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    private Console console(boolean ansi) {
        return new Console(new PrintStream(bytes, true, StandardCharsets.UTF_8), ansi);
    }

    private String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void plainTextHasNoEscapeCodesAndAProgressLinePerQuarter() {
        Console c = console(false);
        c.title("title");
        c.step("step");
        c.warn("careful");
        Console.Progress p = c.progress("uploading", 8);
        for (int i = 1; i <= 8; i++) {
            p.update(i, "");
        }
        assertFalse(text().contains("\u001b"), text());
        assertFalse(text().contains("\r"), text());
        // the first update, then each quarter: 1/8, 2/8, 4/8, 6/8, 8/8
        assertEquals(5, text().lines().filter(l -> l.contains("uploading")).count(), text());
        assertTrue(text().contains("WARNING: careful"), text());
    }

    @Test
    void aTerminalGetsColourAndAProgressBarRedrawnInPlace() {
        Console c = console(true);
        c.title("title");
        c.progress("uploading", 2).update(1, "");
        assertTrue(text().contains("\u001b[1m"), text());
        assertTrue(text().contains("\r"), text());
    }

    @Test
    void tablesAlignNumbersRightAndTheNoteLeft() {
        String t = Console.table(List.of(Row.header(),
                new Row("hakit X", 100, 0, 12L, 0L, "fine").cells(),
                new Row("stock X", 100, 47, -1L, null, "blind rotation").cells()));
        List<String> lines = t.lines().toList();
        assertEquals(4, lines.size(), t);
        assertTrue(lines.get(2).startsWith("hakit X |   100 |"), t);
        assertTrue(lines.get(2).endsWith("|    0 | fine"), t);
        assertTrue(lines.get(3).contains("never") && lines.get(3).contains("n/a"), t);
    }

    @Test
    void theVerdictIsWhatCiGrepsFor() {
        assertEquals("0 lost / 0 failures", new Row("hakit", 1, 0, 1L, 0L, "").verdict());
        assertEquals("- lost / 3 failures", new Row("plain", 1, 3, 1L, null, "").verdict());
        assertTrue(new Row("hakit FastDfsClient", 1, 0, 1L, 0L, "").hakit());
    }

    @Test
    void unknownArgumentsAreRefusedByName() {
        Console c = console(false);
        assertEquals("unknown back end 'kafka'", assertThrows(IllegalArgumentException.class,
                () -> FailoverTour.run(new String[] {"--only kafka"}, c)).getMessage());
        assertEquals("unknown argument '--fast'", assertThrows(IllegalArgumentException.class,
                () -> FailoverTour.run(new String[] {"--fast"}, c)).getMessage());
    }
}
