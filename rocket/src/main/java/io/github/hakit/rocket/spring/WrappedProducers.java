package io.github.hakit.rocket.spring;

import io.github.hakit.rocket.HaProducer;
import java.util.List;

/** The {@link HaProducer}s hakit put behind clients it did not build itself (RocketMQTemplate's), for meters. */
interface WrappedProducers {
    List<HaProducer> producers();
}
