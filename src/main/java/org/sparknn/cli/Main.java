package org.sparknn.cli;

import java.util.Arrays;

/**
 * One entry point for spark-submit: {@code Main <job> [args]} with job one of train, evaluate,
 * predict, bench, bench-spark, compare-mllib.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            System.err.println("sparknn: usage: <train|evaluate|predict|bench|bench-spark|compare-mllib> [args]");
            System.exit(2);
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        switch (args[0]) {
            case "train" -> TrainMain.main(rest);
            case "evaluate" -> EvaluateMain.main(rest);
            case "predict" -> PredictMain.main(rest);
            case "bench" -> BenchMain.main(rest);
            case "bench-spark" -> SparkBenchMain.main(rest);
            case "compare-mllib" -> CompareMain.main(rest);
            case "bench-solvers" -> SolverBenchMain.main(rest);
            default -> {
                System.err.println("sparknn: unknown job '" + args[0] + "'; jobs: train, evaluate, predict, bench, bench-spark, compare-mllib");
                System.exit(2);
            }
        }
    }
}
