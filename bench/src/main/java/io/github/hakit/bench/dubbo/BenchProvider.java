package io.github.hakit.bench.dubbo;

import java.util.concurrent.CountDownLatch;
import org.apache.dubbo.config.ApplicationConfig;
import org.apache.dubbo.config.ProtocolConfig;
import org.apache.dubbo.config.RegistryConfig;
import org.apache.dubbo.config.ServiceConfig;
import org.apache.dubbo.config.bootstrap.DubboBootstrap;
import org.apache.dubbo.rpc.model.FrameworkModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plain Dubbo provider of {@link Echo} in its own JVM, so the benchmark can {@code kill -9} it.
 * Arguments: ZooKeeper registry address, bind host (a loopback host name), port, provider name.
 */
public final class BenchProvider {
    private static final Logger log = LoggerFactory.getLogger(BenchProvider.class);

    private BenchProvider() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            throw new IllegalArgumentException("usage: BenchProvider <registry address> <bind host> <port> <name>");
        }
        String name = args[3];
        ApplicationConfig application = new ApplicationConfig(name);
        application.setQosEnable(false);
        application.setRegisterMode("interface");
        application.setMetadataType("local");
        RegistryConfig registry = new RegistryConfig(args[0]);
        registry.setUseAsConfigCenter(false);
        registry.setUseAsMetadataCenter(false);
        registry.setParameters(new java.util.HashMap<>(java.util.Map.of("file-cache", "false")));
        ProtocolConfig protocol = new ProtocolConfig("dubbo", Integer.parseInt(args[2]));
        protocol.setHost(args[1]);
        ServiceConfig<Echo> service = new ServiceConfig<>();
        service.setInterface(Echo.class);
        service.setRef(text -> name + ":" + text);
        DubboBootstrap.newInstance(new FrameworkModel())
                .application(application).registry(registry).protocol(protocol).service(service).start();
        log.info("bench provider {} ready on {}:{}", name, args[1], args[2]);
        new CountDownLatch(1).await(); // serve until killed
    }
}
