package io.github.hakit.dubbo;

import io.github.hakit.core.Secrets;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An IPv4 or IPv6 network in CIDR notation, e.g. {@code 10.20.0.0/16}.
 *
 * <pre>{@code
 * Cidr lan = Cidr.parse("192.168.10.0/24");
 * lan.contains(InetAddress.getByName("192.168.10.7"));   // true
 * List<Cidr> preferred = Cidr.parseList("10.0.0.0/8, 172.16.0.0/12");
 * }</pre>
 *
 * @param network the network address (host bits zero)
 * @param prefixLength 0..32 for IPv4, 0..128 for IPv6
 */
public record Cidr(InetAddress network, int prefixLength) {

    public Cidr {
        Objects.requireNonNull(network, "network");
        int bits = network.getAddress().length * 8;
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("CIDR prefix length out of range 0.." + bits + ": " + prefixLength);
        }
    }

    /**
     * Parses {@code address/prefix}. Only IP literals are accepted (no host names): a CIDR list is
     * configuration that must not depend on DNS.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    public static Cidr parse(String cidr) {
        if (cidr == null || cidr.isBlank()) {
            throw new IllegalArgumentException("empty CIDR");
        }
        String value = cidr.trim();
        int slash = value.indexOf('/');
        if (slash <= 0 || slash == value.length() - 1) {
            throw new IllegalArgumentException("bad CIDR '" + Secrets.redact(cidr)
                    + "': expected address/prefix, e.g. 10.0.0.0/8");
        }
        String address = value.substring(0, slash);
        if (!isIpLiteral(address)) {
            throw new IllegalArgumentException("bad CIDR '" + Secrets.redact(cidr) + "': '" + Secrets.redact(address)
                    + "' is not an IP address");
        }
        int prefix;
        try {
            prefix = Integer.parseInt(value.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad CIDR '" + Secrets.redact(cidr) + "': prefix '"
                    + Secrets.redact(value.substring(slash + 1)) + "' is not a number", e);
        }
        InetAddress ip;
        try {
            ip = InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("bad CIDR '" + Secrets.redact(cidr) + "': "
                    + Secrets.redact(String.valueOf(e.getMessage())), e);
        }
        int bits = ip.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("bad CIDR '" + Secrets.redact(cidr) + "': prefix " + prefix
                    + " out of range 0.." + bits);
        }
        return new Cidr(mask(ip, prefix), prefix);
    }

    /** Parses a comma-separated list; blank input gives an empty list. */
    public static List<Cidr> parseList(String cidrs) {
        List<Cidr> result = new ArrayList<>();
        if (cidrs == null || cidrs.isBlank()) {
            return result;
        }
        for (String part : cidrs.split(",")) {
            if (!part.isBlank()) {
                result.add(parse(part));
            }
        }
        return List.copyOf(result);
    }

    /** True when {@code address} is inside this network (an IPv4 address is never inside an IPv6 network). */
    public boolean contains(InetAddress address) {
        if (address == null || address.getAddress().length != network.getAddress().length) {
            return false;
        }
        return mask(address, prefixLength).equals(network);
    }

    @Override
    public String toString() {
        return network.getHostAddress() + "/" + prefixLength;
    }

    private static InetAddress mask(InetAddress ip, int prefix) {
        byte[] bytes = ip.getAddress();
        for (int i = 0; i < bytes.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            bytes[i] &= (byte) (0xff << (8 - keep));
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** True for an IPv4 dotted quad or an IPv6 literal; never triggers a DNS lookup. */
    static boolean isIpLiteral(String s) {
        if (s.indexOf(':') >= 0) {
            return s.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }
}
