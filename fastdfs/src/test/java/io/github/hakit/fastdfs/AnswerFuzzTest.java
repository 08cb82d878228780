package io.github.hakit.fastdfs;

import static io.github.hakit.fastdfs.FakeFdfsServer.Reply;
import static io.github.hakit.fastdfs.FakeFdfsServer.concat;
import static io.github.hakit.fastdfs.FakeFdfsServer.fetchAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.fileIdAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.fileInfoAnswer;
import static io.github.hakit.fastdfs.FakeFdfsServer.ok;
import static io.github.hakit.fastdfs.FakeFdfsServer.status;
import static io.github.hakit.fastdfs.FakeFdfsServer.storageRecord;
import static io.github.hakit.fastdfs.FakeFdfsServer.storeAnswer;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.hakit.core.UpstreamCallException;
import io.github.hakit.fastdfs.internal.Proto;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of tracker and storage answers (issue 14): a valid answer for the operation under test is mutated
 * (bytes flipped, length field replaced, command/status changed, truncated, extra bytes appended, body replaced,
 * trickled, frozen) and served by a {@link FakeFdfsServer}. Invariants for every case: the call returns or throws a
 * hakit exception ({@link FastDfsException} or core's {@link UpstreamCallException}), never anything else; it ends
 * within the deadline; it allocates nothing driven by a length field; a returned value comes from this case's
 * answer, never from an earlier one left on a connection.
 *
 * <p>{@code -Dhakit.fuzz.cases=N} (default 10,000), {@code -Dhakit.fuzz.seed=S} (default fixed) reproduce a run.
 */
class AnswerFuzzTest extends FakeServerTest {
    private static final int CASES = Integer.getInteger("hakit.fuzz.cases", 10_000);
    private static final long SEED = Long.getLong("hakit.fuzz.seed", 0x5EED_FDF5L);
    private static final Duration NETWORK = Duration.ofMillis(60);
    private static final Duration CALL = Duration.ofMillis(200);
    /** Deadline plus scheduling slack on a loaded machine (fresh connections, a failover, the file-info check). */
    private static final Duration MAX_CASE = CALL.plusMillis(1600);
    private static final long MAX_ALLOCATION = 16L * 1024 * 1024;
    /** Trickled and frozen answers each cost up to the deadline: a few prove the bound. */
    private static final int SLOW_CASES = 12;
    private static final long OLD = System.currentTimeMillis() / 1000 - 86_400;

    private enum Op { FETCH_ALL, STORE, LIST, DOWNLOAD, UPLOAD, METADATA, INFO }

    /** The answer of this case for one command, and everything the server has sent in this case. */
    private record Case(int number, Op op, byte cmd, Reply reply) {
    }

    private final AtomicReference<Case> current = new AtomicReference<>();

    @Test
    void mutatedAnswersEndInAHakitExceptionWithinTheDeadlineAndNeverInAWrongAnswer() throws Exception {
        FakeFdfsServer storage = server("127.0.0.91", (cmd, body) -> answer(cmd, storageAnswer(cmd)));
        FakeFdfsServer tracker = server("127.0.0.92", (cmd, body) -> answer(cmd, trackerAnswer(cmd, storage)));
        FastDfsClient client = closeLater(FastDfsClient.builder().trackers(tracker.address()).connectTimeout(NETWORK)
                .networkTimeout(NETWORK).callTimeout(CALL).healthCheck(null).maxBytesInMemory(1 << 20).build());
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        SplittableRandom random = new SplittableRandom(SEED);
        int slow = 0;
        int[] outcomes = new int[2];
        long started = System.nanoTime();
        for (int n = 0; n < CASES; n++) {
            Op op = Op.values()[random.nextInt(Op.values().length)];
            byte cmd = commandOf(op, random);
            byte[] valid = validAnswer(cmd, n, storage);
            Reply reply = loopbackOnly(op, valid, mutate(valid, random, slow < SLOW_CASES));
            if (reply.nanosPerByte() > 0 || reply.freeze()) {
                slow++;
            }
            current.set(new Case(n, op, cmd, reply));
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long t0 = System.nanoTime();
            try {
                Object result = run(client, op, n);
                check(n, op, result, reply);
                outcomes[0]++;
            } catch (FastDfsException | UpstreamCallException expected) {
                outcomes[1]++;
            } catch (Throwable t) {
                fail("case " + n + " (seed " + SEED + ", " + op + "): " + t, t);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            assertTrue(took.compareTo(MAX_CASE) < 0, "case " + n + " (" + op + ") took " + took.toMillis() + " ms");
            assertTrue(allocated < MAX_ALLOCATION, "case " + n + " (" + op + ") allocated " + allocated + " bytes");
        }
        System.out.printf("answer fuzz: %d cases (seed %d) in %d ms: %d returned, %d hakit exceptions, %d slow%n",
                CASES, SEED, (System.nanoTime() - started) / 1_000_000, outcomes[0], outcomes[1], slow);
    }

    private static byte commandOf(Op op, SplittableRandom random) {
        return switch (op) {
            case FETCH_ALL -> Proto.QUERY_FETCH_ALL;
            case STORE -> Proto.QUERY_STORE_WITHOUT_GROUP_ONE;
            case LIST -> random.nextBoolean() ? Proto.LIST_ALL_GROUPS : Proto.LIST_STORAGE;
            case DOWNLOAD -> Proto.DOWNLOAD_FILE;
            case UPLOAD -> Proto.UPLOAD_FILE;
            case METADATA -> Proto.GET_METADATA;
            case INFO -> Proto.QUERY_FILE_INFO;
        };
    }

    private static String name(int n) {
        return FakeFdfsServer.remoteName("127.0.0.91", OLD + n, 32, n);
    }

    private static byte[] content(int n) {
        return String.format("case %08d content of the fuzz..", n).getBytes(StandardCharsets.US_ASCII);
    }

    /** The valid answer (header and body) to {@code cmd} in case {@code n}. */
    private static byte[] validAnswer(byte cmd, int n, FakeFdfsServer storage) {
        return switch (cmd) {
            case Proto.QUERY_FETCH_ALL, Proto.QUERY_FETCH_ONE, Proto.QUERY_UPDATE ->
                    ok(fetchAnswer("group1", storage.host(), storage.port()));
            case Proto.QUERY_STORE_WITHOUT_GROUP_ONE -> ok(storeAnswer("group1", storage.host(), storage.port()));
            case Proto.LIST_ALL_GROUPS -> ok(WireIntegrityTest.groupRecord("group1"));
            case Proto.LIST_STORAGE -> ok(storageRecord(7, "100001", storage.host(), storage.port()));
            case Proto.DOWNLOAD_FILE -> ok(content(n));
            case Proto.UPLOAD_FILE -> ok(fileIdAnswer("group1", name(n)));
            case Proto.GET_METADATA -> ok(("k" + n + "\u0002v" + n).getBytes(StandardCharsets.US_ASCII));
            case Proto.QUERY_FILE_INFO -> ok(fileInfoAnswer(32, OLD + n, "127.0.0.91"));
            default -> status(22);
        };
    }

    /** This case's (mutated) answer for its command; valid answers for everything else. */
    private Reply answer(int cmd, Reply fallback) {
        Case c = current.get();
        return c != null && c.cmd() == cmd ? c.reply() : fallback;
    }

    private Reply trackerAnswer(int cmd, FakeFdfsServer storage) {
        Case c = current.get();
        int n = c == null ? 0 : c.number();
        return Reply.of(validAnswer(cmd == Proto.QUERY_STORE_WITH_GROUP_ONE ? Proto.QUERY_STORE_WITHOUT_GROUP_ONE
                : (byte) cmd, n, storage));
    }

    private Reply storageAnswer(int cmd) {
        Case c = current.get();
        int n = c == null ? 0 : c.number();
        return Reply.of(validAnswer((byte) cmd, n, null));
    }

    private static Reply mutate(byte[] valid, SplittableRandom r, boolean slowAllowed) {
        byte[] b = valid.clone();
        int kind = r.nextInt(slowAllowed ? 10 : 8);
        switch (kind) {
            case 0 -> { // flip bytes of the body or the command/status
                for (int i = r.nextInt(1, 5); i > 0; i--) {
                    b[r.nextInt(8, b.length)] ^= (byte) r.nextInt(1, 256);
                }
                return Reply.of(b);
            }
            case 1 -> { // a length field from anywhere
                long[] lengths = {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, (1L << 31) - 100, 1L << 40,
                    valid.length - 10 + 1, Math.max(0, valid.length - 10 - 1), r.nextLong()};
                Proto.putLong(b, 0, lengths[r.nextInt(lengths.length)]);
                return Reply.of(b).thenClose();
            }
            case 2 -> { // command or status
                b[r.nextBoolean() ? 8 : 9] = (byte) r.nextInt(256);
                return Reply.of(b);
            }
            case 3 -> { // truncated
                return Reply.of(Arrays.copyOf(b, r.nextInt(b.length))).thenClose();
            }
            case 4 -> { // extra bytes: another answer or garbage
                byte[] extra = r.nextBoolean() ? valid : randomBytes(r, r.nextInt(1, 64));
                return Reply.of(concat(b, extra));
            }
            case 5 -> { // a random body with a consistent header
                byte[] body = randomBytes(r, r.nextInt(0, 600));
                return Reply.of(r.nextInt(4) == 0 ? status(r.nextInt(1, 256)) : ok(body));
            }
            case 6 -> { // garbage instead of an answer
                return Reply.of(randomBytes(r, r.nextInt(1, 40))).thenClose();
            }
            case 7 -> { // valid, but the connection closes after it
                return Reply.of(b).thenClose();
            }
            case 8 -> { // trickled
                return Reply.of(b).trickle(Math.max(1, CALL.toNanos() / Math.max(4, b.length / 2)));
            }
            default -> {
                return Reply.frozen();
            }
        }
    }

    /**
     * The client connects to the storage a store answer names: its address bytes stay those of the fake storage, so
     * that a mutation never sends the client to an address outside 127.0.0.0/8 (or to a DNS lookup).
     */
    private static Reply loopbackOnly(Op op, byte[] valid, Reply reply) {
        int from = Proto.HEADER_SIZE + Proto.GROUP_NAME_MAX_LEN;
        int to = from + Proto.IP_ADDRESS_SIZE - 1;
        if (op != Op.STORE || reply.bytes().length < from) {
            return reply;
        }
        byte[] b = reply.bytes().clone();
        System.arraycopy(valid, from, b, from, Math.min(to, b.length) - from);
        return new Reply(b, reply.nanosPerByte(), reply.close(), reply.freeze());
    }

    private static byte[] randomBytes(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static Object run(FastDfsClient client, Op op, int n) {
        FileId id = new FileId("group1", name(n));
        return switch (op) {
            case FETCH_ALL -> client.storagesOf(id);
            case STORE, UPLOAD -> client.upload(content(n), "txt");
            case LIST -> client.clusterView();
            case DOWNLOAD -> client.downloadBytes(id);
            case METADATA -> client.metadata(id);
            case INFO -> client.info(id);
        };
    }

    /** A returned value must come from this case's answer. */
    private static void check(int n, Op op, Object result, Reply reply) {
        String sent = new String(reply.bytes(), StandardCharsets.ISO_8859_1);
        switch (op) {
            case DOWNLOAD -> {
                String got = new String((byte[]) result, StandardCharsets.ISO_8859_1);
                assertTrue(sent.contains(got), "case " + n + ": downloaded bytes that this case's answer did not hold");
            }
            case UPLOAD -> {
                String got = ((FileId) result).remoteName();
                assertTrue(sent.contains(got), "case " + n + ": upload returned " + got + ", not in this case's answer");
            }
            case STORE -> assertTrue(((FileId) result).remoteName().equals(name(n)), "case " + n + ": " + result);
            case METADATA -> {
                for (Map.Entry<?, ?> e : ((Map<?, ?>) result).entrySet()) {
                    String utf8 = new String(reply.bytes(), StandardCharsets.UTF_8); // as the client decodes it
                    assertTrue(utf8.contains(e.getKey().toString()), "case " + n + ": metadata " + e);
                }
            }
            case FETCH_ALL -> {
                for (Object address : (List<?>) result) {
                    String host = address.toString().substring(0, address.toString().lastIndexOf(':'));
                    assertTrue(sent.contains(host), "case " + n + ": storage " + address + " not in this answer");
                }
            }
            default -> {
                // cluster view, file info: any value the parser accepted (validated fields)
            }
        }
    }
}
