package io.github.hakit.dubbo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.github.hakit.dubbo.NetworkAddresses.NicAddress;
import io.github.hakit.dubbo.ResolvedAddress.Source;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;

class AddressResolverTest {
    /** A host with loopback, a docker bridge, a down interface, a link-local and two LAN addresses. */
    private static final NetworkAddresses HOST = () -> List.of(
            nic("lo", "127.0.0.1", true, true),
            nic("docker0", "172.17.0.1", true, false),
            nic("eth9", "10.9.9.9", false, false),
            nic("eth0", "fe80::1", true, false),
            nic("eth0", "192.168.10.7", true, false),
            nic("eth1", "10.8.3.4", true, false));

    private static NicAddress nic(String name, String ip, boolean up, boolean loopback) {
        try {
            return new NicAddress(name, InetAddress.getByName(ip), up, loopback);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RegistrationConfig.Builder config(Map<String, String> env) {
        return RegistrationConfig.builder().environment(env::get).networkAddresses(HOST);
    }

    private static ResolvedAddress resolve(RegistrationConfig.Builder builder) {
        return new AddressResolver(builder.build()).resolve("dubbo");
    }

    @Test
    void explicitHostWinsOverEnvironmentAndCidrs() {
        ResolvedAddress a = resolve(config(Map.of("DUBBO_IP_TO_REGISTRY", "203.0.113.9"))
                .host("203.0.113.7").port(30880).preferredCidrs("10.8.0.0/16"));
        assertEquals(new ResolvedAddress("203.0.113.7", 30880, Source.EXPLICIT, "configured"), a);
    }

    @Test
    void protocolSpecificEnvironmentWinsOverGenericAndOverCidrs() {
        ResolvedAddress a = resolve(config(Map.of("DUBBO_DUBBO_IP_TO_REGISTRY", "203.0.113.1",
                "DUBBO_IP_TO_REGISTRY", "203.0.113.2", "DUBBO_PORT_TO_REGISTRY", "31000"))
                .preferredCidrs("10.8.0.0/16"));
        assertEquals("203.0.113.1", a.host());
        assertEquals(31000, a.port());
        assertEquals(Source.ENVIRONMENT, a.source());
        assertEquals("DUBBO_DUBBO_IP_TO_REGISTRY", a.detail());

        ResolvedAddress generic = resolve(config(Map.of("DUBBO_IP_TO_REGISTRY", "203.0.113.2")));
        assertEquals("203.0.113.2", generic.host());
        assertEquals(0, generic.port(), "no port configured: keep Dubbo's");
    }

    @Test
    void firstMatchingPreferredCidrWinsOverTheFirstNic() {
        ResolvedAddress a = resolve(config(Map.of()).preferredCidrs("172.16.0.0/12, 10.8.0.0/16"));
        // 172.17.0.1 is in the first CIDR but on docker0: refused; eth1 matches the second
        assertEquals(new ResolvedAddress("10.8.3.4", 0, Source.PREFERRED_CIDR, "eth1 in 10.8.0.0/16"), a);
    }

    @Test
    void firstSuitableNicSkipsLoopbackBridgeDownAndLinkLocal() {
        ResolvedAddress a = resolve(config(Map.of()));
        assertEquals("192.168.10.7", a.host());
        assertEquals(Source.NIC, a.source());
    }

    @Test
    void unmatchedCidrsFallBackToTheFirstNicAndSaySo() {
        ResolvedAddress a = resolve(config(Map.of()).preferredCidrs("100.64.0.0/10"));
        assertEquals("192.168.10.7", a.host());
        assertTrue(a.detail().contains("no interface address in preferred CIDRs [100.64.0.0/10]"), a.detail());
    }

    @Test
    void bridgeAddressIsUsedOnlyWhenAllowed() {
        NetworkAddresses dockerOnly = () -> List.of(nic("lo", "127.0.0.1", true, true),
                nic("docker0", "172.17.0.1", true, false));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> resolve(config(Map.of()).networkAddresses(dockerOnly)));
        assertTrue(e.getMessage().contains("docker0 172.17.0.1 (container bridge)"), e.getMessage());
        assertTrue(e.getMessage().contains("lo 127.0.0.1 (loopback)"), e.getMessage());
        assertEquals("172.17.0.1", resolve(config(Map.of()).networkAddresses(dockerOnly).allowBridge(true)).host());
    }

    @Test
    void loopbackIsRefusedFromEverySourceUnlessAllowed() {
        IllegalStateException explicit = assertThrows(IllegalStateException.class,
                () -> resolve(config(Map.of()).host("127.0.0.5")));
        assertTrue(explicit.getMessage().contains("'127.0.0.5' (explicit configured) is a loopback address"),
                explicit.getMessage());
        IllegalStateException env = assertThrows(IllegalStateException.class,
                () -> resolve(config(Map.of("DUBBO_IP_TO_REGISTRY", "localhost"))));
        assertTrue(env.getMessage().contains("environment DUBBO_IP_TO_REGISTRY"), env.getMessage());
        assertEquals("zone-a-ext", resolve(config(Map.of()).host("zone-a-ext").allowLoopback(true)).host());
    }

    @Test
    void wildcardAndUnresolvableHostsAreRefusedWithTheValue() {
        IllegalStateException any = assertThrows(IllegalStateException.class,
                () -> resolve(config(Map.of()).host("0.0.0.0")));
        assertTrue(any.getMessage().contains("'0.0.0.0'") && any.getMessage().contains("wildcard"), any.getMessage());
        IllegalStateException unknown = assertThrows(IllegalStateException.class,
                () -> resolve(config(Map.of()).host("no-such-host.invalid")));
        assertTrue(unknown.getMessage().contains("'no-such-host.invalid'") && unknown.getMessage().contains("does not resolve"),
                unknown.getMessage());
    }

    @Test
    void badPortFromTheEnvironmentIsAnError() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> resolve(config(Map.of("DUBBO_PORT_TO_REGISTRY", "70000"))));
        assertEquals("DUBBO_PORT_TO_REGISTRY is not a port 1..65535: '70000'", e.getMessage());
    }

    @Test
    void badCidrsAreRejectedWithTheValue() {
        List<Map.Entry<String, String>> table = List.of(
                Map.entry("10.0.0.0", "bad CIDR '10.0.0.0': expected address/prefix"),
                Map.entry("10.0.0.0/33", "bad CIDR '10.0.0.0/33': prefix 33 out of range 0..32"),
                Map.entry("10.0.0/8", "bad CIDR '10.0.0/8': '10.0.0' is not an IP address"),
                Map.entry("lan/8", "bad CIDR 'lan/8': 'lan' is not an IP address"),
                Map.entry("10.0.0.0/x", "bad CIDR '10.0.0.0/x': prefix 'x' is not a number"));
        for (Map.Entry<String, String> row : table) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RegistrationConfig.builder().preferredCidrs("192.168.0.0/16," + row.getKey()));
            assertTrue(e.getMessage().startsWith(row.getValue()), row.getKey() + " -> " + e.getMessage());
        }
        assertEquals("10.8.0.0/16", Cidr.parse(" 10.8.77.1/16 ").toString());
        assertTrue(Cidr.parse("2001:db8::/32").contains(addr("2001:db8::5")));
    }

    private static InetAddress addr(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void publicIpIsReadFromTheMetadataUrlAndWinsOverCidrs() throws Exception {
        try (MockWebServer metadata = new MockWebServer()) {
            metadata.enqueue(new MockResponse().setBody("198.51.100.23\n"));
            metadata.start(InetAddress.getByName("127.0.0.1"), 0);
            String url = metadata.url("/latest/meta-data/public-ipv4").toString();

            ResolvedAddress a = resolve(config(Map.of()).publicIpUrl(url).preferredCidrs("10.8.0.0/16"));

            assertEquals(new ResolvedAddress("198.51.100.23", 0, Source.PUBLIC_IP_URL, url), a);
            assertEquals("/latest/meta-data/public-ipv4", metadata.takeRequest(1, TimeUnit.SECONDS).getPath());
        }
    }

    @Test
    void publicIpLookupFailuresAreClearErrors() throws Exception {
        try (MockWebServer metadata = new MockWebServer()) {
            metadata.enqueue(new MockResponse().setBody("<html>login</html>"));
            metadata.enqueue(new MockResponse().setResponseCode(404));
            metadata.enqueue(new MockResponse().setBody("198.51.100.23").setHeadersDelay(3, TimeUnit.SECONDS));
            metadata.start(InetAddress.getByName("127.0.0.1"), 0);
            String url = metadata.url("/ip").toString();
            // generous for the answers that come at once (a loaded 2-CPU machine took > 300 ms for OkHttp's first
            // call), 300 ms for the one that must time out
            RegistrationConfig.Builder b = config(Map.of()).publicIpUrl(url).publicIpTimeout(Duration.ofSeconds(10));

            IllegalStateException notIp = assertThrows(IllegalStateException.class, () -> resolve(b));
            assertEquals("public IP discovery from " + url + " answered '<html>login</html>', not an IP address",
                    notIp.getMessage());
            IllegalStateException status = assertThrows(IllegalStateException.class, () -> resolve(b));
            assertEquals("public IP discovery from " + url + " failed: HTTP 404", status.getMessage());
            b.publicIpTimeout(Duration.ofMillis(300));
            long start = System.nanoTime();
            IllegalStateException slow = assertThrows(IllegalStateException.class, () -> resolve(b));
            long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(slow.getMessage().startsWith("public IP discovery from " + url + " failed within 300 ms"),
                    slow.getMessage());
            assertTrue(tookMs < 2_000, "took " + tookMs + " ms");
        }
    }
}
