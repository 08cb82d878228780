package io.github.hakit.springit.dubbo;

/** The service {@link GreeterProvider} exports and {@code DubboStarterFailoverIT} calls. */
public interface Greeter {
    /** The answering provider's name. */
    String whoAmI();
}
