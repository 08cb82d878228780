package io.github.hakit.testkit.netlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import io.github.hakit.testkit.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lab's isolation rules and its NAT behaviour, checked with a {@link PeerEcho} server (it answers with the
 * source address it sees) and bash's {@code /dev/tcp} as the client.
 */
class NetLabIT {
    private static final int PORT = 7000;
    /** Connect timeout of a lab client: a failed (dropped) connection ends after this. */
    private static final int CLIENT_TIMEOUT_S = 2;

    @TempDir
    Path dir;

    /** What {@code from} sees when it connects to {@code address:port}: the echoed source, or "FAILED". */
    private static String connect(NetLab lab, NetLab.Host from, String address, int port) {
        NetLab.Result r = lab.exec(from.name(), "timeout", Integer.toString(CLIENT_TIMEOUT_S), "bash", "-c",
                "exec 3<>/dev/tcp/" + address + "/" + port + " && head -n1 <&3");
        return r.ok() ? r.output().trim() : "FAILED";
    }

    private static List<String> machineAddresses() throws Exception {
        List<String> result = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress()) {
                    result.add(a.getHostAddress());
                }
            }
        }
        return result;
    }

    @Test
    void labIsIsolatedRoutesThroughTheNatRouterAndDisappearsOnClose() throws Exception {
        NetLab.requireAvailable();
        LabProcess echo;
        long holder;
        try (NetLab lab = NetLab.start(dir)) {
            holder = lab.holderPid();
            NetLab.Lan a = lab.lan("a", "10.1.0", "203.0.113.1");
            NetLab.Lan b = lab.lan("b", "10.2.0", "203.0.113.2");
            NetLab.Host a1 = lab.host("a1", a, 10);
            NetLab.Host a2 = lab.host("a2", a, 20);
            NetLab.Host b1 = lab.host("b1", b, 10);
            lab.publish("203.0.113.10", PORT, a1, PORT);

            // isolation: the outer namespace has only lo; no namespace has a default route
            String outerLinks = lab.check("ip -o link show");
            assertEquals(List.of("lo"), outerLinks.lines().map(l -> l.split(":")[1].trim()).toList(), outerLinks);
            assertEquals(List.of("a1", "a2", "b1", "router"), lab.namespaces().stream().sorted().toList());
            assertFalse(lab.check("ip route show; ip route show table all").contains("default"));
            for (String ns : lab.namespaces()) {
                String routes = lab.exec(ns, "ip", "route", "show", "table", "all").output();
                assertFalse(routes.contains("default"), ns + " has a default route: " + routes);
            }
            // nothing in the lab has a route to any address of this machine (unless the machine's address happens
            // to lie in a lab range, where it would name the lab's own network)
            for (String address : machineAddresses()) {
                if (address.startsWith("10.1.0.") || address.startsWith("10.2.0.") || address.startsWith("203.0.113.")) {
                    continue;
                }
                for (String ns : lab.namespaces()) {
                    NetLab.Result route = lab.exec(ns, "ip", "route", "get", address);
                    assertFalse(route.ok(), ns + " has a route to this machine's " + address + ": " + route.output());
                }
            }

            echo = lab.spawn(a1, "echo", List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx32m", "-cp", System.getProperty("java.class.path"), PeerEcho.class.getName(),
                    Integer.toString(PORT)), Map.of(), dir.resolve("echo.log"));
            Await.until(Duration.ofSeconds(60), () -> connect(lab, a2, a1.address(), PORT).equals(a2.address()),
                    () -> "the echo server in a1 to answer a2 over the LAN");

            // same LAN: direct, the router forwards nothing
            long hairpinBefore = lab.routerPackets(a, a);
            assertEquals(a2.address(), connect(lab, a2, a1.address(), PORT));
            assertEquals(hairpinBefore, lab.routerPackets(a, a));
            // the other LAN: only through the public address, arriving from that LAN's public gateway address
            long bToA = lab.routerPackets(b, a);
            assertEquals("203.0.113.2", connect(lab, b1, "203.0.113.10", PORT));
            assertTrue(lab.routerPackets(b, a) > bToA);
            assertEquals("FAILED", connect(lab, b1, a1.address(), PORT));
            // own public address from inside the LAN: fails without hairpin, goes out and back with it
            assertEquals("FAILED", connect(lab, a2, "203.0.113.10", PORT));
            lab.hairpin(a, true);
            long hairpin = lab.routerPackets(a, a);
            assertEquals("203.0.113.1", connect(lab, a2, "203.0.113.10", PORT));
            assertTrue(lab.routerPackets(a, a) > hairpin);
            lab.hairpin(a, false);
            assertEquals("FAILED", connect(lab, a2, "203.0.113.10", PORT));
            assertTrue(echo.isAlive());
        }
        // close: every lab process and the namespace holder are gone (the namespaces go with them)
        assertFalse(echo.isAlive(), "lab process survived close");
        Await.until(Duration.ofSeconds(10), () -> ProcessHandle.of(holder).map(h -> !h.isAlive()).orElse(true),
                () -> "the namespace holder to exit");
    }

    @Test
    void aLabIsRemovedWhenItsOwnerDiesWithoutClosingIt() throws Exception {
        NetLab.requireAvailable();
        NetLab lab = NetLab.start(dir);
        NetLab.Lan a = lab.lan("a", "10.1.0", "203.0.113.1");
        NetLab.Host a1 = lab.host("a1", a, 10);
        LabProcess sleeper = lab.spawn(a1, "sleeper", List.of("sleep", "600"), Map.of(), dir.resolve("sleep.log"));
        assertTrue(sleeper.isAlive());
        // the owner's side dies without close(): unshare is killed (--kill-child takes the holder, PID 1 of the
        // lab, with it, and the kernel kills every lab process); a dead JVM closes the holder's stdin to the same end
        ProcessHandle.of(lab.holderPid()).orElseThrow().parent().orElseThrow().destroyForcibly();
        Await.until(Duration.ofSeconds(10), () -> !sleeper.isAlive(), () -> "the lab's processes to die with it");
        lab.close();
    }
}
