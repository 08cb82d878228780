package io.github.hakit.testkit.rabbit;

import io.github.hakit.testkit.RequiredServers;
import java.time.Duration;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5 extension that gives tests one shared 3-node {@link RabbitTestCluster} per test run: started on first
 * use, kept in the root context store (so every test class of the run gets the same cluster), closed when the
 * run ends. Before each test it heals the cluster (restarts killed nodes, thaws frozen ones, waits for quorum
 * members), so a test that kills nodes does not disturb the next one.
 *
 * <pre>{@code
 * @ExtendWith(RabbitClusterExtension.class)
 * class PublisherIT {
 *     @Test
 *     void publishes(RabbitTestCluster cluster) { ... cluster.node(0).kill(); ... }
 * }
 * }</pre>
 *
 * <p>Without the Debian {@code rabbitmq-server} package the test is skipped, or fails with
 * {@code -Dhakit.requireServers=true}.
 */
public final class RabbitClusterExtension implements ParameterResolver, BeforeEachCallback {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            RabbitClusterExtension.class);
    private static final Duration HEAL_TIMEOUT = Duration.ofSeconds(120);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == RabbitTestCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return cluster(extensionContext);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Shared shared = context.getRoot().getStore(NAMESPACE).get(Shared.class, Shared.class);
        if (shared != null) {
            shared.cluster.heal(HEAL_TIMEOUT);
        }
    }

    /** The run's shared cluster, started on first call. */
    public static RabbitTestCluster cluster(ExtensionContext context) {
        RequiredServers.require(RabbitTestCluster.serverInstalled(),
                "rabbitmq-server in " + RabbitTestCluster.SCRIPTS_DIR + " (apt-get install rabbitmq-server)");
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Shared.class, k -> new Shared(), Shared.class).cluster;
    }

    private static final class Shared implements ExtensionContext.Store.CloseableResource {
        final RabbitTestCluster cluster = RabbitTestCluster.builder().nodes(3).build().start();

        @Override
        public void close() {
            cluster.close();
        }
    }
}
