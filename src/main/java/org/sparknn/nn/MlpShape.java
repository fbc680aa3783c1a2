package org.sparknn.nn;

import org.sparknn.config.Choice;
import org.sparknn.config.Range;
import org.sparknn.config.Setting;

import java.util.List;

/**
 * The shape of a multilayer network in a few settings (hidden layer widths, activation,
 * dropout, batch norm), declared once here for the estimators' params; {@link ModelSpec#mlp}
 * builds the spec.
 */
public record MlpShape(int[] hiddenLayers, Activation activation, double dropoutRate, boolean batchNorm, double bnMomentum) {

    public enum Activation implements Choice {
        RELU, LEAKY_RELU, TANH, SIGMOID;

        LayerSpec spec() {
            return switch (this) {
                case RELU -> new LayerSpec.Relu();
                case LEAKY_RELU -> new LayerSpec.LeakyRelu(0.01);
                case TANH -> new LayerSpec.Tanh();
                case SIGMOID -> new LayerSpec.Sigmoid();
            };
        }
    }

    public static final Setting<int[]> HIDDEN_LAYERS = Setting.intArraySetting("hiddenLayers", new int[] {256, 256},
            Range.atLeast(1), "units of each hidden dense layer");
    public static final Setting<Activation> ACTIVATION = Setting.choiceSetting("activation", Activation.RELU,
            "hidden activation (leaky_relu: alpha 0.01)");
    public static final Setting<Double> DROPOUT_RATE = Setting.doubleSetting("dropoutRate", 0.2, LayerSpec.Dropout.RATE,
            "drop probability after each hidden layer; 0 = no dropout layers");
    public static final Setting<Boolean> BATCH_NORM = Setting.booleanSetting("batchNorm", true,
            "batch normalization after each hidden dense layer");
    public static final Setting<Double> BN_MOMENTUM = Setting.doubleSetting("bnMomentum", LayerSpec.BatchNorm.DEFAULT_MOMENTUM,
            LayerSpec.BatchNorm.MOMENTUM, "weight of the newest batch in the running BN average");

    public MlpShape {
        hiddenLayers = HIDDEN_LAYERS.check(hiddenLayers.clone());
        ACTIVATION.check(activation);
        DROPOUT_RATE.check(dropoutRate);
        BN_MOMENTUM.check(bnMomentum);
    }

    public static List<Setting<?>> settings() {
        return List.of(HIDDEN_LAYERS, ACTIVATION, DROPOUT_RATE, BATCH_NORM, BN_MOMENTUM);
    }

    @Override
    public int[] hiddenLayers() {
        return hiddenLayers.clone();
    }
}
