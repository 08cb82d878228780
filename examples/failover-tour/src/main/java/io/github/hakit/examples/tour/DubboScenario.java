package io.github.hakit.examples.tour;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Dubbo + ZooKeeper, two zones (see {@code io.github.hakit.examples.dubbo.DubboZones} in the
 * {@code hakit-example-dubbo-zones} module): zone A's providers get {@code kill -9} while a hakit consumer
 * (zone-aware, registered public + LAN addresses) and a plain Dubbo consumer (public addresses) in zone A call.
 * The scenario runs in a JVM of its own with the module's classpath and a hosts file; its provider JVMs are its
 * children, and the tour stops the whole process tree by PID.
 */
final class DubboScenario implements Scenario {
    private static final String RESOURCES = "io/github/hakit/examples/dubbo/";

    @Override
    public String name() {
        return "dubbo";
    }

    private Process process;
    private Path log;
    private Exception startFailure;

    /**
     * Starts the scenario JVM early: it brings up ZooKeeper, the provider JVMs and the consumers while the other
     * back ends run, then waits for "go" on its stdin before any traffic.
     */
    @Override
    public void prepare(Tour tour) {
        try {
            start(tour);
            tour.console.step("starting the Dubbo zones (ZooKeeper, 3 provider JVMs, consumers) in the background");
        } catch (Exception e) {
            startFailure = e;
        }
    }

    private void start(Tour tour) throws IOException {
        Path dir = Files.createTempDirectory("hakit-tour-dubbo-");
        tour.own(() -> io.github.hakit.testkit.TempDirs.deleteTree(dir));
        Path hosts = dir.resolve("tour-hosts");
        try (InputStream in = resource("tour-hosts")) {
            Files.copy(in, hosts);
        }
        String classpath = classpath();
        int calls = tour.size(300, 150);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-Djdk.net.hosts.file=" + hosts,
                "-Ddubbo.network.interface.ignored=.*", "-Djava.net.preferIPv4Stack=true",
                "-Ddubbo.service.shutdown.wait=500", "-Dhakit.tour.work=" + dir, "-cp", classpath, "io.github.hakit.examples.dubbo.DubboZones",
                "scenario", Integer.toString(calls));
        log = Path.of("target", "failover-tour-dubbo.log").toAbsolutePath();
        Files.createDirectories(log.getParent());
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        process = p;
        tour.own(() -> {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        });
    }

    @Override
    public List<Result> run(Tour tour) throws Exception {
        Console c = tour.console;
        c.title("Dubbo + ZooKeeper: providers in two zones, consumers in zone A");
        if (process == null) {
            start(tour);
        }
        if (startFailure != null) {
            throw startFailure;
        }
        c.step("scenario JVM pid " + process.pid() + " (its log: examples/failover-tour/target/failover-tour-dubbo.log)");
        List<Row> rows = new ArrayList<>();
        StringBuilder status = new StringBuilder();
        Console.Progress bar = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.equals("@ready")) {
                    process.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
                    process.getOutputStream().flush();
                } else if (line.startsWith("@step ")) {
                    c.step(line.substring(6));
                } else if (line.startsWith("@progress ")) {
                    String[] p = line.substring(10).split(" ", 3);
                    if (bar == null) {
                        bar = c.progress("calling", Integer.parseInt(p[1]));
                    }
                    bar.update(Integer.parseInt(p[0]), p.length > 2 ? p[2] : "");
                } else if (line.startsWith("@row ")) {
                    String[] f = line.substring(5).split("\t", 5);
                    rows.add(new Row(f[0], Integer.parseInt(f[1]),
                            Integer.parseInt(f[2]), Long.parseLong(f[3]), null, f[4]));
                } else if (line.startsWith("@status ")) {
                    status.append(line.substring(8)).append('\n');
                }
            }
        }
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0 || rows.size() != 2) {
            throw new IllegalStateException("the Dubbo scenario JVM failed (exit " + (process.isAlive() ? "-" :
                    process.exitValue()) + "); see " + log);
        }
        return List.of(new Result("dubbo", "zone A kill -9 (both providers)", rows, status.toString()));
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = DubboScenario.class.getClassLoader().getResourceAsStream(RESOURCES + name);
        if (in == null) {
            throw new IOException("no " + RESOURCES + name + " on the classpath (hakit-example-dubbo-zones missing)");
        }
        return in;
    }

    /** The scenario module's resolved dependencies plus its own jar (or classes directory). */
    private static String classpath() throws IOException {
        String deps;
        try (InputStream in = resource("dubbo-zones.classpath")) {
            deps = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        URL url = DubboScenario.class.getClassLoader().getResource(RESOURCES + "dubbo-zones.classpath");
        String own;
        if ("jar".equals(url.getProtocol())) {
            own = new File(((JarURLConnection) url.openConnection()).getJarFileURL().getPath()).getPath();
        } else {
            // target/classes/io/github/hakit/examples/dubbo/dubbo-zones.classpath -> target/classes
            Path p = Path.of(url.getPath());
            for (int i = 0; i < 6; i++) {
                p = p.getParent();
            }
            own = p.toString();
        }
        return own + File.pathSeparator + deps;
    }
}
