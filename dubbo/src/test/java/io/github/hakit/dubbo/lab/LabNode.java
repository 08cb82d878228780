package io.github.hakit.dubbo.lab;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import io.github.hakit.dubbo.ConsumerOptions;
import io.github.hakit.dubbo.HakitDubbo;
import io.github.hakit.dubbo.HakitZooKeeper;
import io.github.hakit.dubbo.ProviderOptions;
import io.github.hakit.dubbo.RegistrationConfig;
import io.github.hakit.dubbo.ZooKeeperSettings;
import io.github.hakit.dubbo.fixture.Greeter;
import io.github.hakit.dubbo.fixture.GreeterImpl;
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
 * A Dubbo JVM inside a {@code NetLab} host, driven over its standard input/output ("@@" lines) by
 * {@code Seed002IT}. Providers use the README's code on real lab addresses, Dubbo's defaults left alone
 * (config centre, metadata centre, {@code register-mode=all}).
 *
 * <ul>
 *   <li>{@code provider plain <zk> <port> <groups>}: stock Dubbo (it registers what it detects, or
 *       {@code DUBBO_IP_TO_REGISTRY} from the environment);</li>
 *   <li>{@code provider hakit <zk> <port> <groups> <zone> [<public host> [<public port>]]}: the README provider;
 *       without a public host hakit takes {@code DUBBO_IP_TO_REGISTRY} (the migration path);</li>
 *   <li>{@code consumer <zk>}, then commands {@code ref <id> <group> plain|hakit <zone> <maxFails> <timeoutMs>},
 *       {@code await <id> <providers>}, {@code call <id> <n>}, {@code loop <id> start|status|stop}.</li>
 * </ul>
 * Several provider roles may share a JVM: {@code provider ... ; provider ...} arguments separated by {@code +}.
 */
public final class LabNode {
    private static final Map<String, ReferenceConfig<Greeter>> refs = new ConcurrentHashMap<>();
    private static final Map<String, Loop> loops = new ConcurrentHashMap<>();

    private LabNode() {
    }

    public static void main(String[] args) throws Exception {
        // an orderly exit (System.exit, SIGTERM) leaves this line in the node's log; SIGKILL or a crash does not
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.err.println("LabNode: JVM exiting")));
        List<List<String>> roles = new java.util.ArrayList<>();
        List<String> current = new java.util.ArrayList<>();
        for (String a : args) {
            if (a.equals("+")) {
                roles.add(current);
                current = new java.util.ArrayList<>();
            } else {
                current.add(a);
            }
        }
        roles.add(current);
        boolean consumer = false;
        for (List<String> role : roles) {
            try {
                if (role.get(0).equals("provider")) {
                    provider(role);
                } else {
                    consumer = true;
                }
            } catch (Throwable e) {
                StringBuilder messages = new StringBuilder();
                for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
                    messages.append(c).append(" | ");
                }
                System.err.println("provider failed: " + role);
                e.printStackTrace();
                out("@@FAILED " + messages.toString().replace('\n', ' '));
                System.exit(2);
            }
        }
        out("@@READY");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (consumer) {
                try {
                    out(command(roles.get(0).get(1), line.trim().split("\\s+")));
                } catch (Throwable e) {
                    // an Error too (OutOfMemoryError, LinkageError...): escaping main, it would end the JVM (every
                    // Dubbo thread is a daemon) and the test would only see a node that stopped answering
                    System.err.println("command failed: " + line);
                    e.printStackTrace();
                    out("@@ERROR " + e.toString().replace('\n', ' '));
                }
            }
        }
        System.err.println("LabNode: standard input closed, exiting");
        System.exit(0);
    }

    private static synchronized void out(String line) {
        System.out.println(line);
        System.out.flush();
    }

    private static void provider(List<String> role) {
        String mode = role.get(1);
        String zk = role.get(2);
        int port = Integer.parseInt(role.get(3));
        String[] groups = role.get(4).split(",");
        DubboBootstrap bootstrap = DubboBootstrap.newInstance(new FrameworkModel());
        ApplicationConfig app = new ApplicationConfig("seed002-" + mode + "-" + port);
        ProtocolConfig protocol = new ProtocolConfig("dubbo", port);
        String name = System.getenv().getOrDefault("LAB_NAME", "provider") + ":" + port;
        if (mode.equals("hakit")) {
            String zone = role.get(5);
            RegistrationConfig.Builder registration = RegistrationConfig.builder();
            if (role.size() > 6) {
                registration.host(role.get(6));
            }
            if (role.size() > 7) {
                registration.port(Integer.parseInt(role.get(7)));
            }
            // ---- the README provider
            HakitDubbo.installProvider(bootstrap.getApplicationModel(), ProviderOptions.builder()
                    .registration(registration.build())
                    .zone(zone)
                    .build());
            ZooKeeperSettings settings = ZooKeeperSettings.builder(zk).build();
            bootstrap.application(app).registry(HakitZooKeeper.registryConfig(settings)).protocol(protocol);
        } else {
            bootstrap.application(app).registry(new RegistryConfig("zookeeper://" + zk)).protocol(protocol);
        }
        for (String group : groups) {
            ServiceConfig<Greeter> service = new ServiceConfig<>();
            service.setInterface(Greeter.class);
            service.setGroup(group);
            service.setRef(new GreeterImpl(name));
            bootstrap.service(service);
        }
        bootstrap.start();
    }

    private static String command(String zk, String[] c) throws Exception {
        switch (c[0]) {
            case "ref" -> {
                String id = c[1];
                boolean hakit = c[3].equals("hakit");
                DubboBootstrap bootstrap = DubboBootstrap.newInstance(new FrameworkModel());
                ReferenceConfig<Greeter> reference = new ReferenceConfig<>();
                reference.setInterface(Greeter.class);
                reference.setGroup(c[2]);
                reference.setCheck(false);
                reference.setTimeout(Integer.parseInt(c[6]));
                ApplicationConfig app = new ApplicationConfig("seed002-consumer-" + id);
                if (hakit) {
                    // ---- the README consumer
                    HakitDubbo.installConsumer(bootstrap.getApplicationModel(), ConsumerOptions.builder()
                            .zone(c[4])
                            .maxFails(Integer.parseInt(c[5])).failTimeout(Duration.ofSeconds(30))
                            .build());
                    reference.setCluster(HakitDubbo.CLUSTER);
                    reference.setParameters(new HashMap<>(Map.of("migration.step", "FORCE_INTERFACE")));
                    bootstrap.application(app).registry(HakitZooKeeper.registryConfig(ZooKeeperSettings.builder(zk).build()));
                } else {
                    // stock Dubbo, interface-level addresses like the hakit references: with the default
                    // APPLICATION_FIRST a zone-B consumer blocked for minutes retrying metadata from an unreachable
                    // zone-A instance (ServiceInstancesChangedListener), so no call could even be attempted
                    reference.setParameters(new HashMap<>(Map.of("migration.step", "FORCE_INTERFACE")));
                    bootstrap.application(app).registry(new RegistryConfig("zookeeper://" + zk));
                }
                bootstrap.reference(reference).start();
                refs.put(id, reference);
                return "@@OK";
            }
            case "await" -> {
                ReferenceConfig<Greeter> ref = refs.get(c[1]);
                int want = Integer.parseInt(c[2]);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                int have = 0;
                while (System.nanoTime() - deadline < 0) {
                    Invoker<?> invoker = ref.getInvoker();
                    have = invoker instanceof ClusterInvoker<?> cluster && cluster.getDirectory() != null
                            ? cluster.getDirectory().getAllInvokers().size() : 0;
                    if (have == want) {
                        return "@@OK " + urls(ref);
                    }
                    Thread.sleep(50); // lab JVM polling its own directory, bounded by the deadline
                }
                return "@@TIMEOUT have " + have + " " + urls(ref);
            }
            case "call" -> {
                Loop loop = new Loop(refs.get(c[1]).get());
                for (int i = 0; i < Integer.parseInt(c[2]); i++) {
                    loop.once();
                }
                return "@@RESULT " + loop.report();
            }
            case "loop" -> {
                if (c[2].equals("start")) {
                    Loop loop = new Loop(refs.get(c[1]).get());
                    loops.put(c[1], loop);
                    Thread t = new Thread(() -> {
                        while (!loop.stop.get()) {
                            loop.once();
                        }
                    }, "loop-" + c[1]);
                    t.start();
                    loop.thread = t;
                    return "@@OK";
                }
                if (c[2].equals("status")) {
                    return "@@RESULT " + loops.get(c[1]).report();
                }
                Loop loop = loops.remove(c[1]);
                loop.stop.set(true);
                loop.thread.join();
                return "@@RESULT " + loop.report();
            }
            default -> {
                return "@@ERROR unknown command " + c[0];
            }
        }
    }

    private static String urls(ReferenceConfig<Greeter> ref) {
        StringBuilder sb = new StringBuilder();
        Invoker<?> invoker = ref.getInvoker();
        if (invoker instanceof ClusterInvoker<?> cluster && cluster.getDirectory() != null) {
            for (Invoker<?> i : cluster.getDirectory().getAllInvokers()) {
                sb.append(i.getUrl().getAddress()).append('|')
                        .append(i.getUrl().getParameter(HakitDubbo.INTERNAL_KEY, "-")).append('|')
                        .append(i.getUrl().getParameter(HakitDubbo.EXTERNAL_KEY, "-")).append(' ');
            }
        }
        return sb.toString().trim();
    }

    /** Calls and their outcome: answers counted by text, failures, slowest call, calls slower than 900 ms. */
    static final class Loop {
        final Greeter greeter;
        final AtomicBoolean stop = new AtomicBoolean();
        final Map<String, Integer> answers = new TreeMap<>();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        volatile long maxMs;
        volatile long slow;
        String firstError = "-";
        Thread thread;

        Loop(Greeter greeter) {
            this.greeter = greeter;
        }

        void once() {
            long start = System.nanoTime();
            try {
                String answer = greeter.whoAmI();
                ok.incrementAndGet();
                synchronized (answers) {
                    answers.merge(answer.replace(' ', '/'), 1, Integer::sum);
                }
            } catch (RuntimeException e) {
                e.printStackTrace(); // the node's log shows why a call failed, not only the first error's class
                failed.incrementAndGet();
                if (firstError.equals("-")) {
                    firstError = e.getClass().getSimpleName() + ":" + String.valueOf(e.getMessage())
                            .replaceAll("\\s+", "_");
                    firstError = firstError.substring(0, Math.min(200, firstError.length()));
                }
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            maxMs = Math.max(maxMs, ms);
            if (ms >= 900) {
                slow++;
            }
        }

        String report() {
            synchronized (answers) {
                return "ok=" + ok + " failed=" + failed + " maxMs=" + maxMs + " slow=" + slow + " answers="
                        + answers.toString().replace(" ", "") + " error=" + firstError;
            }
        }
    }
}
