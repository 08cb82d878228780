package io.github.hakit.examples.upload;

import io.github.hakit.core.EndpointStatus;
import io.github.hakit.core.Upstream;
import io.github.hakit.fastdfs.ClusterView;
import io.github.hakit.fastdfs.FastDfsClient;
import io.github.hakit.fastdfs.FastDfsException;
import io.github.hakit.fastdfs.FileId;
import io.github.hakit.fastdfs.FileInfo;
import io.github.hakit.fastdfs.UnknownGroupException;
import io.github.hakit.fastdfs.UploadRequest;
import io.github.hakit.fastdfs.UploadSource;
import io.github.hakit.testkit.fastdfs.TestTracker;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * The REST API (and what the page calls). Uploads and downloads stream: nothing holds a whole file in memory.
 *
 * <pre>
 * curl -T photo.jpg 'localhost:8080/api/files?group=group2&amp;name=photo.jpg'      # raw body, any size
 * curl -F file=@photo.jpg 'localhost:8080/api/files?storage=127.0.0.11:40001'     # multipart
 * curl localhost:8080/api/files                                                  # uploads so far
 * curl -o x.jpg 'localhost:8080/api/download?id=group2/M00/00/00/xxx.jpg&amp;via=http'
 * curl localhost:8080/api/status                                                 # trackers, groups, storages
 * </pre>
 */
@RestController
public class FileController {
    private static final int MAX_LISTED = 200;

    private final FastDfsClient fdfs;
    private final ClusterConfiguration.HttpDownloads http;
    private final ObjectProvider<EmbeddedCluster> embedded;
    private final Deque<Upload> uploads = new ConcurrentLinkedDeque<>();

    public FileController(FastDfsClient fdfs, ClusterConfiguration.HttpDownloads http,
            ObjectProvider<EmbeddedCluster> embedded) {
        this.fdfs = fdfs;
        this.http = http;
        this.embedded = embedded;
    }

    /** One upload as the list shows it. */
    public record Upload(String fileId, String name, long size, String target, String sourceIp, Instant at) {
    }

    /** Raw body upload: streamed from the request to the storage (Content-Length required). */
    @PostMapping(value = "/api/files", consumes = MediaType.APPLICATION_OCTET_STREAM_VALUE)
    public Upload uploadRaw(HttpServletRequest request, @RequestParam(required = false) String group,
            @RequestParam(required = false) String storage, @RequestParam(defaultValue = "upload.bin") String name)
            throws IOException {
        long length = request.getContentLengthLong();
        if (length < 0) {
            throw new IllegalArgumentException("Content-Length required (the body is streamed to FastDFS)");
        }
        try (InputStream in = request.getInputStream()) {
            return store(in, length, name, group, storage);
        }
    }

    /** Multipart upload ({@code curl -F file=@x}); Spring spools the part to disk, then it is streamed on. */
    @PostMapping(value = "/api/files", consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    public Upload uploadMultipart(@RequestParam("file") MultipartFile file, @RequestParam(required = false) String group,
            @RequestParam(required = false) String storage) throws IOException {
        try (InputStream in = file.getInputStream()) {
            String name = file.getOriginalFilename() == null || file.getOriginalFilename().isBlank() ? "upload.bin"
                    : file.getOriginalFilename();
            return store(in, file.getSize(), name, group, storage);
        }
    }

    private Upload store(InputStream in, long length, String name, String group, String storage) {
        if (group != null && !group.isBlank() && storage != null && !storage.isBlank()) {
            throw new IllegalArgumentException("give a group or a storage, not both (group=" + group + ", storage="
                    + storage + ")");
        }
        String cleanName = name.replaceAll("[^A-Za-z0-9._ -]", "_");
        UploadRequest.Builder request = UploadRequest.builder().ext(ext(cleanName)).metadata("name", cleanName);
        String target = "any group";
        if (group != null && !group.isBlank()) {
            request.group(group);
            target = "group " + group;
        } else if (storage != null && !storage.isBlank()) {
            request.storage(storage);
            target = "storage " + storage;
        }
        FileId id = fdfs.upload(UploadSource.of(in, length), request.build());
        String source = "";
        try {
            source = fdfs.info(id).sourceIp();
        } catch (FastDfsException e) {
            source = "?";
        }
        Upload u = new Upload(id.toString(), cleanName, length, target, source, Instant.now());
        uploads.addFirst(u);
        while (uploads.size() > MAX_LISTED) {
            uploads.pollLast();
        }
        return u;
    }

    private static String ext(String name) {
        int dot = name.lastIndexOf('.');
        String ext = dot < 0 ? "" : name.substring(dot + 1);
        return ext.matches("[A-Za-z0-9]{1,6}") ? ext : "bin";
    }

    @GetMapping("/api/files")
    public List<Upload> list() {
        return new ArrayList<>(uploads);
    }

    /** Streams a file through the storage protocol ({@code via=storage}) or the HTTP upstream ({@code via=http}). */
    @GetMapping("/api/download")
    public void download(@RequestParam String id, @RequestParam(defaultValue = "storage") String via,
            HttpServletResponse response) throws IOException {
        FileId fileId = FileId.parse(id);
        FileInfo info = fdfs.info(fileId);
        response.setContentType(MediaType.APPLICATION_OCTET_STREAM_VALUE);
        response.setContentLengthLong(info.size());
        String name = fdfs.metadata(fileId).getOrDefault("name", "download.bin");
        response.setHeader("Content-Disposition", "attachment; filename=\"" + name.replace("\"", "") + "\"");
        response.setHeader("X-Downloaded-Via", via);
        OutputStream out = response.getOutputStream();
        switch (via) {
            case "storage" -> fdfs.download(fileId, out);
            case "http" -> http.get().orElseThrow(() -> new IllegalArgumentException(
                    "no web servers configured for HTTP downloads (group-upload.http.<group>)")).download(fileId, out);
            default -> throw new IllegalArgumentException("via must be storage or http: " + via);
        }
    }

    @GetMapping("/api/meta")
    public Map<String, Object> meta(@RequestParam String id) {
        FileId fileId = FileId.parse(id);
        FileInfo info = fdfs.info(fileId);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("fileId", fileId.toString());
        m.put("size", info.size());
        m.put("created", info.created().toString());
        m.put("crc32", Long.toHexString(info.crc32() & 0xffffffffL));
        m.put("sourceIp", info.sourceIp());
        m.put("storages", fdfs.storagesOf(fileId));
        m.put("metadata", fdfs.metadata(fileId));
        return m;
    }

    /** Trackers (hakit's view: health checks and passive accounting), groups and storages (a tracker's view). */
    @GetMapping("/api/status")
    public Map<String, Object> status() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("trackers", endpoints(fdfs.trackers()));
        try {
            ClusterView view = fdfs.clusterView();
            List<Map<String, Object>> groups = new ArrayList<>();
            view.groups().forEach(g -> {
                Map<String, Object> gm = new LinkedHashMap<>();
                gm.put("name", g.name());
                gm.put("freeMb", g.freeMb());
                gm.put("storages", g.storages().stream().map(st -> Map.of("address", st.address(), "status",
                        st.status().name(), "id", st.id() == null ? "" : st.id())).toList());
                groups.add(gm);
            });
            s.put("groups", groups);
            s.put("answeredBy", view.tracker());
            s.put("layout", view.layout().toString());
        } catch (RuntimeException e) {
            s.put("groups", List.of());
            s.put("error", e.getMessage());
        }
        Map<String, Object> httpUpstreams = new LinkedHashMap<>();
        http.get().ifPresent(h -> {
            for (Object g : (List<?>) s.getOrDefault("groups", List.of())) {
                String name = String.valueOf(((Map<?, ?>) g).get("name"));
                try {
                    httpUpstreams.put(name, endpoints(h.upstream(name)));
                } catch (RuntimeException e) {
                    // no web servers for this group
                }
            }
        });
        s.put("http", httpUpstreams);
        EmbeddedCluster e = embedded.getIfAvailable();
        s.put("embedded", e != null);
        if (e != null) {
            s.put("webServers", e.webKind());
        }
        return s;
    }

    private static List<Map<String, Object>> endpoints(Upstream upstream) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (EndpointStatus es : upstream.status().endpoints()) {
            list.add(Map.of("address", es.address(), "status", es.statusText(), "up", es.state().takesTraffic(),
                    "ok", es.successes(), "failed", es.failures(), "check", es.lastCheck() == null ? "" : es.lastCheck()));
        }
        return list;
    }

    /** Embedded cluster only: stop (as a kill: connections closed) or start a tracker, for the demo. */
    @PostMapping("/api/demo/trackers/{index}/{action}")
    public Map<String, Object> tracker(@PathVariable int index, @PathVariable String action) {
        EmbeddedCluster e = embedded.getIfAvailable();
        if (e == null) {
            throw new IllegalArgumentException("only the embedded cluster can be stopped from here");
        }
        if (index < 0 || index >= e.trackers().size()) {
            throw new IllegalArgumentException("no tracker " + index + " (have 0.." + (e.trackers().size() - 1) + ")");
        }
        TestTracker t = e.trackers().get(index);
        switch (action) {
            case "stop" -> t.stop();
            case "start" -> t.start();
            default -> throw new IllegalArgumentException("action must be stop or start: " + action);
        }
        return Map.of("tracker", t.address(), "listening", t.isListening());
    }

    @ExceptionHandler(IllegalArgumentException.class)
    public ResponseEntity<Map<String, String>> badRequest(IllegalArgumentException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", String.valueOf(e.getMessage())));
    }

    @ExceptionHandler(UnknownGroupException.class)
    public ResponseEntity<Map<String, String>> unknownGroup(UnknownGroupException e) {
        return ResponseEntity.status(HttpStatus.BAD_REQUEST).body(Map.of("error", String.valueOf(e.getMessage())));
    }

    @ExceptionHandler(FastDfsException.class)
    public ResponseEntity<Map<String, String>> fastdfs(FastDfsException e) {
        return ResponseEntity.status(HttpStatus.BAD_GATEWAY).body(Map.of("error", String.valueOf(e.getMessage())));
    }

}
