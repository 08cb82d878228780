package io.github.hakit.rocket.spring;

import io.github.hakit.core.Endpoint;
import io.github.hakit.core.health.HealthCheckConfig;
import io.github.hakit.core.health.HealthCheckSettings;
import io.github.hakit.core.spring.ClusterHealthSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code hakit.rocket.*}: the NameServers, how hakit checks them, and an optional producer. Give the NameServers
 * one way: {@code name-servers}, HAProxy {@code servers} lines, or an {@code address-server-url}.
 *
 * <pre>
 * hakit.rocket.name-servers=10.0.0.1:9876;10.0.0.2:9876;10.0.0.3:9876
 * hakit.rocket.health-check.inter=2s
 * hakit.rocket.producer.group=order-producer
 * hakit.rocket.producer.send-timeout=3s
 * </pre>
 */
@ConfigurationProperties(prefix = "hakit.rocket", ignoreUnknownFields = false)
public class RocketProperties {
    /** Whether hakit's RocketMQ support is on at all (NameServer group, rocketmq-spring integration, health, meters). */
    private boolean enabled = true;
    /** The NameServer group's name (thread names, logs, client instance names). */
    private String name = "default";
    /**
     * NameServers in RocketMQ's namesrvAddr form 'a:9876;b:9876' (',' and whitespace work too; port 9876 by default)
     * or Nginx 'server' lines. Without it (and without servers / address-server-url), rocketmq.name-server is used.
     */
    private String nameServers;
    /** HAProxy 'server' lines instead, e.g. 'server ns1 10.0.0.1:9876 check inter 2s rise 2 fall 3'. */
    private List<String> servers = new ArrayList<>();
    /** An HTTP address server answering 'host:port;host:port' (RocketMQ's own kind), read every source-refresh. */
    private String addressServerUrl;
    /** How often the address server is read. */
    private Duration sourceRefresh = Duration.ofSeconds(30);
    /** Timeout of one address-server read. */
    private Duration sourceTimeout = Duration.ofSeconds(3);
    /** Active checks (HAProxy semantics) with GET_BROKER_CLUSTER_INFO: inter 2s, rise 2, fall 3, timeout 1s. */
    private final HealthCheckSettings healthCheck = new HealthCheckSettings(HealthCheckConfig.builder()
            .inter(Duration.ofSeconds(2)).rise(2).fall(3).timeout(Duration.ofSeconds(1)).build());
    /** Nginx {@code max_fails} for the clients' own NameServer requests; 0 turns passive accounting off. */
    private int maxFails = Endpoint.DEFAULT_MAX_FAILS;
    /** Nginx {@code fail_timeout}. */
    private Duration failTimeout = Endpoint.DEFAULT_FAIL_TIMEOUT;
    private final Producer producer = new Producer();
    private final RocketMQSpring rocketmqSpring = new RocketMQSpring();
    private final ClusterHealthSettings health = new ClusterHealthSettings();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public RocketMQSpring getRocketmqSpring() {
        return rocketmqSpring;
    }

    public ClusterHealthSettings getHealth() {
        return health;
    }

    /** What hakit does to the beans of rocketmq-spring-boot. */
    public static class RocketMQSpring {
        /**
         * Whether RocketMQTemplate producers send through hakit's HaProducer (failover across brokers within the send
         * deadline) and @RocketMQMessageListener consumers run on the NameServer group.
         */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    public String getName() {
        return name;
    }

    public void setName(String name) {
        this.name = name;
    }

    public String getNameServers() {
        return nameServers;
    }

    public void setNameServers(String nameServers) {
        this.nameServers = nameServers;
    }

    public List<String> getServers() {
        return servers;
    }

    public void setServers(List<String> servers) {
        this.servers = servers;
    }

    public String getAddressServerUrl() {
        return addressServerUrl;
    }

    public void setAddressServerUrl(String addressServerUrl) {
        this.addressServerUrl = addressServerUrl;
    }

    public Duration getSourceRefresh() {
        return sourceRefresh;
    }

    public void setSourceRefresh(Duration sourceRefresh) {
        this.sourceRefresh = sourceRefresh;
    }

    public Duration getSourceTimeout() {
        return sourceTimeout;
    }

    public void setSourceTimeout(Duration sourceTimeout) {
        this.sourceTimeout = sourceTimeout;
    }

    public HealthCheckSettings getHealthCheck() {
        return healthCheck;
    }

    public int getMaxFails() {
        return maxFails;
    }

    public void setMaxFails(int maxFails) {
        this.maxFails = maxFails;
    }

    public Duration getFailTimeout() {
        return failTimeout;
    }

    public void setFailTimeout(Duration failTimeout) {
        this.failTimeout = failTimeout;
    }

    public Producer getProducer() {
        return producer;
    }

    /** The {@code HaProducer} bean, created when {@code group} is set. */
    public static class Producer {
        /** The producer group; no HaProducer bean without it. */
        private String group;
        /** Overall deadline of one send, all attempts included. */
        private Duration sendTimeout = Duration.ofSeconds(3);
        /** Attempts per send (1..16), each on another broker. */
        private int tries = 3;
        /** How long a failed broker stays out of rotation (also for RocketMQTemplate producers). */
        private Duration brokerIsolation = Duration.ofSeconds(5);

        public String getGroup() {
            return group;
        }

        public void setGroup(String group) {
            this.group = group;
        }

        public Duration getSendTimeout() {
            return sendTimeout;
        }

        public void setSendTimeout(Duration sendTimeout) {
            this.sendTimeout = sendTimeout;
        }

        public int getTries() {
            return tries;
        }

        public void setTries(int tries) {
            this.tries = tries;
        }

        public Duration getBrokerIsolation() {
            return brokerIsolation;
        }

        public void setBrokerIsolation(Duration brokerIsolation) {
            this.brokerIsolation = brokerIsolation;
        }
    }
}
