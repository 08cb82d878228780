package io.github.hakit.bench.dubbo;

/** The trivial service of the Dubbo benchmark. */
public interface Echo {
    /** Returns {@code "<provider name>:" + text}. */
    String echo(String text);
}
