package io.github.hakit.fastdfs;

import java.time.Instant;

/**
 * What a storage reports about a file (STORAGE_PROTO_CMD_QUERY_FILE_INFO).
 *
 * <pre>{@code
 * FileInfo info = client.info(id);
 * long bytes = info.size();
 * }</pre>
 *
 * @param size bytes
 * @param created creation (modification) time
 * @param crc32 CRC32 recorded in the file name
 * @param sourceIp IP of the storage that created the file
 */
public record FileInfo(long size, Instant created, long crc32, String sourceIp) {
}
