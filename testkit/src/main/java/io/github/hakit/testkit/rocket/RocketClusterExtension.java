package io.github.hakit.testkit.rocket;

import io.github.hakit.testkit.RequiredServers;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves {@link RocketTestCluster} parameters with one cluster per test run, kept in JUnit's root
 * store (closed when the run ends, and killed by a shutdown hook if the JVM dies first). At most one
 * cluster lives at a time: a class that asks for another shape (see {@link RocketCluster}) closes the
 * current one first, so order classes by layout to avoid restarts. Each resolution first
 * {@link RocketTestCluster#heal() heals} the cluster, so a class never sees what an earlier class killed.
 *
 * <p>Node directories go to {@code target/rocketmq-it/<layout>} (relative to the working directory,
 * i.e. the module under Maven) and are kept for post-mortems. Without the server classpath the test is
 * skipped, or fails with {@code -Dhakit.requireServers=true}.
 */
public final class RocketClusterExtension implements ParameterResolver {
    private static final Logger log = LoggerFactory.getLogger(RocketClusterExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RocketClusterExtension.class);
    private static final String KEY = "cluster";

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == RocketTestCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext context) {
        RequiredServers.require(RocketTestCluster.serverClasspathAvailable(),
                "RocketMQ server classpath (test dependency io.github.hakit:hakit-testkit-rocketmq-server)");
        RocketCluster shape = context.getTestClass()
                .flatMap(c -> AnnotationSupport.findAnnotation(c, RocketCluster.class))
                .orElse(null);
        RocketLayout layout = shape != null ? shape.layout() : RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC;
        int nameServers = shape != null ? shape.nameServers() : 2;
        String wanted = layout.label() + "-" + nameServers + "ns";
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        synchronized (RocketClusterExtension.class) {
            Holder holder = store.get(KEY, Holder.class);
            if (holder != null && !holder.shape.equals(wanted)) {
                log.info("closing the {} cluster for a {} one", holder.shape, wanted);
                store.remove(KEY, Holder.class);
                holder.close();
                holder = null;
            }
            if (holder == null) {
                RocketTestCluster cluster = RocketTestCluster.builder()
                        .layout(layout)
                        .nameServers(nameServers)
                        .baseDir(Path.of("target", "rocketmq-it", wanted + "-" + System.currentTimeMillis())
                                .toAbsolutePath())
                        .build();
                try {
                    cluster.start();
                } catch (RuntimeException e) {
                    cluster.close();
                    throw e;
                }
                holder = new Holder(wanted, cluster);
                store.put(KEY, holder);
            } else {
                holder.cluster.heal();
            }
            return holder.cluster;
        }
    }

    private record Holder(String shape, RocketTestCluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
        }
    }
}
