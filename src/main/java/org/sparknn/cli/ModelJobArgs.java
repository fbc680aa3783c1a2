package org.sparknn.cli;

/** The command-line options the evaluate and predict jobs share (plus predict's --output-format). */
record ModelJobArgs(String model, String data, String format, String split, int features, String out,
                    String outputFormat, boolean overwrite, String master) {

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
        return new ModelJobArgs(model, data, format, split, features, out, outputFormat, overwrite, master);
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
