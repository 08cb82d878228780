package io.github.hakit.testkit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class FdfsFileNameTest {
    @Test
    void generatedNameDecodesToItsFieldsAndHasTheNormalLength() {
        String name = FdfsFileName.generate("127.0.0.11", 0x0A, 0xFF, 1_700_000_000L, 12345, 0xCAFEBABE, false,
                "jpg", new Random(1));
        assertEquals(44, name.length(), name); // FDFS_NORMAL_LOGIC_FILENAME_LENGTH
        assertTrue(name.startsWith("M00/0A/FF/"), name);
        assertTrue(name.endsWith(".jpg"), name);
        FdfsFileName parsed = FdfsFileName.parse(name);
        assertEquals("127.0.0.11", parsed.source());
        assertEquals(1_700_000_000L, parsed.timestamp());
        assertEquals(12345, parsed.fileSize());
        assertEquals(0xCAFEBABE, parsed.crc32());
        assertFalse(parsed.appender());
        assertEquals(10, parsed.subPathHigh());
    }

    @Test
    void storageIdsAndAppenderFlagRoundTrip() {
        String name = FdfsFileName.generate("100002", 0, 0, 5, 0, 7, true, "", new Random(2));
        assertEquals(44, name.length(), name);
        FdfsFileName parsed = FdfsFileName.parse(name);
        assertEquals("100002", parsed.source());
        assertTrue(parsed.appender());
    }

    @Test
    void slaveNameReplacesTheExtensionAfterThePaddedDigits() {
        assertEquals("M00/00/00/abcdefghijklmnopqrstuvwxyz0123_150x150.png",
                FdfsFileName.slaveName("M00/00/00/abcdefghijklmnopqrstuvwxyz0123.jpg", "_150x150", "png"));
        assertEquals("M00/00/00/abcdefghijklmnopqrstuvwxyz01234567_s",
                FdfsFileName.slaveName("M00/00/00/abcdefghijklmnopqrstuvwxyz01234567", "_s", ""));
    }

    @Test
    void garbageIsRejectedWithTheName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FdfsFileName.parse("x/y"));
        assertTrue(e.getMessage().contains("x/y"));
        assertEquals(Wire.EINVAL, TestStorage.checkFilename("M00/00/00/../../../../etc/passwd_xxxxxxxxxxxxxxxxxxxx"));
        assertEquals(0, TestStorage.checkFilename("M00/00/00/abcdefghijklmnopqrstuvwxyz01234567"));
    }
}
