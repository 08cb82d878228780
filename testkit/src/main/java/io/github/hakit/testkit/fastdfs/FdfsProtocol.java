package io.github.hakit.testkit.fastdfs;

/**
 * The two wire-format generations a {@link FastDfsTestCluster} can speak.
 *
 * <p>Most packets are identical. These differ (sizes measured against a real FastDFS 6.16 server
 * built from upstream, and matched with the C client {@code client/tracker_client.c} and the
 * current fastdfs-client-java {@code StructGroupStat} / {@code StructStorageStat}):
 * <ul>
 *   <li>list groups (cmd 91/90): one {@code TrackerGroupStat} is 105 bytes in 6.06
 *       (group name 17 + 11 longs: total, free, trunk free, count, port, http port, active, current
 *       write server, store path count, subdir count, trunk file id) and 113 bytes in 6.1x (17 + 12
 *       longs: total, free, <em>reserved</em>, trunk free, count, port, <em>readable</em>,
 *       <em>writable</em>, current write server, store path count, subdir count, trunk file id);</li>
 *   <li>list storages (cmd 92): one {@code TrackerStorageStat} is 612 bytes in 6.06 (status, id 16,
 *       ip 16, domain name 128, src id 16, version 6, 10 longs, connection 3 ints, 42 stat longs,
 *       trunk flag) and 487 bytes in 6.1x (status, <em>rw_mode</em>, id 16, ip 16, src id 16,
 *       version 8, 10 longs with <em>reserved_mb</em> instead of the http port, no domain name,
 *       the same connection and stat blocks, trunk flag);</li>
 *   <li>fetch all (cmd 105): 39 + 15&middot;(n&minus;1) bytes in 6.06 (every further storage is an
 *       ip of {@code IP_ADDRESS_SIZE - 1} = 15 bytes), 39 + 23&middot;(n&minus;1) in 6.1x (ip 15 +
 *       port 8 per further storage).</li>
 * </ul>
 * fastdfs-client-java 1.30 only understands {@link #V6_06}.
 *
 * <pre>{@code
 * FastDfsTestCluster.builder().trackers(1).group("group1", 2).protocol(FdfsProtocol.V6_1X).build();
 * }</pre>
 */
public enum FdfsProtocol {
    /** FastDFS 6.06 (the layout fastdfs-client-java 1.30 was written for). */
    V6_06("6.06", 105, 612, 15),
    /** FastDFS 6.10 and later (IPv6-era layout, measured on 6.16). */
    V6_1X("6.16", 113, 487, 23);

    private final String version;
    private final int groupStatSize;
    private final int storageStatSize;
    private final int fetchAllExtraRecordSize;

    FdfsProtocol(String version, int groupStatSize, int storageStatSize, int fetchAllExtraRecordSize) {
        this.version = version;
        this.groupStatSize = groupStatSize;
        this.storageStatSize = storageStatSize;
        this.fetchAllExtraRecordSize = fetchAllExtraRecordSize;
    }

    /** The version string a server of this generation reports. */
    public String version() {
        return version;
    }

    /** Size of one group record in a list-groups answer. */
    public int groupStatSize() {
        return groupStatSize;
    }

    /** Size of one storage record in a list-storages answer. */
    public int storageStatSize() {
        return storageStatSize;
    }

    /** Size of each storage after the first in a fetch-all answer. */
    public int fetchAllExtraRecordSize() {
        return fetchAllExtraRecordSize;
    }
}
