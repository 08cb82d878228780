package io.github.hakit.fastdfs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * What to upload: bytes, a file, or a stream of known length. Bytes and files can be re-read, so an
 * upload that failed before its request was complete can move to another storage; a stream that was
 * partly read cannot.
 *
 * <pre>{@code
 * UploadSource.of(Path.of("photo.jpg"));
 * UploadSource.of(inputStream, length);
 * }</pre>
 */
public abstract class UploadSource {
    private final long length;

    private UploadSource(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("length < 0: " + length);
        }
        this.length = length;
    }

    public static UploadSource of(byte[] data) {
        Objects.requireNonNull(data, "data");
        return new UploadSource(data.length) {
            @Override
            public InputStream open() {
                return new ByteArrayInputStream(data);
            }

            @Override
            public boolean replayable() {
                return true;
            }
        };
    }

    public static UploadSource of(Path file) {
        Objects.requireNonNull(file, "file");
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read size of " + file, e);
        }
        return new UploadSource(size) {
            @Override
            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }

            @Override
            public boolean replayable() {
                return true;
            }
        };
    }

    /** A stream of exactly {@code length} bytes; it is read once and not closed by hakit. */
    public static UploadSource of(InputStream stream, long length) {
        Objects.requireNonNull(stream, "stream");
        return new UploadSource(length) {
            @Override
            public InputStream open() {
                return new java.io.FilterInputStream(stream) {
                    @Override
                    public void close() {
                        // the caller owns the stream
                    }
                };
            }

            @Override
            public boolean replayable() {
                return false;
            }
        };
    }

    public long length() {
        return length;
    }

    /** A fresh stream over the content. */
    public abstract InputStream open() throws IOException;

    /** Whether {@link #open()} may be called again after a failed attempt. */
    public abstract boolean replayable();
}
