package io.github.hakit.core.spring;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns an {@link InvalidPropertyException} anywhere in a failed start-up into Spring Boot's report: which property,
 * its value (redacted), what is wrong and the form hakit expects.
 *
 * <pre>
 * ***************************
 * APPLICATION FAILED TO START
 * ***************************
 * Description:
 * Invalid value for property 'hakit.fastdfs.trackers': '127.0.0.2:x' (entry '127.0.0.2:x': malformed host:port ...)
 * Action:
 * Set 'hakit.fastdfs.trackers' to host[:port] entries separated by ',', ';' or whitespace (the port defaults to 22122) ...
 * </pre>
 *
 * Registered in {@code META-INF/spring.factories}.
 */
public class HakitFailureAnalyzer extends AbstractFailureAnalyzer<InvalidPropertyException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, InvalidPropertyException cause) {
        return new FailureAnalysis("Invalid value for property '" + cause.property() + "': '" + cause.value() + "' ("
                + cause.reason() + ")", "Set '" + cause.property() + "' to " + cause.expected() + ".", cause);
    }
}
