package io.github.hakit.testkit;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * What a test does when a real server it needs is not installed: with
 * {@code -Dhakit.requireServers=true} (CI) it fails, otherwise it is skipped with the reason.
 */
public final class RequiredServers {
    /** System property that turns a missing server into a failure. */
    public static final String PROPERTY = "hakit.requireServers";

    private RequiredServers() {
    }

    /** True when missing servers must fail the run. */
    public static boolean required() {
        return Boolean.getBoolean(PROPERTY);
    }

    /**
     * Checks that a server is available; fails or aborts the current test otherwise.
     *
     * @param available whether the server (binary, package, port) was found
     * @param what what is missing and how to get it, e.g. "rabbitmq-server (apt-get install rabbitmq-server)"
     */
    public static void require(boolean available, String what) {
        if (available) {
            return;
        }
        String message = "required server not available: " + what;
        if (required()) {
            Assertions.fail(message + " (-D" + PROPERTY + "=true)");
        }
        Assumptions.abort(message);
    }
}
