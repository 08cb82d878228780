package io.github.hakit.rocket;

/**
 * Why a send attempt failed, as hakit classifies it. Each kind says whether another broker may be
 * tried and whether the message may already be stored (so that a retry can duplicate it; RocketMQ
 * delivers at least once, and every message keeps its client-side unique key across retries).
 */
public enum SendFailureKind {
    /** No connection to the broker (refused, reset before the request was written). Not stored. */
    CONNECTION(true, false),
    /** The request was written but the connection broke before an answer. May be stored. */
    CONNECTION_AFTER_SEND(true, true),
    /** No answer within the attempt's share of the deadline. May be stored. */
    TIMEOUT(true, true),
    /** The broker refused for load ({@code SYSTEM_BUSY}, "[TIMEOUT_CLEAN_QUEUE]broker busy", page cache busy). Not stored. */
    BROKER_BUSY(true, false),
    /** No route to the topic (unknown topic, broker missing from the route). Not stored. */
    NO_ROUTE(true, false),
    /** The broker cannot take writes now (service not available, no write permission, system error). */
    BROKER_ERROR(true, false),
    /** Stored on the master but not flushed or not replicated in time ({@code SendStatus != SEND_OK}), when hakit is asked to treat that as a failure. */
    NOT_STORED_OK(true, true),
    /** The broker or client rejected the message itself (illegal message, too large...). Retrying cannot help. */
    REJECTED(false, false),
    /** The calling thread was interrupted; the interrupt flag is restored. */
    INTERRUPTED(false, true),
    /** Anything else from the client (not started, shut down, a bug). */
    CLIENT_ERROR(false, true);

    private final boolean retriable;
    private final boolean mayBeStored;

    SendFailureKind(boolean retriable, boolean mayBeStored) {
        this.retriable = retriable;
        this.mayBeStored = mayBeStored;
    }

    /** Whether a different broker may be tried. */
    public boolean retriable() {
        return retriable;
    }

    /** Whether the message may have been stored despite the failure (a retry may duplicate it). */
    public boolean mayBeStored() {
        return mayBeStored;
    }
}
