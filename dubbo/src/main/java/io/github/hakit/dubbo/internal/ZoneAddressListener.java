package io.github.hakit.dubbo.internal;

import java.util.ArrayList;
import java.util.List;
import io.github.hakit.core.HostPort;
import io.github.hakit.dubbo.HakitDubbo;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.registry.client.InstanceAddressURL;
import org.apache.dubbo.common.extension.Activate;
import org.apache.dubbo.registry.AddressListener;
import org.apache.dubbo.rpc.cluster.Directory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dubbo extension (in {@code META-INF/dubbo/org.apache.dubbo.registry.AddressListener}): when the
 * consumer application installed a zone, a provider URL registered in the same zone is rewritten to
 * its internal address ({@value HakitDubbo#INTERNAL_KEY}); other zones' providers keep their registered
 * external address. The replaced address is kept as {@value HakitDubbo#EXTERNAL_KEY}. Dubbo calls
 * address listeners before it creates connections ({@code RegistryDirectory#notify}), so the consumer
 * never dials a same-zone provider over its public address.
 */
@Activate(order = 100)
public final class ZoneAddressListener implements AddressListener {
    private static final Logger log = LoggerFactory.getLogger(ZoneAddressListener.class);

    @Override
    public List<URL> notify(List<URL> addresses, URL consumerUrl, Directory registryDirectory) {
        ConsumerRuntime runtime = ConsumerRuntime.of(consumerUrl);
        if (runtime == null || runtime.options().zone().isEmpty()) {
            return addresses;
        }
        String zone = runtime.options().zone();
        List<URL> result = new ArrayList<>(addresses.size());
        int internal = 0;
        for (URL url : addresses) {
            if (url instanceof InstanceAddressURL) {
                // application-level discovery: Dubbo needs its own URL type back (a rewritten copy is a
                // ServiceConfigURL: ClassCastException in ServiceDiscoveryRegistryDirectory); hakit's zone rewrite
                // acts on interface-level URLs only (README: migration.step=FORCE_INTERFACE)
                result.add(url);
                continue;
            }
            String internalAddress = url.getParameter(HakitDubbo.INTERNAL_KEY);
            if (zone.equals(url.getParameter(HakitDubbo.ZONE_KEY)) && internalAddress != null) {
                try {
                    HostPort hp = HostPort.parse(internalAddress);
                    result.add(url.addParameter(HakitDubbo.EXTERNAL_KEY, url.getAddress())
                            .setHost(hp.host()).setPort(hp.port()));
                    internal++;
                    continue;
                } catch (IllegalArgumentException e) {
                    log.warn("hakit: provider {} registered a bad {} '{}'; using its registered address",
                            url.getAddress(), HakitDubbo.INTERNAL_KEY, internalAddress);
                }
            }
            result.add(url);
        }
        log.info("hakit: {} providers for {} (zone '{}'): {} via internal address, {} via registered address",
                addresses.size(), consumerUrl.getServiceKey(), zone, internal, addresses.size() - internal);
        return result;
    }
}
