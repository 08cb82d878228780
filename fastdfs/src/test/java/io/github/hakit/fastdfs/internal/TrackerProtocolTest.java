package io.github.hakit.fastdfs.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.github.hakit.fastdfs.ProtocolLayout;
import io.github.hakit.fastdfs.internal.TrackerProtocol.StorageAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrackerProtocolTest {
    private static byte[] fetchAll(String[] ips, int[] ports, boolean layout61x) {
        int extra = layout61x ? 23 : 15;
        byte[] b = new byte[39 + (ips.length - 1) * extra];
        Proto.putFixed(b, 0, "group1", 16);
        Proto.putFixed(b, 16, ips[0], 15);
        Proto.putLong(b, 31, ports[0]);
        for (int i = 1; i < ips.length; i++) {
            int p = 39 + (i - 1) * extra;
            Proto.putFixed(b, p, ips[i], 15);
            if (layout61x) {
                Proto.putLong(b, p + 15, ports[i]);
            }
        }
        return b;
    }

    @Test
    void fetchAllIn606LayoutGivesEveryStorageTheFirstPort() throws Exception {
        byte[] b = fetchAll(new String[] {"10.0.0.1", "10.0.0.2", "10.0.0.3"}, new int[] {23000, 0, 0}, false);
        assertEquals(39 + 30, b.length);
        List<StorageAddress> list = TrackerProtocol.parseFetchAll("t", b, null);
        assertEquals(List.of(new StorageAddress("group1", "10.0.0.1", 23000),
                new StorageAddress("group1", "10.0.0.2", 23000), new StorageAddress("group1", "10.0.0.3", 23000)), list);
    }

    @Test
    void fetchAllIn61xLayoutCarriesAPortPerStorage() throws Exception {
        byte[] b = fetchAll(new String[] {"10.0.0.1", "10.0.0.2"}, new int[] {23000, 23001}, true);
        assertEquals(39 + 23, b.length);
        List<StorageAddress> list = TrackerProtocol.parseFetchAll("t", b, null);
        assertEquals(new StorageAddress("group1", "10.0.0.2", 23001), list.get(1));
    }

    @Test
    void ambiguousFetchAllLengthFollowsTheHintOrPlausiblePorts() throws Exception {
        // 16 storages in 6.1x = 39 + 15 * 23 bytes = 24 storages in 6.06 (39 + 23 * 15)
        String[] ips = new String[16];
        int[] ports = new int[16];
        for (int i = 0; i < 16; i++) {
            ips[i] = "10.0.0." + (i + 1);
            ports[i] = 23000 + i;
        }
        byte[] b = fetchAll(ips, ports, true);
        assertEquals(16, TrackerProtocol.parseFetchAll("t", b, null).size());
        assertEquals(16, TrackerProtocol.parseFetchAll("t", b, ProtocolLayout.V6_1X).size());
        // read as 6.06 the 6.1x records give invalid addresses: the other layout is used
        assertEquals(16, TrackerProtocol.parseFetchAll("t", b, ProtocolLayout.V6_06).size());
        String[] ips24 = new String[24];
        int[] ports24 = new int[24];
        for (int i = 0; i < 24; i++) {
            ips24[i] = "10.0.1." + (i + 1);
            ports24[i] = 23000;
        }
        byte[] old = fetchAll(ips24, ports24, false);
        assertEquals(24, TrackerProtocol.parseFetchAll("t", old, ProtocolLayout.V6_06).size());
    }

    @Test
    void invalidFieldsAreProtocolViolations() {
        byte[] badPort = fetchAll(new String[] {"10.0.0.1", "10.0.0.2"}, new int[] {23000, 70000}, true);
        assertThrows(ProtocolViolationException.class, () -> TrackerProtocol.parseFetchAll("t", badPort, null));
        byte[] badIp = fetchAll(new String[] {"10.0.0.1", "10.0.\u00e9.2"}, new int[] {23000, 23001}, true);
        assertThrows(ProtocolViolationException.class, () -> TrackerProtocol.parseFetchAll("t", badIp, null));
        byte[] badGroup = fetchAll(new String[] {"10.0.0.1"}, new int[] {23000}, true);
        badGroup[2] = (byte) 0xC3;
        assertThrows(ProtocolViolationException.class, () -> TrackerProtocol.parseFetchAll("t", badGroup, null));
    }

    @Test
    void answerOfNeitherLayoutIsAProtocolViolation() {
        assertThrows(ProtocolViolationException.class, () -> TrackerProtocol.parseFetchAll("t", new byte[39 + 7], null));
        assertThrows(ProtocolViolationException.class, () -> TrackerProtocol.parseFetchAll("t", new byte[20], null));
    }

    @Test
    void recordSizesSelectTheLayout() {
        assertEquals(ProtocolLayout.V6_06, TrackerProtocol.layoutOf(2 * 105, 105, 113, null));
        assertEquals(ProtocolLayout.V6_1X, TrackerProtocol.layoutOf(2 * 113, 105, 113, null));
        assertEquals(ProtocolLayout.V6_06, TrackerProtocol.layoutOf(612, 612, 487, null));
        assertEquals(ProtocolLayout.V6_1X, TrackerProtocol.layoutOf(3 * 487, 612, 487, null));
        assertEquals(null, TrackerProtocol.layoutOf(100, 105, 113, null));
    }
}
