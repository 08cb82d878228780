package io.github.hakit.core.internal;

import io.github.hakit.core.HealthState;

/** Where health code reports transitions while a lock is held; they are delivered after it is released. Not API. */
public interface StateSink {
    /** {@code n} went from {@code from} to {@code to}. */
    void changed(Node n, HealthState from, HealthState to, String cause);

    /** A warning about {@code n} worth one log line (no state change). */
    void note(Node n, String warning);
}
