package io.github.hakit.fastdfs.internal;

import java.io.IOException;

/** A server answered something that is not a valid FastDFS response (garbage, wrong command, bad length). */
public final class ProtocolViolationException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolViolationException(String message) {
        super(message);
    }
}
