package io.github.hakit.testkit.netlab;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import io.github.hakit.testkit.RequiredServers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network lab: LANs, a NAT router and hosts as Linux network namespaces, all inside one outer
 * user + network + mount + PID namespace ({@code unshare -r -n -m -p --fork}) that has no link to the
 * machine's interfaces, so no packet of the lab can reach them and the lab's addresses (10.x LANs,
 * 203.0.113.x "public" addresses) exist only inside it.
 *
 * <pre>{@code
 * NetLab.requireAvailable();                       // skip locally without privileges, fail in CI
 * try (NetLab lab = NetLab.start(dir)) {
 *     NetLab.Lan a = lab.lan("a", "10.1.0", "203.0.113.1");
 *     NetLab.Host a1 = lab.host("a1", a, 10);       // 10.1.0.10
 *     lab.publish("203.0.113.10", 20880, a1, 20880); // DNAT on the router
 *     LabProcess p = lab.spawn(a1, "provider", List.of("java", ...), Map.of(), dir.resolve("a1.log"));
 * }
 * }</pre>
 *
 * <p>Topology: the router namespace holds one bridge per LAN ({@code br-<lan>}, address {@code prefix.1}),
 * each host namespace one veth ({@code eth0}) on its LAN's bridge, with a route for 203.0.113.0/24 via its
 * LAN's router address and no default route. The router DNATs published addresses to hosts, SNATs
 * everything a LAN sends into another LAN to that LAN's public gateway address, forwards nothing else
 * between LANs, and (with {@link #hairpin}) also SNATs a LAN's connections to its own published addresses,
 * as NAT gateways with "hairpin"/"NAT loopback" do. Without hairpin such connections fail (time out), as on
 * gateways without it.
 *
 * <p>Lifetime: the outer namespace is held by a shell that is PID 1 of the lab's PID namespace and waits on
 * its standard input; {@link #close()} (or this JVM dying: the pipe closes) ends it, the kernel then kills every
 * process of the lab, and the namespaces and mounts disappear with their last process.
 */
public final class NetLab implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NetLab.class);
    /** The documentation range the lab's public addresses come from. */
    public static final String PUBLIC_NET = "203.0.113.0/24";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,9}");
    private static final Pattern PREFIX = Pattern.compile("10\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern PUBLIC = Pattern.compile("203\\.0\\.113\\.(\\d{1,3})");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
    private static final String ROUTER = "router";

    private final Process holder;
    private final long holderPid;
    private final Path dir;
    private final Map<String, Lan> lans = new LinkedHashMap<>();
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    private final List<LabProcess> processes = new ArrayList<>();
    private final List<String> publicAddresses = new ArrayList<>();
    private boolean closed;

    /** A LAN: a bridge on the router, {@code prefix.0/24}, its public gateway address for outgoing NAT. */
    public record Lan(String name, String prefix, String publicGateway) {
        public String cidr() {
            return prefix + ".0/24";
        }

        public String routerAddress() {
            return prefix + ".1";
        }

        String bridge() {
            return "br-" + name;
        }
    }

    /** A host: a network namespace with one interface on its LAN. */
    public record Host(String name, Lan lan, String address) {
    }

    /** Output and exit status of a command run in the lab. */
    public record Result(int exitCode, String output) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private NetLab(Process holder, long holderPid, Path dir) {
        this.holder = holder;
        this.holderPid = holderPid;
        this.dir = dir;
    }

    /** Empty when this machine can build labs; else what is missing. */
    public static Optional<String> unavailable() {
        for (String tool : List.of("unshare", "nsenter", "ip", "iptables", "sh")) {
            if (which(tool).isEmpty()) {
                return Optional.of("'" + tool + "' not found (apt-get install util-linux iproute2 iptables)");
            }
        }
        try {
            Process p = new ProcessBuilder("unshare", "-r", "-n", "-m", "-p", "--fork", "--propagation", "private",
                    "sh", "-c", "mount -t tmpfs netlab /run && ip link add probe0 type bridge && iptables -t nat -L -n"
                    + " >/dev/null").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of("unshare probe did not finish in 20 s");
            }
            return p.exitValue() == 0 ? Optional.empty()
                    : Optional.of("cannot create user+network+mount namespaces with bridges and iptables here"
                            + " (unprivileged?): " + out);
        } catch (IOException e) {
            return Optional.of("cannot run unshare: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }

    /** Skips the calling test when no lab can be built here; fails it with {@code -Dhakit.requireServers=true}. */
    public static void requireAvailable() {
        Optional<String> why = unavailable();
        RequiredServers.require(why.isEmpty(), "network lab (root or unprivileged user namespaces, iproute2,"
                + " iptables): " + why.orElse(""));
    }

    private static Optional<Path> which(String tool) {
        for (String d : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return Optional.of(Path.of(d, tool));
            }
        }
        return Optional.empty();
    }

    /** Creates the outer namespace and the router. {@code dir} receives the lab's logs. */
    public static NetLab start(Path dir) {
        Objects.requireNonNull(dir, "dir");
        String init = String.join(" && ",
                "mount -t tmpfs netlab /run", "mkdir -p /run/netns",
                "ip netns add " + ROUTER, "ip -n " + ROUTER + " link set lo up",
                "ip netns exec " + ROUTER + " sysctl -qw net.ipv4.ip_forward=1",
                // with br_netfilter loaded, bridged (same-LAN) frames would traverse iptables and hit FORWARD DROP:
                // a LAN is a plain switch, only routed packets go through the router's rules
                "{ ip netns exec " + ROUTER + " sysctl -qw net.bridge.bridge-nf-call-iptables=0 2>/dev/null || true; }",
                "ip netns exec " + ROUTER + " iptables -P FORWARD DROP",
                "ip netns exec " + ROUTER + " iptables -N lab-count",
                "ip netns exec " + ROUTER + " iptables -A FORWARD -j lab-count",
                "ip netns exec " + ROUTER + " iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED,DNAT -j ACCEPT",
                "echo NETLAB-READY", "read _");
        try {
            Files.createDirectories(dir);
            Process holder = new ProcessBuilder("unshare", "-r", "-n", "-m", "-p", "--fork", "--kill-child",
                    "--propagation", "private", "sh", "-c", init)
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null && !line.equals("NETLAB-READY")) {
                seen.append(line).append('\n');
            }
            if (line == null) {
                holder.destroyForcibly();
                throw new IllegalStateException("network lab did not start: " + seen);
            }
            long pid = holder.toHandle().children().findFirst().map(ProcessHandle::pid)
                    .orElseThrow(() -> new IllegalStateException("network lab: no namespace holder process"));
            NetLab lab = new NetLab(holder, pid, dir);
            log.info("network lab up (outer namespace held by pid {}), logs in {}", pid, dir);
            return lab;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the network lab", e);
        }
    }

    /** The lab's directory (logs). */
    public Path dir() {
        return dir;
    }

    private List<String> enter() {
        return List.of("nsenter", "-t", Long.toString(holderPid), "-U", "-n", "-m", "-p", "--");
    }

    /** Runs {@code sh -c script} in the outer namespace (where {@code ip netns} sees the lab). */
    public synchronized Result sh(String script) {
        ensureOpen();
        List<String> command = new ArrayList<>(enter());
        command.addAll(List.of("sh", "-c", script));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("network lab command timed out: " + script);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + script, e);
        }
    }

    /** Like {@link #sh} but fails on a non-zero exit status. */
    public String check(String script) {
        Result r = sh("set -e\n" + script);
        if (!r.ok()) {
            throw new IllegalStateException("network lab command failed (" + r.exitCode() + "): " + script + "\n" + r.output());
        }
        return r.output();
    }

    /** Runs a command in a namespace: a host name, {@code "router"}, or null for the outer namespace. */
    public Result exec(String namespace, String... command) {
        StringBuilder script = new StringBuilder(namespace == null ? "" : "exec ip netns exec " + namespace + " ");
        for (String c : command) {
            script.append(quote(c)).append(' ');
        }
        return sh(script.toString());
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    private static String router(String iptables) {
        return "ip netns exec " + ROUTER + " iptables " + iptables;
    }

    /**
     * A LAN {@code prefix.0/24} ({@code prefix} like {@code 10.1.0}); its connections into other LANs leave
     * with source {@code publicGateway} (203.0.113.x).
     */
    public synchronized Lan lan(String name, String prefix, String publicGateway) {
        validName(name);
        if (!PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("LAN prefix must be 10.x.y (a /24 inside the lab): '" + prefix + "'");
        }
        requirePublic(publicGateway);
        Lan lan = new Lan(name, prefix, publicGateway);
        String br = lan.bridge();
        check(String.join("\n",
                "ip -n router link add " + br + " type bridge",
                "ip -n router addr add " + lan.routerAddress() + "/24 dev " + br,
                "ip -n router link set " + br + " up",
                publicAddressOnRouter(publicGateway),
                // a LAN's connections into other LANs leave with its public address
                router("-t nat -A POSTROUTING -s " + lan.cidr() + " ! -o " + br + " -j SNAT --to-source " + publicGateway),
                router("-A lab-count -i " + br + " -o " + br + " -m comment --comment hairpin-" + name)));
        for (Lan other : lans.values()) {
            check(router("-A lab-count -i " + br + " -o " + other.bridge() + " -m comment --comment " + name + "-to-"
                    + other.name()) + "\n"
                    + router("-A lab-count -i " + other.bridge() + " -o " + br + " -m comment --comment " + other.name()
                    + "-to-" + name));
        }
        lans.put(name, lan);
        return lan;
    }

    private String publicAddressOnRouter(String address) {
        if (publicAddresses.contains(address)) {
            return "true";
        }
        publicAddresses.add(address);
        return "ip -n router addr add " + address + "/32 dev lo";
    }

    /** A host {@code lan.prefix.octet} on {@code lan}. */
    public synchronized Host host(String name, Lan lan, int octet) {
        validName(name);
        if (name.equals(ROUTER) || hosts.containsKey(name)) {
            throw new IllegalArgumentException("host name taken: '" + name + "'");
        }
        if (octet < 2 || octet > 254) {
            throw new IllegalArgumentException("host octet must be 2..254: " + octet);
        }
        Host host = new Host(name, Objects.requireNonNull(lan, "lan"), lan.prefix() + "." + octet);
        String veth = "v-" + name;
        check(String.join("\n",
                "ip netns add " + name,
                "ip -n " + name + " link set lo up",
                "ip link add eth0 netns " + name + " type veth peer name " + veth + " netns router",
                "ip -n router link set " + veth + " master " + lan.bridge() + " up",
                "ip -n " + name + " addr add " + host.address() + "/24 dev eth0",
                "ip -n " + name + " link set eth0 up",
                "ip -n " + name + " route add " + PUBLIC_NET + " via " + lan.routerAddress()));
        hosts.put(name, host);
        return host;
    }

    /** Publishes {@code host:port} as {@code publicAddress:publicPort} (router DNAT). */
    public synchronized void publish(String publicAddress, int publicPort, Host host, int port) {
        requirePublic(publicAddress);
        check(publicAddressOnRouter(publicAddress) + "\n" + router("-t nat -A PREROUTING -d " + publicAddress
                + " -p tcp --dport " + publicPort + " -j DNAT --to-destination " + host.address() + ":" + port));
    }

    /**
     * Hairpin NAT for {@code lan}: its hosts' connections to published addresses of the same LAN are SNATed
     * to the LAN's public gateway address, so the answers come back through the router. Off by default.
     */
    public synchronized void hairpin(Lan lan, boolean enabled) {
        String rule = "-t nat %s POSTROUTING -s " + lan.cidr() + " -o " + lan.bridge()
                + " -m conntrack --ctstate DNAT -j SNAT --to-source " + lan.publicGateway();
        Result present = sh(router(String.format(rule, "-C")));
        if (enabled && !present.ok()) {
            check(router(String.format(rule, "-I")));
        } else if (!enabled && present.ok()) {
            check(router(String.format(rule, "-D")));
        }
    }

    /** Packets the router forwarded from {@code from} into {@code to} (from = to: hairpinned packets). */
    public long routerPackets(Lan from, Lan to) {
        String comment = from.equals(to) ? "hairpin-" + from.name() : from.name() + "-to-" + to.name();
        String table = check(router("-L lab-count -v -x -n"));
        Matcher m = Pattern.compile("^\\s*(\\d+)\\s+\\d+\\s.*/\\* " + Pattern.quote(comment) + " \\*/", Pattern.MULTILINE)
                .matcher(table);
        if (!m.find()) {
            throw new IllegalStateException("no counter " + comment + " in\n" + table);
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * Starts {@code command} in {@code host}'s namespace, output (stdout and stderr) appended to {@code logFile},
     * with the extra environment. The process is killed at {@link #close()} at the latest.
     */
    public LabProcess spawn(Host host, String name, List<String> command, Map<String, String> environment,
            Path logFile) {
        return spawn(host, name, command, environment, logFile, false);
    }

    /**
     * Like {@link #spawn(Host, String, List, Map, Path)}; with {@code interactive} its standard input and output
     * are pipes ({@link LabProcess#send}, {@link LabProcess#expect}) and only standard error goes to the log.
     */
    public synchronized LabProcess spawn(Host host, String name, List<String> command, Map<String, String> environment,
            Path logFile, boolean interactive) {
        ensureOpen();
        Objects.requireNonNull(host, "host");
        List<String> full = new ArrayList<>(enter());
        full.addAll(List.of("ip", "netns", "exec", host.name()));
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full);
        if (interactive) {
            builder.redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        } else {
            builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        builder.environment().putAll(environment);
        try {
            Process launcher = builder.start();
            LabProcess process = LabProcess.attach(name, host, launcher, logFile);
            processes.add(process);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + " in " + host.name(), e);
        }
    }

    /** Every namespace the lab made ({@code ip netns list} in the outer namespace). */
    public List<String> namespaces() {
        List<String> names = new ArrayList<>();
        for (String line : check("ip netns list").split("\n")) {
            if (!line.isBlank()) {
                names.add(line.trim().split("\\s+")[0]);
            }
        }
        return names;
    }

    /** PID (in this machine's PID namespace) of the process that holds the outer namespace. */
    public long holderPid() {
        return holderPid;
    }

    private static void validName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("lab names are [a-z][a-z0-9-]{0,9}: '" + name + "'");
        }
    }

    private static void requirePublic(String address) {
        if (address == null || !PUBLIC.matcher(address).matches()) {
            throw new IllegalArgumentException("lab public addresses are 203.0.113.x (TEST-NET-3): '" + address + "'");
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("network lab closed");
        }
    }

    /** Kills every lab process, then the namespace holder; the kernel removes the namespaces with it. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (LabProcess p : processes) {
            p.kill();
        }
        try (OutputStream stdin = holder.getOutputStream()) {
            stdin.write('\n');
        } catch (IOException e) {
            log.debug("network lab holder already gone", e);
        }
        try {
            if (!holder.waitFor(10, TimeUnit.SECONDS)) {
                holder.destroyForcibly();
                holder.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            holder.destroyForcibly();
        }
        log.info("network lab closed (holder pid {} alive: {})", holderPid,
                ProcessHandle.of(holderPid).map(ProcessHandle::isAlive).orElse(false));
    }
}
