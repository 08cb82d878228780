package io.github.hakit.dubbo;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Lists this host's interface addresses, in the order the operating system reports them. The
 * default reads {@link NetworkInterface}; tests pass a fixed list.
 *
 * <pre>{@code
 * NetworkAddresses fixed = () -> List.of(new NetworkAddresses.NicAddress("eth0", InetAddress.getByName("10.0.0.5"), true, false));
 * }</pre>
 */
@FunctionalInterface
public interface NetworkAddresses {

    /**
     * One address of one interface.
     *
     * @param interfaceName the interface's name, e.g. {@code eth0}, {@code docker0}
     * @param address the address
     * @param up whether the interface is up
     * @param loopbackInterface whether the interface is a loopback interface
     */
    record NicAddress(String interfaceName, InetAddress address, boolean up, boolean loopbackInterface) {
        @Override
        public String toString() {
            return interfaceName + " " + address.getHostAddress() + (up ? "" : " (down)");
        }
    }

    /** The addresses, interface by interface. */
    List<NicAddress> list() throws SocketException;

    /** The JDK's view of the interfaces. */
    static NetworkAddresses system() {
        return () -> {
            List<NicAddress> result = new ArrayList<>();
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                boolean up = nic.isUp();
                boolean loopback = nic.isLoopback();
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    result.add(new NicAddress(nic.getName(), address, up, loopback));
                }
            }
            return result;
        };
    }
}
