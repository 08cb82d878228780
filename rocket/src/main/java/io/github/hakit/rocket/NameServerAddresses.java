package io.github.hakit.rocket;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * NameServer address lists in the forms operators already have: RocketMQ's {@code namesrvAddr}
 * ({@code a:9876;b:9876}), comma or whitespace separated lists, and the address server's body.
 *
 * <pre>{@code
 * List<String> list = NameServerAddresses.parseList("10.0.0.1:9876;10.0.0.2:9876");
 * }</pre>
 */
public final class NameServerAddresses {
    private NameServerAddresses() {
    }

    /**
     * Parses {@code host:port} entries separated by {@code ;}, {@code ,} or whitespace; duplicates are
     * dropped, order kept.
     *
     * @throws IllegalArgumentException naming the bad entry, or when the list is empty
     */
    public static List<String> parseList(String text) {
        Objects.requireNonNull(text, "text");
        List<String> entries = new ArrayList<>();
        for (String part : text.trim().split("[;,\\s]+")) {
            if (!part.isEmpty()) {
                entries.add(part);
            }
        }
        return validate(entries);
    }

    /**
     * Checks each entry is {@code host:port} with a port in 1..65535; returns an immutable,
     * duplicate-free copy.
     */
    public static List<String> validate(List<String> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        Set<String> out = new LinkedHashSet<>();
        for (String a : addresses) {
            out.add(checkAddress(a));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no NameServer address in " + addresses);
        }
        return List.copyOf(out);
    }

    /** Validates one {@code host:port}. */
    public static String checkAddress(String address) {
        String a = HaProducer.Builder.nonBlank(address, "NameServer address").trim();
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1) {
            throw new IllegalArgumentException("NameServer address is not host:port: " + address);
        }
        int port;
        try {
            port = Integer.parseInt(a.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in NameServer address: " + address, e);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range in NameServer address: " + address);
        }
        return a;
    }
}
