package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.FdfsFileName;
import io.github.hakit.testkit.fastdfs.FdfsProtocol;
import io.github.hakit.testkit.fastdfs.TestStorage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The module against both wire layouts: the answers fastdfs-client-java 1.30 cannot parse work here. */
class Protocol61xIT {
    @ParameterizedTest
    @EnumSource(FdfsProtocol.class)
    void clusterViewFetchAllAndReplicaFallbackWorkInBothLayouts(FdfsProtocol protocol) {
        try (FastDfsTestCluster cluster = FastDfsTestCluster.builder().trackers(1).group("group1", 2)
                .group("group2", 2).protocol(protocol).build();
                FastDfsClient client = FastDfsClient.builder().trackers(cluster.trackerAddresses())
                        .networkTimeout(Duration.ofSeconds(1)).build()) {
            ClusterView view = client.clusterView();
            assertEquals(protocol == FdfsProtocol.V6_06 ? ProtocolLayout.V6_06 : ProtocolLayout.V6_1X, view.layout());
            assertEquals(2, view.groups().size());
            assertEquals(2, view.group("group2").orElseThrow().storages().size());
            assertEquals(cluster.storage("group2", 1).address(),
                    view.group("group2").orElseThrow().storages().get(1).address());
            assertEquals(protocol.version(), view.group("group1").orElseThrow().storages().get(0).version());

            FileId id = client.upload(UploadSource.of("layout".getBytes(StandardCharsets.UTF_8)),
                    UploadRequest.builder().group("group1").build());
            cluster.awaitReplication(Duration.ofSeconds(10));
            assertEquals(2, client.storagesOf(id).size());
            // freeze the source storage: the tracker still sends reads there, hakit times out once and reads
            // the replica it learns from fetch-all (whose answer differs between the layouts)
            String source = FdfsFileName.parse(id.remoteName()).source();
            TestStorage frozen = cluster.storages("group1").stream().filter(s -> s.host().equals(source)).findFirst()
                    .orElseThrow();
            frozen.blackHole();
            assertEquals("layout", new String(client.downloadBytes(id), StandardCharsets.UTF_8));
            frozen.resume();
        }
    }
}
