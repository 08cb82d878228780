package io.github.hakit.springit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.hakit.core.spring.InvalidPropertyException;
import io.github.hakit.core.spring.ServerList;
import io.github.hakit.dubbo.spring.HakitDubboProperties;
import java.net.URL;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Fuzzing of the Spring properties (issue 14, point 2), with seeded {@link SplittableRandom}s:
 * <ul>
 *   <li>{@link ServerList#parse}, the parser behind every address-list property, on 10,000 mutated lists
 *       ({@code -Dhakit.fuzz.cases}): it returns nodes or throws {@link InvalidPropertyException} naming the property;
 *       a password planted in the value never appears in the message;</li>
 *   <li>real application contexts ({@code -Dhakit.fuzz.contexts}, 40 by default: each is a start-up) of the FastDFS,
 *       RocketMQ and RabbitMQ modules with 1-3 of their properties, taken from the IDE metadata, set to random values
 *       of their type, valid or not, and no server behind them: the application starts, or its failure names one of
 *       the properties set (a {@link BindException} or an {@link InvalidPropertyException}) without the planted
 *       password;</li>
 *   <li>the Dubbo properties bound by Spring's {@link Binder} and turned into options as hakit's auto-configuration
 *       does (1,000 cases), with the same rule.</li>
 * </ul>
 * A violation names the seed, the case and the properties.
 */
class PropertiesFuzzTest {
    private static final int CASES = Integer.getInteger("hakit.fuzz.cases", 10_000);
    private static final int CONTEXTS = Integer.getInteger("hakit.fuzz.contexts", 40);
    private static final long SEED = Long.getLong("hakit.fuzz.seed", 20261203L);
    private static final String SECRET = "Fz9SECRETpw";
    private static final int MAX_VIOLATIONS = Integer.getInteger("hakit.fuzz.maxViolations", 5);

    /** Stands for {@code app:<password>@} until the mutations are done: mutations never cut a planted secret. */
    private static final char USERINFO = '\u0001';
    /** Stands for {@code password=<password>}. */
    private static final char KEY_VALUE = '\u0002';
    private static final List<String> NODES = List.of("127.0.0.1", "127.0.0.2:22122", "[::1]:5672", "host-a:9876",
            "server 127.0.0.3:22122 weight=2 max_fails=2 fail_timeout=5s;", "127.0.0.4:1 backup",
            "amqp://" + USERINFO + "127.0.0.1:5672", "http://" + USERINFO + "127.0.0.1:15672", USERINFO + "127.0.0.1",
            String.valueOf(KEY_VALUE));
    private static final List<String> PIECES = List.of(",", ";", " ", "\n", "\t", ":", "::", "[", "]", "=", "@", "/",
            "٨", "８", "+", "-", "0", "65536", "99999999999999999999", "weight=", "server", "backup", "down", "\u0000",
            "é", "%", "#", "*", "");

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = {"org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration",
        "org.apache.rocketmq.spring.autoconfigure.RocketMQAutoConfiguration",
        "org.apache.dubbo.spring.boot.autoconfigure.DubboAutoConfiguration",
        "org.apache.dubbo.spring.boot.autoconfigure.DubboRelaxedBinding2AutoConfiguration"})
    static class App {
    }

    @Test
    void serverListsParseOrNameThePropertyWithoutTheSecret() {
        SplittableRandom random = new SplittableRandom(SEED);
        List<String> violations = new ArrayList<>();
        for (int i = 0; i < CASES && violations.size() < MAX_VIOLATIONS; i++) {
            String value = plant(mutate(random, list(random)));
            try {
                ServerList.parse("hakit.fuzz.nodes", value, 22122);
            } catch (InvalidPropertyException e) {
                if (!"hakit.fuzz.nodes".equals(e.property()) || !e.getMessage().contains("hakit.fuzz.nodes")
                        || e.getMessage().contains(SECRET)) {
                    violations.add(describe(i, Map.of("hakit.fuzz.nodes", value), e));
                }
            } catch (RuntimeException e) {
                violations.add(describe(i, Map.of("hakit.fuzz.nodes", value), e));
            }
        }
        assertEquals(List.of(), violations);
    }

    @Test
    void applicationsStartOrTheirFailureNamesABadProperty() throws Exception {
        Map<String, String> types = metadataTypes();
        SplittableRandom random = new SplittableRandom(SEED + 1);
        // a base that turns exactly one module on, with no server behind it (nothing listens on port 1)
        Map<String, Map<String, String>> modules = new LinkedHashMap<>();
        modules.put("hakit.fastdfs.", Map.of("hakit.fastdfs.trackers", "127.0.0.1:1",
                "hakit.rocket.enabled", "false", "hakit.rabbit.enabled", "false"));
        modules.put("hakit.rocket.", Map.of("hakit.rocket.name-servers", "127.0.0.1:1",
                "hakit.fastdfs.enabled", "false", "hakit.rabbit.enabled", "false"));
        modules.put("hakit.rabbit.", Map.of("hakit.rabbit.addresses", "127.0.0.1:1",
                "hakit.fastdfs.enabled", "false", "hakit.rocket.enabled", "false"));
        List<String> violations = new ArrayList<>();
        List<String> prefixes = new ArrayList<>(modules.keySet());
        int started = 0;
        for (int i = 0; i < CONTEXTS && violations.size() < MAX_VIOLATIONS; i++) {
            String prefix = prefixes.get(i % prefixes.size());
            List<String> names = types.keySet().stream().filter(n -> n.startsWith(prefix)
                    && !n.endsWith(".enabled")).toList();
            Map<String, String> set = new TreeMap<>();
            int n = 1 + random.nextInt(3);
            for (int k = 0; k < n; k++) {
                String name = names.get(random.nextInt(names.size()));
                set.put(name, value(random, types.get(name)));
            }
            Map<String, Object> properties = new LinkedHashMap<>(modules.get(prefix));
            properties.putAll(set);
            properties.put("spring.main.banner-mode", "off");
            try (ConfigurableApplicationContext ignored = new SpringApplicationBuilder(App.class)
                    .web(WebApplicationType.NONE).properties(properties).run()) {
                started++;
            } catch (Exception e) {
                if (!namesOneOf(e, set)) {
                    violations.add(describe(i, set, e));
                }
            }
        }
        assertEquals(List.of(), violations, () -> "of " + CONTEXTS + " contexts");
        // the generator is not all garbage: some applications started
        org.junit.jupiter.api.Assertions.assertTrue(CONTEXTS < 10 || started > 0, "no application started");
    }

    @Test
    void dubboPropertiesBindAndConvertOrNameTheBadProperty() throws Exception {
        Map<String, String> types = metadataTypes();
        List<String> names = types.keySet().stream().filter(n -> n.startsWith("hakit.dubbo.")).toList();
        SplittableRandom random = new SplittableRandom(SEED + 2);
        List<String> violations = new ArrayList<>();
        for (int i = 0; i < CASES / 10 && violations.size() < MAX_VIOLATIONS; i++) {
            Map<String, String> set = new TreeMap<>();
            int n = 1 + random.nextInt(3);
            for (int k = 0; k < n; k++) {
                String name = names.get(random.nextInt(names.size()));
                set.put(name, value(random, types.get(name)));
            }
            try {
                HakitDubboProperties p = new Binder(new MapConfigurationPropertySource(set))
                        .bind("hakit.dubbo", HakitDubboProperties.class).orElseGet(HakitDubboProperties::new);
                p.getProvider().toOptions();
                p.getConsumer().toOptions();
            } catch (Exception e) {
                if (!namesOneOf(e, set)) {
                    violations.add(describe(i, set, e));
                }
            }
        }
        assertEquals(List.of(), violations);
    }

    /** True when the failure names one of the properties set and does not show the planted password. */
    private static boolean namesOneOf(Throwable failure, Map<String, String> set) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(SECRET)) {
                return false;
            }
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof BindException b) {
                String bound = (b.getProperty() == null ? b.getName() : b.getProperty().getName()).toString();
                if (set.keySet().stream().anyMatch(name -> bound.equals(name) || bound.startsWith(name + "[")
                        || bound.startsWith(name + "."))) {
                    return true;
                }
            }
            // a property, or the group whose values do not fit together (PropertyValues.check)
            if (t instanceof InvalidPropertyException p && set.keySet().stream()
                    .anyMatch(name -> name.equals(p.property()) || name.startsWith(p.property() + "."))) {
                return true;
            }
            if (t instanceof UnboundConfigurationPropertiesException u && u.getUnboundProperties().stream()
                    .anyMatch(unbound -> set.containsKey(unbound.getName().toString()))) {
                return true; // an empty value: Spring Boot's own report names the property
            }
        }
        return false;
    }

    /** The planted secrets put in: every occurrence of the password is in a form that marks it as one. */
    private static String plant(String value) {
        return value.replace(String.valueOf(USERINFO), "app:" + SECRET + "@")
                .replace(String.valueOf(KEY_VALUE), "password=" + SECRET);
    }

    private static String describe(int i, Map<String, String> set, Throwable e) {
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append("\n    ").append(t);
        }
        return "seed " + SEED + " case " + i + " " + set + ":" + chain;
    }

    /** Name to type of every hakit property in the IDE metadata of the modules on the class path. */
    private static Map<String, String> metadataTypes() throws Exception {
        Map<String, String> types = new TreeMap<>();
        for (URL url : Collections.list(PropertiesFuzzTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            for (JsonNode p : new ObjectMapper().readTree(url).path("properties")) {
                String name = p.path("name").asText();
                if (name.startsWith("hakit.")) {
                    types.put(name, p.path("type").asText());
                }
            }
        }
        return types;
    }

    private static String value(SplittableRandom random, String type) {
        List<String> pool = switch (type) {
            case "java.time.Duration" -> List.of("1s", "500ms", "0s", "0", "-1s", "10", "PT5S", "1.5s", "2m", "1h",
                    "36500d", "36501d", "106751991166d", "abc", "", " ");
            case "java.lang.Integer", "java.lang.Long", "int", "long" -> List.of("0", "1", "-1", "100", "2147483647",
                    "2147483648", "9223372036854775808", "abc", "", "٨", "+5");
            case "java.lang.Boolean", "boolean" -> List.of("true", "false", "yes", "on", "1", "abc", "");
            case "io.github.hakit.core.balance.Balancer" -> List.of("ROUND_ROBIN", "round_robin", "least_conn",
                    "LEAST_CONN", "random", "bogus", "");
            case "io.github.hakit.dubbo.ProviderOptions$CheckMode" -> List.of("FAIL", "warn", "OFF", "bogus", "");
            default -> null;
        };
        if (pool != null) {
            return pool.get(random.nextInt(pool.size()));
        }
        // strings and lists: node lists, URLs, CIDRs and free text, mutated half of the time
        String v = random.nextBoolean() ? list(random) : List.of("10.0.0.0/8", "10.0.0.0/33", "region-1", "",
                "http://" + USERINFO + "127.0.0.1:1/ip", "/", "group1", "%zz").get(random.nextInt(8));
        return plant(random.nextBoolean() ? v : mutate(random, v));
    }

    private static String list(SplittableRandom random) {
        StringBuilder b = new StringBuilder();
        int n = 1 + random.nextInt(3);
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                b.append(List.of(",", ";", " ", "\n").get(random.nextInt(4)));
            }
            b.append(NODES.get(random.nextInt(NODES.size())));
        }
        return b.toString();
    }

    private static String mutate(SplittableRandom random, String s) {
        StringBuilder b = new StringBuilder(s);
        int edits = random.nextInt(4);
        for (int e = 0; e < edits; e++) {
            int at = b.length() == 0 ? 0 : random.nextInt(b.length() + 1);
            switch (random.nextInt(3)) {
                case 0 -> b.insert(at, PIECES.get(random.nextInt(PIECES.size())));
                case 1 -> b.delete(at, Math.min(b.length(), at + 1 + random.nextInt(4)));
                default -> {
                    if (at < b.length()) {
                        b.setCharAt(at, (char) (' ' + random.nextInt(95)));
                    }
                }
            }
        }
        return b.toString();
    }
}
