package io.github.hakit.examples.tour;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The README's main command: real clusters of the four back ends on loopback, one fault each, hakit and the stock
 * client (or the proxy) side by side on the same traffic, and what each caller saw.
 *
 * <pre>
 * mvn -B -q -DskipTests -Pdemo -pl examples/failover-tour -am verify                       # everything
 * mvn -B -q -DskipTests -Pdemo -pl examples/failover-tour -am verify -Dtour.args="--only fastdfs --short"
 * </pre>
 *
 * Options: {@code --only fastdfs|rabbit|rocket} (one back end), {@code --short} (fewer calls, for CI),
 * {@code --require-all} (a back end whose server is missing fails the run instead of being skipped).
 * Exit status 0 when every hakit row shows 0 failures and 0 lost; 1 otherwise (the tables show where);
 * 2 on bad arguments or when a scenario could not run.
 */
public final class FailoverTour {
    static final Map<String, Scenario> SCENARIOS = new LinkedHashMap<>();

    static {
        for (Scenario s : List.of(new FastDfsScenario(), new RabbitScenario(), new RocketScenario(),
                new DubboScenario())) {
            SCENARIOS.put(s.name(), s);
        }
    }

    private FailoverTour() {
    }

    public static void main(String[] rawArgs) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        int status;
        try {
            status = run(rawArgs, new Console(out, Console.detectAnsi()));
        } catch (IllegalArgumentException e) {
            out.println("failover-tour: " + e.getMessage());
            out.println("usage: [--only " + String.join("|", SCENARIOS.keySet()) + "] [--short] [--require-all]");
            status = 2;
        }
        System.exit(status);
    }

    /** Runs the tour; returns the exit status. */
    static int run(String[] rawArgs, Console console) {
        List<String> args = new ArrayList<>();
        for (String a : rawArgs) {
            args.addAll(Arrays.stream(a.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
        }
        boolean quick = false;
        boolean requireAll = false;
        List<Scenario> chosen = new ArrayList<>(SCENARIOS.values());
        for (int i = 0; i < args.size(); i++) {
            switch (args.get(i)) {
                case "--short" -> quick = true;
                case "--require-all" -> requireAll = true;
                case "--only" -> {
                    if (i + 1 >= args.size()) {
                        throw new IllegalArgumentException("--only needs a back end");
                    }
                    String name = args.get(++i).toLowerCase(Locale.ROOT);
                    Scenario s = SCENARIOS.get(name);
                    if (s == null) {
                        throw new IllegalArgumentException("unknown back end '" + name + "'");
                    }
                    chosen = List.of(s);
                }
                default -> throw new IllegalArgumentException("unknown argument '" + args.get(i) + "'");
            }
        }
        Tour tour = new Tour(console, quick, requireAll);
        AtomicBoolean done = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            if (!done.get()) {
                console.line("");
                console.step("interrupted: killing every process the tour started (by PID), then the in-JVM servers");
                // first the processes, by PID: a cluster still starting holds its own lock, and close() would wait
                ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
            }
            Thread closer = new Thread(tour::close, "failover-tour-close");
            closer.setDaemon(true);
            closer.start();
            try {
                closer.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "failover-tour-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        long t0 = System.nanoTime();
        List<Scenario.Result> results = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        try {
            console.title("hakit failover tour" + (quick ? " (short)" : "") + ": "
                    + String.join(", ", chosen.stream().map(Scenario::name).toList()));
            console.step("logs of the servers and clients: examples/failover-tour/target/failover-tour.log");
            console.line("Each table: calls made by each client on the same traffic; caller-visible failures = calls whose"
                    + " caller saw an exception or an error result; time to fail over = from the fault to the first"
                    + " successful call after it (for a frozen server: the slowest call), \"never\" when the client"
                    + " was still failing at the end; lost = work reported done that cannot be found afterwards.");
            for (Scenario s : chosen) {
                s.prepare(tour);
            }
            for (Scenario s : chosen) {
                try {
                    List<Scenario.Result> r = s.run(tour);
                    for (Scenario.Result result : r) {
                        print(console, result);
                    }
                    results.addAll(r);
                } catch (Skipped e) {
                    console.warn(s.name() + " skipped: " + e.getMessage());
                    if (requireAll) {
                        problems.add(s.name() + ": " + e.getMessage());
                    }
                } catch (Exception e) {
                    console.warn(s.name() + " could not run: " + e);
                    problems.add(s.name() + ": " + e);
                }
            }
        } finally {
            tour.close();
            done.set(true);
        }
        console.title("summary (" + Math.round((System.nanoTime() - t0) / 1e9) + " s)");
        boolean hakitClean = true;
        for (Scenario.Result r : results) {
            StringBuilder line = new StringBuilder("RESULT " + r.backend() + " (" + r.fault() + ")");
            for (Row row : r.rows()) {
                line.append(row == r.rows().get(0) ? " " : " | ").append(row.hakit() ? "hakit" : row.client())
                        .append(": ").append(row.verdict());
                if (row.hakit() && (row.failures() > 0 || (row.lost() != null && row.lost() > 0))) {
                    hakitClean = false;
                }
            }
            console.line(line.toString());
        }
        for (String p : problems) {
            console.line("NOT RUN " + p);
        }
        if (!problems.isEmpty()) {
            return 2;
        }
        return hakitClean ? 0 : 1;
    }

    private static void print(Console console, Scenario.Result r) {
        console.title(r.backend() + ": " + r.fault());
        List<List<String>> rows = new ArrayList<>();
        rows.add(Row.header());
        r.rows().forEach(row -> rows.add(row.cells()));
        console.block(Console.table(rows));
        if (!r.statusAfter().isBlank()) {
            console.line("  status after (hakit's view):");
            console.block(r.statusAfter());
        }
    }

    /** A scenario whose server is not installed here; says how to install it. */
    static final class Skipped extends Exception {
        private static final long serialVersionUID = 1L;

        Skipped(String message) {
            super(message);
        }
    }
}
