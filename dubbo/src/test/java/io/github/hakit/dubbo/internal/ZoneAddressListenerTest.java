package io.github.hakit.dubbo.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import io.github.hakit.dubbo.ConsumerOptions;
import io.github.hakit.dubbo.HakitDubbo;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.model.ApplicationModel;
import org.apache.dubbo.rpc.model.FrameworkModel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ZoneAddressListenerTest {
    private final FrameworkModel framework = new FrameworkModel();
    private final ApplicationModel application = framework.newApplication();
    private final ZoneAddressListener listener = new ZoneAddressListener();

    @AfterEach
    void destroy() {
        framework.destroy();
    }

    private URL consumer() {
        return URL.valueOf("consumer://zone-a-int/io.github.hakit.dubbo.fixture.Greeter").setScopeModel(application);
    }

    private static URL provider(String address, String zone, String internal) {
        URL url = URL.valueOf("dubbo://" + address + "/io.github.hakit.dubbo.fixture.Greeter");
        if (zone != null) {
            url = url.addParameter(HakitDubbo.ZONE_KEY, zone);
        }
        return internal == null ? url : url.addParameter(HakitDubbo.INTERNAL_KEY, internal);
    }

    @Test
    void sameZoneProvidersAreDialledOnTheirInternalAddressOthersOnTheRegisteredOne() {
        HakitDubbo.installConsumer(application, ConsumerOptions.builder().zone("a").build());
        List<URL> in = List.of(
                provider("zone-a-ext:31001", "a", "zone-a-int:20880"),
                provider("zone-b-ext:31002", "b", "zone-b-int:20880"),
                provider("10.0.0.9:20880", null, null),
                provider("zone-a-ext:31003", "a", "not-a-host-port"));

        List<URL> out = listener.notify(in, consumer(), null);

        assertEquals(List.of("zone-a-int:20880", "zone-b-ext:31002", "10.0.0.9:20880", "zone-a-ext:31003"),
                out.stream().map(URL::getAddress).toList());
        assertEquals("zone-a-ext:31001", out.get(0).getParameter(HakitDubbo.EXTERNAL_KEY));
        assertEquals("a", out.get(0).getParameter(HakitDubbo.ZONE_KEY), "zone kept for the cluster");
    }

    @Test
    void withoutAZoneOrWithoutHakitTheAddressesPassUnchanged() {
        List<URL> in = List.of(provider("zone-a-ext:31001", "a", "zone-a-int:20880"));
        assertSame(in, listener.notify(in, consumer(), null), "hakit not installed");
        HakitDubbo.installConsumer(application, ConsumerOptions.builder().build());
        assertSame(in, listener.notify(in, consumer(), null), "no consumer zone");
    }
}
