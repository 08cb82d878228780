package io.github.hakit.springit.dubbo;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Dubbo provider application as dubbo-spring-boot-starter users write one, in its own JVM so a test can
 * {@code kill -9} it: Spring Boot with the starter and hakit-dubbo on the class path, the service a
 * {@code @DubboService} class ({@link StarterGreeter}), everything else the starter's {@code dubbo.*} properties plus
 * {@code hakit.dubbo.provider.*} (registered host and zone). It exports {@link Greeter} on
 * {@code 127.0.0.1:<port>}, registers it in ZooKeeper and runs until killed. Started with
 * {@code -Ddubbo.network.interface.ignored=.*} so every address Dubbo picks is 127.0.0.1.
 * Arguments: ZooKeeper connect string, port, name, zone.
 */
@SpringBootConfiguration
@EnableAutoConfiguration(excludeName = "org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration")
public class GreeterProvider {

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: GreeterProvider <zookeeper> <port> <name> <zone>, got "
                    + args.length + " arguments");
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("dubbo.application.name", "spring-it-dubbo-provider");
        properties.put("dubbo.application.qos-enable", "false");
        properties.put("dubbo.registry.address", "zookeeper://" + args[0] + "?file-cache=false");
        properties.put("dubbo.protocol.name", "dubbo");
        properties.put("dubbo.protocol.host", "127.0.0.1");
        properties.put("dubbo.protocol.port", args[1]);
        properties.put("dubbo.scan.base-packages", StarterGreeter.class.getPackageName());
        properties.put("greeter.name", args[2]);
        // hakit's provider side: the address consumers dial (loopback only because this is a loopback test) and zone
        properties.put("hakit.dubbo.provider.enabled", "true");
        properties.put("hakit.dubbo.provider.host", "127.0.0.1");
        properties.put("hakit.dubbo.provider.allow-loopback", "true");
        properties.put("hakit.dubbo.provider.zone", args[3]);
        properties.put("hakit.rabbit.enabled", "false");
        SpringApplication app = new SpringApplication(GreeterProvider.class);
        app.setWebApplicationType(WebApplicationType.NONE);
        app.setDefaultProperties(properties);
        ConfigurableApplicationContext context = app.run();
        System.out.println("provider " + args[2] + " exported on 127.0.0.1:" + args[1] + " (context "
                + context.getId() + ")");
        new CountDownLatch(1).await(); // until killed
    }
}
