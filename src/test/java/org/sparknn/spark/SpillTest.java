package org.sparknn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.sparknn.data.Dataset;
import org.sparknn.nn.LossKind;
import org.sparknn.nn.MlpShape;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.train.TrainConfig;
import org.sparknn.train.TrainingListener;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shards larger than the executors' storage memory spill to disk and train as shards kept on disk do. */
class SpillTest {
    private static final ModelSpec SPEC = ModelSpec.mlp(784, new MlpShape(new int[] {32}, MlpShape.Activation.RELU, 0.1, true, 0.9), 10,
            LossKind.SOFTMAX_CROSS_ENTROPY);

    @Test
    void shardsLargerThanStorageMemorySpillToDiskAndTrainTheSameBits() {
        SparkTestSession.stop();
        // Spark plans with 450 MB of JVM memory, 300 MB of it reserved: 5% of the rest, about 7 MB,
        // holds execution and storage; the shards hold 6,000 rows x 784 floats, about 19 MB.
        SparkSession small = SparkSetup.localSession("local[2]", "sparknn-spill-test", Map.of("spark.ui.enabled", "false",
                "spark.testing.memory", String.valueOf(450L << 20), "spark.memory.fraction", "0.05"));
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(small.sparkContext());
            Dataset data = SparkTestSession.mnistTrain().slice(0, 6000);
            TrainConfig config = TrainConfig.defaults().with("exchange", "allreduce").with("epochs", 1).with("batchSize", 128)
                    .with("seed", 5).with("blockRows", 500);
            Shards spilled = Shards.fromDataset(sc, data, 2, config);
            Network fromSpilled;
            try {
                Matcher m = Pattern.compile("([0-9,]+) MB on disk").matcher(spilled.storage());
                assertTrue(m.find() && Long.parseLong(m.group(1).replace(",", "")) > 0, spilled.storage());
                fromSpilled = fit(spilled, config);
            } finally {
                spilled.release();
            }
            Shards onDisk = Shards.fromDataset(sc, data, 2, config.with("shardStorage", "disk"));
            try {
                Network fromDisk = fit(onDisk, config);
                assertArrayEquals(fromDisk.store().values(), fromSpilled.store().values(), 0f);
                assertArrayEquals(fromDisk.store().state(), fromSpilled.store().state(), 0f);
            } finally {
                onDisk.release();
            }
        } finally {
            small.stop();
        }
    }

    private static Network fit(Shards shards, TrainConfig config) {
        Network net = Network.create(SPEC, 5);
        SparkTrainer.fit(shards, null, net, config, TrainingListener.silent());
        return net;
    }
}
