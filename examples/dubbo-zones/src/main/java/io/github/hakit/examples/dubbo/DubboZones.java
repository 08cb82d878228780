package io.github.hakit.examples.dubbo;

import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.HostPort;
import io.github.hakit.core.Upstream;
import io.github.hakit.dubbo.ConsumerOptions;
import io.github.hakit.dubbo.HakitDubbo;
import io.github.hakit.dubbo.ProviderOptions;
import io.github.hakit.dubbo.RegistrationConfig;
import io.github.hakit.testkit.Await;
import io.github.hakit.testkit.ManagedProcess;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.TempDirs;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestServer;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ReferenceConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.cluster.ClusterInvoker;
import org.apache.dubbo.rpc.model.FrameworkModel;

/**
 * The Dubbo part of the failover tour, the seed deployment on loopback: providers in two zones (a1, a2 in zone A;
 * b1 in zone B), each host with a LAN address and a public address; one ZooKeeper (curator-test, in this JVM);
 * consumers in zone A. Every provider host is its own JVM and runs the service twice: registered by hakit (public
 * address + zone + LAN address) and by plain Dubbo under its public address (the seed's workaround). Zone A's two
 * JVMs get {@code kill -9} while both consumers call.
 *
 * <p>Run by the tour ({@code FailoverTour --only dubbo}) with {@code -Djdk.net.hosts.file=<tour-hosts>}; it
 * prints {@code @step}, {@code @row} and {@code @status} lines for the tour to show.
 */
public final class DubboZones {
    private static final int CALL_TIMEOUT_MS = 1000;

    private DubboZones() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("jdk.net.hosts.file") == null) {
            throw new IllegalStateException("run with -Djdk.net.hosts.file=<tour-hosts> -Ddubbo.network.interface.ignored=.*");
        }
        if (args.length >= 1 && args[0].equals("provider") && args.length == 8) {
            provider(args[1], args[2], args[3], args[4], args[5], Integer.parseInt(args[6]), Integer.parseInt(args[7]));
        } else if (args.length == 2 && args[0].equals("scenario")) {
            System.exit(scenario(Integer.parseInt(args[1]), new PrintStream(System.out, true, StandardCharsets.UTF_8)));
        } else {
            throw new IllegalArgumentException("usage: scenario <calls> | provider <zk> <name> <zone> <lanHost> <pubHost> "
                    + "<hakitPort> <plainPort>");
        }
    }

    // ------------------------------------------------------------------------------------------------ providers

    /** The served implementation: names the provider. */
    static final class WhereImpl implements Where {
        private final String name;

        WhereImpl(String name) {
            this.name = name;
        }

        @Override
        public String whoAmI() {
            return name;
        }
    }

    private static void provider(String zk, String name, String zone, String lanHost, String pubHost, int hakitPort,
            int plainPort) throws Exception {
        // registered by hakit: public address for consumers elsewhere, zone and LAN address for its own zone
        DubboBootstrap hakit = providerApp(zk, name + "-hakit", "hakit", lanHost, hakitPort, name);
        HakitDubbo.installProvider(hakit.getApplicationModel(), ProviderOptions.builder()
                .registration(RegistrationConfig.builder().host(pubHost).port(hakitPort).allowLoopback(true).build())
                .zone(zone).internalAddress(new HostPort(lanHost, hakitPort)).build());
        Forwarder.start(pubHost, hakitPort, lanHost, hakitPort);
        hakit.start();
        // plain Dubbo registering its public address (what the seed ended up doing): bound and registered there
        providerApp(zk, name + "-plain", "plain", pubHost, plainPort, name).start();
        System.out.println("ready " + name);
        new CountDownLatch(1).await(); // until killed
    }

    private static DubboBootstrap providerApp(String zk, String app, String group, String host, int port, String name) {
        DubboBootstrap bootstrap = DubboBootstrap.newInstance(new FrameworkModel());
        ApplicationConfig application = application("tour-" + app);
        application.setRegisterMode("interface");
        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        protocol.setHost(host);
        protocol.setThreads(8);
        ServiceConfig<Where> service = new ServiceConfig<>();
        service.setInterface(Where.class);
        service.setGroup(group);
        service.setRef(new WhereImpl(name));
        return bootstrap.application(application).registry(registry(zk)).protocol(protocol).service(service);
    }

    private static ApplicationConfig application(String name) {
        ApplicationConfig application = new ApplicationConfig(name);
        application.setQosEnable(false);
        application.setMetadataType("local");
        return application;
    }

    private static RegistryConfig registry(String zk) {
        RegistryConfig registry = new RegistryConfig("zookeeper://" + zk);
        registry.setUseAsConfigCenter(false);
        registry.setUseAsMetadataCenter(false);
        registry.setParameters(new HashMap<>(Map.of("file-cache", "false")));
        return registry;
    }

    // ------------------------------------------------------------------------------------------------ scenario

    private record Host(String name, String zone, String lan, String pub) {
    }

    /** A zone-A consumer: its own Dubbo instance. */
    private static final class Consumer {
        final FrameworkModel framework = new FrameworkModel();
        final DubboBootstrap bootstrap = DubboBootstrap.newInstance(framework);
        final ReferenceConfig<Where> reference = new ReferenceConfig<>();
        Where where;

        Consumer(String zk, String group, boolean hakit) {
            reference.setInterface(Where.class);
            reference.setGroup(group);
            reference.setCheck(false);
            reference.setTimeout(CALL_TIMEOUT_MS);
            Map<String, String> parameters = new HashMap<>(Map.of("migration.step", "FORCE_INTERFACE"));
            if (hakit) {
                reference.setCluster(HakitDubbo.CLUSTER);
                parameters.put("heartbeat", "1000");
                parameters.put("dubbo.application.least-reconnect-duration", "1000");
                HakitDubbo.installConsumer(bootstrap.getApplicationModel(), ConsumerOptions.builder().zone("a")
                        .failTimeout(Duration.ofSeconds(10)).build());
            }
            reference.setParameters(parameters);
            bootstrap.application(application("tour-consumer-" + group)).registry(registry(zk)).reference(reference)
                    .start();
            where = reference.get();
        }

        int providers() {
            Invoker<?> invoker = reference.getInvoker();
            return invoker instanceof ClusterInvoker<?> c && c.getDirectory() != null
                    ? c.getDirectory().getAllInvokers().size() : 0;
        }

        void close() {
            bootstrap.destroy();
            framework.destroy();
        }
    }

    /** Counts one consumer's calls. */
    private static final class Tally {
        int failures;
        long firstOkAfterKill = -1;
        int lastFailure = -1;
        String firstError;
        final Map<String, Integer> answers = new TreeMap<>();

        void call(Where where, int i, long killedAt) {
            long t = System.nanoTime();
            try {
                answers.merge(where.whoAmI(), 1, Integer::sum);
                if (killedAt != 0 && firstOkAfterKill < 0 && t >= killedAt) {
                    firstOkAfterKill = (System.nanoTime() - killedAt) / 1_000_000;
                }
            } catch (RuntimeException e) {
                failures++;
                lastFailure = i;
                if (firstError == null) {
                    String m = String.valueOf(e.getMessage());
                    firstError = e.getClass().getSimpleName() + ": " + (m.length() > 50 ? m.substring(0, 50) + "..." : m);
                }
            }
        }

        String row(String client, int calls, String note) {
            long failover = lastFailure >= calls * 3 / 4 ? -1 : firstOkAfterKill;
            return "@row " + client + "\t" + calls + "\t" + failures + "\t" + failover + "\t" + note + "; answered by "
                    + answers
                    + (firstError == null ? "" : "; first error: " + firstError);
        }
    }

    private static int scenario(int calls, PrintStream out) throws Exception {
        List<Host> hosts = List.of(new Host("a1", "a", "zone-a-lan1", "zone-a-pub1"),
                new Host("a2", "a", "zone-a-lan2", "zone-a-pub2"), new Host("b1", "b", "zone-b-lan1", "zone-b-pub1"));
        // under the tour's directory when it gives one (the tour deletes it even if this JVM is killed)
        String parent = System.getProperty("hakit.tour.work");
        Path work = parent == null ? Files.createTempDirectory("hakit-tour-dubbo-")
                : Files.createTempDirectory(Path.of(parent), "scenario-");
        List<ManagedProcess> providers = new ArrayList<>();
        List<Consumer> consumers = new ArrayList<>();
        Thread hook = new Thread(() -> providers.forEach(ManagedProcess::kill), "dubbo-zones-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try (ZooKeeperTestServer zk = ZooKeeperTestServer.start()) {
            out.println("@step ZooKeeper " + zk.connectString() + " (curator-test); starting provider JVMs a1, a2 (zone A),"
                    + " b1 (zone B)");
            List<int[]> ports = new ArrayList<>();
            for (Host h : hosts) {
                int hakitPort = Ports.freePortOnAll(h.lan(), h.pub());
                int plainPort = Ports.freePortOnAll(h.lan(), h.pub());
                ports.add(new int[] {hakitPort, plainPort});
                providers.add(ManagedProcess.startJava(h.name(), System.getProperty("java.class.path"),
                        List.of("-Xms32m", "-Xmx160m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                "-Djdk.net.hosts.file=" + System.getProperty("jdk.net.hosts.file"),
                                "-Ddubbo.network.interface.ignored=.*", "-Djava.net.preferIPv4Stack=true",
                                "-Ddubbo.service.shutdown.wait=500"),
                        DubboZones.class.getName(), List.of("provider", zk.connectString(), h.name(), h.zone(), h.lan(),
                                h.pub(), Integer.toString(hakitPort), Integer.toString(plainPort)),
                        work, work.resolve(h.name() + ".log")));
            }
            for (int i = 0; i < hosts.size(); i++) {
                Host h = hosts.get(i);
                int[] p = ports.get(i);
                ManagedProcess process = providers.get(i);
                Await.until(Duration.ofSeconds(120), () -> !process.isAlive() || (Ports.isListening(h.pub(), p[0], 500)
                        && Ports.isListening(h.pub(), p[1], 500)), () -> h.name() + " listening");
                if (!process.isAlive()) {
                    throw new IllegalStateException(h.name() + " died at start; see " + process.logFile());
                }
            }
            out.println("@step providers up: each registered by hakit (public address + zone + LAN address) and by "
                    + "plain Dubbo (public address)");
            Consumer hakit = new Consumer(zk.connectString(), "hakit", true);
            consumers.add(hakit);
            Consumer plain = new Consumer(zk.connectString(), "plain", false);
            consumers.add(plain);
            for (Consumer c : consumers) {
                Await.until(Duration.ofSeconds(60), () -> c.providers() == hosts.size(),
                        () -> c.reference.getGroup() + " consumer sees " + c.providers() + " providers");
            }
            for (int i = 0; i < 20; i++) { // connections open on both sides
                hakit.where.whoAmI();
                plain.where.whoAmI();
            }
            // ready: wait for the tour's go (it runs other back ends meanwhile)
            out.println("@ready");
            if (!"go".equals(new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
                    StandardCharsets.UTF_8)).readLine())) {
                return 3;
            }
            Tally h = new Tally();
            Tally p = new Tally();
            int rate = 50;
            int killAt = calls / 4;
            out.println("@step consumers in zone A: " + calls + " calls each at " + rate + "/s; kill -9 of a1 and a2 (all of "
                    + "zone A) at call " + killAt);
            long killedAt = 0;
            long t0 = System.nanoTime();
            long interval = TimeUnit.SECONDS.toNanos(1) / rate;
            for (int i = 0; i < calls; i++) {
                long wait = t0 + i * interval - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                if (i == killAt) {
                    providers.get(0).kill();
                    providers.get(1).kill();
                    killedAt = System.nanoTime();
                    out.println("@step kill -9 a1 (pid " + providers.get(0).pid() + ") and a2 (pid " + providers.get(1).pid()
                            + ")");
                }
                h.call(hakit.where, i, killedAt);
                p.call(plain.where, i, killedAt);
                if (i % rate == rate - 1 || i == calls - 1) {
                    out.println("@progress " + (i + 1) + " " + calls + " hakit failures " + h.failures + ", plain failures "
                            + p.failures);
                }
            }
            // the addresses hakit's consumer dialed: its upstream counts successes per endpoint (LAN names for zone A,
            // the public name for zone B); plain Dubbo only knows the public addresses
            long overPublic = 0;
            for (Upstream u : HakitDubbo.upstreams(hakit.bootstrap.getApplicationModel())) {
                u.status().render().lines().forEach(l -> out.println("@status " + l));
                overPublic += u.status().endpoints().stream().filter(e -> e.name().contains("-pub"))
                        .mapToLong(EndpointStatus::successes).sum();
            }
            out.println(h.row("hakit cluster, zone-aware", calls, "zone A's LAN until the kill, then zone B's public "
                    + "address (" + overPublic + " calls over a public address)"));
            out.println(p.row("plain Dubbo, public addresses", calls, "failover cluster, retries=2; every call over "
                    + "a public address"));
            return 0;
        } finally {
            consumers.forEach(Consumer::close);
            providers.forEach(ManagedProcess::kill);
            Runtime.getRuntime().removeShutdownHook(hook);
            TempDirs.deleteTree(work);
        }
    }
}
