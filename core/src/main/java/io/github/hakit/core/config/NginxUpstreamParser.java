package io.github.hakit.core.config;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.FailureKind;
import io.github.hakit.core.HostPort;
import io.github.hakit.core.UpstreamConfig;
import io.github.hakit.core.balance.AllDownPolicy;
import io.github.hakit.core.balance.Balancer;
import io.github.hakit.core.retry.NextUpstreamPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads an Nginx {@code upstream} block and the {@code proxy_next_upstream*} directives into {@link UpstreamConfig},
 * with Nginx's own defaults, value syntax and error wording, so an operations team can paste what its proxy runs.
 *
 * <pre>{@code
 * UpstreamConfig cfg = NginxUpstreamParser.parse("""
 *     upstream fdfs_group1 {
 *         server 10.0.0.5:80 weight=1 max_fails=2 fail_timeout=30s;
 *         server 10.0.0.6:80 weight=1 max_fails=2 fail_timeout=30s;
 *     }
 *     proxy_next_upstream http_502 http_504 error timeout invalid_header;
 *     proxy_next_upstream_tries 2;
 *     """);
 * Endpoint one = NginxUpstreamParser.parseServer("server 10.0.0.7:80 weight=3 backup;");
 * }</pre>
 *
 * <h2>What is read</h2>
 * <ul>
 *   <li>Exactly one {@code upstream name { ... }} block, containing:
 *     <ul>
 *       <li>{@code server address [weight=N] [max_fails=N] [fail_timeout=T] [max_conns=N] [backup] [down];} as
 *           {@code ngx_http_upstream_server()} in {@code src/http/ngx_http_upstream.c} reads it: defaults
 *           {@code weight=1 max_fails=1 fail_timeout=10s max_conns=0}; {@code weight} must be a positive integer;
 *           {@code backup} and {@code down} must match exactly; an address without a port gets port 80
 *           ({@code u.default_port = 80}); anything else is {@code invalid parameter "..."}.</li>
 *       <li>{@code least_conn;} → {@link Balancer#LEAST_CONN}; {@code hash $key consistent;} →
 *           {@link Balancer#CONSISTENT_HASH}; {@code hash $key;} → {@link Balancer#HASH} (Nginx's modulo hash).
 *           The key is kept in {@link NginxUpstream#hashKey()}; in hakit the caller supplies the key per call. As
 *           in {@code ngx_http_upstream_hash_module.c}, servers declared after {@code hash} may not be
 *           {@code backup} ({@code balancing method does not support parameter "backup"}). {@code ip_hash} and
 *           {@code random} are rejected, because hakit does not implement them and a silent substitute would
 *           route differently.</li>
 *       <li>{@code keepalive}, {@code keepalive_requests}, {@code keepalive_time}, {@code keepalive_timeout},
 *           {@code zone}, {@code resolver}, {@code resolver_timeout}: accepted and listed in
 *           {@link NginxUpstream#ignored()} (they tune Nginx's own connection handling).</li>
 *     </ul></li>
 *   <li>At top level (outside the block), as {@code ngx_http_proxy_module.c} reads them:
 *     <ul>
 *       <li>{@code proxy_next_upstream} with {@code error timeout invalid_header http_500 http_502 http_503
 *           http_504 http_403 http_404 http_429 non_idempotent off} (case-insensitive, duplicates tolerated as
 *           Nginx does with a warning; several {@code proxy_next_upstream} lines add up, as Nginx's bitmask
 *           slot does; {@code off} wins over everything else; {@code updating} concerns the cache
 *           and is listed in {@link NginxUpstream#ignored()}); an unknown condition is {@code invalid value
 *           "..."}. Without the directive Nginx's default {@code error timeout} applies.</li>
 *       <li>{@code proxy_next_upstream_tries N} (0 = unlimited) and {@code proxy_next_upstream_timeout T}
 *           (each at most once; 0 = none; milliseconds syntax of {@code ngx_parse_time(.., 0)}: a bare number
 *           means seconds).</li>
 *     </ul></li>
 * </ul>
 * Times follow {@code ngx_parse_time()} in {@code src/core/ngx_parse.c}: units {@code y M w d h m s ms} in
 * descending order, each at most once, combinable ({@code 1m30s}); a bare number means seconds;
 * {@code fail_timeout} is in whole seconds, so {@code ms} is invalid there (and {@code y}/{@code M} are invalid in
 * {@code proxy_next_upstream_timeout}).
 *
 * <p>Syntax is Nginx's: directives end with {@code ;}, blocks use braces, {@code #} starts a comment, arguments
 * may be quoted. Every error is a {@link ConfigParseException} naming the offending token and its 1-based line
 * and column, e.g. {@code invalid parameter "wieght=2" at line 2, column 20}.
 *
 * <p>{@code NginxParserConformanceIT} runs Nginx's own {@code nginx -t} on the same blocks and checks that both
 * accept or both reject them, with the same message on the same line.
 *
 * <h2>Where hakit differs, and why</h2>
 * <ul>
 *   <li>None in routing: the upstream uses {@link AllDownPolicy#failFast()} (Nginx 1.22: "no live upstreams"
 *       while every server is out, failure counts kept) and whole-second {@code fail_timeout} bookkeeping
 *       ({@link UpstreamConfig#wholeSeconds()}, Nginx's {@code ngx_time()}).</li>
 *   <li>Two {@code server} lines with the same address are an error ({@code duplicate server "..."}); Nginx
 *       would create two peers, hakit names endpoints by address.</li>
 *   <li>A host name is kept as a name (Nginx resolves it once at start-up into one peer per address).</li>
 *   <li>{@code weight} above {@link Endpoint#MAX_WEIGHT} and counts above {@link Integer#MAX_VALUE} are rejected
 *       with the reason in parentheses.</li>
 *   <li>{@code unix:} socket addresses are rejected.</li>
 * </ul>
 */
public final class NginxUpstreamParser {

    /** Nginx's default port for a {@code server} address without one ({@code u.default_port = 80}). */
    public static final int DEFAULT_PORT = 80;

    /**
     * Tag holding the address of a server written without a port ({@code ngx_http_upstream_init_chash} hashes the
     * text as written, so {@code server a;} hashes differently from {@code server a:80;}).
     */
    public static final String SERVER_TAG = "nginx.server";

    private static final String NEXT_UPSTREAM = "proxy_next_upstream";
    private static final String NEXT_UPSTREAM_TRIES = "proxy_next_upstream_tries";
    private static final String NEXT_UPSTREAM_TIMEOUT = "proxy_next_upstream_timeout";
    private static final Set<String> IGNORED_IN_UPSTREAM = Set.of("keepalive", "keepalive_requests",
            "keepalive_time", "keepalive_timeout", "zone", "resolver", "resolver_timeout");
    private static final Set<String> UNSUPPORTED_METHODS = Set.of("ip_hash", "random", "least_time", "sticky",
            "ntlm", "queue");

    private NginxUpstreamParser() {
    }

    /**
     * An Nginx upstream as read, with what {@link UpstreamConfig} has no room for.
     *
     * @param config  the upstream
     * @param hashKey the key expression of {@code hash $key consistent} (e.g. {@code $request_uri}), or
     *                {@code null}
     * @param ignored directives that were accepted but have no effect in hakit, as written (e.g.
     *                {@code "keepalive 32" at line 5})
     */
    public record NginxUpstream(UpstreamConfig config, String hashKey, List<String> ignored) {
        public NginxUpstream {
            Objects.requireNonNull(config, "config");
            ignored = List.copyOf(ignored);
        }
    }

    /**
     * A whole {@code nginx.conf} (or {@code http {}} block) as read by {@link #parseConfig(String)}.
     *
     * @param upstreams every {@code upstream} block by name, each with the next-upstream policy and timeouts of the
     *                  first {@code location} that {@code proxy_pass}es to it (Nginx's defaults when none does)
     * @param skipped   directives hakit does not read, as written with their line (e.g.
     *                  {@code "worker_processes 4" at line 1})
     */
    public record NginxConfig(Map<String, NginxUpstream> upstreams, List<String> skipped) {
        public NginxConfig {
            upstreams = Map.copyOf(upstreams);
            skipped = List.copyOf(skipped);
        }

        /**
         * The upstream called {@code name}.
         *
         * @throws IllegalArgumentException naming the known upstreams when there is none of that name
         */
        public NginxUpstream upstream(String name) {
            NginxUpstream u = upstreams.get(name);
            if (u == null) {
                throw new IllegalArgumentException("no upstream \"" + name + "\" in the config; found "
                        + new java.util.TreeSet<>(upstreams.keySet()));
            }
            return u;
        }
    }

    /**
     * Reads a whole {@code nginx.conf} (or an {@code http {}} block) as operations teams have it: every
     * {@code upstream NAME {}} block, and from the first {@code location} (in file order) whose {@code proxy_pass}
     * targets {@code http://NAME} (or {@code https://NAME}), the {@code proxy_next_upstream},
     * {@code proxy_next_upstream_tries}, {@code proxy_next_upstream_timeout}, {@code proxy_connect_timeout},
     * {@code proxy_read_timeout} and {@code proxy_send_timeout} in effect there, inherited from {@code server} and
     * {@code http} as Nginx merges them (the innermost level that sets a directive wins; several
     * {@code proxy_next_upstream} lines at one level add up). {@code proxy_connect_timeout} becomes the attempt's
     * connect timeout and {@code proxy_read_timeout} its timeout ({@link NextUpstreamPolicy#attemptTimeout()},
     * Nginx's default 60 s each). Every other directive is skipped and listed in {@link NginxConfig#skipped()}.
     *
     * <pre>{@code
     * NginxConfig conf = NginxUpstreamParser.parseConfig(Files.readString(Path.of("/etc/nginx/nginx.conf")));
     * UpstreamConfig group1 = conf.upstream("fdfs_group1").config();
     * }</pre>
     *
     * @throws ConfigParseException naming the bad token with its line and column
     */
    public static NginxConfig parseConfig(String config) {
        Objects.requireNonNull(config, "config");
        List<Directive> top = new Reader(config).readAll();
        Map<String, Directive> upstreams = new java.util.LinkedHashMap<>();
        Map<String, List<List<Directive>>> firstLocation = new HashMap<>();
        List<String> skipped = new ArrayList<>();
        walk(top, new ArrayList<>(), upstreams, firstLocation, skipped);
        Map<String, NginxUpstream> out = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Directive> e : upstreams.entrySet()) {
            List<List<Directive>> levels = firstLocation.getOrDefault(e.getKey(), List.of());
            NextUpstreamReader next = new NextUpstreamReader();
            List<String> ignored = new ArrayList<>();
            for (String name : List.of(NEXT_UPSTREAM, NEXT_UPSTREAM_TRIES, NEXT_UPSTREAM_TIMEOUT)) {
                for (Directive d : innermost(levels, name)) {
                    next.accept(d, ignored);
                }
            }
            Duration connect = timeout(innermost(levels, "proxy_connect_timeout"));
            Duration read = timeout(innermost(levels, "proxy_read_timeout"));
            next.builder.connectTimeout(connect).attemptTimeout(read);
            out.put(e.getKey(), readUpstream(e.getValue(), next.build(), ignored));
        }
        return new NginxConfig(out, skipped);
    }

    private static final Set<String> LOCATION_DIRECTIVES = Set.of(NEXT_UPSTREAM, NEXT_UPSTREAM_TRIES,
            NEXT_UPSTREAM_TIMEOUT, "proxy_connect_timeout", "proxy_read_timeout", "proxy_send_timeout",
            "proxy_pass");

    private static void walk(List<Directive> block, List<List<Directive>> levels, Map<String, Directive> upstreams,
            Map<String, List<List<Directive>>> firstLocation, List<String> skipped) {
        List<List<Directive>> here = new ArrayList<>(levels);
        here.add(block);
        for (Directive d : block) {
            String name = d.name.text;
            if (name.equals("upstream") && d.block != null) {
                if (d.args.size() != 1) {
                    throw error("invalid number of arguments in \"upstream\" directive", d.name);
                }
                Directive first = upstreams.putIfAbsent(d.args.get(0).text, d);
                if (first != null) {
                    throw error("duplicate upstream \"" + d.args.get(0).text + "\" (first at line "
                            + first.name.line + ")", d.name);
                }
            } else if (name.equals("proxy_pass") && d.block == null && d.args.size() == 1) {
                String target = d.args.get(0).text;
                String host = target.replaceFirst("^(?i)https?://", "");
                int end = 0;
                while (end < host.length() && host.charAt(end) != '/' && host.charAt(end) != ':') {
                    end++;
                }
                firstLocation.putIfAbsent(host.substring(0, end), here);
            } else if (d.block != null) {
                if (!Set.of("http", "server", "location").contains(name)) {
                    skipped.add(d.describe() + " { ... }");
                    continue;
                }
                walk(d.block, here, upstreams, firstLocation, skipped);
            } else if (!LOCATION_DIRECTIVES.contains(name)) {
                skipped.add(d.describe());
            }
        }
    }

    /** The directives called {@code name} of the innermost level that has any. */
    private static List<Directive> innermost(List<List<Directive>> levels, String name) {
        for (int i = levels.size() - 1; i >= 0; i--) {
            List<Directive> found = new ArrayList<>();
            for (Directive d : levels.get(i)) {
                if (d.name.text.equals(name) && d.block == null) {
                    found.add(d);
                }
            }
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    /** {@code proxy_*_timeout}: Nginx's default 60 s; the last one given wins. */
    private static Duration timeout(List<Directive> ds) {
        if (ds.isEmpty()) {
            return Duration.ofSeconds(60);
        }
        Directive d = ds.get(ds.size() - 1);
        if (d.args.size() != 1) {
            throw error("invalid number of arguments in \"" + d.name.text + "\" directive", d.name);
        }
        long ms = parseTime(d.args.get(0).text, false);
        if (ms <= 0) {
            throw error("\"" + d.name.text + "\" directive invalid value \"" + d.args.get(0).text + "\"",
                    d.args.get(0));
        }
        return Duration.ofMillis(ms);
    }

    /**
     * Parses an {@code upstream name { ... }} block plus optional {@code proxy_next_upstream*} lines.
     *
     * @throws ConfigParseException naming the bad token with its line and column
     */
    public static UpstreamConfig parse(String config) {
        return parseUpstream(config).config();
    }

    /**
     * Like {@link #parse(String)}, also returning the hash key and the directives that were accepted without effect.
     *
     * @throws ConfigParseException naming the bad token with its line and column
     */
    public static NginxUpstream parseUpstream(String config) {
        Objects.requireNonNull(config, "config");
        List<Directive> top = new Reader(config).readAll();
        Directive upstream = null;
        NextUpstreamReader next = new NextUpstreamReader();
        List<String> ignored = new ArrayList<>();
        for (Directive d : top) {
            String name = d.name.text;
            if (name.equals("upstream")) {
                if (d.block == null) {
                    throw error("directive \"upstream\" has no opening \"{\"", d.end);
                }
                if (d.args.size() != 1) {
                    throw error("invalid number of arguments in \"upstream\" directive", d.name);
                }
                if (upstream != null) {
                    throw error("more than one upstream block (first \"" + upstream.args.get(0).text
                            + "\" at line " + upstream.name.line + "); parse one at a time", d.name);
                }
                upstream = d;
            } else if (!next.accept(d, ignored)) {
                throw error("unknown directive \"" + name + "\"", d.name);
            }
        }
        if (upstream == null) {
            throw new ConfigParseException("no \"upstream\" block found", 1, 1);
        }
        return readUpstream(upstream, next.build(), ignored);
    }

    /**
     * Parses only {@code proxy_next_upstream}, {@code proxy_next_upstream_tries} and
     * {@code proxy_next_upstream_timeout} directives into a policy with Nginx's defaults for
     * what is not given.
     *
     * <pre>{@code
     * NextUpstreamPolicy p = NginxUpstreamParser.parseNextUpstream(
     *     "proxy_next_upstream error timeout http_502; proxy_next_upstream_tries 3;");
     * }</pre>
     *
     * @throws ConfigParseException naming the bad token with its line and column
     */
    public static NextUpstreamPolicy parseNextUpstream(String directives) {
        Objects.requireNonNull(directives, "directives");
        NextUpstreamReader next = new NextUpstreamReader();
        for (Directive d : new Reader(directives).readAll()) {
            if (!next.accept(d, new ArrayList<>())) {
                throw error("unknown directive \"" + d.name.text + "\"", d.name);
            }
        }
        return next.build();
    }

    /**
     * Parses one {@code server} line's arguments into an endpoint: {@code host:port [weight=N] [max_fails=N]
     * [fail_timeout=T] [max_conns=N] [backup] [down]}, with an optional leading {@code server} and trailing
     * {@code ;}. Columns in errors are relative to {@code line}.
     *
     * <pre>{@code
     * Endpoint e = NginxUpstreamParser.parseServer("10.0.0.3:80 weight=2 max_fails=2 fail_timeout=30s");
     * }</pre>
     *
     * @throws ConfigParseException naming the bad parameter with its line and column
     */
    public static Endpoint parseServer(String line) {
        Objects.requireNonNull(line, "line");
        List<Token> tokens = new Reader(line).tokens;
        int from = 0;
        int to = tokens.size();
        if (to > 0 && !tokens.get(0).quoted && tokens.get(0).text.equals("server")) {
            from++;
        }
        if (to > from && tokens.get(to - 1).isPunct(";")) {
            to--;
        }
        if (from >= to) {
            Token at = tokens.isEmpty() ? new Token("", 1, 1, false) : tokens.get(Math.max(0, to - 1));
            throw error("invalid number of arguments in \"server\" directive", at);
        }
        for (int i = from; i < to; i++) {
            Token t = tokens.get(i);
            if (t.isPunct(";") || t.isPunct("{") || t.isPunct("}")) {
                throw error("unexpected \"" + t.text + "\"", t);
            }
        }
        return readServer(tokens.get(from), tokens.subList(from + 1, to), true);
    }

    // ---------------------------------------------------------------------------------------------------------

    private static NginxUpstream readUpstream(Directive upstream, NextUpstreamPolicy policy, List<String> ignored) {
        String name = upstream.args.get(0).text;
        List<Endpoint> endpoints = new ArrayList<>();
        Map<String, Token> seen = new HashMap<>();
        Balancer balancer = Balancer.ROUND_ROBIN;
        boolean backupAllowed = true;
        String hashKey = null;
        for (Directive d : upstream.block) {
            String kw = d.name.text;
            if (d.block != null) {
                throw error("directive \"" + kw + "\" is not terminated by \";\"", d.end);
            }
            switch (kw) {
                case "server" -> {
                    if (d.args.isEmpty()) {
                        throw error("invalid number of arguments in \"server\" directive", d.name);
                    }
                    Endpoint e = readServer(d.args.get(0), d.args.subList(1, d.args.size()), backupAllowed);
                    Token first = seen.putIfAbsent(e.name(), d.args.get(0));
                    if (first != null) {
                        throw error("duplicate server \"" + e.name() + "\" in upstream \"" + name
                                + "\" (first at line " + first.line + ")", d.args.get(0));
                    }
                    endpoints.add(e);
                }
                case "least_conn" -> {
                    if (!d.args.isEmpty()) {
                        throw error("invalid number of arguments in \"least_conn\" directive", d.name);
                    }
                    balancer = Balancer.LEAST_CONN;
                    hashKey = null;
                }
                case "hash" -> {
                    if (d.args.isEmpty() || d.args.size() > 2) {
                        throw error("invalid number of arguments in \"hash\" directive", d.name);
                    }
                    if (d.args.size() == 2 && !d.args.get(1).text.equals("consistent")) {
                        throw error("invalid parameter \"" + d.args.get(1).text + "\"", d.args.get(1));
                    }
                    balancer = d.args.size() == 2 ? Balancer.CONSISTENT_HASH : Balancer.HASH;
                    hashKey = d.args.get(0).text;
                    // ngx_http_upstream_hash(): the hash method's flags lack NGX_HTTP_UPSTREAM_BACKUP
                    backupAllowed = false;
                }
                default -> {
                    if (IGNORED_IN_UPSTREAM.contains(kw)) {
                        ignored.add(d.describe());
                    } else if (UNSUPPORTED_METHODS.contains(kw)) {
                        throw error("balancing method \"" + kw + "\" is not supported; use round robin (default), "
                                + "\"least_conn\" or \"hash $key consistent\"", d.name);
                    } else if (kw.startsWith("proxy_")) {
                        throw error("\"" + kw + "\" directive is not allowed here", d.name);
                    } else {
                        throw error("unknown directive \"" + kw + "\"", d.name);
                    }
                }
            }
        }
        if (endpoints.isEmpty()) {
            // ngx_http_upstream(), reported where the block ends
            throw error("no servers are inside upstream", upstream.close);
        }
        if (endpoints.stream().allMatch(Endpoint::backup)) {
            // ngx_http_upstream_init_round_robin(): backups alone are not an upstream
            throw error("no servers in upstream \"" + name + "\"", upstream.name);
        }
        UpstreamConfig config = new UpstreamConfig(name, endpoints, balancer, policy, null,
                AllDownPolicy.failFast(), 100, true);
        return new NginxUpstream(config, hashKey, ignored);
    }

    /** {@code ngx_http_upstream_server()}: parameters first, then the address, as Nginx checks them. */
    private static Endpoint readServer(Token address, List<Token> params, boolean backupAllowed) {
        int weight = Endpoint.DEFAULT_WEIGHT;
        int maxFails = Endpoint.DEFAULT_MAX_FAILS;
        Duration failTimeout = Endpoint.DEFAULT_FAIL_TIMEOUT;
        int maxConns = 0;
        boolean backup = false;
        boolean down = false;
        for (Token p : params) {
            String v = p.text;
            if (v.startsWith("weight=")) {
                long w = atoi(v.substring(7));
                if (w <= 0) {
                    throw invalidParameter(p);
                }
                if (w > Endpoint.MAX_WEIGHT) {
                    throw error("invalid parameter \"" + v + "\" (weight above " + Endpoint.MAX_WEIGHT + ")", p);
                }
                weight = (int) w;
            } else if (v.startsWith("max_conns=")) {
                maxConns = count(p, v.substring(10));
            } else if (v.startsWith("max_fails=")) {
                maxFails = count(p, v.substring(10));
            } else if (v.startsWith("fail_timeout=")) {
                long seconds = parseTime(v.substring(13), true);
                if (seconds < 0) {
                    throw invalidParameter(p);
                }
                if (seconds > Endpoint.MAX_DURATION.getSeconds()) {
                    throw error("invalid parameter \"" + v + "\" (above " + Endpoint.MAX_DURATION.toDays()
                            + " days)", p);
                }
                failTimeout = Duration.ofSeconds(seconds);
            } else if (v.equals("backup")) {
                if (!backupAllowed) {
                    throw error("balancing method does not support parameter \"" + v + "\"", p);
                }
                backup = true;
            } else if (v.equals("down")) {
                down = true;
            } else {
                throw invalidParameter(p);
            }
        }
        HostPort hp = readAddress(address);
        Endpoint.Builder b = Endpoint.builder(hp.host(), hp.port()).weight(weight).maxFails(maxFails)
                .failTimeout(failTimeout).maxConns(maxConns).backup(backup).down(down);
        if (!hasPort(address.text)) {
            b.tag(SERVER_TAG, address.text); // hashed without a port by "hash ... consistent"
        }
        return b.build();
    }

    /** Whether a server address names its port (the last colon is followed by digits only, outside brackets). */
    private static boolean hasPort(String url) {
        int close = url.lastIndexOf(']');
        int colon = url.lastIndexOf(':');
        return colon > close && colon + 1 < url.length() && atoi(url.substring(colon + 1)) >= 0;
    }

    private static int count(Token p, String digits) {
        long n = atoi(digits);
        if (n < 0) {
            throw invalidParameter(p);
        }
        if (n > Integer.MAX_VALUE) {
            throw error("invalid parameter \"" + p.text + "\" (above " + Integer.MAX_VALUE + ")", p);
        }
        return (int) n;
    }

    private static HostPort readAddress(Token t) {
        String url = t.text;
        if (url.regionMatches(true, 0, "unix:", 0, 5)) {
            throw error("unix domain sockets are not supported in upstream \"" + url + "\"", t);
        }
        String host;
        String port = null;
        if (url.startsWith("[")) {
            int close = url.indexOf(']');
            if (close < 0) {
                throw error("invalid host in upstream \"" + url + "\"", t);
            }
            host = url.substring(1, close);
            String rest = url.substring(close + 1);
            if (!rest.isEmpty()) {
                if (rest.charAt(0) != ':') {
                    throw error("invalid host in upstream \"" + url + "\"", t);
                }
                port = rest.substring(1);
            }
        } else {
            int colon = url.indexOf(':');
            if (colon >= 0 && url.indexOf(':', colon + 1) >= 0) {
                throw error("invalid host in upstream \"" + url + "\" (write IPv6 addresses in brackets)", t);
            }
            host = colon < 0 ? url : url.substring(0, colon);
            port = colon < 0 ? null : url.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw error("no host in upstream \"" + url + "\"", t);
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (!Endpoint.isHostChar(c)) {
                throw error("invalid host in upstream \"" + url + "\"", t);
            }
        }
        int p = DEFAULT_PORT;
        if (port != null) {
            long n = atoi(port);
            if (n < 1 || n > 65535) {
                throw error("invalid port in upstream \"" + url + "\"", t);
            }
            p = (int) n;
        }
        return new HostPort(host, p);
    }

    /** {@code ngx_atoi()}: decimal digits only, no sign; -1 for an empty, non-numeric or overflowing value. */
    static long atoi(String s) {
        if (s.isEmpty()) {
            return -1;
        }
        long value = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            if (value > (Long.MAX_VALUE - (c - '0')) / 10) {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    /**
     * {@code ngx_parse_time(line, is_sec)} of {@code src/core/ngx_parse.c}: seconds when {@code isSec}, else
     * milliseconds; -1 when invalid. Units {@code y M w d h m s ms} in descending order, each at most once; a
     * trailing bare number counts as seconds; with {@code isSec} {@code ms} is invalid, without it {@code y} and
     * {@code M} are.
     */
    static long parseTime(String s, boolean isSec) {
        final int start = 0;
        final int year = 1;
        final int month = 2;
        final int week = 3;
        final int day = 4;
        final int hour = 5;
        final int min = 6;
        final int sec = 7;
        final int msec = 8;
        final int last = 9;
        int step = isSec ? start : month;
        boolean valid = false;
        long value = 0;
        long total = 0;
        int i = 0;
        try {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c >= '0' && c <= '9') {
                    value = Math.addExact(Math.multiplyExact(value, 10), c - '0');
                    valid = true;
                    i++;
                    continue;
                }
                i++;
                long scale;
                switch (c) {
                    case 'y' -> {
                        if (step > start) {
                            return -1;
                        }
                        step = year;
                        scale = 60L * 60 * 24 * 365;
                    }
                    case 'M' -> {
                        if (step >= month) {
                            return -1;
                        }
                        step = month;
                        scale = 60L * 60 * 24 * 30;
                    }
                    case 'w' -> {
                        if (step >= week) {
                            return -1;
                        }
                        step = week;
                        scale = 60L * 60 * 24 * 7;
                    }
                    case 'd' -> {
                        if (step >= day) {
                            return -1;
                        }
                        step = day;
                        scale = 60L * 60 * 24;
                    }
                    case 'h' -> {
                        if (step >= hour) {
                            return -1;
                        }
                        step = hour;
                        scale = 60L * 60;
                    }
                    case 'm' -> {
                        if (i < s.length() && s.charAt(i) == 's') {
                            if (isSec || step >= msec) {
                                return -1;
                            }
                            i++;
                            step = msec;
                            scale = 1;
                        } else {
                            if (step >= min) {
                                return -1;
                            }
                            step = min;
                            scale = 60;
                        }
                    }
                    case 's' -> {
                        if (step >= sec) {
                            return -1;
                        }
                        step = sec;
                        scale = 1;
                    }
                    case ' ' -> {
                        if (step >= sec) {
                            return -1;
                        }
                        step = last;
                        scale = 1;
                    }
                    default -> {
                        return -1;
                    }
                }
                if (step != msec && !isSec) {
                    scale *= 1000;
                }
                total = Math.addExact(total, Math.multiplyExact(value, scale));
                value = 0;
                while (i < s.length() && s.charAt(i) == ' ') {
                    i++;
                }
            }
            if (!valid) {
                return -1;
            }
            return Math.addExact(total, isSec ? value : Math.multiplyExact(value, 1000));
        } catch (ArithmeticException overflow) {
            return -1;
        }
    }

    private static ConfigParseException invalidParameter(Token t) {
        return error("invalid parameter \"" + t.text + "\"", t);
    }

    private static ConfigParseException error(String message, Token at) {
        return new ConfigParseException(message, at.line, at.column);
    }

    /**
     * Reads the three {@code proxy_next_upstream*} directives. {@code proxy_next_upstream} may repeat and its
     * values add up, as {@code ngx_conf_set_bitmask_slot()} ORs them into one mask; {@code _tries} and
     * {@code _timeout} are number/time slots and may appear once.
     */
    private static final class NextUpstreamReader {
        private final EnumSet<FailureKind> kinds = EnumSet.noneOf(FailureKind.class);
        private boolean conditionsGiven;
        private boolean off;
        private boolean nonIdempotent;
        private Directive tries;
        private Directive timeout;
        final NextUpstreamPolicy.Builder builder = NextUpstreamPolicy.builder();

        boolean accept(Directive d, List<String> ignored) {
            String name = d.name.text;
            if (!name.equals(NEXT_UPSTREAM) && !name.equals(NEXT_UPSTREAM_TRIES)
                    && !name.equals(NEXT_UPSTREAM_TIMEOUT)) {
                return false;
            }
            if (d.block != null) {
                throw error("directive \"" + name + "\" is not terminated by \";\"", d.end);
            }
            if (name.equals(NEXT_UPSTREAM)) {
                readConditions(d, ignored);
                return true;
            }
            if ((name.equals(NEXT_UPSTREAM_TRIES) ? tries : timeout) != null) {
                throw error("\"" + name + "\" directive is duplicate", d.name);
            }
            Token v = single(d);
            if (name.equals(NEXT_UPSTREAM_TRIES)) {
                tries = d;
                long n = atoi(v.text);
                if (n < 0 || n > Integer.MAX_VALUE) {
                    throw error("\"" + name + "\" directive invalid number \"" + v.text + "\"", v);
                }
                builder.tries((int) n);
            } else {
                timeout = d;
                long ms = parseTime(v.text, false);
                if (ms < 0) {
                    throw error("\"" + name + "\" directive invalid value \"" + v.text + "\"", v);
                }
                builder.timeout(Duration.ofMillis(ms));
            }
            return true;
        }

        private static Token single(Directive d) {
            if (d.args.size() != 1) {
                throw error("invalid number of arguments in \"" + d.name.text + "\" directive", d.name);
            }
            return d.args.get(0);
        }

        /** {@code ngx_conf_set_bitmask_slot()} over {@code ngx_http_proxy_next_upstream_masks}. */
        private void readConditions(Directive d, List<String> ignored) {
            if (d.args.isEmpty()) {
                throw error("invalid number of arguments in \"" + NEXT_UPSTREAM + "\" directive", d.name);
            }
            conditionsGiven = true;
            for (Token t : d.args) {
                String v = t.text.toLowerCase(Locale.ROOT);
                switch (v) {
                    case "off" -> off = true;
                    case "non_idempotent" -> nonIdempotent = true;
                    case "updating" -> ignored.add("\"" + NEXT_UPSTREAM + " updating\" at line " + t.line);
                    default -> {
                        FailureKind kind = null;
                        for (FailureKind k : FailureKind.values()) {
                            if (k.isNginx() && k.nginxName().equals(v)) {
                                kind = k;
                            }
                        }
                        if (kind == null) {
                            throw error("invalid value \"" + t.text + "\"", t);
                        }
                        kinds.add(kind);
                    }
                }
            }
        }

        NextUpstreamPolicy build() {
            if (conditionsGiven) {
                // ngx_http_proxy_merge_loc_conf(): when "off" is present, nothing else counts
                builder.conditions(off ? EnumSet.noneOf(FailureKind.class) : kinds)
                        .nonIdempotent(!off && nonIdempotent);
            }
            return builder.build();
        }
    }

    // ---- tokens and directives (ngx_conf_read_token's rules, simplified where Nginx's errors are obscure) -----

    private static final class Token {
        final String text;
        final int line;
        final int column;
        final boolean quoted;

        Token(String text, int line, int column, boolean quoted) {
            this.text = text;
            this.line = line;
            this.column = column;
            this.quoted = quoted;
        }

        boolean isPunct(String p) {
            return !quoted && text.equals(p);
        }
    }

    private static final class Directive {
        final Token name;
        final List<Token> args;
        final List<Directive> block;
        final Token end;
        /** The closing brace of a block, else {@code null}. */
        final Token close;

        Directive(Token name, List<Token> args, List<Directive> block, Token end, Token close) {
            this.name = name;
            this.args = args;
            this.block = block;
            this.end = end;
            this.close = close;
        }

        String describe() {
            StringBuilder sb = new StringBuilder("\"").append(name.text);
            for (Token a : args) {
                sb.append(' ').append(a.text);
            }
            return sb.append("\" at line ").append(name.line).toString();
        }
    }

    private static final class Reader {
        final List<Token> tokens = new ArrayList<>();
        private final Token eof;
        private int pos;
        private Token lastClose;

        Reader(String text) {
            int line = 1;
            int col = 1;
            int i = 0;
            int n = text.length();
            while (i < n) {
                char c = text.charAt(i);
                if (c == '\n') {
                    line++;
                    col = 1;
                    i++;
                } else if (Character.isWhitespace(c)) {
                    i++;
                    col++;
                } else if (c == '#') {
                    while (i < n && text.charAt(i) != '\n') {
                        i++;
                    }
                } else if (c == ';' || c == '{' || c == '}') {
                    tokens.add(new Token(String.valueOf(c), line, col, false));
                    i++;
                    col++;
                } else if (c == '"' || c == '\'') {
                    int startLine = line;
                    int startCol = col;
                    StringBuilder sb = new StringBuilder();
                    i++;
                    col++;
                    boolean closed = false;
                    while (i < n) {
                        char q = text.charAt(i);
                        if (q == '\\' && i + 1 < n) {
                            char e = text.charAt(i + 1);
                            sb.append(switch (e) {
                                case 't' -> '\t';
                                case 'r' -> '\r';
                                case 'n' -> '\n';
                                default -> e;
                            });
                            i += 2;
                            col += 2;
                            continue;
                        }
                        if (q == c) {
                            closed = true;
                            i++;
                            col++;
                            break;
                        }
                        if (q == '\n') {
                            line++;
                            col = 1;
                        } else {
                            col++;
                        }
                        sb.append(q);
                        i++;
                    }
                    if (!closed) {
                        throw new ConfigParseException("unexpected end of file, expecting closing " + c,
                                startLine, startCol);
                    }
                    tokens.add(new Token(sb.toString(), startLine, startCol, true));
                } else {
                    int startCol = col;
                    int s = i;
                    while (i < n) {
                        char w = text.charAt(i);
                        if (Character.isWhitespace(w) || w == ';' || w == '{' || w == '}') {
                            break;
                        }
                        i++;
                        col++;
                    }
                    tokens.add(new Token(text.substring(s, i), line, startCol, false));
                }
            }
            eof = new Token("", line, col, false);
        }

        List<Directive> readAll() {
            return readBlock(false);
        }

        private List<Directive> readBlock(boolean inBlock) {
            List<Directive> out = new ArrayList<>();
            while (true) {
                if (pos >= tokens.size()) {
                    if (inBlock) {
                        throw error("unexpected end of file, expecting \"}\"", eof);
                    }
                    return out;
                }
                Token t = tokens.get(pos);
                if (t.isPunct("}")) {
                    if (!inBlock) {
                        throw error("unexpected \"}\"", t);
                    }
                    pos++;
                    lastClose = t;
                    return out;
                }
                if (t.isPunct(";") || t.isPunct("{")) {
                    throw error("unexpected \"" + t.text + "\"", t);
                }
                pos++;
                List<Token> args = new ArrayList<>();
                while (true) {
                    if (pos >= tokens.size()) {
                        throw error("unexpected end of file, expecting \";\" or \"}\"", eof);
                    }
                    Token a = tokens.get(pos++);
                    if (a.isPunct(";")) {
                        out.add(new Directive(t, args, null, a, null));
                        break;
                    }
                    if (a.isPunct("{")) {
                        List<Directive> block = readBlock(true);
                        out.add(new Directive(t, args, block, a, lastClose));
                        break;
                    }
                    if (a.isPunct("}")) {
                        throw error("unexpected \"}\"", a);
                    }
                    args.add(a);
                }
            }
        }
    }
}
