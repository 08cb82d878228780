package io.github.hakit.testkit.rocket;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives a test class a shared {@link RocketTestCluster}: parameters of type {@code RocketTestCluster}
 * (constructor, {@code @BeforeAll}, test methods) receive one cluster of the given shape, started once
 * per test run and reused by every class that asks for the same shape (see {@link RocketClusterExtension}).
 *
 * <pre>{@code
 * @RocketCluster(layout = RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC, nameServers = 2)
 * class BrokerFailoverIT {
 *     @Test
 *     void sendsMoveToBrokerB(RocketTestCluster cluster) { ... }
 * }
 * }</pre>
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RocketClusterExtension.class)
public @interface RocketCluster {
    RocketLayout layout() default RocketLayout.TWO_MASTERS_TWO_SLAVES_ASYNC;

    int nameServers() default 2;
}
