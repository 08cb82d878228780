package io.github.hakit.core.spring;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.config.HaproxyBackendParser;
import io.github.hakit.core.config.NginxUpstreamParser;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the node list of a property the way operations teams write it, so it can be pasted from where it lives
 * today:
 * <ul>
 *   <li>{@code host[:port]} entries separated by {@code ,}, {@code ;} or whitespace (RocketMQ's {@code namesrvAddr}
 *       uses {@code ;}): {@code 10.0.0.1:22122,10.0.0.2:22122};</li>
 *   <li>Nginx {@code server} lines, with or without the {@code server} keyword and the trailing {@code ;}:
 *       {@code server 10.0.0.1:22122 weight=2 max_fails=2 fail_timeout=30s;} — several per value, or a whole
 *       {@code upstream name { ... }} block;</li>
 *   <li>HAProxy {@code server} lines: {@code server t1 10.0.0.1:22122 check inter 2s rise 2 fall 3}, or a whole
 *       {@code backend} section.</li>
 * </ul>
 * An entry without a port gets the back end's standard port ({@code defaultPort}: FastDFS tracker 22122, RabbitMQ
 * 5672, RocketMQ NameServer 9876) — never Nginx's implicit 80. Block directives other than {@code server}
 * ({@code upstream}, {@code backend}, {@code balance}, {@code proxy_next_upstream}, …) are skipped: a module takes
 * its retry and check settings from its own properties. Anything else fails with an {@link InvalidPropertyException}
 * naming the property, the value (redacted) and the expected form.
 *
 * <pre>{@code
 * List<Endpoint> trackers = ServerList.parse("hakit.fastdfs.trackers", "127.0.0.2;127.0.0.3:22123", 22122);
 * // [127.0.0.2:22122, 127.0.0.3:22123]
 * }</pre>
 */
public final class ServerList {
    /** Nginx {@code server} flags that are not {@code key=value}. */
    private static final Set<String> NGINX_FLAGS = Set.of("backup", "down", "resolve");
    /** Directives of a pasted block that carry no node. */
    private static final Set<String> SKIPPED = Set.of("upstream", "backend", "listen", "frontend", "defaults",
            "balance", "mode", "option", "timeout", "retries", "keepalive", "keepalive_timeout", "keepalive_requests",
            "zone", "least_conn", "ip_hash", "hash", "random", "sticky", "proxy_next_upstream",
            "proxy_next_upstream_tries", "proxy_next_upstream_timeout", "default-server", "http-check", "tcp-check");
    private static final Pattern STATEMENTS = Pattern.compile("[;,\\r\\n]+");

    private ServerList() {
    }

    /** The expected form, for messages: {@code host[:port] entries ... (default port N) ...}. */
    public static String expectedForm(int defaultPort) {
        return "host[:port] entries separated by ',', ';' or whitespace (the port defaults to " + defaultPort
                + "), or Nginx/HAProxy 'server' lines, e.g. '10.0.0.1:" + defaultPort + ",10.0.0.2:" + defaultPort
                + "' or 'server 10.0.0.1:" + defaultPort + " max_fails=2 fail_timeout=30s;'";
    }

    /** Every value of a list property (each element may itself hold several entries). */
    public static List<Endpoint> parse(String property, List<String> values, int defaultPort) {
        List<Endpoint> all = new ArrayList<>();
        for (String v : values == null ? List.<String>of() : values) {
            if (v != null && !v.isBlank()) {
                all.addAll(parse(property, v, defaultPort));
            }
        }
        if (all.isEmpty()) {
            throw new InvalidPropertyException(property, String.valueOf(values), "no node given",
                    expectedForm(defaultPort));
        }
        return List.copyOf(all);
    }

    /** One property value. */
    public static List<Endpoint> parse(String property, String value, int defaultPort) {
        if (defaultPort < 1 || defaultPort > 65535) {
            throw new IllegalArgumentException("defaultPort out of range 1..65535: " + defaultPort);
        }
        if (value == null || value.isBlank()) {
            throw new InvalidPropertyException(property, value, "no node given", expectedForm(defaultPort));
        }
        List<Endpoint> result = new ArrayList<>();
        for (String s : statements(value)) {
            String[] words = s.split("\\s+");
            String first = words[0].toLowerCase(Locale.ROOT);
            try {
                if (first.equals("server")) {
                    result.add(serverLine(words, defaultPort));
                } else if (SKIPPED.contains(first)) {
                    continue;
                } else if (words.length > 1 && isParameter(words[1])) {
                    // an Nginx server line without the keyword: 10.0.0.1:22122 weight=2
                    result.add(NginxUpstreamParser.parseServer(withPort(words[0], defaultPort) + rest(words, 1)));
                } else {
                    for (String w : words) {
                        result.add(Endpoint.of(withPort(w, defaultPort)));
                    }
                }
            } catch (IllegalArgumentException e) {
                throw new InvalidPropertyException(property, value, "entry '" + s + "': " + e.getMessage(),
                        expectedForm(defaultPort));
            }
        }
        if (result.isEmpty()) {
            throw new InvalidPropertyException(property, value, "no node given", expectedForm(defaultPort));
        }
        return List.copyOf(result);
    }

    /**
     * The value cut at {@code ,}, {@code ;}, line ends and braces, and before every {@code server} keyword (so plain
     * entries and server lines may follow each other on one line).
     */
    private static List<String> statements(String value) {
        List<String> out = new ArrayList<>();
        for (String raw : STATEMENTS.split(value.replace('{', '\n').replace('}', '\n'))) {
            StringBuilder cur = new StringBuilder();
            for (String w : raw.trim().split("\\s+")) {
                if (w.isEmpty()) {
                    continue;
                }
                if (w.equalsIgnoreCase("server") && cur.length() > 0) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
                cur.append(cur.length() > 0 ? " " : "").append(w);
            }
            if (cur.length() > 0) {
                out.add(cur.toString());
            }
        }
        return out;
    }

    private static Endpoint serverLine(String[] words, int defaultPort) {
        if (words.length < 2) {
            throw new IllegalArgumentException("'server' without an address");
        }
        boolean haproxy = words.length >= 3 && !isParameter(words[2]) && !isParameter(words[1]);
        if (haproxy) {
            return HaproxyBackendParser.parseServer("server " + words[1] + " " + withPort(words[2], defaultPort)
                    + rest(words, 3));
        }
        return NginxUpstreamParser.parseServer("server " + withPort(words[1], defaultPort) + rest(words, 2));
    }

    /** Nginx {@code key=value} or flag, or a HAProxy keyword (anything after the address that is not an address). */
    private static boolean isParameter(String word) {
        return word.contains("=") || NGINX_FLAGS.contains(word.toLowerCase(Locale.ROOT))
                || HAPROXY_KEYWORD.matcher(word).matches();
    }

    private static final Pattern HAPROXY_KEYWORD = Pattern.compile(
            "(?i)check|inter|fastinter|downinter|rise|fall|weight|backup|disabled|maxconn|slowstart|observe|"
                    + "error-limit|on-error|resolvers|send-proxy|ssl|verify|init-addr");

    private static String rest(String[] words, int from) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < words.length; i++) {
            sb.append(' ').append(words[i]);
        }
        return sb.toString();
    }

    /** {@code address} with {@code defaultPort} when it has none; IPv6 literals get their brackets. */
    static String withPort(String address, int defaultPort) {
        String a = address.trim();
        if (a.toLowerCase(Locale.ROOT).startsWith("unix:")) {
            throw new IllegalArgumentException("unix sockets are not supported: '" + a + "'");
        }
        if (a.contains("://")) {
            throw new IllegalArgumentException("a URL where host:port was expected: '" + a + "'");
        }
        if (a.startsWith("[")) {
            return a.endsWith("]") ? a + ":" + defaultPort : a;
        }
        int colons = a.length() - a.replace(":", "").length();
        if (colons == 0) {
            return a + ":" + defaultPort;
        }
        if (colons > 1) {
            return "[" + a + "]:" + defaultPort; // a bare IPv6 literal
        }
        return a;
    }
}
