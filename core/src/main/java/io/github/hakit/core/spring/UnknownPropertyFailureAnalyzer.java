package io.github.hakit.core.spring;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * hakit's properties classes refuse unknown keys ({@code ignoreUnknownFields = false}), so a typo such as
 * {@code hakit.rabbit.address} stops the application instead of silently switching the module off. This analyzer
 * names the unknown keys and the closest known ones, read from the {@code spring-configuration-metadata.json} of
 * every hakit module on the class path.
 *
 * <pre>
 * Description:
 * Unknown hakit properties: hakit.rabbit.address (from "class path resource [application.properties]")
 * Action:
 * Did you mean hakit.rabbit.addresses? Known properties are listed in the module's README and in your IDE.
 * </pre>
 */
public class UnknownPropertyFailureAnalyzer extends AbstractFailureAnalyzer<BindException> implements Ordered {
    private static final Pattern NAME = Pattern.compile("\"name\"\\s*:\\s*\"(hakit\\.[^\"]+)\"");

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, BindException cause) {
        if (!(cause.getCause() instanceof UnboundConfigurationPropertiesException unbound)
                || !cause.getName().toString().startsWith("hakit.")) {
            return null;
        }
        Set<String> known = knownProperties(Thread.currentThread().getContextClassLoader());
        List<String> unknown = new ArrayList<>();
        List<String> hints = new ArrayList<>();
        for (ConfigurationProperty p : unbound.getUnboundProperties()) {
            String name = p.getName().toString();
            unknown.add(name + (p.getOrigin() != null ? " (from " + p.getOrigin() + ")" : ""));
            String best = closest(name, known);
            if (best != null) {
                hints.add("did you mean " + best + " instead of " + name + "?");
            }
        }
        String action = (hints.isEmpty() ? "" : String.join(" ", hints) + " ")
                + "Remove or correct the unknown keys; the known hakit properties are listed in the module README and "
                + "offered by IDE completion (spring-configuration-metadata.json).";
        return new FailureAnalysis("Unknown hakit properties under '" + cause.getName() + "': "
                + String.join(", ", unknown) + ". hakit refuses unknown keys so that a typo cannot silently leave a "
                + "module unconfigured.", action, cause);
    }

    /** Every {@code hakit.*} property named in the metadata files on the class path. */
    static Set<String> knownProperties(ClassLoader loader) {
        Set<String> names = new TreeSet<>();
        try {
            Enumeration<URL> files = (loader != null ? loader : UnknownPropertyFailureAnalyzer.class.getClassLoader())
                    .getResources("META-INF/spring-configuration-metadata.json");
            while (files.hasMoreElements()) {
                try (InputStream in = files.nextElement().openStream()) {
                    Matcher m = NAME.matcher(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                    while (m.find()) {
                        names.add(m.group(1));
                    }
                }
            }
        } catch (IOException e) {
            // no suggestion then
        }
        return names;
    }

    /** The known name nearest to {@code name} (edit distance at most a third of its length), or null. */
    static String closest(String name, Set<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(name, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        String last = name.substring(name.lastIndexOf('.') + 1);
        return best != null && bestDistance <= Math.max(2, last.length() / 3) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Before Spring Boot's own analyzer for unbound properties. */
    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
