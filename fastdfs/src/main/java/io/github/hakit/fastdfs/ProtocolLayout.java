package io.github.hakit.fastdfs;

/**
 * The two FastDFS wire-format generations for the answers that changed (list groups, list storages,
 * fetch all): 6.06 and earlier, and 6.1x (widened/reshaped records). hakit recognises both by the answer
 * sizes; see the module README for the byte counts.
 *
 * <pre>{@code
 * FastDfsClient.builder().trackers("10.0.0.1:22122").layout(ProtocolLayout.V6_1X).build();
 * }</pre>
 */
public enum ProtocolLayout {
    /** FastDFS up to 6.06 (group record 105 bytes, storage record 612, fetch-all 39 + 15 per extra storage). */
    V6_06,
    /** FastDFS 6.1x (group record 113 bytes, storage record 487, fetch-all 39 + 23 per extra storage). */
    V6_1X
}
