package io.github.hakit.testkit.fastdfs;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Injects one shared {@link FastDfsTestCluster} (2 trackers, {@code group1} and {@code group2} with 2
 * storages each, 6.06 layout) into test constructors, lifecycle methods and test methods. The cluster is
 * created once per test run, kept in the root extension store and closed when the run ends, so all test
 * classes using the extension share it; tests that stop or freeze servers must restore them.
 *
 * <pre>{@code
 * @ExtendWith(FastDfsClusterExtension.class)
 * class MyIT {
 *     @Test
 *     void uploads(FastDfsTestCluster cluster) { ... cluster.trackerAddresses() ... }
 * }
 * }</pre>
 */
public final class FastDfsClusterExtension implements ParameterResolver {
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(
            FastDfsClusterExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == FastDfsTestCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("cluster", k -> new Resource(), Resource.class).cluster;
    }

    /** Closed by JUnit at the end of the run. */
    private static final class Resource implements ExtensionContext.Store.CloseableResource {
        final FastDfsTestCluster cluster = FastDfsTestCluster.builder().trackers(2).group("group1", 2)
                .group("group2", 2).build();

        @Override
        public void close() {
            cluster.close();
        }
    }
}
