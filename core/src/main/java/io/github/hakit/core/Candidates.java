package io.github.hakit.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * A per-call list of endpoints for {@link Upstream#execute(Candidates, CallOptions, UpstreamCall)}: a topic's
 * brokers, the storages that hold a file, the replicas a tracker named. The upstream remembers how every endpoint
 * it has seen fared (OkHttp's {@code RouteDatabase} idea, with Nginx's {@code max_fails}/{@code fail_timeout} from
 * each endpoint), across calls and lists: an endpoint that failed is skipped while it is out, its ejection and its
 * end show in {@link Upstream#status()}, metrics and listener events like those of configured endpoints.
 *
 * <pre>{@code
 * // try the storage the tracker named first, then the group's other storages (fetched only if needed)
 * Candidates storages = Candidates.of(List.of(first)).orElse(() -> fetchAll(fileId));
 * byte[] data = storageUpstream.execute(storages, CallOptions.idempotent(), a -> download(a.endpoint(), a.timeout()));
 *
 * // spread sends over a topic's brokers, round robin from call to call
 * SendResult r = brokers.execute(Candidates.rotating(brokerEndpoints), CallOptions.nonIdempotent(), a -> send(a));
 * }</pre>
 *
 * <p>Endpoints are identified by {@link Endpoint#name()}. When every candidate is out, the upstream's
 * {@link io.github.hakit.core.balance.AllDownPolicy} decides: fail fast (Nginx), or try the one whose ejection ends
 * first (OkHttp: failed routes are postponed, not banned).
 */
public final class Candidates {
    private final List<Endpoint> endpoints;
    private final boolean rotating;
    private final Supplier<List<Endpoint>> more;

    private Candidates(List<Endpoint> endpoints, boolean rotating, Supplier<List<Endpoint>> more) {
        this.endpoints = endpoints;
        this.rotating = rotating;
        this.more = more;
    }

    /** The endpoints in the given order (the first usable one takes the call). */
    public static Candidates of(List<Endpoint> endpoints) {
        return new Candidates(validated(endpoints), false, null);
    }

    /** The endpoints in the given order. */
    public static Candidates of(Endpoint... endpoints) {
        return of(List.of(endpoints));
    }

    /** The endpoints with a start that rotates from call to call (round robin over the list). */
    public static Candidates rotating(List<Endpoint> endpoints) {
        return new Candidates(validated(endpoints), true, null);
    }

    /**
     * The same candidates, then, once they are used up, those {@code more} returns (asked at most once per call,
     * duplicates dropped): for "the one the tracker named, else any replica".
     */
    public Candidates orElse(Supplier<List<Endpoint>> more) {
        return new Candidates(endpoints, rotating, Objects.requireNonNull(more, "more"));
    }

    private static List<Endpoint> validated(List<Endpoint> endpoints) {
        Objects.requireNonNull(endpoints, "endpoints");
        List<Endpoint> copy = new ArrayList<>(endpoints.size());
        for (Endpoint e : endpoints) {
            copy.add(Objects.requireNonNull(e, "endpoint"));
        }
        return List.copyOf(copy);
    }

    /** The endpoints, in order. */
    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** Whether the start rotates from call to call. */
    public boolean isRotating() {
        return rotating;
    }

    /** Where more candidates come from, or {@code null}. */
    public Supplier<List<Endpoint>> more() {
        return more;
    }

    @Override
    public String toString() {
        return "Candidates" + endpoints + (rotating ? " rotating" : "") + (more != null ? " orElse(...)" : "");
    }
}
