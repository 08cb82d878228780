package io.github.hakit.core.internal;

import java.util.ArrayList;

/**
 * Events collected while a lock is held and delivered once it is released, so that no listener ever runs under
 * an upstream's lock. Not API.
 */
public final class Pending {
    private ArrayList<Runnable> events;

    /** Queues {@code event} for {@link #fire()}. */
    public void add(Runnable event) {
        if (events == null) {
            events = new ArrayList<>(2);
        }
        events.add(event);
    }

    /** Runs the queued events in order; call with no lock held. */
    public void fire() {
        if (events != null) {
            ArrayList<Runnable> run = events;
            events = null;
            for (Runnable r : run) {
                r.run();
            }
        }
    }
}
