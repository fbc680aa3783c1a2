package org.sparknn.cli;

/** The command-line options the evaluate and predict jobs share (plus predict's --output-format). */
record ModelJobArgs(String model, String data, String format, String split, int features, String out,
                    String outputFormat, boolean overwrite, String master, int mcSamples) {

    static ModelJobArgs parse(String[] args, String usage, boolean acceptsOutputFormat) {
        String model = null;
        String data = "data/mnist";
        String format = "idx";
        String split = "test";
        int features = 0;
        String out = null;
        String outputFormat = "parquet";
        boolean overwrite = false;
        String master = null;
        int mcSamples = 0;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--model" -> model = Cli.value(args, ++i, "--model", usage);
                case "--data" -> data = Cli.value(args, ++i, "--data", usage);
                case "--format" -> format = Cli.value(args, ++i, "--format", usage);
                case "--split" -> split = Cli.value(args, ++i, "--split", usage);
                case "--features" -> features = parseFeatures(Cli.value(args, ++i, "--features", usage));
                case "--out" -> out = Cli.value(args, ++i, "--out", usage);
                case "--overwrite" -> overwrite = true;
                case "--master" -> master = Cli.value(args, ++i, "--master", usage);
                case "--mc-samples" -> mcSamples = parseMcSamples(Cli.value(args, ++i, "--mc-samples", usage));
                case "--output-format" -> {
                    if (!acceptsOutputFormat) {
                        throw new IllegalArgumentException("unexpected argument '--output-format'; " + usage);
                    }
                    outputFormat = Cli.value(args, ++i, "--output-format", usage);
                }
                default -> throw new IllegalArgumentException("unexpected argument '" + args[i] + "'; " + usage);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model is required; " + usage);
        }
        if (!outputFormat.equals("parquet") && !outputFormat.equals("csv")) {
            throw new IllegalArgumentException("--output-format must be parquet or csv, got '" + outputFormat + "'");
        }
        return new ModelJobArgs(model, data, format, split, features, out, outputFormat, overwrite, master, mcSamples);
    }

    /**
     * The model to apply: a classifier with --mc-samples K > 0 scores by Monte-Carlo dropout (the
     * mean of K thinned networks' probabilities) instead of the weight-scaled network.
     */
    org.apache.spark.ml.Model<?> configure(org.apache.spark.ml.Model<?> m) {
        if (mcSamples == 0) {
            return m;
        }
        if (!(m instanceof org.sparknn.spark.ml.NeuralNetClassificationModel c)) {
            throw new IllegalArgumentException("--mc-samples applies to classifiers; " + model + " holds a regressor");
        }
        System.out.println("scoring with Monte-Carlo dropout: the mean of " + mcSamples + " thinned networks per row");
        return c.setMcSamples(mcSamples);
    }

    private static int parseMcSamples(String v) {
        int max = org.sparknn.train.Evaluator.MAX_MONTE_CARLO_PASSES;
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--mc-samples must be a whole number in [0, " + max + "] (0 = the weight-scaled network), got '" + v + "'");
    }

    private static int parseFeatures(String v) {
        try {
            int n = Integer.parseInt(v.trim());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--features must be a whole number >= 0, got '" + v + "'");
    }
}
