package io.github.hakit.fastdfs.internal;

import io.github.hakit.fastdfs.FastDfsServerException;
import io.github.hakit.fastdfs.FileId;
import io.github.hakit.fastdfs.GroupView;
import io.github.hakit.fastdfs.ProtocolLayout;
import io.github.hakit.fastdfs.StorageStatus;
import io.github.hakit.fastdfs.StorageView;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Tracker requests and their answers, in both wire-format generations. The layouts that changed after
 * 6.06 (measured on a real 6.16 server; the C client {@code client/tracker_client.c} and the current
 * fastdfs-client-java structs agree):
 * <ul>
 *   <li>group record: 105 bytes (6.06) / 113 bytes (6.1x, adds reserved MB and splits active into
 *       readable/writable, drops the http port);</li>
 *   <li>storage record: 612 bytes (6.06) / 487 bytes (6.1x, drops the 128-byte domain name, adds rw mode
 *       and reserved MB, version 8 bytes, no http port);</li>
 *   <li>fetch all: 39 bytes for the first storage, then 15 (ip) per further storage in 6.06, 23
 *       (ip + port) in 6.1x.</li>
 * </ul>
 * The store answers (40 bytes, or 16 + 23·n + 1 for store-all) and fetch-one/update (39) did not change
 * for IPv4. Not API.
 */
public final class TrackerProtocol {
    static final int IP = Proto.IP_ADDRESS_SIZE - 1; // addresses are sent as IP_ADDRESS_SIZE - 1 bytes
    static final int FETCH_BODY = Proto.GROUP_NAME_MAX_LEN + IP + Proto.PKG_LEN_SIZE; // 39
    static final int STORE_BODY = FETCH_BODY + 1; // 40, TRACKER_QUERY_STORAGE_STORE_BODY_LEN
    static final int GROUP_STAT_606 = 105;
    static final int GROUP_STAT_61X = 113;
    static final int STORAGE_STAT_606 = 612;
    static final int STORAGE_STAT_61X = 487;
    static final int EXTRA_606 = IP;
    static final int EXTRA_61X = IP + Proto.PKG_LEN_SIZE;
    private static final long MAX_ANSWER = 1 << 20;
    private static final long MAX_STORAGES = 1 << 16;
    /** Heartbeats after 9999-12-31 are garbage (and {@link Instant} would refuse much larger ones). */
    private static final long MAX_EPOCH_SECOND = 253_402_300_799L;

    private TrackerProtocol() {
    }

    /** Where to upload: a storage, its group and the store path index the tracker chose. */
    public record StoreTarget(String group, String host, int port, int storePathIndex) {
        public String address() {
            return host + ":" + port;
        }
    }

    /** A storage address from a fetch answer. */
    public record StorageAddress(String group, String host, int port) {
        public String address() {
            return host + ":" + port;
        }
    }

    public static StoreTarget queryStore(FdfsConnection c, String group) throws IOException {
        byte[] body = groupBody(group);
        c.send(group == null ? Proto.QUERY_STORE_WITHOUT_GROUP_ONE : Proto.QUERY_STORE_WITH_GROUP_ONE, body);
        byte[] a = answer(c, "query store" + (group == null ? "" : " in " + group));
        if (a.length != STORE_BODY) {
            throw violation(c, "store answer of " + a.length + " bytes, expected " + STORE_BODY);
        }
        return new StoreTarget(group(c.address(), a, 0), ip(c, a, 16), port(c, a, 16 + IP), a[39] & 0xFF);
    }

    public static List<StoreTarget> queryStoreAll(FdfsConnection c, String group) throws IOException {
        c.send(group == null ? Proto.QUERY_STORE_WITHOUT_GROUP_ALL : Proto.QUERY_STORE_WITH_GROUP_ALL, groupBody(group));
        byte[] a = answer(c, "query store all" + (group == null ? "" : " in " + group));
        int record = IP + Proto.PKG_LEN_SIZE;
        if (a.length < Proto.GROUP_NAME_MAX_LEN + record + 1 || (a.length - Proto.GROUP_NAME_MAX_LEN - 1) % record != 0) {
            throw violation(c, "store-all answer of " + a.length + " bytes");
        }
        String g = group(c.address(), a, 0);
        int storePath = a[a.length - 1] & 0xFF;
        List<StoreTarget> list = new ArrayList<>();
        for (int p = 16; p + record <= a.length - 1; p += record) {
            list.add(new StoreTarget(g, ip(c, a, p), port(c, a, p + IP), storePath));
        }
        return list;
    }

    /** QUERY_FETCH_ONE (or QUERY_UPDATE): the storage the tracker picks for this file. */
    public static StorageAddress queryFetch(FdfsConnection c, FileId id, boolean update) throws IOException {
        c.send(update ? Proto.QUERY_UPDATE : Proto.QUERY_FETCH_ONE, fileBody(id));
        byte[] a = answer(c, (update ? "query update " : "query fetch ") + id);
        if (a.length != FETCH_BODY) {
            throw violation(c, "fetch answer of " + a.length + " bytes, expected " + FETCH_BODY);
        }
        return new StorageAddress(group(c.address(), a, 0), ip(c, a, 16), port(c, a, 16 + IP));
    }

    /** QUERY_FETCH_ALL: every storage of the file's group the tracker offers, in both layouts. */
    public static List<StorageAddress> queryFetchAll(FdfsConnection c, FileId id, ProtocolLayout hint)
            throws IOException {
        c.send(Proto.QUERY_FETCH_ALL, fileBody(id));
        byte[] a = answer(c, "query fetch all " + id);
        return parseFetchAll(c.address(), a, hint);
    }

    static List<StorageAddress> parseFetchAll(String server, byte[] a, ProtocolLayout hint)
            throws ProtocolViolationException {
        if (a.length < FETCH_BODY) {
            throw new ProtocolViolationException(server + ": fetch-all answer of " + a.length + " bytes");
        }
        int rest = a.length - FETCH_BODY;
        boolean old = rest % EXTRA_606 == 0;
        boolean neu = rest % EXTRA_61X == 0;
        if (!old && !neu) {
            throw new ProtocolViolationException(server + ": fetch-all answer of " + a.length + " bytes fits neither "
                    + "39 + 15n (6.06) nor 39 + 23n (6.1x)");
        }
        if (old && neu) {
            // 16 vs 24 storages: decide by the layout seen before, else by which parse is plausible; a parse
            // whose fields do not validate falls back to the other layout
            boolean first = hint == ProtocolLayout.V6_1X || (hint == null && plausible61x(a));
            try {
                return parseFetchAll(server, a, first);
            } catch (ProtocolViolationException e) {
                try {
                    return parseFetchAll(server, a, !first);
                } catch (ProtocolViolationException ignored) {
                    throw e;
                }
            }
        }
        return parseFetchAll(server, a, neu);
    }

    private static List<StorageAddress> parseFetchAll(String server, byte[] a, boolean neu)
            throws ProtocolViolationException {
        String group = group(server, a, 0);
        int firstPort = port(server, Proto.getLong(a, 16 + IP));
        List<StorageAddress> list = new ArrayList<>();
        list.add(new StorageAddress(group, ip(server, a, 16), firstPort));
        int extra = neu ? EXTRA_61X : EXTRA_606;
        for (int p = FETCH_BODY; p + extra <= a.length; p += extra) {
            int port = neu ? port(server, Proto.getLong(a, p + IP)) : firstPort;
            list.add(new StorageAddress(group, ip(server, a, p), port));
        }
        return list;
    }

    private static boolean plausible61x(byte[] a) {
        for (int p = FETCH_BODY; p + EXTRA_61X <= a.length; p += EXTRA_61X) {
            long port = Proto.getLong(a, p + IP);
            if (port < 1 || port > 65535) {
                return false;
            }
        }
        return true;
    }

    /** Which layout an answer of {@code length} bytes with records of the two sizes is in; null if neither. */
    static ProtocolLayout layoutOf(int length, int size606, int size61x, ProtocolLayout hint) {
        boolean old = length % size606 == 0;
        boolean neu = length % size61x == 0;
        if (old && neu) {
            return hint != null ? hint : ProtocolLayout.V6_1X;
        }
        return old ? ProtocolLayout.V6_06 : neu ? ProtocolLayout.V6_1X : null;
    }

    /** A group listing: the records and the layout they were in. */
    public record Groups(ProtocolLayout layout, List<GroupView> groups) {
    }

    public static Groups listGroups(FdfsConnection c, ProtocolLayout hint) throws IOException {
        c.send(Proto.LIST_ALL_GROUPS, new byte[0]);
        byte[] a = answer(c, "list groups");
        ProtocolLayout layout = layoutOf(a.length, GROUP_STAT_606, GROUP_STAT_61X, hint);
        if (layout == null) {
            throw violation(c, "list-groups answer of " + a.length + " bytes fits neither 105n (6.06) nor 113n (6.1x)");
        }
        int size = layout == ProtocolLayout.V6_06 ? GROUP_STAT_606 : GROUP_STAT_61X;
        List<GroupView> groups = new ArrayList<>();
        for (int off = 0; off < a.length; off += size) {
            String name = group(c.address(), a, off);
            if (a[off + 16] != 0) {
                throw violation(c, "group name without its NUL terminator");
            }
            long total = Proto.getLong(a, off + 17);
            long free = Proto.getLong(a, off + 25);
            long count;
            long port;
            long active;
            if (layout == ProtocolLayout.V6_06) {
                // total, free, trunk free, count, port, http port, active, ...
                count = Proto.getLong(a, off + 41);
                port = Proto.getLong(a, off + 49);
                active = Proto.getLong(a, off + 65);
            } else {
                // total, free, reserved, trunk free, count, port, readable, writable, ...
                count = Proto.getLong(a, off + 49);
                port = Proto.getLong(a, off + 57);
                active = Proto.getLong(a, off + 73);
            }
            if (count < 0 || count > MAX_STORAGES || active < 0 || active > count || total < 0 || free < 0) {
                throw violation(c, "group " + name + ": implausible counts (storages " + count + ", active " + active
                        + ", total MB " + total + ", free MB " + free + ")");
            }
            // -1: the group's storages listen on different ports (a real 6.16 tracker with storage ids)
            if (port != -1 && (port < 0 || port > 65535)) {
                throw violation(c, "group " + name + ": storage port " + port + " out of range");
            }
            groups.add(new GroupView(name, total, free, (int) count, (int) active, (int) port, List.of()));
        }
        return new Groups(layout, groups);
    }

    public static List<StorageView> listStorages(FdfsConnection c, String group, ProtocolLayout hint)
            throws IOException {
        c.send(Proto.LIST_STORAGE, groupBody(group));
        byte[] a = answer(c, "list storages of " + group);
        ProtocolLayout layout = layoutOf(a.length, STORAGE_STAT_606, STORAGE_STAT_61X, hint);
        if (layout == null) {
            throw violation(c, "list-storages answer of " + a.length + " bytes fits neither 612n (6.06) nor 487n (6.1x)");
        }
        boolean old = layout == ProtocolLayout.V6_06;
        int size = old ? STORAGE_STAT_606 : STORAGE_STAT_61X;
        List<StorageView> list = new ArrayList<>();
        for (int off = 0; off < a.length; off += size) {
            int status = a[off] & 0xFF;
            int base = off + (old ? 1 : 2);
            String id = text(c.address(), a, base, 16, "storage id");
            String ip = ip(c.address(), a, base + 16);
            // 6.06: domain name 128, src id 16, version 6; 6.1x: src id 16, version 8
            int versionAt = old ? base + 32 + 128 + 16 : base + 32 + 16;
            String version = text(c.address(), a, versionAt, old ? 6 : 8, "version");
            int longs = versionAt + (old ? 6 : 8);
            // longs: join, up, total, free, [reserved,] upload priority, store paths, subdirs, write path, port
            int port = port(c.address(), Proto.getLong(a, longs + 8 * 8 + (old ? 0 : 8)));
            int statBlock = longs + 10 * 8 + 12; // after the 10 longs and the 3 connection ints
            long heartbeat = Proto.getLong(a, statBlock + 41 * 8);
            if (heartbeat < 0 || heartbeat > MAX_EPOCH_SECOND) {
                throw violation(c, "storage " + ip + ": heartbeat time " + heartbeat + " out of range");
            }
            list.add(new StorageView(id, ip, port, StorageStatus.of(status), version, Instant.ofEpochSecond(heartbeat)));
        }
        return list;
    }

    private static byte[] answer(FdfsConnection c, String op) throws IOException {
        FdfsConnection.Response r = c.readResponse(MAX_ANSWER);
        byte[] body = c.readBody(r.length());
        if (r.status() != 0) {
            throw new FastDfsServerException(c.address(), op, r.status());
        }
        return body;
    }

    private static byte[] groupBody(String group) {
        if (group == null) {
            return new byte[0];
        }
        byte[] b = new byte[Proto.GROUP_NAME_MAX_LEN];
        Proto.putFixed(b, 0, group, Proto.GROUP_NAME_MAX_LEN);
        return b;
    }

    private static byte[] fileBody(FileId id) {
        byte[] name = id.remoteName().getBytes(StandardCharsets.UTF_8);
        byte[] b = new byte[Proto.GROUP_NAME_MAX_LEN + name.length];
        Proto.putFixed(b, 0, id.group(), Proto.GROUP_NAME_MAX_LEN);
        System.arraycopy(name, 0, b, Proto.GROUP_NAME_MAX_LEN, name.length);
        return b;
    }

    private static String ip(FdfsConnection c, byte[] a, int off) throws ProtocolViolationException {
        return ip(c.address(), a, off);
    }

    /** An IPv4 address or host name field: ASCII letters, digits, '.', '-', ':' only. */
    static String ip(String server, byte[] a, int off) throws ProtocolViolationException {
        String ip = text(server, a, off, IP, "storage address");
        if (ip.isEmpty() || !ip.matches("[A-Za-z0-9.:\\-]+")) {
            throw new ProtocolViolationException(server + ": invalid storage address '" + Proto.printable(ip) + "'");
        }
        return ip;
    }

    /** A group name field: 1..16 of [A-Za-z0-9_] ({@code fdfs_validate_group_name}). */
    static String group(String server, byte[] a, int off) throws ProtocolViolationException {
        String g = text(server, a, off, Proto.GROUP_NAME_MAX_LEN, "group name");
        if (!g.matches("[A-Za-z0-9_]{1,16}")) {
            throw new ProtocolViolationException(server + ": invalid group name '" + Proto.printable(g) + "'");
        }
        return g;
    }

    /** A NUL-padded printable-ASCII field. */
    static String text(String server, byte[] a, int off, int size, String what) throws ProtocolViolationException {
        int end = off;
        while (end < off + size && a[end] != 0) {
            if (a[end] < 0x20 || a[end] > 0x7E) {
                throw new ProtocolViolationException(server + ": " + what + " with a non-ASCII byte 0x"
                        + Integer.toHexString(a[end] & 0xFF));
            }
            end++;
        }
        return new String(a, off, end - off, StandardCharsets.US_ASCII);
    }

    private static int port(FdfsConnection c, byte[] a, int off) throws ProtocolViolationException {
        return port(c.address(), Proto.getLong(a, off));
    }

    static int port(String server, long port) throws ProtocolViolationException {
        if (port < 1 || port > 65535) {
            throw new ProtocolViolationException(server + ": storage port " + port + " out of range");
        }
        return (int) port;
    }

    private static ProtocolViolationException violation(FdfsConnection c, String what) {
        c.markBroken();
        return new ProtocolViolationException(c.address() + ": " + what);
    }
}
