package io.github.hakit.examples.tour;

import java.util.List;
import java.util.Locale;

/**
 * One client's numbers in one scenario.
 *
 * @param client      who made the calls ("hakit FastDfsClient", "fastdfs-client-java 1.30")
 * @param calls       calls made
 * @param failures    calls whose caller saw an exception or an error result
 * @param failoverMs  from the fault to the first successful call after it (-1: none succeeded; null: n/a)
 * @param lost        work the caller was told was done that cannot be found afterwards (null: n/a)
 * @param note        anything else worth saying, in a few words
 */
record Row(String client, int calls, int failures, Long failoverMs, Long lost, String note) {
    boolean hakit() {
        return client.startsWith("hakit");
    }

    List<String> cells() {
        return List.of(client, Integer.toString(calls), Integer.toString(failures),
                failoverMs == null ? "n/a" : failoverMs < 0 ? "never" : failoverMs + " ms",
                lost == null ? "n/a" : Long.toString(lost), note);
    }

    /** "0 lost / 0 failures" (the line CI checks for the hakit row). */
    String verdict() {
        return String.format(Locale.ROOT, "%s lost / %d failures", lost == null ? "-" : Long.toString(lost), failures);
    }

    static List<String> header() {
        return List.of("client", "calls", "caller-visible failures", "time to fail over", "lost", "note");
    }
}
