package io.github.hakit.testkit.zookeeper;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension that hands tests a {@link ZooKeeperTestServer} or a 3-member
 * {@link ZooKeeperTestCluster}, started once per test run (kept in the root context store) and closed
 * when the run ends, so test classes share one server instead of each starting its own.
 *
 * <pre>{@code
 * @ExtendWith(ZooKeeperExtension.class)
 * @TestInstance(TestInstance.Lifecycle.PER_CLASS)
 * class RegistryIT {
 *     private ZooKeeperTestCluster zk;
 *
 *     @BeforeAll
 *     void zooKeeper(ZooKeeperTestCluster zk) { this.zk = zk; }
 * }
 * }</pre>
 *
 * A test that kills a member or stops the server must bring it back before it ends: the next test
 * class gets the same instance.
 */
public final class ZooKeeperExtension implements ParameterResolver {
    private static final Logger log = LoggerFactory.getLogger(ZooKeeperExtension.class);
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ZooKeeperExtension.class);

    /** Keeps a server in the root store; JUnit closes it at the end of the run. */
    private record Shared(ZooKeeperEnsemble ensemble) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            log.info("closing shared ZooKeeper {}", ensemble.connectString());
            ensemble.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == ZooKeeperTestServer.class || type == ZooKeeperTestCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        Shared shared = store.getOrComputeIfAbsent(type, t -> new Shared(type == ZooKeeperTestServer.class
                ? ZooKeeperTestServer.start() : ZooKeeperTestCluster.start(3)), Shared.class);
        return type.cast(shared.ensemble());
    }
}
