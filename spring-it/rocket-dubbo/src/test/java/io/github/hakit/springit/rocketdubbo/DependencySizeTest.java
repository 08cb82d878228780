package io.github.hakit.springit.rocketdubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a Spring Boot application with hakit-rocket and hakit-dubbo ships (its runtime class path, written by the
 * module's POM): one netty version, none of netty-all's unused codecs, and a size close to hakit-rocket's trimmed set rather than the
 * 119 jars / 63 MB that Dubbo's netty-all made of it.
 */
class DependencySizeTest {
    private static final Logger log = LoggerFactory.getLogger(DependencySizeTest.class);
    /** Budgets: a few jars and MB above the last measurement, so growth is a decision, not an accident. */
    static final int MAX_JARS = 85;
    static final long MAX_BYTES = 48L * 1024 * 1024;

    @Test
    void oneNettyNoNettyAllAndWithinBudget() throws IOException {
        String cp;
        try (InputStream in = getClass().getResourceAsStream("/runtime.classpath")) {
            cp = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        List<Path> entries = Stream.of(cp.split(java.io.File.pathSeparator)).filter(s -> !s.isBlank())
                .map(Path::of).toList();
        List<Path> jars = entries.stream().filter(p -> p.toString().endsWith(".jar")).toList();
        long bytes = entries.stream().mapToLong(DependencySizeTest::size).sum();
        Set<String> nettyVersions = new TreeSet<>();
        Pattern netty = Pattern.compile("netty-[a-z0-9-]+?-(4\\.\\d+\\.\\d+\\.Final)(-[a-z0-9_-]+)?\\.jar");
        Set<String> unused = new TreeSet<>();
        Pattern unusedNetty = Pattern.compile("netty-(codec-(dns|mqtt|redis|smtp|stomp|xml|memcache)|transport-(sctp|udt"
                + "|rxtx)|resolver-dns|transport-native-kqueue|resolver-dns-native-macos)-.*\\.jar");
        for (Path p : jars) {
            String name = p.getFileName().toString();
            Matcher m = netty.matcher(name);
            if (m.matches()) {
                nettyVersions.add(m.group(1));
            }
            if (unusedNetty.matcher(name).matches()) {
                unused.add(name);
            }
        }
        log.info("runtime class path of the RocketMQ + Dubbo application: {} entries, {} jars, {} MB; netty {}",
                entries.size(), jars.size(), String.format("%.1f", bytes / 1048576.0), nettyVersions);
        assertEquals(1, nettyVersions.size(), "one netty version: " + nettyVersions);
        // netty-all 4.1 is an empty aggregator: what counts is that its codecs and transports stay out
        assertEquals(Set.of(), unused, "netty modules neither RocketMQ nor Dubbo loads");
        assertTrue(jars.size() <= MAX_JARS, jars.size() + " jars > " + MAX_JARS);
        assertTrue(bytes <= MAX_BYTES, bytes + " bytes > " + MAX_BYTES);
    }

    private static long size(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.walk(p)) {
                    return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
                }
            }
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
