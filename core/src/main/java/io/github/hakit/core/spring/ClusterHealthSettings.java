package io.github.hakit.core.spring;

/**
 * Bindable {@code hakit.<module>.health.*} block: how a module's hakit health indicator counts in the application's
 * health ({@link UpstreamHealth}'s rule).
 *
 * <pre>
 * hakit.rocket.health.required=false   # RocketMQ is optional for this application: UNKNOWN instead of DOWN
 * </pre>
 */
public class ClusterHealthSettings {
    private boolean required = true;

    /**
     * Whether the application is DOWN when no node of the cluster is usable (default true); false marks the cluster
     * optional and its health is then UNKNOWN, which does not take the application down.
     */
    public boolean isRequired() {
        return required;
    }

    public void setRequired(boolean required) {
        this.required = required;
    }
}
