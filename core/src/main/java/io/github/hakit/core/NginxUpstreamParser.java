package io.github.hakit.core;

/**
 * Reads Nginx {@code upstream} blocks and {@code proxy_next_upstream*} lines into {@link UpstreamConfig}.
 * (Implementation in progress.)
 */
public final class NginxUpstreamParser {
    private NginxUpstreamParser() {
    }

    /** Parses an {@code upstream name { ... }} block plus optional {@code proxy_next_upstream*} lines. */
    public static UpstreamConfig parse(String config) {
        throw new ConfigParseException("nginx parser not available yet", 1, 1);
    }

    /** Parses one {@code server} line's arguments into an endpoint. */
    public static Endpoint parseServer(String line) {
        String[] parts = line.trim().replaceFirst("^server\\s+", "").replaceAll(";\\s*$", "").trim().split("\\s+");
        HostPort hp = HostPort.parse(parts[0]);
        Endpoint.Builder b = Endpoint.builder(hp.host(), hp.port());
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i];
            if (p.startsWith("weight=")) {
                b.weight(Integer.parseInt(p.substring(7)));
            } else if (p.startsWith("max_fails=")) {
                b.maxFails(Integer.parseInt(p.substring(10)));
            } else if (p.startsWith("fail_timeout=")) {
                b.failTimeout(java.time.Duration.ofSeconds(Long.parseLong(p.substring(13).replace("s", ""))));
            } else if (p.startsWith("max_conns=")) {
                b.maxConns(Integer.parseInt(p.substring(10)));
            } else if (p.equals("backup")) {
                b.backup(true);
            } else if (p.equals("down")) {
                b.down(true);
            } else {
                throw new ConfigParseException("unknown parameter \"" + p + "\"", 1, 1);
            }
        }
        return b.build();
    }
}
