package io.github.hakit.testkit.rocket;

/**
 * Broker layouts of a {@link RocketTestCluster}, named like the sample configs that ship with
 * RocketMQ ({@code conf/2m-2s-async}, {@code conf/2m-2s-sync}): two broker groups {@code broker-a}
 * and {@code broker-b}, each a master ({@code brokerId=0}) with one slave ({@code brokerId=1}).
 */
public enum RocketLayout {
    /** {@code 2m-2s-async}: ASYNC_MASTER, replication to the slave after the send returns. */
    TWO_MASTERS_TWO_SLAVES_ASYNC("2m-2s-async", "ASYNC_MASTER"),
    /** {@code 2m-2s-sync}: SYNC_MASTER, a send returns after the slave has the message. */
    TWO_MASTERS_TWO_SLAVES_SYNC("2m-2s-sync", "SYNC_MASTER");

    private final String label;
    private final String masterRole;

    RocketLayout(String label, String masterRole) {
        this.label = label;
        this.masterRole = masterRole;
    }

    /** The conventional name, e.g. {@code 2m-2s-async}. */
    public String label() {
        return label;
    }

    /** The {@code brokerRole} property of the masters. */
    public String masterRole() {
        return masterRole;
    }

    /** Broker group names, in order. */
    public java.util.List<String> brokerNames() {
        return java.util.List.of("broker-a", "broker-b");
    }

    /** Slaves per broker group. */
    public int slavesPerBroker() {
        return 1;
    }
}
