package io.github.hakit.testkit.rocket;

import io.github.hakit.testkit.Ports;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal RocketMQ remoting client for the test fixture, written from the wire format so that
 * {@code testkit} needs no RocketMQ jar: one request per connection, JSON headers.
 *
 * <p>Frame (rocketmq-remoting {@code RemotingCommand#encodeHeader} / {@code NettyDecoder}): a 4-byte
 * big-endian total length (header length field + header + body), a 4-byte header length whose high
 * byte is the serialize type (0 = JSON), the JSON header ({@code code, language, version, opaque,
 * flag, extFields}), then the body. Response flag bit 0 is set; response code 0 is SUCCESS.
 *
 * <pre>{@code
 * RocketWire.Response r = RocketWire.request("127.0.0.1:9876", RocketWire.GET_BROKER_CLUSTER_INFO,
 *         Map.of(), Duration.ofSeconds(2));
 * }</pre>
 */
public final class RocketWire {
    /** {@code RequestCode.UPDATE_AND_CREATE_TOPIC}. */
    public static final int UPDATE_AND_CREATE_TOPIC = 17;
    /** {@code RequestCode.GET_ALL_TOPIC_CONFIG}. */
    public static final int GET_ALL_TOPIC_CONFIG = 21;
    /** {@code RequestCode.GET_BROKER_RUNTIME_INFO}. */
    public static final int GET_BROKER_RUNTIME_INFO = 28;
    /** {@code RequestCode.GET_ROUTEINFO_BY_TOPIC}. */
    public static final int GET_ROUTEINFO_BY_TOPIC = 105;
    /** {@code RequestCode.GET_BROKER_CLUSTER_INFO}. */
    public static final int GET_BROKER_CLUSTER_INFO = 106;
    /** {@code ResponseCode.SUCCESS}. */
    public static final int SUCCESS = 0;

    private static final int MAX_FRAME = 16 * 1024 * 1024;
    private static final Pattern CODE = Pattern.compile("\"code\":(-?\\d+)");
    private static final Pattern REMARK = Pattern.compile("\"remark\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    private RocketWire() {
    }

    /** A response: its code, remark (may be empty) and body as UTF-8 text (RocketMQ bodies are JSON). */
    public record Response(int code, String remark, String body) {
        public boolean isSuccess() {
            return code == SUCCESS;
        }
    }

    /**
     * Sends one request to a loopback {@code host:port} and reads its response.
     *
     * @throws IOException on connect/read failure or when no response arrives within {@code timeout}
     */
    public static Response request(String address, int code, Map<String, String> extFields, Duration timeout)
            throws IOException {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(extFields, "extFields");
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0: " + timeout);
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("not host:port: " + address);
        }
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        int millis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        byte[] header = header(code, extFields).getBytes(StandardCharsets.UTF_8);
        ByteBuffer frame = ByteBuffer.allocate(8 + header.length);
        frame.putInt(4 + header.length).putInt(header.length & 0x00FFFFFF).put(header);
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(Ports.loopback(host), port), millis);
            socket.setSoTimeout(millis);
            OutputStream out = socket.getOutputStream();
            out.write(frame.array());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int total = in.readInt();
            if (total < 4 || total > MAX_FRAME) {
                throw new IOException("bad frame length " + total + " from " + address);
            }
            int headerLength = in.readInt() & 0x00FFFFFF;
            if (headerLength > total - 4) {
                throw new IOException("bad header length " + headerLength + " from " + address);
            }
            byte[] responseHeader = new byte[headerLength];
            in.readFully(responseHeader);
            byte[] body = new byte[total - 4 - headerLength];
            in.readFully(body);
            String json = new String(responseHeader, StandardCharsets.UTF_8);
            Matcher c = CODE.matcher(json);
            if (!c.find()) {
                throw new IOException("no code in response header from " + address + ": " + json);
            }
            Matcher r = REMARK.matcher(json);
            return new Response(Integer.parseInt(c.group(1)), r.find() ? r.group(1) : "",
                    new String(body, StandardCharsets.UTF_8));
        } catch (EOFException e) {
            throw new IOException("connection closed by " + address + " before a full response", e);
        }
    }

    private static String header(int code, Map<String, String> extFields) {
        StringBuilder json = new StringBuilder(128);
        json.append("{\"code\":").append(code)
                .append(",\"language\":\"JAVA\",\"version\":0,\"opaque\":1,\"flag\":0,\"extFields\":{");
        boolean first = true;
        for (Map.Entry<String, String> e : extFields.entrySet()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            quote(json, e.getKey()).append(':');
            quote(json, e.getValue());
        }
        return json.append("}}").toString();
    }

    private static StringBuilder quote(StringBuilder json, String s) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '"' || ch == '\\') {
                json.append('\\').append(ch);
            } else if (ch < 0x20) {
                json.append(String.format("\\u%04x", (int) ch));
            } else {
                json.append(ch);
            }
        }
        return json.append('"');
    }
}
