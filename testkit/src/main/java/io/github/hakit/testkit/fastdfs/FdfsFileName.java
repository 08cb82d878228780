package io.github.hakit.testkit.fastdfs;

import java.util.Base64;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * A FastDFS remote file name ({@code M00/XX/YY/<27 base64 chars>[.ext]}), generated and decoded the
 * way {@code storage/storage_service.c} ({@code storage_gen_filename}) does it.
 *
 * <p>The 27 characters encode 20 bytes: the source storage (4 bytes: its IPv4 octets, or a numeric
 * storage id written as {@code int2buff(htonl(id))}), the creation timestamp (4 bytes), the file size
 * (8 bytes; a size below 2^32 is combined with a random high word {@code (rand() & 0x007FFFFF) |
 * 0x80000000}, macro {@code COMBINE_RAND_FILE_SIZE}; an appender file carries
 * {@code FDFS_APPENDER_FILE_SIZE}) and the CRC32 (4 bytes). The alphabet is base64 with {@code -} and
 * {@code _} and no padding ({@code base64_init_ex(&ctx, 0, '-', '_', '.')}), which is Java's URL-safe
 * alphabet.
 *
 * <pre>{@code
 * FdfsFileName name = FdfsFileName.parse("M00/00/00/fwAACxxx...AAA.jpg");
 * name.source(); // "127.0.0.11" or "100001"
 * }</pre>
 *
 * @param storePathIndex the {@code M<NN>} store path
 * @param subPathHigh first data directory level
 * @param subPathLow second data directory level
 * @param source IPv4 address or storage id of the storage that created the file
 * @param timestamp creation time, epoch seconds
 * @param fileSize the size encoded in the name (0 for appender files)
 * @param crc32 the CRC32 encoded in the name
 * @param appender whether the name marks an appender file
 * @param rest everything after the 27 base64 characters (slave prefix and extension)
 */
public record FdfsFileName(int storePathIndex, int subPathHigh, int subPathLow, String source, long timestamp,
        long fileSize, int crc32, boolean appender, String rest) {

    /** {@code FDFS_APPENDER_FILE_SIZE} = {@code INFINITE_FILE_SIZE} = 256 PiB (tracker_types.h / fastcommon). */
    static final long APPENDER_FILE_SIZE = 256L * 1024 * 1024 * 1024 * 1024 * 1024;

    public FdfsFileName {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(rest, "rest");
    }

    /** Decodes a remote file name ({@code M00/...}); throws {@link IllegalArgumentException} if it is not one. */
    public static FdfsFileName parse(String remoteFilename) {
        String f = Objects.requireNonNull(remoteFilename, "remoteFilename");
        if (f.length() < Wire.LOGIC_FILE_PATH_LEN + Wire.FILENAME_BASE64_LENGTH
                || f.charAt(0) != 'M' || f.charAt(3) != '/' || f.charAt(6) != '/' || f.charAt(9) != '/') {
            throw new IllegalArgumentException("not a FastDFS file name: " + remoteFilename);
        }
        try {
            int store = Integer.parseInt(f.substring(1, 3), 16);
            int high = Integer.parseInt(f.substring(4, 6), 16);
            int low = Integer.parseInt(f.substring(7, 9), 16);
            byte[] b = Base64.getUrlDecoder().decode(
                    f.substring(Wire.LOGIC_FILE_PATH_LEN, Wire.LOGIC_FILE_PATH_LEN + Wire.FILENAME_BASE64_LENGTH));
            long size = Wire.getLong(b, 8);
            boolean appender = (size & APPENDER_FILE_SIZE) != 0;
            long realSize = appender ? 0 : ((size >>> 63) != 0 ? size & 0xFFFFFFFFL : size);
            return new FdfsFileName(store, high, low, decodeSource(b), Wire.getInt(b, 4) & 0xFFFFFFFFL,
                    realSize, Wire.getInt(b, 16), appender,
                    f.substring(Wire.LOGIC_FILE_PATH_LEN + Wire.FILENAME_BASE64_LENGTH));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a FastDFS file name: " + remoteFilename, e);
        }
    }

    /** Creates the name a storage gives a new file. */
    static String generate(String source, int subPathHigh, int subPathLow, long timestamp, long fileSize, int crc32,
            boolean appender, String ext, RandomGenerator random) {
        return encode(source, subPathHigh, subPathLow, timestamp, fileSize, crc32, appender, formatExt(ext, random),
                random);
    }

    /** A normal file's name with an already formatted extension part (cmd 38 keeps the appender's). */
    static String generateWithFormattedExt(String source, int subPathHigh, int subPathLow, long timestamp,
            long fileSize, int crc32, String formattedExt, RandomGenerator random) {
        return encode(source, subPathHigh, subPathLow, timestamp, fileSize, crc32, false, formattedExt, random);
    }

    private static String encode(String source, int subPathHigh, int subPathLow, long timestamp, long fileSize,
            int crc32, boolean appender, String formattedExt, RandomGenerator random) {
        byte[] b = new byte[20];
        encodeSource(source, b);
        Wire.putInt(b, 4, (int) timestamp);
        long masked;
        long r = ((random.nextInt() & 0x007FFFFFL) | 0x80000000L) << 32;
        if (appender) {
            masked = r | APPENDER_FILE_SIZE;
        } else if ((fileSize >> 32) != 0) {
            masked = fileSize;
        } else {
            masked = r | fileSize;
        }
        Wire.putLong(b, 8, masked);
        Wire.putInt(b, 16, crc32);
        String encoded = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
        return String.format("M00/%02X/%02X/%s%s", subPathHigh, subPathLow, encoded, formattedExt);
    }

    /**
     * {@code storage_format_ext_name}: random digits pad the extension part to 7 characters
     * ({@code FDFS_FILE_EXT_NAME_MAX_LEN + 1}), e.g. {@code 123.txt} or {@code 4711081}; so every normal
     * name is {@code FDFS_NORMAL_LOGIC_FILENAME_LENGTH} = 44 characters long.
     */
    static String formatExt(String ext, RandomGenerator random) {
        String e = ext == null ? "" : ext;
        int pad = e.isEmpty() ? Wire.FILE_EXT_NAME_MAX_LEN + 1 : Wire.FILE_EXT_NAME_MAX_LEN - e.length();
        StringBuilder sb = new StringBuilder(Wire.FILE_EXT_NAME_MAX_LEN + 1);
        for (int i = 0; i < pad; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        if (!e.isEmpty()) {
            sb.append('.').append(e);
        }
        return sb.toString();
    }

    /**
     * {@code fdfs_gen_slave_filename}: the master name up to the dot of its extension (searched in the
     * last 7 characters), then the prefix, then {@code .ext} (none when ext is empty).
     */
    static String slaveName(String masterFilename, String prefix, String ext) {
        int from = masterFilename.length() - (Wire.FILE_EXT_NAME_MAX_LEN + 1);
        int dot = masterFilename.indexOf('.', Math.max(0, from));
        String trueExt = ext == null || ext.isEmpty() ? "" : "." + ext;
        String head = dot < 0 ? masterFilename : masterFilename.substring(0, dot);
        return head + prefix + trueExt;
    }

    private static void encodeSource(String source, byte[] b) {
        if (source.indexOf('.') >= 0) {
            String[] parts = source.split("\\.");
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) Integer.parseInt(parts[i]);
            }
        } else {
            // storage id: int2buff(htonl(id)) on a little-endian host puts the id's low byte first
            int id = Integer.parseInt(source);
            b[0] = (byte) id;
            b[1] = (byte) (id >>> 8);
            b[2] = (byte) (id >>> 16);
            b[3] = (byte) (id >>> 24);
        }
    }

    private static String decodeSource(byte[] b) {
        // storage_server_query_file_info: storage_id = ntohl(buff2int(decode_buff)); ids are <= FDFS_MAX_SERVER_ID
        long id = (b[0] & 0xFFL) | (b[1] & 0xFFL) << 8 | (b[2] & 0xFFL) << 16 | (b[3] & 0xFFL) << 24;
        if (id > 0 && id <= Wire.MAX_SERVER_ID) {
            return Long.toString(id);
        }
        return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
    }
}
