package io.github.hakit.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempDirsTest {
    @Test
    void deletesANestedTreeAndToleratesAMissingOne(@TempDir Path tmp) throws IOException {
        Path root = tmp.resolve("node");
        Files.createDirectories(root.resolve("data/00/01"));
        Files.writeString(root.resolve("data/00/01/file"), "x");
        Files.writeString(root.resolve("log"), "y");
        TempDirs.deleteTree(root);
        assertFalse(Files.exists(root));
        TempDirs.deleteTree(root); // already gone: no exception
        assertTrue(Files.exists(tmp));
    }
}
