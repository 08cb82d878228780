package io.github.hakit.springit.dubbo;

import org.apache.dubbo.config.annotation.DubboService;
import org.springframework.beans.factory.annotation.Value;

/**
 * The provider's implementation as starter users write one: a class annotated {@code @DubboService}, found by the
 * starter's {@code dubbo.scan.base-packages}, its name from a Spring property.
 */
@DubboService
public class StarterGreeter implements Greeter {
    private final String name;

    public StarterGreeter(@Value("${greeter.name}") String name) {
        this.name = name;
    }

    @Override
    public String whoAmI() {
        return name;
    }
}
