package io.github.hakit.rocket.internal;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.apache.rocketmq.remoting.exception.RemotingException;
import org.apache.rocketmq.remoting.netty.NettyClientConfig;
import org.apache.rocketmq.remoting.netty.NettyRemotingClient;
import org.apache.rocketmq.remoting.protocol.RemotingCommand;
import org.apache.rocketmq.remoting.protocol.RequestCode;
import org.apache.rocketmq.remoting.protocol.ResponseCode;
import org.apache.rocketmq.remoting.protocol.body.ClusterInfo;

/**
 * Asks a NameServer for its broker cluster info ({@code GET_BROKER_CLUSTER_INFO}, what
 * {@code mqadmin clusterList} sends) over its own remoting client: an answer proves the NameServer
 * accepts connections and serves route requests, and its body feeds the cluster view. A probe that
 * fails closes its connection, so a half-open one is never reused (apache/rocketmq#9290).
 */
public final class NameServerProbe implements AutoCloseable {
    private final NettyRemotingClient remoting;

    public NameServerProbe(Duration connectTimeout) {
        NettyClientConfig config = new NettyClientConfig();
        config.setConnectTimeoutMillis((int) Math.max(1, connectTimeout.toMillis()));
        config.setClientCloseSocketIfTimeout(true);
        config.setClientWorkerThreads(1);
        config.setClientCallbackExecutorThreads(1);
        this.remoting = new NettyRemotingClient(config);
        remoting.start();
    }

    /** One probe; returns the NameServer's cluster info. */
    public ClusterInfo check(String address, Duration timeout) throws Exception {
        RemotingCommand request = RemotingCommand.createRequestCommand(RequestCode.GET_BROKER_CLUSTER_INFO, null);
        try {
            RemotingCommand response = remoting.invokeSync(address, request, Math.max(1, timeout.toMillis()));
            if (response.getCode() != ResponseCode.SUCCESS) {
                throw new IOException("NameServer " + address + " answered " + response.getCode() + " "
                        + response.getRemark());
            }
            byte[] body = response.getBody();
            ClusterInfo info = body == null ? null : ClusterInfo.decode(body, ClusterInfo.class);
            if (info == null) {
                throw new IOException("NameServer " + address + " sent no cluster info");
            }
            return info;
        } catch (RemotingException | IOException | RuntimeException e) {
            remoting.closeChannels(List.of(address));
            throw e;
        }
    }

    @Override
    public void close() {
        remoting.shutdown();
    }
}
