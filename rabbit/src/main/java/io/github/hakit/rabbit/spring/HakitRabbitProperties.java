package io.github.hakit.rabbit.spring;

import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.HealthCheckSettings;
import io.github.hakit.core.spring.ClusterHealthSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code hakit.rabbit.*}: the nodes and how hakit checks and reaches them. With Spring AMQP in the application,
 * nothing here is needed: the nodes, credentials, virtual host and TLS come from {@code spring.rabbitmq.*}, and
 * {@code hakit.rabbit.addresses} (or {@code servers}) only overrides which nodes hakit checks and orders. Unknown
 * keys under {@code hakit.rabbit} stop the application (a typo must not switch failover off silently).
 *
 * <pre>
 * spring.rabbitmq.addresses=10.0.0.1:5672,10.0.0.2:5672,10.0.0.3:5672   # Spring AMQP: all it takes
 *
 * hakit.rabbit.addresses=10.0.0.1:5672,10.0.0.2:5672,10.0.0.3:5672      # hakit's own API (ReliablePublisher)
 * hakit.rabbit.username=app
 * hakit.rabbit.password=secret
 * hakit.rabbit.management-urls=http://10.0.0.1:15672,http://10.0.0.2:15672
 * hakit.rabbit.publisher.enabled=true
 * hakit.rabbit.publisher.leader-queue=orders
 * </pre>
 */
@ConfigurationProperties(prefix = "hakit.rabbit", ignoreUnknownFields = false)
public class HakitRabbitProperties {
    /** Default AMQP port for entries without one. */
    public static final int DEFAULT_PORT = 5672;

    /** Whether hakit's RabbitMQ support is on at all (cluster, Spring AMQP integration, health, meters). */
    private boolean enabled = true;
    /**
     * Nodes as host[:port] entries separated by ',', ';' or whitespace (port 5672 by default), or Nginx 'server'
     * lines. Without it (and without 'servers'), the nodes are Spring AMQP's spring.rabbitmq.addresses / host+port.
     */
    private String addresses;
    /** HAProxy 'server' lines instead of (or besides) addresses, e.g. 'server a 10.0.0.1:5672 check inter 2s'. */
    private List<String> servers = new ArrayList<>();
    /** User for hakit's own connections (ignored when the nodes come from spring.rabbitmq.*, which has its own). */
    private String username = "guest";
    /** Password for hakit's own connections (ignored when the nodes come from spring.rabbitmq.*). */
    private String password = "guest";
    /** Virtual host for hakit's own connections (ignored when the nodes come from spring.rabbitmq.*). */
    private String virtualHost = "/";
    /** Management API base URLs (http://host:15672), for the cluster view in health and leader-aware placement. */
    private List<String> managementUrls = new ArrayList<>();
    /**
     * TCP connect timeout per node. Also applied to Spring AMQP's connection factory unless
     * spring.rabbitmq.connection-timeout is set.
     */
    private Duration connectionTimeout = Duration.ofSeconds(2);
    /** AMQP handshake timeout per node (also Spring AMQP's, which has no property of its own). */
    private Duration handshakeTimeout = Duration.ofSeconds(2);
    /** Requested heartbeat. Also Spring AMQP's unless spring.rabbitmq.requested-heartbeat is set. */
    private Duration heartbeat = Duration.ofSeconds(5);
    /** Active checks (HAProxy semantics) through an AMQP handshake: inter 1s, fast-inter 250ms, rise 2, fall 2, timeout 1s. */
    private final HealthCheckSettings healthCheck = new HealthCheckSettings(HealthCheckConfig.builder()
            .inter(Duration.ofSeconds(1)).fastInter(Duration.ofMillis(250)).rise(2).fall(2).build());
    private final Publisher publisher = new Publisher();
    private final SpringAmqp springAmqp = new SpringAmqp();
    private final ClusterHealthSettings health = new ClusterHealthSettings();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public String getAddresses() {
        return addresses;
    }

    public void setAddresses(String addresses) {
        this.addresses = addresses;
    }

    public List<String> getServers() {
        return servers;
    }

    public void setServers(List<String> servers) {
        this.servers = servers;
    }

    /** Whether hakit.rabbit.addresses or hakit.rabbit.servers name the nodes. */
    public boolean hasOwnNodes() {
        return (addresses != null && !addresses.isBlank()) || servers.stream().anyMatch(s -> s != null && !s.isBlank());
    }

    public String getUsername() {
        return username;
    }

    public void setUsername(String username) {
        this.username = username;
    }

    public String getPassword() {
        return password;
    }

    public void setPassword(String password) {
        this.password = password;
    }

    public String getVirtualHost() {
        return virtualHost;
    }

    public void setVirtualHost(String virtualHost) {
        this.virtualHost = virtualHost;
    }

    public List<String> getManagementUrls() {
        return managementUrls;
    }

    public void setManagementUrls(List<String> managementUrls) {
        this.managementUrls = managementUrls;
    }

    public Duration getConnectionTimeout() {
        return connectionTimeout;
    }

    public void setConnectionTimeout(Duration connectionTimeout) {
        this.connectionTimeout = connectionTimeout;
    }

    public Duration getHandshakeTimeout() {
        return handshakeTimeout;
    }

    public void setHandshakeTimeout(Duration handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
    }

    public Duration getHeartbeat() {
        return heartbeat;
    }

    public void setHeartbeat(Duration heartbeat) {
        this.heartbeat = heartbeat;
    }

    public HealthCheckSettings getHealthCheck() {
        return healthCheck;
    }

    public Publisher getPublisher() {
        return publisher;
    }

    public SpringAmqp getSpringAmqp() {
        return springAmqp;
    }

    public ClusterHealthSettings getHealth() {
        return health;
    }

    /** The {@code ReliablePublisher} bean (hakit's zero-loss publisher), off unless {@code enabled}. */
    public static class Publisher {
        /** Whether to create a ReliablePublisher bean (needs hakit.rabbit.addresses or spring.rabbitmq.*). */
        private boolean enabled;
        /** Unconfirmed messages allowed in flight; a full window blocks the caller up to block-timeout. */
        private int maxInFlight = 10_000;
        /** How long a publish waits for room in a full window. */
        private Duration blockTimeout = Duration.ofSeconds(10);
        /** How long a message may stay unconfirmed (republished across failovers meanwhile) before it fails. */
        private Duration confirmDeadline = Duration.ofSeconds(30);
        /** Quorum queue whose leader the publisher's connection should be on (needs management URLs). */
        private String leaderQueue;
        /**
         * How long the publisher waits for a quorum queue to elect a leader after a node loss (re-sending nacked
         * messages on the same node, looking the leader up every 100 ms) before it gives the node up.
         */
        private Duration electionTimeout = Duration.ofSeconds(10);

        public Duration getElectionTimeout() {
            return electionTimeout;
        }

        public void setElectionTimeout(Duration electionTimeout) {
            this.electionTimeout = electionTimeout;
        }

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getMaxInFlight() {
            return maxInFlight;
        }

        public void setMaxInFlight(int maxInFlight) {
            this.maxInFlight = maxInFlight;
        }

        public Duration getBlockTimeout() {
            return blockTimeout;
        }

        public void setBlockTimeout(Duration blockTimeout) {
            this.blockTimeout = blockTimeout;
        }

        public Duration getConfirmDeadline() {
            return confirmDeadline;
        }

        public void setConfirmDeadline(Duration confirmDeadline) {
            this.confirmDeadline = confirmDeadline;
        }

        public String getLeaderQueue() {
            return leaderQueue;
        }

        public void setLeaderQueue(String leaderQueue) {
            this.leaderQueue = leaderQueue;
        }
    }

    /** What hakit does to Spring AMQP's connection factory and listener containers. */
    public static class SpringAmqp {
        /**
         * Whether Spring Boot's CachingConnectionFactory gets hakit's health-ordered AddressResolver (so RabbitTemplate
         * and @RabbitListener containers fail over through it) and hakit's timeouts and listener recovery.
         */
        private boolean enabled = true;
        /** First delay before a @RabbitListener container reconnects after losing its node (Spring AMQP: 5s fixed). */
        private Duration recoveryInitialInterval = Duration.ofMillis(50);
        /** Longest delay between a container's reconnect attempts (the delay doubles up to it). */
        private Duration recoveryMaxInterval = Duration.ofSeconds(1);

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public Duration getRecoveryInitialInterval() {
            return recoveryInitialInterval;
        }

        public void setRecoveryInitialInterval(Duration recoveryInitialInterval) {
            this.recoveryInitialInterval = recoveryInitialInterval;
        }

        public Duration getRecoveryMaxInterval() {
            return recoveryMaxInterval;
        }

        public void setRecoveryMaxInterval(Duration recoveryMaxInterval) {
            this.recoveryMaxInterval = recoveryMaxInterval;
        }
    }
}
