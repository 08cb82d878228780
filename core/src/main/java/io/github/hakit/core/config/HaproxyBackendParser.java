package io.github.hakit.core.config;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.HostPort;
import io.github.hakit.core.Secrets;
import io.github.hakit.core.UpstreamConfig;
import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.ObserveConfig;
import io.github.hakit.core.health.Probe;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import io.github.hakit.core.retry.RetryTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads an HAProxy {@code backend} (or {@code listen}) section, with the {@code defaults} section before it, into
 * {@link UpstreamConfig}, with HAProxy's defaults, time syntax and (mostly) its error wording.
 *
 * <pre>{@code
 * HaproxyBackend rabbit = HaproxyBackendParser.parseBackend("""
 *     defaults
 *         retries 2
 *         option redispatch
 *     backend rabbitmq_cluster
 *         mode tcp
 *         balance roundrobin
 *         default-server inter 2s rise 2 fall 3
 *         server a 127.0.0.1:5681 check
 *         server b 127.0.0.1:5682 check
 *         server c 127.0.0.1:5683 check backup
 *     """);
 * UpstreamConfig cfg = rabbit.config();                    // endpoints a, b, c; round robin; tries 3
 * Endpoint a = HaproxyBackendParser.parseServer("server a 127.0.0.1:5681 check inter 2s rise 2 fall 3");
 * }</pre>
 *
 * <h2>What is read</h2>
 * <ul>
 *   <li>Sections: {@code defaults} (its settings apply to the sections after it, as in HAProxy), one
 *       {@code backend name} or {@code listen name}; other sections ({@code global}, {@code frontend}, ...) are
 *       skipped whole. With several backends, {@link #parseBackend(String, String)} picks one by name.</li>
 *   <li>{@code balance roundrobin|static-rr|leastconn|first|source}: round robin and static-rr →
 *       {@link Balancer#ROUND_ROBIN}, {@code leastconn} → {@link Balancer#LEAST_CONN}, {@code first} →
 *       {@link Balancer#FIRST}, {@code source} → {@link Balancer#CONSISTENT_HASH} keyed by the client address
 *       ({@link HaproxyBackend#hashKey()} = {@code "src"}). Other algorithms are rejected.</li>
 *   <li>{@code server name address [keywords]} and {@code default-server [keywords]} (applies to the servers
 *       declared after it; several lines accumulate). Keywords with the meaning of HAProxy's {@code src/server.c}
 *       and {@code src/check.c}:
 *     <ul>
 *       <li>{@code check} / {@code no-check}: with {@code check} the endpoint gets a {@link HealthCheckConfig}
 *           from {@code inter} (default 2s), {@code fastinter} and {@code downinter} (default: inter),
 *           {@code rise} (2), {@code fall} (3) and the section's {@code timeout check} (default: inter); without
 *           {@code check} its health check is {@code null} and the other check keywords have no effect.</li>
 *       <li>{@code weight N} (0..256, default 1; 0 takes no new traffic), {@code maxconn N} → max_conns,
 *           {@code slowstart T}, {@code backup} / {@code no-backup}.</li>
 *       <li>{@code disabled} / {@code enabled}: {@code disabled} starts the server in maintenance (MAINT). hakit
 *           models that as {@link Endpoint#down()} {@code = true} plus the tag {@code haproxy.disabled=true}, so
 *           a status page can tell MAINT from Nginx's {@code down}.</li>
 *       <li>{@code observe layer4|layer7|none}, {@code error-limit N} (default 10), {@code on-error
 *           fastinter|fail-check|sudden-death|mark-down} (default fastinter) → {@link ObserveConfig};
 *           {@code layer7} only in {@code mode http}, as HAProxy demands.</li>
 *       <li>Keywords about transport or HAProxy's own features ({@code cookie}, {@code port}, {@code addr},
 *           {@code ssl}, {@code send-proxy}, {@code resolvers}, {@code agent-check}, {@code track}, ...) are kept
 *           as tags {@code haproxy.<keyword>} (value: the argument, or {@code true}).</li>
 *     </ul></li>
 *   <li>{@code retries N} (HAProxy's default 3), {@code option redispatch}, {@code retry-on ...},
 *       {@code timeout connect|server|check|...}, {@code mode tcp|http}; accepted keywords without effect in hakit
 *       ({@code log}, {@code option tcplog}, {@code http-check ...}, ...) are listed in
 *       {@link HaproxyBackend#ignored()}.</li>
 * </ul>
 * Times follow HAProxy's {@code parse_time_err()} ({@code src/tools.c}): a number with an optional unit among
 * {@code us ms s m h d}; no unit means milliseconds; values are rounded up to whole milliseconds and may not exceed
 * 2147483647 ms.
 *
 * <h2>Retries: how {@code retries} and {@code option redispatch} map</h2>
 * HAProxy's {@code retries N} allows N more connection attempts after the first ({@link NextUpstreamPolicy#tries()}
 * {@code = N + 1}). Without {@code option redispatch} they go to the <em>same</em> server
 * ({@link RetryTarget#SAME_ENDPOINT}), after HAProxy's turn-around wait of {@code min(1s, timeout connect)} when the
 * connection failed. With {@code option redispatch [interval]} ({@link RetryTarget#REDISPATCH}) a retry goes to
 * another server as {@code stream_choose_redispatch()} of HAProxy 2.6 decides: the last retry by default (or every
 * {@code interval}-th), any retry when the server is no longer running, and every retry when the balancing is
 * round robin and more than one server is up. <b>To get Nginx-style next-server retries from a pasted backend,
 * add {@code option redispatch}</b> (as in HAProxy itself). The conditions come from {@code retry-on} (default
 * {@code conn-failure} → {@link FailureKind#ERROR} and {@link FailureKind#TIMEOUT}); HAProxy only retries requests
 * it could not deliver, which hakit approximates by never retrying a non-idempotent call once its request may have
 * been sent ({@code nonIdempotent = false}). {@code timeout connect} and {@code timeout server} become the
 * attempt's connect and overall timeouts.
 *
 * <h2>Other mappings</h2>
 * <ul>
 *   <li>HAProxy has no Nginx-style passive failure counting, so every endpoint gets {@code max_fails=0};
 *       passive health comes from {@code observe} only.</li>
 *   <li>When no server is usable HAProxy answers 503; the upstream uses {@link AllDownPolicy#failFast()}.</li>
 *   <li>Backup servers are used together when no primary is usable (Nginx's rule, as HAProxy's
 *       {@code option allbackups}); plain HAProxy would use only the first backup.</li>
 *   <li>{@code maxconn} makes hakit skip a full server (Nginx's {@code max_conns}); HAProxy would queue the
 *       request instead.</li>
 *   <li>{@code port} and {@code addr} (where HAProxy sends its checks) are only kept as tags
 *       {@code haproxy.port} / {@code haproxy.addr}; a {@link Probe} that wants them must read them.</li>
 *   <li>Numbers must be decimal integers (HAProxy's {@code atol()} would silently read {@code "abc"} as 0).</li>
 *   <li>A server address needs a port (HAProxy would reuse the client's port), and a backend needs at least one
 *       server (an upstream cannot be empty).</li>
 * </ul>
 * {@code HaproxyParserConformanceIT} runs HAProxy's own {@code haproxy -c} on the same texts and checks that both
 * accept or both reject them on the same line for the same reason.
 *
 * <p>Every error is a {@link ConfigParseException} naming the offending token with its 1-based line and column, e.g.
 * {@code unknown keyword 'wieght' in 'server a'; did you mean 'weight'? at line 3, column 31}.
 */
public final class HaproxyBackendParser {

    /** HAProxy's largest server weight ({@code SRV_UWGHT_MAX}). */
    public static final int MAX_WEIGHT = 256;
    /** HAProxy's default {@code retries}. */
    public static final int DEFAULT_RETRIES = 3;
    /** HAProxy's largest timer value in milliseconds. */
    private static final long MAX_TIMER_MS = 2147483647L;

    private static final Set<String> SECTIONS = Set.of("global", "defaults", "frontend", "backend", "listen",
            "peers", "resolvers", "userlist", "mailers", "program", "http-errors", "ring", "cache",
            "log-forward", "crt-store", "traces");
    /** Server keywords kept as tags; the value says whether they take an argument. */
    private static final Map<String, Boolean> TAG_KEYWORDS = tagKeywords();
    /** Server keywords modelled by hakit, for "did you mean". */
    private static final List<String> SERVER_KEYWORDS = List.of("check", "no-check", "inter", "fastinter",
            "downinter", "rise", "fall", "weight", "maxconn", "slowstart", "backup", "no-backup", "disabled",
            "enabled", "observe", "error-limit", "on-error");
    /** Proxy keywords accepted without effect (listed in {@link HaproxyBackend#ignored()}). */
    private static final Set<String> IGNORED_PROXY_KEYWORDS = Set.of("log", "bind", "http-check", "tcp-check",
            "http-request", "http-response", "http-after-response", "http-reuse", "cookie", "stick-table", "stick",
            "acl", "fullconn", "maxconn", "description", "id", "stats", "compression", "errorfile", "errorfiles",
            "capture", "tcp-request", "tcp-response", "hash-type", "hash-balance-factor", "external-check",
            "email-alert", "load-server-state-from-file", "server-state-file-name", "default_backend",
            "use_backend", "use-server", "force-persist", "ignore-persist", "persist", "source", "dispatch",
            "http-send-name-header", "unique-id-format", "unique-id-header", "monitor-uri", "max-keep-alive-queue",
            "rate-limit", "backlog", "filter", "redirect", "balance-factor");
    private static final Set<String> OPTIONS = Set.of("redispatch", "httpchk", "tcp-check", "ldap-check",
            "mysql-check", "pgsql-check", "redis-check", "smtpchk", "ssl-hello-chk", "spop-check", "external-check",
            "tcplog", "httplog", "dontlognull", "dontlog-normal", "log-health-checks", "log-separate-errors",
            "forwardfor", "http-server-close", "http-keep-alive", "httpclose", "abortonclose", "allbackups",
            "tcpka", "srvtcpka", "clitcpka", "persist", "prefer-last-server", "splice-auto", "splice-request",
            "splice-response", "http-buffer-request", "http-pretend-keepalive", "http-no-delay", "originalto",
            "independent-streams", "nolinger", "socket-stats", "checkcache", "contstats", "transparent",
            "accept-invalid-http-request", "accept-invalid-http-response", "http-use-htx", "http-restrict-req-hdr-names",
            "disable-h2-upgrade", "h1-case-adjust-bogus-client", "h1-case-adjust-bogus-server", "idle-close-on-response",
            "http-ignore-probes", "http_proxy", "http-use-proxy-header", "logasap", "tcp-smart-accept",
            "tcp-smart-connect");
    private static final Set<String> TIMEOUTS = Set.of("connect", "server", "check", "queue", "client", "tunnel",
            "http-request", "http-keep-alive", "client-fin", "server-fin", "tarpit", "client-hs");

    private HaproxyBackendParser() {
    }

    /**
     * An HAProxy backend as read, with what {@link UpstreamConfig} has no room for.
     *
     * @param config         the upstream
     * @param mode           {@code tcp} (HAProxy's default) or {@code http}
     * @param hashKey        {@code "src"} for {@code balance source}, else {@code null}
     * @param retries        HAProxy's {@code retries} (3 when not set); the policy makes {@code retries + 1} tries
     * @param redispatch     whether {@code option redispatch} is set (retries may then go to another server)
     * @param connectTimeout {@code timeout connect}, or {@code null}
     * @param serverTimeout  {@code timeout server}, or {@code null}
     * @param checkTimeout   {@code timeout check}, or {@code null} (checks then time out after {@code inter})
     * @param ignored        accepted lines without effect in hakit, as written, with their line numbers
     */
    public record HaproxyBackend(UpstreamConfig config, String mode, String hashKey, int retries, boolean redispatch,
            Duration connectTimeout, Duration serverTimeout, Duration checkTimeout, List<String> ignored) {
        public HaproxyBackend {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(mode, "mode");
            ignored = List.copyOf(ignored);
        }
    }

    /**
     * Parses the single {@code backend} or {@code listen} section (with the {@code defaults} before it).
     *
     * @throws ConfigParseException naming the bad token with its line and column
     */
    public static UpstreamConfig parse(String config) {
        return parseBackend(config).config();
    }

    /**
     * Like {@link #parse(String)}, also returning what {@link UpstreamConfig} has no room for.
     *
     * @throws ConfigParseException naming the bad token with its line and column
     */
    public static HaproxyBackend parseBackend(String config) {
        return parseBackend(config, null);
    }

    /**
     * Parses the {@code backend} or {@code listen} section called {@code name}; {@code null} = the only one.
     *
     * @throws ConfigParseException naming the bad token with its line and column
     */
    public static HaproxyBackend parseBackend(String config, String name) {
        Objects.requireNonNull(config, "config");
        Settings defaults = new Settings();
        Settings current = null;
        Token currentName = null;
        HaproxyBackend found = null;
        Token foundName = null;
        Section section = Section.NONE;
        int lastLine = 1;
        for (List<Token> line : tokenize(config)) {
            Token kw = line.get(0);
            lastLine = kw.line;
            if (SECTIONS.contains(kw.text)) {
                if (current != null) {
                    found = finish(current, currentName);
                    foundName = currentName;
                    current = null;
                }
                switch (kw.text) {
                    case "defaults" -> {
                        defaults = new Settings();
                        section = Section.DEFAULTS;
                    }
                    case "backend", "listen" -> {
                        Token n = argument(line, 1, "'" + kw.text + "' expects <name> as argument");
                        if (name != null && !n.text.equals(name)) {
                            section = Section.SKIP;
                        } else if (found != null) {
                            throw error("more than one backend ('" + foundName.text + "' at line " + foundName.line
                                    + "); name the one to read", n);
                        } else {
                            current = defaults.copy();
                            currentName = n;
                            section = Section.BACKEND;
                        }
                    }
                    default -> section = Section.SKIP;
                }
                continue;
            }
            switch (section) {
                case NONE -> throw error("unknown keyword '" + kw.text + "' out of section", kw);
                case DEFAULTS -> readProxyLine(line, defaults, false);
                case BACKEND -> readProxyLine(line, current, true);
                default -> {
                    // a section hakit does not read (global, frontend, another backend): skipped whole
                }
            }
        }
        if (current != null) {
            found = finish(current, currentName);
        }
        if (found == null) {
            throw new ConfigParseException(name == null ? "no 'backend' or 'listen' section found"
                    : "no 'backend' or 'listen' section named '" + name + "'", lastLine, 1);
        }
        return found;
    }

    /**
     * Parses one {@code server name address [keywords]} line with HAProxy's defaults (mode tcp, no
     * {@code default-server}). Columns in errors are relative to {@code line}.
     *
     * <pre>{@code
     * Endpoint a = HaproxyBackendParser.parseServer("server a 127.0.0.1:5681 check inter 2s rise 2 fall 3");
     * }</pre>
     *
     * @throws ConfigParseException naming the bad token with its line and column
     */
    public static Endpoint parseServer(String line) {
        Objects.requireNonNull(line, "line");
        List<List<Token>> lines = tokenize(line);
        if (lines.size() != 1 || !lines.get(0).get(0).text.equals("server")) {
            Token at = lines.isEmpty() ? new Token("", 1, 1) : lines.get(0).get(0);
            throw error("expected one 'server <name> <addr>[:<port>] [keywords]' line", at);
        }
        Settings s = new Settings();
        readServerLine(lines.get(0), s);
        return s.servers.get(0).build(s, null);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void readProxyLine(List<Token> line, Settings s, boolean inBackend) {
        Token kw = line.get(0);
        switch (kw.text) {
            case "server" -> {
                if (!inBackend) {
                    throw error("'server' not allowed in 'defaults' section", kw);
                }
                readServerLine(line, s);
            }
            case "default-server" -> readKeywords(line, 1, s.defaultServer, s, "default-server");
            case "balance" -> readBalance(line, s);
            case "mode" -> {
                Token m = argument(line, 1, "'mode' expects one of 'tcp' or 'http'");
                if (!m.text.equals("tcp") && !m.text.equals("http")) {
                    throw error("unknown proxy mode '" + m.text + "' (hakit reads 'tcp' and 'http')", m);
                }
                s.mode = m.text;
            }
            case "retries" -> {
                Token n = argument(line, 1, "'retries' expects an integer argument");
                s.retries = integer(n, "retries");
            }
            case "retry-on" -> readRetryOn(line, s);
            case "timeout" -> readTimeout(line, s);
            case "option", "no" -> readOption(line, s);
            case "server-template" -> throw error("'server-template' is not supported; list the servers", kw);
            default -> {
                if (IGNORED_PROXY_KEYWORDS.contains(kw.text)) {
                    s.ignored.add(describe(line));
                } else {
                    throw error("unknown keyword '" + kw.text + "' in '" + (inBackend ? "backend" : "defaults")
                            + "' section" + suggestion(kw.text, List.of("server", "default-server", "balance",
                            "mode", "retries", "retry-on", "timeout", "option")), kw);
                }
            }
        }
    }

    private static void readBalance(List<Token> line, Settings s) {
        Token algo = argument(line, 1, "'balance' expects an algorithm");
        switch (algo.text) {
            case "roundrobin" -> set(s, Balancer.ROUND_ROBIN, null);
            case "static-rr" -> {
                set(s, Balancer.ROUND_ROBIN, null);
                s.ignored.add("'balance static-rr' read as roundrobin at line " + algo.line);
            }
            case "leastconn" -> set(s, Balancer.LEAST_CONN, null);
            case "first" -> set(s, Balancer.FIRST, null);
            case "source" -> set(s, Balancer.CONSISTENT_HASH, "src");
            default -> {
                String base = algo.text.contains("(") ? algo.text.substring(0, algo.text.indexOf('(')) : algo.text;
                if (Set.of("uri", "url_param", "hdr", "random", "rdp-cookie", "hash").contains(base)) {
                    throw error("balance algorithm '" + algo.text + "' is not supported; use roundrobin, "
                            + "static-rr, leastconn, first or source", algo);
                }
                throw error("unknown balance algorithm '" + algo.text + "'"
                        + suggestion(algo.text, List.of("roundrobin", "static-rr", "leastconn", "first", "source")),
                        algo);
            }
        }
        if (line.size() > 2) {
            throw error("unexpected argument '" + line.get(2).text + "' to 'balance " + algo.text + "'", line.get(2));
        }
    }

    private static void set(Settings s, Balancer b, String hashKey) {
        s.balancer = b;
        s.hashKey = hashKey;
    }

    private static void readOption(List<Token> line, Settings s) {
        boolean negated = line.get(0).text.equals("no");
        int i = negated ? 1 : 0;
        if (negated) {
            Token opt = argument(line, 1, "'no' expects 'option'");
            if (!opt.text.equals("option")) {
                throw error("'no' only applies to 'option', got '" + opt.text + "'", opt);
            }
        }
        Token name = argument(line, i + 1, "'option' expects an option name");
        if (!OPTIONS.contains(name.text)) {
            throw error("unknown option '" + name.text + "'" + suggestion(name.text, List.copyOf(OPTIONS)), name);
        }
        if (name.text.equals("redispatch")) {
            // cfgparse-listen.c: "option redispatch [<interval>]", -1 (the last retry) when absent
            s.redispatch = !negated;
            s.redispatchAfter = -1;
            if (!negated && line.size() > i + 2) {
                Token v = line.get(i + 2);
                try {
                    s.redispatchAfter = Integer.parseInt(v.text);
                } catch (NumberFormatException e) {
                    throw error("'option redispatch' expects an integer interval, got '" + v.text + "'", v);
                }
                if (s.redispatchAfter == 0) {
                    s.redispatch = false; // "option redispatch 0" disables redispatching
                }
            }
        } else {
            s.ignored.add(describe(line));
        }
    }

    private static void readTimeout(List<Token> line, Settings s) {
        Token which = argument(line, 1, "'timeout' expects a timeout name and a value");
        if (!TIMEOUTS.contains(which.text)) {
            throw error("unknown timeout '" + which.text + "'" + suggestion(which.text, List.copyOf(TIMEOUTS)),
                    which);
        }
        Token value = argument(line, 2, "'timeout " + which.text + "' expects a delay as argument");
        Duration d = time(value, "timeout " + which.text, null);
        switch (which.text) {
            case "connect" -> s.connectTimeout = d;
            case "server" -> s.serverTimeout = d;
            case "check" -> s.checkTimeout = d;
            default -> s.ignored.add(describe(line));
        }
    }

    /** {@code retry-on} keywords of HAProxy's configuration manual, mapped onto hakit's failure kinds. */
    private static void readRetryOn(List<Token> line, Settings s) {
        argument(line, 1, "'retry-on' expects at least one keyword");
        EnumSet<FailureKind> kinds = EnumSet.noneOf(FailureKind.class);
        for (Token t : line.subList(1, line.size())) {
            switch (t.text) {
                case "none" -> kinds.clear();
                case "conn-failure" -> {
                    kinds.add(FailureKind.ERROR);
                    kinds.add(FailureKind.TIMEOUT);
                }
                case "empty-response" -> kinds.add(FailureKind.ERROR);
                case "junk-response" -> kinds.add(FailureKind.INVALID_HEADER);
                case "response-timeout" -> kinds.add(FailureKind.TIMEOUT);
                case "0rtt-rejected" -> s.ignored.add("retry-on 0rtt-rejected at line " + t.line);
                case "403" -> kinds.add(FailureKind.HTTP_403);
                case "404" -> kinds.add(FailureKind.HTTP_404);
                case "500" -> kinds.add(FailureKind.HTTP_500);
                case "502" -> kinds.add(FailureKind.HTTP_502);
                case "503" -> kinds.add(FailureKind.HTTP_503);
                case "504" -> kinds.add(FailureKind.HTTP_504);
                case "all-retryable-errors" -> kinds.addAll(EnumSet.of(FailureKind.ERROR, FailureKind.TIMEOUT,
                        FailureKind.INVALID_HEADER, FailureKind.HTTP_500, FailureKind.HTTP_502, FailureKind.HTTP_503,
                        FailureKind.HTTP_504));
                case "401", "408", "425", "501" ->
                        throw error("retry-on status " + t.text + " has no hakit failure kind", t);
                default -> throw error("unknown retry-on keyword '" + t.text + "'", t);
            }
        }
        s.retryOn = kinds;
    }

    private static void readServerLine(List<Token> line, Settings s) {
        if (line.size() < 3) {
            throw error("'server' expects <name> and <addr>[:<port>] as arguments", line.get(0));
        }
        Token name = line.get(1);
        for (ServerDraft other : s.servers) {
            if (other.name.text.equals(name.text)) {
                throw error("duplicate server name '" + name.text + "' (first at line " + other.name.line + ")",
                        name);
            }
        }
        ServerDraft draft = s.defaultServer.copy();
        draft.name = name;
        draft.address = line.get(2);
        readKeywords(line, 3, draft, s, "server " + name.text);
        s.servers.add(draft);
    }

    private static void readKeywords(List<Token> line, int from, ServerDraft d, Settings s, String where) {
        int i = from;
        while (i < line.size()) {
            Token kw = line.get(i);
            String k = kw.text;
            switch (k) {
                case "check" -> d.check = true;
                case "no-check" -> d.check = false;
                case "backup" -> d.backup = true;
                case "no-backup" -> d.backup = false;
                case "disabled" -> d.disabled = true;
                case "enabled" -> d.disabled = false;
                case "inter", "fastinter", "downinter", "slowstart" -> {
                    Token v = argument(line, i + 1, "'" + k + "' expects a delay as argument.");
                    Duration t = time(v, k, d.name == null ? null : d.name.text);
                    switch (k) {
                        case "inter" -> d.inter = t;
                        case "fastinter" -> d.fastInter = t;
                        case "downinter" -> d.downInter = t;
                        default -> d.slowStart = t;
                    }
                    i++;
                }
                case "rise", "fall" -> {
                    Token v = argument(line, i + 1, "'" + k + "' expects an integer argument.");
                    int n = integer(v, k);
                    if (n <= 0) {
                        throw error("'" + k + "' has to be > 0.", v);
                    }
                    if (k.equals("rise")) {
                        d.rise = n;
                    } else {
                        d.fall = n;
                    }
                    i++;
                }
                case "weight" -> {
                    Token v = argument(line, i + 1, "'weight' expects an integer argument.");
                    int w = integer(v, "weight");
                    if (w > MAX_WEIGHT) {
                        throw error("weight of server " + (d.name == null ? "(default-server)" : d.name.text)
                                + " is not within 0 and " + MAX_WEIGHT + " (" + w + ").", v);
                    }
                    d.weight = w;
                    i++;
                }
                case "maxconn" -> {
                    d.maxConn = integer(argument(line, i + 1, "'maxconn' expects an integer argument."), "maxconn");
                    i++;
                }
                case "error-limit" -> {
                    Token v = argument(line, i + 1, "'error-limit' expects an integer argument.");
                    int n = integer(v, "error-limit");
                    if (n <= 0) {
                        throw error("error-limit has to be > 0.", v);
                    }
                    d.errorLimit = n;
                    i++;
                }
                case "observe" -> {
                    Token v = argument(line, i + 1, "'observe' expects <mode> as argument.");
                    switch (v.text) {
                        case "none" -> d.observe = null;
                        case "layer4" -> d.observe = ObserveConfig.Layer.LAYER4;
                        case "layer7" -> {
                            if (!"http".equals(s.mode)) {
                                throw error("'layer7' can only be used in http proxies.", v);
                            }
                            d.observe = ObserveConfig.Layer.LAYER7;
                        }
                        default -> throw error("'observe' expects one of 'none', 'layer4', 'layer7' but got '"
                                + v.text + "'", v);
                    }
                    i++;
                }
                case "on-error" -> {
                    Token v = argument(line, i + 1, "'on-error' expects an argument.");
                    d.onError = switch (v.text) {
                        case "fastinter" -> ObserveConfig.OnError.FASTINTER;
                        case "fail-check" -> ObserveConfig.OnError.FAIL_CHECK;
                        case "sudden-death" -> ObserveConfig.OnError.SUDDEN_DEATH;
                        case "mark-down" -> ObserveConfig.OnError.MARK_DOWN;
                        default -> throw error("'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death'"
                                + " or 'mark-down' but got '" + v.text + "'", v);
                    };
                    i++;
                }
                default -> {
                    Boolean takesArg = TAG_KEYWORDS.get(k);
                    if (takesArg == null) {
                        List<String> known = new ArrayList<>(SERVER_KEYWORDS);
                        known.addAll(TAG_KEYWORDS.keySet());
                        throw error("unknown keyword '" + k + "' in '" + where + "'" + suggestion(k, known), kw);
                    }
                    if (takesArg) {
                        d.tags.put("haproxy." + k, argument(line, i + 1, "'" + k + "' expects an argument.").text);
                        i++;
                    } else {
                        d.tags.put("haproxy." + k, "true");
                    }
                }
            }
            i++;
        }
    }

    private static HaproxyBackend finish(Settings s, Token name) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (ServerDraft d : s.servers) {
            endpoints.add(d.build(s, name));
        }
        if (endpoints.isEmpty()) {
            throw error("backend '" + name.text + "' has no server", name);
        }
        NextUpstreamPolicy.Builder pb = NextUpstreamPolicy.builder().conditions(s.retryOn).tries(s.retries + 1)
                .nonIdempotent(false)
                .target(s.redispatch ? RetryTarget.REDISPATCH : RetryTarget.SAME_ENDPOINT)
                .redispatchAfter(s.redispatchAfter == 0 ? -1 : s.redispatchAfter)
                // back_handle_st_cer(): before retrying the same server after a connection error HAProxy waits
                // MIN(one second, timeout connect) (the turn-around timer)
                .sameEndpointDelay(s.connectTimeout != null && s.connectTimeout.compareTo(Duration.ofSeconds(1)) < 0
                        ? s.connectTimeout : Duration.ofSeconds(1));
        if (s.serverTimeout != null) {
            pb.attemptTimeout(s.serverTimeout);
        }
        if (s.connectTimeout != null) {
            pb.connectTimeout(s.connectTimeout);
        }
        NextUpstreamPolicy policy = pb.build();
        UpstreamConfig config = new UpstreamConfig(name.text, endpoints, s.balancer, policy, null,
                AllDownPolicy.failFast(), 100);
        return new HaproxyBackend(config, s.mode, s.hashKey, s.retries, s.redispatch, s.connectTimeout,
                s.serverTimeout, s.checkTimeout, s.ignored);
    }

    private static Token argument(List<Token> line, int index, String missing) {
        if (index >= line.size()) {
            throw error(missing, line.get(index - 1));
        }
        return line.get(index);
    }

    private static int integer(Token t, String what) {
        String v = t.text;
        boolean ok = !v.isEmpty() && v.length() <= 10;
        for (int i = 0; ok && i < v.length(); i++) {
            ok = v.charAt(i) >= '0' && v.charAt(i) <= '9';
        }
        if (!ok || Long.parseLong(v) > Integer.MAX_VALUE) {
            throw error("'" + what + "' expects an integer argument, got '" + v + "'", t);
        }
        return Integer.parseInt(v);
    }

    /**
     * {@code parse_time_err(text, &ms, TIME_UNIT_MS)} of HAProxy's {@code src/tools.c}: digits, then an optional unit
     * among {@code us ms s m h d} (none = milliseconds), rounded up to whole milliseconds; zero is refused, as the
     * server keyword parsers of {@code src/check.c} do ({@code invalid value 0 for argument ...}).
     */
    static Duration time(Token t, String keyword, String server) {
        String s = t.text;
        String of = server == null ? "" : " of server " + server;
        int i = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        String unit = s.substring(i);
        long perUnitMicros = switch (unit) {
            case "", "ms" -> 1000;
            case "us" -> 1;
            case "s" -> 1_000_000;
            case "m" -> 60_000_000;
            case "h" -> 3_600_000_000L;
            case "d" -> 86_400_000_000L;
            default -> {
                boolean twoLetter = unit.startsWith("ms") || unit.startsWith("us");
                boolean oneLetter = unit.length() > 1 && "smhd".indexOf(unit.charAt(0)) >= 0;
                char bad = unit.charAt(twoLetter ? 2 : oneLetter ? 1 : 0);
                throw error("unexpected character '" + bad + "' in argument <" + s + "> to <" + keyword + ">" + of,
                        t);
            }
        };
        long ms;
        try {
            long value = i == 0 ? 0 : Long.parseLong(s.substring(0, i));
            ms = Math.addExact(Math.multiplyExact(value, perUnitMicros), 999) / 1000;
        } catch (NumberFormatException | ArithmeticException tooLarge) {
            throw overflow(t, keyword, of);
        }
        if (ms > MAX_TIMER_MS) {
            throw overflow(t, keyword, of);
        }
        if (ms == 0) {
            throw error("invalid value 0 for argument '" + keyword + "'" + of, t);
        }
        return Duration.ofMillis(ms);
    }

    private static ConfigParseException overflow(Token t, String keyword, String of) {
        return error("timer overflow in argument <" + t.text + "> to <" + keyword + ">" + of
                + ", maximum value is 2147483647 ms (~24.8 days)", t);
    }

    /** {@code "; did you mean 'x'?"} when a known word is at most two edits away, else empty. */
    private static String suggestion(String word, List<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(word, k);
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best == null ? "" : "; did you mean '" + best + "'?";
    }

    /** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
    private static int distance(String a, String b) {
        int[][] dp = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            for (int j = 0; j <= b.length(); j++) {
                if (i == 0 || j == 0) {
                    dp[i][j] = i + j;
                    continue;
                }
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                int v = Math.min(Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1), dp[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    v = Math.min(v, dp[i - 2][j - 2] + 1);
                }
                dp[i][j] = v;
            }
        }
        return dp[a.length()][b.length()];
    }

    private static String describe(List<Token> line) {
        StringBuilder sb = new StringBuilder("'");
        for (int i = 0; i < line.size(); i++) {
            sb.append(i == 0 ? "" : " ").append(line.get(i).text);
        }
        return sb.append("' at line ").append(line.get(0).line).toString();
    }

    private static ConfigParseException error(String message, Token at) {
        return new ConfigParseException(message, at.line, at.column);
    }

    private static Map<String, Boolean> tagKeywords() {
        Map<String, Boolean> m = new HashMap<>();
        for (String k : List.of("cookie", "id", "port", "addr", "agent-port", "agent-inter", "agent-addr",
                "agent-send", "verify", "sni", "check-sni", "resolvers", "resolve-prefer", "resolve-net",
                "resolve-opts", "init-addr", "on-marked-down", "on-marked-up", "maxqueue", "minconn", "track", "redir",
                "proto", "check-proto", "alpn", "check-alpn", "ca-file", "crt", "crl-file", "ciphers",
                "ciphersuites", "pool-max-conn", "pool-purge-delay", "pool-low-conn", "max-reuse", "namespace",
                "source", "usesrc", "ws", "hash-key", "shard", "guid", "log-proto", "socks4", "ssl-min-ver",
                "ssl-max-ver", "verifyhost", "init-state")) {
            m.put(k, true);
        }
        for (String k : List.of("ssl", "no-ssl", "check-ssl", "no-check-ssl", "send-proxy", "send-proxy-v2",
                "no-send-proxy", "no-send-proxy-v2", "check-send-proxy", "no-check-send-proxy", "agent-check",
                "no-agent-check", "check-via-socks4", "non-stick", "tfo", "no-tfo", "no-verifyhost",
                "ssl-reuse", "no-ssl-reuse", "allow-0rtt")) {
            m.put(k, false);
        }
        return Map.copyOf(m);
    }

    // ---------------------------------------------------------------------------------------------------------

    /** What a {@code defaults} or {@code backend} section has set so far. */
    private static final class Settings {
        String mode = "tcp";
        Balancer balancer = Balancer.ROUND_ROBIN;
        String hashKey;
        int retries = DEFAULT_RETRIES;
        boolean redispatch;
        int redispatchAfter = -1;
        Set<FailureKind> retryOn = EnumSet.of(FailureKind.ERROR, FailureKind.TIMEOUT);
        Duration connectTimeout;
        Duration serverTimeout;
        Duration checkTimeout;
        ServerDraft defaultServer = new ServerDraft();
        final List<ServerDraft> servers = new ArrayList<>();
        final List<String> ignored = new ArrayList<>();

        Settings copy() {
            Settings c = new Settings();
            c.mode = mode;
            c.balancer = balancer;
            c.hashKey = hashKey;
            c.retries = retries;
            c.redispatch = redispatch;
            c.redispatchAfter = redispatchAfter;
            c.retryOn = EnumSet.noneOf(FailureKind.class);
            c.retryOn.addAll(retryOn);
            c.connectTimeout = connectTimeout;
            c.serverTimeout = serverTimeout;
            c.checkTimeout = checkTimeout;
            c.defaultServer = defaultServer.copy();
            c.ignored.addAll(ignored);
            return c;
        }
    }

    /** A server (or the default-server template) being read. */
    private static final class ServerDraft {
        Token name;
        Token address;
        boolean check;
        boolean backup;
        boolean disabled;
        Duration inter = HealthCheckConfig.DEFAULT_INTER;
        Duration fastInter;
        Duration downInter;
        int rise = 2;
        int fall = 3;
        int weight = 1;
        int maxConn;
        Duration slowStart = Duration.ZERO;
        ObserveConfig.Layer observe;
        int errorLimit = ObserveConfig.DEFAULT_ERROR_LIMIT;
        ObserveConfig.OnError onError = ObserveConfig.OnError.FASTINTER;
        Map<String, String> tags = new LinkedHashMap<>();

        ServerDraft copy() {
            ServerDraft c = new ServerDraft();
            c.check = check;
            c.backup = backup;
            c.disabled = disabled;
            c.inter = inter;
            c.fastInter = fastInter;
            c.downInter = downInter;
            c.rise = rise;
            c.fall = fall;
            c.weight = weight;
            c.maxConn = maxConn;
            c.slowStart = slowStart;
            c.observe = observe;
            c.errorLimit = errorLimit;
            c.onError = onError;
            c.tags = new LinkedHashMap<>(tags);
            return c;
        }

        Endpoint build(Settings s, Token backend) {
            HostPort hp = address(address, name.text);
            Endpoint.Builder b = Endpoint.builder(hp.host(), hp.port()).name(name.text).weight(weight)
                    .maxFails(0).maxConns(maxConn).backup(backup).slowStart(slowStart).tags(tags);
            if (disabled) {
                b.down(true).tag("haproxy.disabled", "true");
            }
            if (check) {
                b.healthCheck(new HealthCheckConfig(inter, fastInter, downInter, rise, fall, s.checkTimeout));
            }
            if (observe != null) {
                b.observe(new ObserveConfig(observe, errorLimit, onError));
            }
            return b.build();
        }
    }

    /** {@code host:port}, {@code [v6]:port} or {@code ipv4@host:port}; HAProxy's port-less forms are refused. */
    private static HostPort address(Token t, String server) {
        String a = t.text;
        for (String prefix : List.of("ipv4@", "ipv6@")) {
            if (a.startsWith(prefix)) {
                a = a.substring(prefix.length());
            }
        }
        int colon = a.lastIndexOf(':');
        String host;
        if (a.startsWith("[")) {
            int close = a.indexOf(']');
            if (close < 0 || close + 1 >= a.length() || a.charAt(close + 1) != ':') {
                throw error("invalid address '" + t.text + "' for server '" + server + "' (expected [ipv6]:port)",
                        t);
            }
            host = a.substring(1, close);
            colon = close + 1;
        } else if (colon <= 0) {
            throw error("server '" + server + "' has no port in address '" + t.text + "'", t);
        } else {
            host = a.substring(0, colon);
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!Endpoint.isHostChar(c)) {
                throw error("invalid character '" + c + "' in address '" + Secrets.redact(t.text) + "' of server '"
                        + server + "'", t);
            }
        }
        String port = a.substring(colon + 1);
        long p = NginxUpstreamParser.atoi(port);
        if (p < 1 || p > 65535) {
            throw error("invalid port '" + port + "' in address '" + t.text + "' of server '" + server + "'", t);
        }
        try {
            return new HostPort(host, (int) p);
        } catch (IllegalArgumentException e) {
            throw error("invalid address '" + t.text + "' for server '" + server + "': " + e.getMessage(), t);
        }
    }

    private enum Section {
        NONE, DEFAULTS, BACKEND, SKIP
    }

    // ---- tokens: HAProxy's line syntax (words, "double" and 'single' quotes, backslash escapes, # comments) ---

    private static final class Token {
        final String text;
        final int line;
        final int column;

        Token(String text, int line, int column) {
            this.text = text;
            this.line = line;
            this.column = column;
        }
    }

    private static List<List<Token>> tokenize(String text) {
        List<List<Token>> lines = new ArrayList<>();
        String[] raw = text.split("\r?\n", -1);
        for (int ln = 0; ln < raw.length; ln++) {
            String s = raw[ln];
            List<Token> tokens = new ArrayList<>();
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t') {
                    i++;
                    continue;
                }
                if (c == '#') {
                    break;
                }
                int start = i;
                StringBuilder sb = new StringBuilder();
                char quote = 0;
                while (i < s.length()) {
                    c = s.charAt(i);
                    if (quote == 0 && (c == ' ' || c == '\t' || c == '#')) {
                        break;
                    }
                    if (c == '\\' && quote != '\'' && i + 1 < s.length()) {
                        sb.append(s.charAt(i + 1));
                        i += 2;
                        continue;
                    }
                    if (quote == 0 && (c == '"' || c == '\'')) {
                        quote = c;
                    } else if (c == quote) {
                        quote = 0;
                    } else {
                        sb.append(c);
                    }
                    i++;
                }
                if (quote != 0) {
                    throw new ConfigParseException("unmatched quote " + quote, ln + 1, start + 1);
                }
                tokens.add(new Token(sb.toString(), ln + 1, start + 1));
            }
            if (!tokens.isEmpty()) {
                lines.add(tokens);
            }
        }
        return lines;
    }
}
