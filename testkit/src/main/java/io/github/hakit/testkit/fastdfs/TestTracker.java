package io.github.hakit.testkit.fastdfs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tracker server of a {@link FastDfsTestCluster}, following {@code tracker/tracker_service.c}: store
 * queries with and without group (one and all), fetch one / all, update, list one group, list all
 * groups, list storages, active test. Errors answer with the errno in the status byte and an empty
 * body and keep the connection; an unknown command answers EINVAL ({@code tracker_deal_task}); a
 * negative or oversized package length closes the connection ({@code tracker_nio.c}).
 *
 * <pre>{@code
 * TestTracker t = cluster.tracker(1);
 * int handled = t.queries(); // requests other than health probes
 * }</pre>
 */
public final class TestTracker extends FdfsServer {
    /** Requests to a tracker are small; the nio layer refuses larger packages by closing. */
    private static final int MAX_BODY = 64 * 1024;
    private static final long FAKE_TOTAL_MB = 100_000;
    private static final long FAKE_FREE_MB = 50_000;
    private static final int SUBDIR_COUNT_PER_PATH = 256;
    /** FDFS_NORMAL_LOGIC_FILENAME_LENGTH: longer names are slave files (tracker_types.h IS_SLAVE_FILE). */
    private static final int NORMAL_LOGIC_FILENAME_LENGTH = Wire.LOGIC_FILE_PATH_LEN + Wire.FILENAME_BASE64_LENGTH
            + Wire.FILE_EXT_NAME_MAX_LEN + 1;

    private final ClusterState cluster;
    private final AtomicInteger currentWriteGroup = new AtomicInteger();
    private final Map<String, AtomicInteger> currentWriteServer = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> currentReadServer = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger queries = new AtomicInteger();

    TestTracker(ClusterState cluster, String name, String host, int port) {
        super(name, host, port);
        this.cluster = cluster;
    }

    /** Requests answered since creation (all commands). */
    public int requests() {
        return requests.get();
    }

    /** Requests other than ACTIVE_TEST (health probes) answered since creation. */
    public int queries() {
        return queries.get();
    }

    @Override
    boolean handle(Wire.Header h, InputStream in, OutputStream out) throws IOException {
        if (h.length() > MAX_BODY) {
            return false;
        }
        byte[] body = Wire.readFully(in, (int) h.length());
        requests.incrementAndGet();
        if (h.cmd() != Wire.CMD_ACTIVE_TEST) {
            queries.incrementAndGet();
        }
        Answer a;
        switch (h.cmd()) {
            case Wire.CMD_ACTIVE_TEST:
                a = body.length == 0 ? Answer.ok(new byte[0]) : Answer.error(Wire.EINVAL);
                break;
            case Wire.TRACKER_QUERY_STORE_WITHOUT_GROUP_ONE:
            case Wire.TRACKER_QUERY_STORE_WITH_GROUP_ONE:
            case Wire.TRACKER_QUERY_STORE_WITHOUT_GROUP_ALL:
            case Wire.TRACKER_QUERY_STORE_WITH_GROUP_ALL:
                a = queryStore(h.cmd(), body);
                break;
            case Wire.TRACKER_QUERY_FETCH_ONE:
            case Wire.TRACKER_QUERY_UPDATE:
            case Wire.TRACKER_QUERY_FETCH_ALL:
                a = queryFetch(h.cmd(), body);
                break;
            case Wire.TRACKER_LIST_ONE_GROUP:
                a = listOneGroup(body);
                break;
            case Wire.TRACKER_LIST_ALL_GROUPS:
                a = listAllGroups(body);
                break;
            case Wire.TRACKER_LIST_STORAGE:
                a = listStorages(body);
                break;
            default:
                a = Answer.error(Wire.EINVAL); // "unkown cmd"
                break;
        }
        Wire.writeResponse(out, a.status, a.body);
        return true;
    }

    private record Answer(byte status, byte[] body) {
        static Answer ok(byte[] body) {
            return new Answer((byte) 0, body);
        }

        static Answer error(byte status) {
            return new Answer(status, null);
        }
    }

    /** tracker_deal_service_query_storage. */
    private Answer queryStore(byte cmd, byte[] body) {
        boolean withGroup = cmd == Wire.TRACKER_QUERY_STORE_WITH_GROUP_ONE || cmd == Wire.TRACKER_QUERY_STORE_WITH_GROUP_ALL;
        boolean all = cmd == Wire.TRACKER_QUERY_STORE_WITHOUT_GROUP_ALL || cmd == Wire.TRACKER_QUERY_STORE_WITH_GROUP_ALL;
        if (body.length != (withGroup ? Wire.GROUP_NAME_MAX_LEN : 0)) {
            return Answer.error(Wire.EINVAL);
        }
        List<String> names = cluster.groupNames();
        if (names.isEmpty()) {
            return Answer.error(Wire.ENOENT);
        }
        String group;
        if (withGroup) {
            group = Wire.getFixed(body, 0, Wire.GROUP_NAME_MAX_LEN);
            List<TestStorage> active = cluster.activeStorages(group);
            if (active == null || active.isEmpty()) {
                return Answer.error(Wire.ENOENT);
            }
            if (cluster.writableStorages(group).isEmpty()) {
                return Answer.error(Wire.ENOSPC); // tracker_check_reserved_space failed
            }
        } else {
            // FDFS_STORE_LOOKUP_ROUND_ROBIN over sorted_groups, skipping groups without active storages or
            // without space; ENOENT when no group has an active storage, ENOSPC when none has space
            group = null;
            boolean anyActive = false;
            int start = Math.floorMod(currentWriteGroup.get(), names.size());
            for (int i = 0; i < names.size(); i++) {
                String candidate = names.get((start + i) % names.size());
                anyActive |= !cluster.activeStorages(candidate).isEmpty();
                if (!cluster.writableStorages(candidate).isEmpty()) {
                    group = candidate;
                    currentWriteGroup.set((start + i) % names.size());
                    break;
                }
            }
            if (group == null) {
                return Answer.error(anyActive ? Wire.ENOSPC : Wire.ENOENT);
            }
            currentWriteGroup.set((currentWriteGroup.get() + 1) % names.size());
        }
        List<TestStorage> active = cluster.writableStorages(group);
        int ipPort = Wire.IP_ADDRESS_SIZE - 1 + Wire.PKG_LEN_SIZE;
        if (all) {
            byte[] b = new byte[Wire.GROUP_NAME_MAX_LEN + active.size() * ipPort + 1];
            Wire.putFixed(b, 0, group, Wire.GROUP_NAME_MAX_LEN);
            int p = Wire.GROUP_NAME_MAX_LEN;
            for (TestStorage s : active) {
                Wire.putFixed(b, p, s.host(), Wire.IP_ADDRESS_SIZE - 1);
                Wire.putLong(b, p + Wire.IP_ADDRESS_SIZE - 1, s.port());
                p += ipPort;
            }
            b[p] = 0; // store path index
            return Answer.ok(b);
        }
        // FDFS_STORE_SERVER_ROUND_ROBIN: current_write_server cycles over the active servers
        AtomicInteger rr = currentWriteServer.computeIfAbsent(group, g -> new AtomicInteger());
        TestStorage s = active.get(Math.floorMod(rr.getAndIncrement(), active.size()));
        byte[] b = new byte[Wire.GROUP_NAME_MAX_LEN + ipPort + 1];
        Wire.putFixed(b, 0, group, Wire.GROUP_NAME_MAX_LEN);
        Wire.putFixed(b, Wire.GROUP_NAME_MAX_LEN, s.host(), Wire.IP_ADDRESS_SIZE - 1);
        Wire.putLong(b, Wire.GROUP_NAME_MAX_LEN + Wire.IP_ADDRESS_SIZE - 1, s.port());
        b[b.length - 1] = 0; // store path index M00
        return Answer.ok(b);
    }

    /** tracker_deal_service_query_fetch_update: 16 group + file name (22..127 bytes). */
    private Answer queryFetch(byte cmd, byte[] body) {
        if (body.length < Wire.GROUP_NAME_MAX_LEN + 22 || body.length >= Wire.GROUP_NAME_MAX_LEN + 128) {
            return Answer.error(Wire.EINVAL);
        }
        String group = Wire.getFixed(body, 0, Wire.GROUP_NAME_MAX_LEN);
        String filename = new String(body, Wire.GROUP_NAME_MAX_LEN, body.length - Wire.GROUP_NAME_MAX_LEN,
                StandardCharsets.ISO_8859_1);
        List<TestStorage> active = cluster.activeStorages(group);
        if (active == null || active.isEmpty()) {
            return Answer.error(Wire.ENOENT);
        }
        FdfsFileName parsed;
        try {
            parsed = FdfsFileName.parse(filename);
        } catch (IllegalArgumentException e) {
            return Answer.error(Wire.EINVAL);
        }
        TestStorage sourceStorage = null;
        for (TestStorage s : active) {
            if (s.sourceKey().equals(parsed.source())) {
                sourceStorage = s;
            }
        }
        // IS_SLAVE_FILE / IS_APPENDER_FILE: such files are read from their source storage only
        boolean normalFile = !parsed.appender() && filename.length() <= NORMAL_LOGIC_FILENAME_LENGTH;
        List<TestStorage> chosen = new ArrayList<>();
        if (cmd == Wire.TRACKER_QUERY_UPDATE) {
            if (sourceStorage != null) {
                chosen.add(sourceStorage);
            }
        } else if (!normalFile && cluster.fetchRouting() != FetchRouting.IGNORE_SYNC) {
            if (sourceStorage != null) {
                chosen.add(sourceStorage);
            }
        } else if (cmd == Wire.TRACKER_QUERY_FETCH_ALL) {
            // readable storages in group order that are the source or have the file synced
            for (TestStorage s : active) {
                if (cluster.offers(s, parsed, filename)) {
                    chosen.add(s);
                }
            }
        } else {
            // round robin from current_read_server to the first storage that qualifies
            AtomicInteger rr = currentReadServer.computeIfAbsent(group, g -> new AtomicInteger());
            int from = Math.floorMod(rr.get(), active.size());
            for (int i = 0; i < active.size(); i++) {
                TestStorage s = active.get((from + i) % active.size());
                if (cluster.offers(s, parsed, filename)) {
                    rr.set((from + i + 1) % active.size());
                    chosen.add(s);
                    break;
                }
            }
        }
        if (chosen.isEmpty()) {
            // pGroup->pStoreServer: the group's current write storage, whatever it holds
            List<TestStorage> writable = cluster.writableStorages(group);
            List<TestStorage> from = writable.isEmpty() ? active : writable;
            AtomicInteger w = currentWriteServer.computeIfAbsent(group, g -> new AtomicInteger());
            chosen.add(from.get(Math.floorMod(w.get(), from.size())));
        }
        int first = Wire.GROUP_NAME_MAX_LEN + Wire.IP_ADDRESS_SIZE - 1 + Wire.PKG_LEN_SIZE;
        int extra = cluster.protocol.fetchAllExtraRecordSize();
        byte[] b = new byte[first + (chosen.size() - 1) * extra];
        Wire.putFixed(b, 0, group, Wire.GROUP_NAME_MAX_LEN);
        Wire.putFixed(b, Wire.GROUP_NAME_MAX_LEN, chosen.get(0).host(), Wire.IP_ADDRESS_SIZE - 1);
        Wire.putLong(b, Wire.GROUP_NAME_MAX_LEN + Wire.IP_ADDRESS_SIZE - 1, chosen.get(0).port());
        int p = first;
        for (int i = 1; i < chosen.size(); i++) {
            Wire.putFixed(b, p, chosen.get(i).host(), Wire.IP_ADDRESS_SIZE - 1);
            if (extra > Wire.IP_ADDRESS_SIZE - 1) {
                Wire.putLong(b, p + Wire.IP_ADDRESS_SIZE - 1, chosen.get(i).port());
            }
            p += extra;
        }
        return Answer.ok(b);
    }

    private Answer listOneGroup(byte[] body) {
        if (body.length != Wire.GROUP_NAME_MAX_LEN) {
            return Answer.error(Wire.EINVAL);
        }
        String group = Wire.getFixed(body, 0, Wire.GROUP_NAME_MAX_LEN);
        if (cluster.storages(group) == null) {
            return Answer.error(Wire.ENOENT);
        }
        byte[] b = new byte[cluster.protocol.groupStatSize()];
        writeGroupStat(b, 0, group);
        return Answer.ok(b);
    }

    private Answer listAllGroups(byte[] body) {
        if (body.length != 0) {
            return Answer.error(Wire.EINVAL);
        }
        List<String> names = cluster.groupNames();
        int size = cluster.protocol.groupStatSize();
        byte[] b = new byte[names.size() * size];
        for (int i = 0; i < names.size(); i++) {
            writeGroupStat(b, i * size, names.get(i));
        }
        return Answer.ok(b);
    }

    private void writeGroupStat(byte[] b, int off, String group) {
        List<TestStorage> all = cluster.storages(group);
        int active = cluster.activeStorages(group).size();
        // tracker_mem.c: a group whose storages use different ports reports storage_port -1
        int port = all.stream().allMatch(x -> x.port() == all.get(0).port()) ? all.get(0).port() : -1;
        int writeIndex = Math.floorMod(currentWriteServer.computeIfAbsent(group, g -> new AtomicInteger()).get(),
                Math.max(1, active));
        Wire.putFixed(b, off, group, Wire.GROUP_NAME_MAX_LEN + 1);
        long[] values;
        if (cluster.protocol == FdfsProtocol.V6_06) {
            // TrackerGroupStat (6.06): total, free, trunk free, count, port, http port, active,
            // current write server, store path count, subdir count per path, current trunk file id
            values = new long[] {FAKE_TOTAL_MB, FAKE_FREE_MB, 0, all.size(), port, 8888, active, writeIndex, 1,
                SUBDIR_COUNT_PER_PATH, 0};
        } else {
            // TrackerGroupStat (6.1x): total, free, reserved, trunk free, count, port, readable, writable,
            // current write server, store path count, subdir count per path, current trunk file id
            values = new long[] {FAKE_TOTAL_MB, FAKE_FREE_MB, 0, 0, all.size(), port, active, active, writeIndex, 1,
                SUBDIR_COUNT_PER_PATH, 0};
        }
        int p = off + Wire.GROUP_NAME_MAX_LEN + 1;
        for (long v : values) {
            Wire.putLong(b, p, v);
            p += 8;
        }
    }

    /** tracker_deal_server_list_group_storages: 16 group [+ storage id or ip]. */
    private Answer listStorages(byte[] body) {
        if (body.length < Wire.GROUP_NAME_MAX_LEN || body.length >= Wire.GROUP_NAME_MAX_LEN + Wire.IP_ADDRESS_SIZE) {
            return Answer.error(Wire.EINVAL);
        }
        String group = Wire.getFixed(body, 0, Wire.GROUP_NAME_MAX_LEN);
        List<TestStorage> all = cluster.storages(group);
        if (all == null) {
            return Answer.error(Wire.ENOENT);
        }
        List<TestStorage> selected = new ArrayList<>();
        if (body.length > Wire.GROUP_NAME_MAX_LEN) {
            String id = new String(body, Wire.GROUP_NAME_MAX_LEN, body.length - Wire.GROUP_NAME_MAX_LEN,
                    StandardCharsets.ISO_8859_1).trim();
            for (TestStorage s : all) {
                if (s.sourceKey().equals(id) || s.host().equals(id)) {
                    selected.add(s);
                }
            }
            if (selected.isEmpty()) {
                return Answer.error(Wire.ENOENT);
            }
        } else {
            selected.addAll(all);
        }
        int size = cluster.protocol.storageStatSize();
        byte[] b = new byte[selected.size() * size];
        for (int i = 0; i < selected.size(); i++) {
            writeStorageStat(b, i * size, selected.get(i));
        }
        return Answer.ok(b);
    }

    private void writeStorageStat(byte[] b, int off, TestStorage s) {
        boolean old = cluster.protocol == FdfsProtocol.V6_06;
        String id = s.storageId() != null ? s.storageId() : s.host();
        int p = off;
        b[p++] = s.status();
        if (!old) {
            b[p++] = 6; // rw_mode FDFS_RW_MODE_BOTH
        }
        Wire.putFixed(b, p, id, Wire.STORAGE_ID_MAX_SIZE);
        p += Wire.STORAGE_ID_MAX_SIZE;
        Wire.putFixed(b, p, s.host(), Wire.IP_ADDRESS_SIZE);
        p += Wire.IP_ADDRESS_SIZE;
        if (old) {
            p += Wire.DOMAIN_NAME_MAX_SIZE; // domain_name, empty
        }
        p += Wire.STORAGE_ID_MAX_SIZE; // src_id: empty (joined the group as the first storage)
        int versionSize = old ? 6 : 8; // FDFS_VERSION_SIZE
        Wire.putFixed(b, p, cluster.protocol.version(), versionSize);
        p += versionSize;
        long[] longs = old
                // join, up, total, free, upload priority, store paths, subdirs, write path, port, http port
                ? new long[] {s.joinTime(), s.upTime(), FAKE_TOTAL_MB, FAKE_FREE_MB, 10, 1, SUBDIR_COUNT_PER_PATH, 0,
                    s.port(), 8888}
                // join, up, total, free, reserved, upload priority, store paths, subdirs, write path, port
                : new long[] {s.joinTime(), s.upTime(), FAKE_TOTAL_MB, FAKE_FREE_MB, 0, 10, 1, SUBDIR_COUNT_PER_PATH, 0,
                    s.port()};
        for (long v : longs) {
            Wire.putLong(b, p, v);
            p += 8;
        }
        p += 12; // connection: alloc, current, max (3 ints)
        p += 41 * 8; // FDFSStorageStatBuff counters up to last_synced_timestamp
        Wire.putLong(b, p, s.isListening() ? cluster.nowSeconds() : 0); // last_heart_beat_time
        p += 8;
        b[p] = 0; // if_trunk_server
    }
}
