package io.github.hakit.examples.upload;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * Group-targeted uploads on FastDFS with hakit: a page and a REST API to upload to any group, to a named group or
 * to a named storage, download through the storage protocol or over HTTP (hakit's Nginx-style upstream to each
 * storage's web server), and watch the cluster's state live.
 *
 * <pre>
 * mvn -B -q -pl examples/group-upload -am package -DskipTests
 * java -jar examples/group-upload/target/hakit-example-group-upload-0.1.0-SNAPSHOT.jar      # embedded cluster
 * java -jar ...jar --group-upload.embedded=false --group-upload.trackers=10.0.0.1:22122,10.0.0.2:22122 \
 *      --group-upload.http.group1=10.0.0.5:80,10.0.0.6:80                                   # a real cluster
 * </pre>
 */
@SpringBootApplication
@EnableConfigurationProperties(GroupUploadProperties.class)
public class GroupUploadApplication {
    public static void main(String[] args) {
        SpringApplication.run(GroupUploadApplication.class, args);
    }
}
