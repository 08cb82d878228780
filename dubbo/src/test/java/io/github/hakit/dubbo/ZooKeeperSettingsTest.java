package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.apache.dubbo.config.RegistryConfig;
import org.junit.jupiter.api.Test;

class ZooKeeperSettingsTest {
    @Test
    void ensembleBecomesADubboRegistryAddressWithBackups() {
        ZooKeeperSettings three = ZooKeeperSettings.builder("zk1:2181, zk2:2181,zk3:2182").build();
        assertEquals("zk1:2181,zk2:2181,zk3:2182", three.connectString());
        assertEquals("zookeeper://zk1:2181?backup=zk2:2181,zk3:2182", HakitZooKeeper.registryAddress(three));
        assertEquals("zookeeper://zk1:2181",
                HakitZooKeeper.registryAddress(ZooKeeperSettings.builder("zk1:2181").build()));
    }

    @Test
    void registryConfigCarriesTimeoutsRetryPeriodAndFileCache() {
        RegistryConfig config = HakitZooKeeper.registryConfig(ZooKeeperSettings.builder("zk1:2181")
                .sessionTimeout(Duration.ofSeconds(20)).connectionTimeout(Duration.ofSeconds(5))
                .registrationRetryPeriod(Duration.ofMillis(300)).fileCache(false).build());
        assertEquals(20_000, config.getSession());
        assertEquals(5_000, config.getTimeout());
        assertEquals("300", config.getParameters().get("retry.period"));
        assertEquals("false", config.getParameters().get("file-cache"));
    }

    @Test
    void badSettingsAreRejectedWithTheValue() {
        IllegalArgumentException hostPort = assertThrows(IllegalArgumentException.class,
                () -> ZooKeeperSettings.builder("zk1:2181,zk2"));
        assertEquals("malformed host:port: 'zk2' (expected host:port)", hostPort.getMessage());
        assertEquals("empty ZooKeeper ensemble",
                assertThrows(IllegalArgumentException.class, () -> ZooKeeperSettings.builder(" ,").build()).getMessage());
        assertEquals("sessionTimeout must be > 0: PT0S", assertThrows(IllegalArgumentException.class,
                () -> ZooKeeperSettings.builder("zk1:2181").sessionTimeout(Duration.ZERO).build()).getMessage());
        assertEquals("retryMaxSleep PT0.05S < retryBaseSleep PT0.1S", assertThrows(IllegalArgumentException.class,
                () -> ZooKeeperSettings.builder("zk1:2181").retry(Duration.ofMillis(100), Duration.ofMillis(50), 3)
                        .build()).getMessage());
    }
}
