package io.github.hakit.fastdfs;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Where and how to upload.
 *
 * <pre>{@code
 * UploadRequest.builder().group("group1").ext("jpg").metadata("author", "ops").build();
 * UploadRequest.builder().storage("10.0.0.5:23000").build(); // like fdfs_upload_file conf file 10.0.0.5:23000
 * UploadRequest.builder().appender().build();
 * UploadRequest.builder().slaveOf(master, "_150x150").ext("jpg").build();
 * }</pre>
 *
 * @param group target group, or null for the tracker's choice
 * @param storage target storage {@code host:port}, or null
 * @param ext file extension without its leading dot, at most 6 of {@code [A-Za-z0-9._-]} ({@code tar.gz} too: a
 *            real 6.16 storage accepts dots, {@code fdfs_validate_filename}), may be empty; hakit rejects
 *            {@code ..} and a leading dot (which the server would accept: its name would then contain {@code ..},
 *            which hakit refuses in file ids as a path)
 * @param metadata metadata to set after the upload (empty for none)
 * @param appender create an appender file
 * @param master master file for a slave upload, or null
 * @param prefix slave prefix (required with master)
 */
public record UploadRequest(String group, String storage, String ext, Map<String, String> metadata, boolean appender,
        FileId master, String prefix) {

    public UploadRequest {
        if (group != null) {
            FileId.validateGroup(group);
        }
        if (storage != null) {
            if (!storage.matches("[^:\\s]+:[0-9]{1,5}")) {
                throw new IllegalArgumentException("storage must be host:port: '" + FileId.quote(storage) + "'");
            }
            int port = Integer.parseInt(storage.substring(storage.indexOf(':') + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("storage port must be 1..65535: '" + storage + "'");
            }
        }
        ext = ext == null ? "" : ext;
        if (ext.length() > 6 || !ext.matches("[A-Za-z0-9._-]*") || ext.contains("..") || ext.startsWith(".")) {
            throw new IllegalArgumentException("extension must be at most 6 of [A-Za-z0-9._-], not starting with '.' and"
                    + " without '..': '"
                    + FileId.quote(ext) + "'");
        }
        metadata = Map.copyOf(metadata == null ? Map.of() : metadata);
        if (master != null) {
            if (prefix == null || prefix.isEmpty() || prefix.length() > 16 || !prefix.matches("[A-Za-z0-9_-]+")) {
                throw new IllegalArgumentException("slave prefix must be 1..16 of [A-Za-z0-9_-]: '" + prefix + "'");
            }
            if (appender) {
                throw new IllegalArgumentException("a slave file cannot be an appender file");
            }
        }
        if (group != null && storage != null) {
            throw new IllegalArgumentException("give a group or a storage, not both");
        }
    }

    /** Upload anywhere, no extension, no metadata. */
    public static UploadRequest anywhere() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link UploadRequest}. */
    public static final class Builder {
        private String group;
        private String storage;
        private String ext = "";
        private final Map<String, String> metadata = new LinkedHashMap<>();
        private boolean appender;
        private FileId master;
        private String prefix;

        private Builder() {
        }

        public Builder group(String group) {
            this.group = group;
            return this;
        }

        /** Upload to this storage ({@code host:port}); if it is unreachable, to another storage of its group. */
        public Builder storage(String hostPort) {
            this.storage = hostPort;
            return this;
        }

        public Builder ext(String ext) {
            this.ext = ext;
            return this;
        }

        public Builder metadata(String name, String value) {
            metadata.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        public Builder metadata(Map<String, String> values) {
            metadata.putAll(values);
            return this;
        }

        public Builder appender() {
            this.appender = true;
            return this;
        }

        public Builder slaveOf(FileId master, String prefix) {
            this.master = Objects.requireNonNull(master, "master");
            this.prefix = prefix;
            return this;
        }

        public UploadRequest build() {
            return new UploadRequest(group, storage, ext, metadata, appender, master, prefix);
        }
    }
}
