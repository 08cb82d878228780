package io.github.hakit.examples.tour;

import java.util.List;

/** One back end's part of the tour. */
interface Scenario {
    /** "fastdfs", "rabbit", "rocket", "dubbo": the value of {@code --only}. */
    String name();

    /**
     * Starts whatever can start ahead (in the background while earlier scenarios run); never throws: a failure
     * shows up when {@link #run} waits for it.
     */
    default void prepare(Tour tour) {
    }

    /** Runs the scenario and returns one result per fault it injected. */
    List<Result> run(Tour tour) throws Exception;

    /** One fault's outcome: a table of rows and the status table after. */
    record Result(String backend, String fault, List<Row> rows, String statusAfter) {
    }
}
