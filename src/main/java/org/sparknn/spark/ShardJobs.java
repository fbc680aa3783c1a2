package org.sparknn.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.sparknn.nn.BnPopulation;
import org.sparknn.nn.Network;
import org.sparknn.train.Evaluation;

import java.util.List;

/**
 * The shard jobs every trainer uses besides its steps: distributed evaluation, the exact BN
 * population pass, and releasing the executors' cached worker state at the end of a run. Results
 * are merged in partition order.
 */
final class ShardJobs {
    private ShardJobs() {}

    /** Inference figures of the model in {@code payload} over the shards. */
    static Evaluation evaluate(JavaSparkContext sc, Tasks.Run run, Tasks.ModelPayload payload, Shards data, String description) {
        Broadcast<Tasks.ModelPayload> model = sc.broadcast(payload);
        sc.setJobDescription("sparknn " + description);
        try {
            return Evaluation.merge(data.withBlocks(() -> data.shards().map(b -> Worker.evaluate(b, run, model)).collect()));
        } finally {
            model.destroy();
        }
    }

    /**
     * The exact BN estimator (mean of batch means, m/(m-1) * mean of batch variances) over the
     * training shards with the network's current weights, in the batches of training; written
     * into the network's population state.
     */
    static void estimateBatchNormPopulation(JavaSparkContext sc, Tasks.Run run, Network net, Shards train) {
        batchNormPopulation(sc, run, net, train).writeTo(net.batchNormLayers(), net.store().state());
    }

    /** The accumulators of the exact BN estimator over the training shards with the current weights, merged in partition order. */
    static BnPopulation.Exact batchNormPopulation(JavaSparkContext sc, Tasks.Run run, Network net, Shards train) {
        Broadcast<Tasks.ModelPayload> model = sc.broadcast(Tasks.ModelPayload.of(net, null));
        sc.setJobDescription("sparknn BN population statistics (exact estimator)");
        List<BnPopulation.Exact> parts;
        try {
            parts = train.withBlocks(() -> train.shards().map(b -> Worker.bnPass(b, run, model)).collect());
        } finally {
            model.destroy();
        }
        BnPopulation.Exact total = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            total.merge(parts.get(i));
        }
        return total;
    }

    /** Best effort: drops the executors' cached networks of this run (never masks a training error). */
    static void release(Shards train, Shards validation, String runId) {
        try {
            JavaSparkContext sc = JavaSparkContext.fromSparkContext(train.shards().context());
            if (sc.sc().isStopped()) {
                return;
            }
            sc.setJobDescription("sparknn: release worker state");
            train.shards().foreachPartition(it -> WorkerCache.removeRun(runId));
            if (validation != null) {
                validation.shards().foreachPartition(it -> WorkerCache.removeRun(runId));
            }
            sc.setJobDescription(null);
        } catch (RuntimeException e) {
            System.err.println("sparknn: could not release worker state of " + runId + ": " + e.getMessage());
        }
    }
}
