package io.github.hakit.core.spring;

import io.github.hakit.core.Secrets;
import java.util.Objects;

/**
 * A {@code hakit.*} (or {@code spring.rabbitmq.*}, {@code rocketmq.*}) property value hakit cannot use. The message
 * names the property, the value ({@link Secrets#redact(String) redacted}), what is wrong and the expected form;
 * {@link HakitFailureAnalyzer} turns it into Spring Boot's "APPLICATION FAILED TO START" report.
 *
 * <pre>{@code
 * throw new InvalidPropertyException("hakit.fastdfs.trackers", value, "port 'x' is not a number",
 *         "host[:port] entries, e.g. 10.0.0.1:22122,10.0.0.2:22122");
 * }</pre>
 */
public class InvalidPropertyException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String property;
    private final String value;
    private final String reason;
    private final String expected;

    /**
     * @param property the property's name
     * @param value    the value as given (redacted here, never stored in clear)
     * @param reason   what is wrong with it
     * @param expected the form hakit expects, with an example
     */
    public InvalidPropertyException(String property, String value, String reason, String expected) {
        super("invalid " + Objects.requireNonNull(property, "property") + "='" + Secrets.redact(String.valueOf(value))
                + "': " + Secrets.redact(reason) + "; expected " + expected);
        this.property = property;
        this.value = Secrets.redact(String.valueOf(value));
        this.reason = Secrets.redact(reason);
        this.expected = expected;
    }

    /** The property's name. */
    public String property() {
        return property;
    }

    /** The value, redacted. */
    public String value() {
        return value;
    }

    /** What is wrong with the value. */
    public String reason() {
        return reason;
    }

    /** The expected form. */
    public String expected() {
        return expected;
    }
}
