package io.github.hakit.core;

import java.util.List;

/**
 * No endpoint could complete the call: none was usable, or every allowed attempt failed (Nginx's "no live
 * upstreams" / HAProxy's 503). The message and {@link #attempts()} name each endpoint tried and its cause.
 */
public class NoLiveEndpointException extends UpstreamCallException {
    private static final long serialVersionUID = 1L;

    public NoLiveEndpointException(String upstream, String message, List<AttemptRecord> attempts, Throwable cause) {
        super(upstream, message, attempts, cause);
    }
}
