package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import io.github.hakit.dubbo.ProviderOptions.CheckMode;
import io.github.hakit.dubbo.fixture.DubboNetTest;
import io.github.hakit.dubbo.fixture.Greeter;
import io.github.hakit.dubbo.fixture.RegistryView;
import io.github.hakit.dubbo.fixture.SimulatedProvider;
import io.github.hakit.dubbo.fixture.TcpForwarder;
import io.github.hakit.testkit.Ports;
import org.apache.dubbo.common.URL;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a hakit provider writes to ZooKeeper, and the startup consistency check. */
class ProviderRegistrationIT extends DubboNetTest {
    private static final Logger log = LoggerFactory.getLogger(ProviderRegistrationIT.class);

    private static ProviderOptions.Builder registering(String host, int port, CheckMode mode) {
        return ProviderOptions.builder()
                .registration(RegistrationConfig.builder().host(host).port(port).allowLoopback(true).build())
                .consistencyCheck(mode)
                .checkTimeout(Duration.ofMillis(500));
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c.getMessage()).append(" | ");
        }
        return sb.toString();
    }

    @Test
    void registeredUrlCarriesTheExternalAddressTheZoneAndTheInternalAddress() {
        SimulatedProvider a1 = SimulatedProvider.create(net, "a1", "a", "zone-a-host1");
        a1.start(Map.of(), b -> HakitDubbo.installProvider(b.getApplicationModel(),
                registering(a1.externalAddress().host(), a1.externalAddress().port(), CheckMode.FAIL)
                        .zone("a").internalAddress(a1.internalAddress()).build()));

        try (RegistryView registry = new RegistryView(zk.connectString())) {
            List<URL> urls = registry.providers(Greeter.class);
            assertEquals(1, urls.size(), urls::toString);
            URL url = urls.get(0);
            assertEquals(a1.externalAddress().toString(), url.getAddress());
            assertEquals("a", url.getParameter(HakitDubbo.ZONE_KEY));
            assertEquals(a1.internalAddress().toString(), url.getParameter(HakitDubbo.INTERNAL_KEY));
        }
    }

    @Test
    void environmentAddressIsRegisteredWhenNoneIsConfigured() {
        SimulatedProvider a1 = SimulatedProvider.create(net, "a1", "a", "zone-a-host1");
        Map<String, String> env = Map.of("DUBBO_IP_TO_REGISTRY", "zone-a-ext",
                "DUBBO_PORT_TO_REGISTRY", String.valueOf(a1.externalAddress().port()));
        a1.start(Map.of(), b -> HakitDubbo.installProvider(b.getApplicationModel(), ProviderOptions.builder()
                .registration(RegistrationConfig.builder().environment(env::get).allowLoopback(true).build())
                .build()));

        try (RegistryView registry = new RegistryView(zk.connectString())) {
            assertEquals(List.of(a1.externalAddress().toString()),
                    registry.providers(Greeter.class).stream().map(URL::getAddress).toList());
        }
    }

    @Test
    void startupFailsWhenTheRegisteredAddressReachesNothingAndNamesBothAddresses() {
        int closedPort = Ports.freePort("zone-a-ext");
        SimulatedProvider a1 = SimulatedProvider.create(net, "a1", "a", "zone-a-host1");

        RuntimeException e = assertThrows(RuntimeException.class, () -> a1.start(Map.of(),
                b -> HakitDubbo.installProvider(b.getApplicationModel(),
                        registering("zone-a-ext", closedPort, CheckMode.FAIL).build())));

        String all = messages(e);
        log.info("startup refused: {}", all);
        assertTrue(all.contains("registered address zone-a-ext:" + closedPort), all);
        assertTrue(all.contains("127.0.4.1:" + a1.lanAddress().port()), all);
        assertTrue(all.contains("Connection refused") || all.contains("ConnectException"), all);
        try (RegistryView registry = new RegistryView(zk.connectString())) {
            assertEquals(List.of(), registry.providers(Greeter.class), "nothing registered");
        }
    }

    @Test
    void startupFailsWhenAnotherServerAnswersAtTheRegisteredAddress() {
        SimulatedProvider other = SimulatedProvider.create(net, "b1", "b", "zone-b-host1").start(Map.of(), b -> { });
        // zone-a-ext:port leads to b1's server, not to a1's: the #12224 kind of mistake
        TcpForwarder wrong = net.forwarder("zone-a-ext", other.lanAddress().host(), other.lanAddress().port());
        SimulatedProvider a1 = SimulatedProvider.create(net, "a1", "a", "zone-a-host1");

        RuntimeException e = assertThrows(RuntimeException.class, () -> a1.start(Map.of(),
                b -> HakitDubbo.installProvider(b.getApplicationModel(),
                        registering(wrong.host(), wrong.port(), CheckMode.FAIL).build())));

        String all = messages(e);
        assertTrue(all.contains("registered address " + wrong.address()), all);
        assertTrue(all.contains("another process answers there"), all);
    }

    @Test
    void warnModeRegistersTheUncheckedAddressAnyway() {
        int closedPort = Ports.freePort("zone-a-ext");
        SimulatedProvider a1 = SimulatedProvider.create(net, "a1", "a", "zone-a-host1");
        a1.start(Map.of(), b -> HakitDubbo.installProvider(b.getApplicationModel(),
                registering("zone-a-ext", closedPort, CheckMode.WARN).build()));

        try (RegistryView registry = new RegistryView(zk.connectString())) {
            assertEquals(List.of("zone-a-ext:" + closedPort),
                    registry.providers(Greeter.class).stream().map(URL::getAddress).toList());
        }
    }
}
