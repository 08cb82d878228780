package io.github.hakit.rocket;

import java.time.Duration;
import java.util.List;

/**
 * Where a {@link NameServerGroup} gets its NameServer addresses ({@code host:port}): a fixed list, or
 * something that can change at run time, like RocketMQ's own HTTP address server
 * ({@link HttpNameServerSource}). The group calls {@link #fetch} periodically and keeps the last good
 * answer when a fetch fails or returns nothing.
 *
 * <pre>{@code
 * NameServerSource fixed = NameServerSource.of(List.of("10.0.0.1:9876", "10.0.0.2:9876"));
 * }</pre>
 */
@FunctionalInterface
public interface NameServerSource {
    /**
     * The current addresses ({@code host:port}).
     *
     * @param timeout how long the fetch may take
     * @throws Exception when the source cannot answer (the group keeps its last good list)
     */
    List<String> fetch(Duration timeout) throws Exception;

    /** A fixed list. */
    static NameServerSource of(List<String> addresses) {
        List<String> copy = NameServerAddresses.validate(addresses);
        return timeout -> copy;
    }

    /** What this source is, for logs. */
    default String describe() {
        return getClass().getSimpleName();
    }
}
