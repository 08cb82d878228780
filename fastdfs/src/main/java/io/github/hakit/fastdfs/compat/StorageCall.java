package io.github.hakit.fastdfs.compat;

import java.io.IOException;
import org.csource.common.MyException;
import org.csource.fastdfs.StorageClient1;

/**
 * One call of fastdfs-client-java's {@link StorageClient1}, run by {@link FailoverStorageClient} on a storage it
 * chose (and again on the next storage when the first one failed and the operation allows it).
 *
 * <pre>{@code
 * StorageCall<byte[]> read = client -> client.download_file1(fileId);
 * }</pre>
 */
@FunctionalInterface
public interface StorageCall<T> {
    T call(StorageClient1 client) throws IOException, MyException;
}
