package org.sparknn.cli;

import java.util.Arrays;

/**
 * One entry point for spark-submit: {@code Main <job> [args]} with job one of train, evaluate,
 * predict, experiments. (Benchmarks and comparisons live in org.sparknn.bench, run by jobs/bench*.sh and
 * jobs/compare-mllib.sh.)
 */
public final class Main {
    private static final String JOBS = "train, evaluate, predict, experiments";

    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("sparknn: usage: <train|evaluate|predict|experiments> [args]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "train" -> TrainMain.main(rest);
            case "evaluate" -> EvaluateMain.main(rest);
            case "predict" -> PredictMain.main(rest);
            case "experiments" -> ExperimentsMain.main(rest);
            default -> {
                System.err.println("sparknn: unknown job '" + args[0] + "'; jobs: " + JOBS);
                System.exit(2);
            }
        }
    }
}
