package io.github.hakit.examples.tour;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The tour's output: a line per step with the time since start, a progress bar on long steps, tables. Colour and
 * in-place progress bars only on a terminal; plain text (no escape codes) when stdout is a pipe, a file or CI.
 */
final class Console {
    private final PrintStream out;
    private final boolean ansi;
    private final long t0 = System.nanoTime();

    Console(PrintStream out, boolean ansi) {
        this.out = out;
        this.ansi = ansi;
    }

    /** Colour and in-place updates only on an interactive terminal that is not "dumb", and never under CI. */
    static boolean detectAnsi() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb") && System.getenv("CI") == null
                && System.getenv("NO_COLOR") == null;
    }

    boolean ansi() {
        return ansi;
    }

    private String stamp() {
        return String.format(Locale.ROOT, "[%6.1f s] ", (System.nanoTime() - t0) / 1e9);
    }

    synchronized void title(String text) {
        out.println();
        out.println(ansi ? "\u001b[1m== " + text + " ==\u001b[0m" : "== " + text + " ==");
    }

    synchronized void step(String text) {
        out.println(stamp() + text);
    }

    synchronized void warn(String text) {
        out.println(stamp() + (ansi ? "\u001b[33m" + text + "\u001b[0m" : "WARNING: " + text));
    }

    synchronized void line(String text) {
        out.println(text);
    }

    /** Prints a block (a status table) indented. */
    synchronized void block(String text) {
        text.lines().forEach(l -> out.println("    " + l));
    }

    Progress progress(String label, int total) {
        return new Progress(label, total);
    }

    /** Renders rows as an aligned plain-text table (first row = header). */
    static String table(List<List<String>> rows) {
        int cols = rows.get(0).size();
        int[] width = new int[cols];
        for (List<String> r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            List<String> row = rows.get(r);
            for (int i = 0; i < cols; i++) {
                String cell = row.get(i);
                boolean left = i == 0 || i == cols - 1;
                sb.append(i == 0 ? "" : " | ");
                sb.append(pad(cell, i == cols - 1 ? 0 : width[i], left));
            }
            sb.append('\n');
            if (r == 0) {
                List<String> dashes = new ArrayList<>();
                for (int i = 0; i < cols; i++) {
                    dashes.add("-".repeat(width[i]));
                }
                sb.append(String.join("-+-", dashes)).append('\n');
            }
        }
        return sb.toString();
    }

    private static String pad(String s, int width, boolean left) {
        String fill = " ".repeat(Math.max(0, width - s.length()));
        return left ? s + fill : fill + s;
    }

    /** A progress bar: redrawn in place on a terminal, one line per quarter otherwise. */
    final class Progress {
        private final String label;
        private final int total;
        private int lastQuarter = -1;

        private Progress(String label, int total) {
            this.label = label;
            this.total = Math.max(1, total);
        }

        void update(int done, String detail) {
            synchronized (Console.this) {
                if (ansi) {
                    int filled = (int) (30L * done / total);
                    out.print("\r" + stamp() + label + " [" + "#".repeat(filled) + " ".repeat(30 - filled) + "] "
                            + done + "/" + total + (detail.isEmpty() ? "" : " " + detail) + "\u001b[K");
                    out.flush();
                    if (done >= total) {
                        out.println();
                    }
                } else {
                    int quarter = (int) (4L * done / total);
                    if (quarter != lastQuarter) {
                        lastQuarter = quarter;
                        out.println(stamp() + label + " " + done + "/" + total + (detail.isEmpty() ? "" : " " + detail));
                    }
                }
            }
        }
    }
}
