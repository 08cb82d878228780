package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.github.hakit.dubbo.fixture.DubboNet;
import io.github.hakit.dubbo.fixture.Greeter;
import io.github.hakit.dubbo.fixture.SimulatedProvider;
import io.github.hakit.testkit.zookeeper.ZooKeeperExtension;
import io.github.hakit.testkit.zookeeper.ZooKeeperTestServer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * ZooKeeper digest ACLs through hakit (issue 14 point 5): the registry (Dubbo's Curator client) and hakit's own
 * Curator authenticate with {@code ZooKeeperSettings.digest} and create creator-only znodes; a client without the
 * credentials can neither read nor write the registered providers. The registry uses its own root
 * ({@code group=hakit-acl}) so znodes other tests made world-readable in the shared ZooKeeper do not interfere.
 */
@ExtendWith(ZooKeeperExtension.class)
class ZooKeeperAclIT {
    private static final String SECRET = "s3cret-Pa55";
    private static final String PROVIDERS = "/hakit-acl/" + Greeter.class.getName() + "/providers";

    @Test
    void unauthenticatedClientsCannotReadOrWriteTheRegisteredProviders(ZooKeeperTestServer zk) throws Exception {
        ZooKeeperSettings settings = ZooKeeperSettings.builder(zk.connectString()).fileCache(false)
                .digest("dubbo-app", SECRET).build();
        assertFalse(settings.toString().contains(SECRET), settings::toString);
        try (DubboNet net = new DubboNet(() -> {
            RegistryConfig registry = HakitZooKeeper.registryConfig(settings);
            registry.setGroup("hakit-acl");
            return registry;
        })) {
            SimulatedProvider.create(net, "a1", "a", "zone-a-host1").startWithHakit(Map.of());
            DubboNet.Node consumer = net.consumer("consumer-a", "a", Map.of("cluster", HakitDubbo.CLUSTER),
                    b -> HakitDubbo.installConsumer(b.getApplicationModel(), ConsumerOptions.builder().zone("a").build()));
            consumer.awaitProviders(1, Duration.ofSeconds(30));
            assertTrue(consumer.greeter().whoAmI().startsWith("a1 "), "an authenticated consumer calls");

            // hakit's Curator with the same digest reads them
            try (CuratorFramework authenticated = HakitZooKeeper.newCurator(settings)) {
                authenticated.start();
                assertTrue(authenticated.blockUntilConnected(10, TimeUnit.SECONDS));
                assertEquals(1, authenticated.getChildren().forPath(PROVIDERS).size());
                authenticated.create().forPath("/hakit-acl-own", new byte[0]);
                // creator-only: the server resolved the ACL to the digest identity of "dubbo-app"
                assertEquals("digest", authenticated.getACL().forPath("/hakit-acl-own").get(0).getId().getScheme());
            }
            // a client without credentials: no read, no write, no delete
            try (CuratorFramework anonymous = CuratorFrameworkFactory.newClient(zk.connectString(), new RetryOneTime(100))) {
                anonymous.start();
                assertTrue(anonymous.blockUntilConnected(10, TimeUnit.SECONDS));
                assertThrows(KeeperException.NoAuthException.class, () -> anonymous.getChildren().forPath(PROVIDERS));
                assertThrows(KeeperException.NoAuthException.class,
                        () -> anonymous.create().forPath(PROVIDERS + "/dubbo%3A%2F%2F10.6.6.6%3A20880", new byte[0]));
                assertThrows(KeeperException.NoAuthException.class, () -> anonymous.getData().forPath("/hakit-acl-own"));
                assertThrows(KeeperException.NoAuthException.class,
                        () -> anonymous.delete().deletingChildrenIfNeeded().forPath(PROVIDERS));
            }
        }
    }

}
