package io.github.hakit.dubbo.internal;

import org.apache.dubbo.rpc.RpcException;
import org.apache.dubbo.rpc.cluster.Directory;
import org.apache.dubbo.rpc.cluster.support.AbstractClusterInvoker;
import org.apache.dubbo.rpc.cluster.support.wrapper.AbstractCluster;

/**
 * Dubbo {@code Cluster} extension {@code hakit} (in {@code META-INF/dubbo/org.apache.dubbo.rpc.cluster.Cluster}):
 * {@code reference.setCluster("hakit")}. See {@link HakitClusterInvoker}.
 */
public final class HakitCluster extends AbstractCluster {
    @Override
    protected <T> AbstractClusterInvoker<T> doJoin(Directory<T> directory) throws RpcException {
        return new HakitClusterInvoker<>(directory);
    }
}
