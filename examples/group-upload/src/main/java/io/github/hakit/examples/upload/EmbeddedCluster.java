package io.github.hakit.examples.upload;

import com.sun.net.httpserver.HttpServer;
import io.github.hakit.testkit.Ports;
import io.github.hakit.testkit.fastdfs.FastDfsTestCluster;
import io.github.hakit.testkit.fastdfs.TestStorage;
import io.github.hakit.testkit.fastdfs.TestTracker;
import io.github.hakit.testkit.proxy.NginxServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default cluster: testkit's FastDFS servers in this JVM (2 trackers on 127.0.0.2-3, group1 and group2 with 2
 * storages each on 127.0.0.11-14, replication 300 ms) and a web server per storage serving its files the way the
 * seed's Nginx does ({@code location /groupN/M00/ { alias <store>/data/; }}): the Debian Nginx when installed,
 * otherwise a small JDK HTTP server (said so in the log and the status panel).
 */
public final class EmbeddedCluster implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedCluster.class);

    private final FastDfsTestCluster cluster;
    private final Path webDir;
    private final List<AutoCloseable> webServers = new ArrayList<>();
    private final Map<String, String> webByStorage = new LinkedHashMap<>();
    private final String webKind;

    public EmbeddedCluster() throws IOException {
        cluster = FastDfsTestCluster.builder().trackers(2).group("group1", 2).group("group2", 2)
                .replicationDelay(Duration.ofMillis(300)).build();
        webDir = Files.createTempDirectory("hakit-group-upload-web-");
        boolean nginx = NginxServer.available();
        webKind = nginx ? "nginx" : "jdk-http (install nginx-light for a real Nginx)";
        try {
            for (TestStorage s : cluster.storages()) {
                int port = Ports.freePort(s.host());
                String location = "/" + s.group() + "/M00/";
                if (nginx) {
                    webServers.add(NginxServer.builder(webDir.resolve(s.host())).name("nginx-" + s.host())
                            .server(s.host(), port, "location " + location + " { alias " + s.dataDir() + "/; }")
                            .start());
                } else {
                    webServers.add(jdkWebServer(s.host(), port, location, s.dataDir()));
                }
                webByStorage.put(s.address(), s.host() + ":" + port);
            }
        } catch (RuntimeException | IOException e) {
            close();
            throw e;
        }
        log.info("embedded FastDFS cluster: trackers {}, web servers ({}) {}", cluster.trackerAddresses(), webKind,
                webByStorage);
    }

    public String trackerAddresses() {
        return cluster.trackerAddresses();
    }

    public List<TestTracker> trackers() {
        return cluster.trackers();
    }

    /** Per group, its storages' web servers ({@code h:p,h:p}), for {@code FastDfsHttp}. */
    public Map<String, String> webServersByGroup() {
        Map<String, String> byGroup = new LinkedHashMap<>();
        for (String g : cluster.groupNames()) {
            List<String> list = cluster.storages(g).stream().map(s -> webByStorage.get(s.address())).toList();
            byGroup.put(g, String.join(",", list));
        }
        return byGroup;
    }

    public String webKind() {
        return webKind;
    }

    public FastDfsTestCluster cluster() {
        return cluster;
    }

    /** Serves {@code location} from {@code dir} like Nginx's {@code alias}; GET only, no directory listings. */
    private static AutoCloseable jdkWebServer(String host, int port, String location, Path dir) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(Ports.loopback(host), port), 16);
        server.createContext(location, exchange -> {
            try (exchange) {
                String rest = exchange.getRequestURI().getPath().substring(location.length());
                Path file = dir.resolve(rest).normalize();
                if (!"GET".equals(exchange.getRequestMethod()) || !file.startsWith(dir) || !Files.isRegularFile(file)) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, Files.size(file));
                try (InputStream in = Files.newInputStream(file); OutputStream out = exchange.getResponseBody()) {
                    in.transferTo(out);
                }
            }
        });
        server.start();
        return () -> server.stop(0);
    }

    @Override
    public void close() {
        for (AutoCloseable w : webServers) {
            try {
                w.close();
            } catch (Exception e) {
                log.warn("stopping a web server failed", e);
            }
        }
        cluster.close();
        io.github.hakit.testkit.TempDirs.deleteTree(webDir);
    }
}
