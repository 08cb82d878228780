package io.github.hakit.testkit.fastdfs;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code TCP_QUICKACK} on a socket, re-armed after every read as libfastcommon's {@code TCP_SET_QUICK_ACK} does
 * in libserverframe's {@code sf_nio.c} (Linux clears the flag on its own after a while). A no-op where the JDK
 * does not offer the option.
 */
final class QuickAck {
    private static final Logger log = LoggerFactory.getLogger(QuickAck.class);
    private static final QuickAck NONE = new QuickAck(null, null);

    private final Socket socket;
    private final SocketOption<Boolean> option;

    private QuickAck(Socket socket, SocketOption<Boolean> option) {
        this.socket = socket;
        this.option = option;
    }

    static QuickAck of(Socket socket) {
        SocketOption<Boolean> option = jdk.net.ExtendedSocketOptions.TCP_QUICKACK;
        if (!socket.supportedOptions().contains(option)) {
            return NONE;
        }
        QuickAck q = new QuickAck(socket, option);
        q.arm();
        return q;
    }

    /** True when the option is set on this platform. */
    boolean supported() {
        return option != null;
    }

    void arm() {
        if (option == null) {
            return;
        }
        try {
            socket.setOption(option, Boolean.TRUE);
        } catch (IOException | UnsupportedOperationException e) {
            log.trace("TCP_QUICKACK not set: {}", e.toString());
        }
    }
}
