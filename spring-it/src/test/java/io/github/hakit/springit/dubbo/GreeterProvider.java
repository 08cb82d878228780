package io.github.hakit.springit.dubbo;

import io.github.hakit.dubbo.HakitZooKeeper;
import io.github.hakit.dubbo.ZooKeeperSettings;
import java.util.concurrent.CountDownLatch;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.model.FrameworkModel;

/**
 * A Dubbo provider in its own JVM, so a test can {@code kill -9} it: exports {@link Greeter} (answering its name)
 * on {@code 127.0.0.1:<port>} and registers it in ZooKeeper, then runs until killed. Started with
 * {@code -Ddubbo.network.interface.ignored=.*} so every address Dubbo picks is 127.0.0.1.
 * Arguments: ZooKeeper connect string, port, name.
 */
public final class GreeterProvider {
    private GreeterProvider() {
    }

    /** Answers the provider's name. */
    static final class NamedGreeter implements Greeter {
        private final String name;

        NamedGreeter(String name) {
            this.name = name;
        }

        @Override
        public String whoAmI() {
            return name;
        }
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: GreeterProvider <zookeeper> <port> <name>, got "
                    + args.length + " arguments");
        }
        ApplicationConfig app = new ApplicationConfig("spring-it-dubbo-provider");
        app.setQosEnable(false);
        ProtocolConfig protocol = new ProtocolConfig("dubbo", Integer.parseInt(args[1]));
        protocol.setHost("127.0.0.1");
        ServiceConfig<Greeter> service = new ServiceConfig<>();
        service.setInterface(Greeter.class);
        service.setRef(new NamedGreeter(args[2]));
        DubboBootstrap.newInstance(new FrameworkModel()).application(app)
                .registry(HakitZooKeeper.registryConfig(ZooKeeperSettings.builder(args[0]).fileCache(false).build()))
                .protocol(protocol).service(service).start();
        System.out.println("provider " + args[2] + " exported on 127.0.0.1:" + args[1]);
        new CountDownLatch(1).await(); // until killed
    }
}
