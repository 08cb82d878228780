package io.github.hakit.fastdfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FileIdTest {
    @ParameterizedTest
    @CsvSource({
        "group1/M00/00/0A/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt, group1, M00/00/0A/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt",
        "g_2/M01/FF/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys1234567, g_2, M01/FF/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys1234567",
        "group1/M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123_150x150.jpg, group1, M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123_150x150.jpg",
    })
    void validIdsSplitIntoGroupAndRemoteName(String id, String group, String remote) {
        FileId f = FileId.parse(id);
        assertEquals(group, f.group());
        assertEquals(remote, f.remoteName());
        assertEquals(id, f.toString());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "group1/M00/../../etc/passwd_xxxxxxxxxxxxxxxxxxxxxxxxxxxx | '..'",
        "/group1/M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt | absolute",
        "group1 | no group",
        "group1/M00/00/00/short.txt | not a FastDFS file name",
        "grp-1/M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt | invalid group name",
        "group1234567890123/M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt | invalid group name",
        "group1/MXX/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt | not a FastDFS file name",
        "group1/M00/0g/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt | not a FastDFS file name",
        "group1/M00/00/00/sub/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123.txt | not a FastDFS file name",
        "group1/M00/00/00/wKgBcFm4Yz2AUJ-xAAAA3dPb0Ys123 .txt | not a FastDFS file name",
    })
    void forgedIdsAreRejectedWithAMessageNamingThem(String id, String why) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileId.parse(id));
        assertTrue(e.getMessage().contains(why), e.getMessage());
        assertTrue(e.getMessage().contains(id.length() > 40 ? id.substring(0, 20) : id), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {128, 200})
    void overlongNamesAreRejected(int length) {
        String id = "group1/M00/00/00/" + "a".repeat(length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileId.parse(id));
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
    }
}
