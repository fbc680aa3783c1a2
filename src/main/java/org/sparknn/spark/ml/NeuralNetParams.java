package org.sparknn.spark.ml;

import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;
import org.sparknn.train.TrainConfig;

/**
 * The params sparknn's estimators and models share (Spark finds params through public no-arg
 * methods returning a Param, so each has its accessor here): every training setting of
 * {@link TrainConfig} under the same name, and the network's shape. Implementations hold a
 * {@link ParamHolder} created with themselves as owner.
 */
public interface NeuralNetParams<SELF> extends Params {
    ParamHolder nnParams();

    @SuppressWarnings("unchecked")
    private SELF self(Params p) {
        return (SELF) p;
    }

    /** The training settings these params describe. */
    default TrainConfig trainConfig() {
        TrainConfig c = new TrainConfig();
        nnParams().training.forEach((k, p) -> c.set(k, String.valueOf(getOrDefault(p))));
        return c;
    }

    @SuppressWarnings("unchecked")
    default Param<String> solver() {
        return (Param<String>) nnParams().training.get("solver");
    }

    default String getSolver() {
        return (String) getOrDefault(solver());
    }

    default SELF setSolver(String value) {
        return self(set(solver(), value));
    }

    default IntParam maxIterations() {
        return (IntParam) nnParams().training.get("maxIterations");
    }

    default int getMaxIterations() {
        return (Integer) getOrDefault(maxIterations());
    }

    default SELF setMaxIterations(int value) {
        return self(set(maxIterations(), value));
    }

    default DoubleParam tolerance() {
        return (DoubleParam) nnParams().training.get("tolerance");
    }

    default double getTolerance() {
        return (Double) getOrDefault(tolerance());
    }

    default SELF setTolerance(double value) {
        return self(set(tolerance(), value));
    }

    default IntParam historySize() {
        return (IntParam) nnParams().training.get("historySize");
    }

    default int getHistorySize() {
        return (Integer) getOrDefault(historySize());
    }

    default SELF setHistorySize(int value) {
        return self(set(historySize(), value));
    }

    @SuppressWarnings("unchecked")
    default Param<String> exchange() {
        return (Param<String>) nnParams().training.get("exchange");
    }

    default String getExchange() {
        return (String) getOrDefault(exchange());
    }

    default SELF setExchange(String value) {
        return self(set(exchange(), value));
    }

    @SuppressWarnings("unchecked")
    default Param<String> checkpointDir() {
        return (Param<String>) nnParams().training.get("checkpointDir");
    }

    default String getCheckpointDir() {
        return (String) getOrDefault(checkpointDir());
    }

    default SELF setCheckpointDir(String value) {
        return self(set(checkpointDir(), value));
    }

    default Param<String> modelSpec() {
        return nnParams().modelSpec;
    }

    default String getModelSpec() {
        return getOrDefault(modelSpec());
    }

    default SELF setModelSpec(String json) {
        return self(set(modelSpec(), json));
    }

    default IntArrayParam hiddenLayers() {
        return nnParams().hiddenLayers;
    }

    default int[] getHiddenLayers() {
        return getOrDefault(hiddenLayers());
    }

    default SELF setHiddenLayers(int[] units) {
        return self(set(hiddenLayers(), units));
    }

    default Param<String> activation() {
        return nnParams().activation;
    }

    default String getActivation() {
        return getOrDefault(activation());
    }

    default SELF setActivation(String value) {
        return self(set(activation(), value));
    }

    default DoubleParam dropoutRate() {
        return nnParams().dropoutRate;
    }

    default double getDropoutRate() {
        return (Double) getOrDefault(dropoutRate());
    }

    default SELF setDropoutRate(double value) {
        return self(set(dropoutRate(), value));
    }

    default BooleanParam batchNorm() {
        return nnParams().batchNorm;
    }

    default boolean getBatchNorm() {
        return (Boolean) getOrDefault(batchNorm());
    }

    default SELF setBatchNorm(boolean value) {
        return self(set(batchNorm(), value));
    }

    default DoubleParam bnMomentum() {
        return nnParams().bnMomentum;
    }

    default double getBnMomentum() {
        return (Double) getOrDefault(bnMomentum());
    }

    default SELF setBnMomentum(double value) {
        return self(set(bnMomentum(), value));
    }

    default IntParam epochs() {
        return (IntParam) nnParams().training.get("epochs");
    }

    default int getEpochs() {
        return (Integer) getOrDefault(epochs());
    }

    default SELF setEpochs(int value) {
        return self(set(epochs(), value));
    }

    default IntParam batchSize() {
        return (IntParam) nnParams().training.get("batchSize");
    }

    default int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
    }

    default SELF setBatchSize(int value) {
        return self(set(batchSize(), value));
    }

    default IntParam workers() {
        return (IntParam) nnParams().training.get("workers");
    }

    default int getWorkers() {
        return (Integer) getOrDefault(workers());
    }

    default SELF setWorkers(int value) {
        return self(set(workers(), value));
    }

    default IntParam syncEvery() {
        return (IntParam) nnParams().training.get("syncEvery");
    }

    default int getSyncEvery() {
        return (Integer) getOrDefault(syncEvery());
    }

    default SELF setSyncEvery(int value) {
        return self(set(syncEvery(), value));
    }

    default Param<String> optimizer() {
        return (Param<String>) nnParams().training.get("optimizer");
    }

    default String getOptimizer() {
        return (String) getOrDefault(optimizer());
    }

    default SELF setOptimizer(String value) {
        return self(set(optimizer(), value));
    }

    default DoubleParam learningRate() {
        return (DoubleParam) nnParams().training.get("learningRate");
    }

    default double getLearningRate() {
        return (Double) getOrDefault(learningRate());
    }

    default SELF setLearningRate(double value) {
        return self(set(learningRate(), value));
    }

    default DoubleParam momentum() {
        return (DoubleParam) nnParams().training.get("momentum");
    }

    default double getMomentum() {
        return (Double) getOrDefault(momentum());
    }

    default SELF setMomentum(double value) {
        return self(set(momentum(), value));
    }

    default DoubleParam beta1() {
        return (DoubleParam) nnParams().training.get("beta1");
    }

    default double getBeta1() {
        return (Double) getOrDefault(beta1());
    }

    default SELF setBeta1(double value) {
        return self(set(beta1(), value));
    }

    default DoubleParam beta2() {
        return (DoubleParam) nnParams().training.get("beta2");
    }

    default double getBeta2() {
        return (Double) getOrDefault(beta2());
    }

    default SELF setBeta2(double value) {
        return self(set(beta2(), value));
    }

    default DoubleParam epsilon() {
        return (DoubleParam) nnParams().training.get("epsilon");
    }

    default double getEpsilon() {
        return (Double) getOrDefault(epsilon());
    }

    default SELF setEpsilon(double value) {
        return self(set(epsilon(), value));
    }

    default DoubleParam rho() {
        return (DoubleParam) nnParams().training.get("rho");
    }

    default double getRho() {
        return (Double) getOrDefault(rho());
    }

    default SELF setRho(double value) {
        return self(set(rho(), value));
    }

    default Param<String> schedule() {
        return (Param<String>) nnParams().training.get("schedule");
    }

    default String getSchedule() {
        return (String) getOrDefault(schedule());
    }

    default SELF setSchedule(String value) {
        return self(set(schedule(), value));
    }

    default DoubleParam decayEveryEpochs() {
        return (DoubleParam) nnParams().training.get("decayEveryEpochs");
    }

    default double getDecayEveryEpochs() {
        return (Double) getOrDefault(decayEveryEpochs());
    }

    default SELF setDecayEveryEpochs(double value) {
        return self(set(decayEveryEpochs(), value));
    }

    default DoubleParam decayGamma() {
        return (DoubleParam) nnParams().training.get("decayGamma");
    }

    default double getDecayGamma() {
        return (Double) getOrDefault(decayGamma());
    }

    default SELF setDecayGamma(double value) {
        return self(set(decayGamma(), value));
    }

    default DoubleParam minLearningRate() {
        return (DoubleParam) nnParams().training.get("minLearningRate");
    }

    default double getMinLearningRate() {
        return (Double) getOrDefault(minLearningRate());
    }

    default SELF setMinLearningRate(double value) {
        return self(set(minLearningRate(), value));
    }

    default DoubleParam warmupEpochs() {
        return (DoubleParam) nnParams().training.get("warmupEpochs");
    }

    default double getWarmupEpochs() {
        return (Double) getOrDefault(warmupEpochs());
    }

    default SELF setWarmupEpochs(double value) {
        return self(set(warmupEpochs(), value));
    }

    default DoubleParam l1() {
        return (DoubleParam) nnParams().training.get("l1");
    }

    default double getL1() {
        return (Double) getOrDefault(l1());
    }

    default SELF setL1(double value) {
        return self(set(l1(), value));
    }

    default DoubleParam l2() {
        return (DoubleParam) nnParams().training.get("l2");
    }

    default double getL2() {
        return (Double) getOrDefault(l2());
    }

    default SELF setL2(double value) {
        return self(set(l2(), value));
    }

    default Param<String> l1Mode() {
        return (Param<String>) nnParams().training.get("l1Mode");
    }

    default String getL1Mode() {
        return (String) getOrDefault(l1Mode());
    }

    default SELF setL1Mode(String value) {
        return self(set(l1Mode(), value));
    }

    default DoubleParam weightDecay() {
        return (DoubleParam) nnParams().training.get("weightDecay");
    }

    default double getWeightDecay() {
        return (Double) getOrDefault(weightDecay());
    }

    default SELF setWeightDecay(double value) {
        return self(set(weightDecay(), value));
    }

    default DoubleParam maxNorm() {
        return (DoubleParam) nnParams().training.get("maxNorm");
    }

    default double getMaxNorm() {
        return (Double) getOrDefault(maxNorm());
    }

    default SELF setMaxNorm(double value) {
        return self(set(maxNorm(), value));
    }

    default BooleanParam regularizeBiases() {
        return (BooleanParam) nnParams().training.get("regularizeBiases");
    }

    default boolean getRegularizeBiases() {
        return (Boolean) getOrDefault(regularizeBiases());
    }

    default SELF setRegularizeBiases(boolean value) {
        return self(set(regularizeBiases(), value));
    }

    default BooleanParam regularizeBatchNorm() {
        return (BooleanParam) nnParams().training.get("regularizeBatchNorm");
    }

    default boolean getRegularizeBatchNorm() {
        return (Boolean) getOrDefault(regularizeBatchNorm());
    }

    default SELF setRegularizeBatchNorm(boolean value) {
        return self(set(regularizeBatchNorm(), value));
    }

    default LongParam seed() {
        return (LongParam) nnParams().training.get("seed");
    }

    default long getSeed() {
        return (Long) getOrDefault(seed());
    }

    default SELF setSeed(long value) {
        return self(set(seed(), value));
    }

    default Param<String> bnPopulation() {
        return (Param<String>) nnParams().training.get("bnPopulation");
    }

    default String getBnPopulation() {
        return (String) getOrDefault(bnPopulation());
    }

    default SELF setBnPopulation(String value) {
        return self(set(bnPopulation(), value));
    }
}
