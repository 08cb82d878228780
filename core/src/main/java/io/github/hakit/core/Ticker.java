package io.github.hakit.core;

/**
 * A monotonic time source in nanoseconds. Inject a fake one in tests; production code uses {@link #system()}.
 *
 * <pre>{@code
 * Upstream up = Upstream.builder("x").endpoints("a:1,b:2").ticker(Ticker.system()).build();
 * }</pre>
 */
@FunctionalInterface
public interface Ticker {
    /** Nanoseconds since an arbitrary origin; only differences are meaningful. */
    long read();

    /** {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }
}
