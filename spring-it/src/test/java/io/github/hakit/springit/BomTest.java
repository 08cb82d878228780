package io.github.hakit.springit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * hakit-bom manages every published hakit module at the project's version and the RocketMQ client version
 * hakit-parent builds hakit-rocket with (the BOM has no parent, so the two are kept equal here).
 */
class BomTest {
    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    private static String property(String pom, String name) {
        Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
        assertTrue(m.find(), name + " in pom");
        return m.group(1).trim();
    }

    @Test
    void managesEveryModuleAndHakitsRocketMQVersion() throws Exception {
        Path rootPom = Files.exists(ROOT.resolve("bom/pom.xml")) ? ROOT : ROOT.getParent();
        String bom = Files.readString(rootPom.resolve("bom/pom.xml"));
        String parent = Files.readString(rootPom.resolve("pom.xml"));
        assertEquals(property(parent, "rocketmq.version"), property(bom, "rocketmq.version"));
        Matcher version = Pattern.compile("<artifactId>hakit-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(parent);
        assertTrue(version.find());
        assertEquals(version.group(1), property(bom, "hakit.version"));
        for (String module : List.of("hakit-core", "hakit-fastdfs", "hakit-rabbit", "hakit-rocket", "hakit-dubbo",
                "hakit-testkit", "hakit-testkit-rocketmq-server", "rocketmq-client")) {
            assertTrue(bom.contains("<artifactId>" + module + "</artifactId>"), module + " managed by hakit-bom");
        }
    }
}
