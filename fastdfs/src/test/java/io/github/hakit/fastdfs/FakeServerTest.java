package io.github.hakit.fastdfs;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** Base of the fake-server tests: servers and clients made by a test are closed after it. */
abstract class FakeServerTest {
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        closeables.clear();
    }

    <T extends AutoCloseable> T closeLater(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    FakeFdfsServer server(String host, FakeFdfsServer.Handler h) throws Exception {
        return closeLater(new FakeFdfsServer(host, h));
    }
}
