package org.sparknn.experiments;

/** One experiment: trains what its claim needs through {@link ExperimentContext} and reports table, plots and verdict. */
public interface Experiment {
    /** The name on the command line and of its conf file (conf/experiments/NAME.conf) and output folder. */
    String name();

    /** One line: what is measured. */
    String title();

    /** The claim under test, as the notes and the paper state it. */
    String claim();

    Report run(ExperimentContext ctx) throws Exception;
}
