package org.sparknn.experiments;

import org.sparknn.nn.Layer;
import org.sparknn.nn.LayerSpec;
import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;

import java.util.ArrayList;
import java.util.List;

/** The model variants experiments compare, derived from the model a conf file describes, and a look inside a network. */
public final class Models {
    private Models() {}

    private static boolean activation(LayerSpec s) {
        return s instanceof LayerSpec.Relu || s instanceof LayerSpec.LeakyRelu || s instanceof LayerSpec.Sigmoid
                || s instanceof LayerSpec.Tanh;
    }

    private static int lastDense(List<LayerSpec> layers) {
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (layers.get(i) instanceof LayerSpec.Dense) {
                return i;
            }
        }
        throw new IllegalArgumentException("the model has no dense output layer");
    }

    /**
     * The model with dropout of drop probability {@code rate} after every hidden activation (the
     * hidden layers' dropout layers are replaced; none with rate 0). Dropout on the input (a
     * dropout layer first) is kept as it is.
     */
    public static ModelSpec hiddenDropout(ModelSpec spec, double rate) {
        List<LayerSpec> in = spec.layers();
        int last = lastDense(in);
        List<LayerSpec> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            LayerSpec s = in.get(i);
            if (s instanceof LayerSpec.Dropout && i > 0) {
                continue;
            }
            out.add(s);
            if (activation(s) && i < last && rate > 0) {
                out.add(new LayerSpec.Dropout(rate));
            }
        }
        return new ModelSpec(spec.inputShape(), out, spec.loss());
    }

    /** The model with every dropout layer removed, the input's too. */
    public static ModelSpec withoutDropout(ModelSpec spec) {
        List<LayerSpec> out = new ArrayList<>(spec.layers().stream().filter(s -> !(s instanceof LayerSpec.Dropout)).toList());
        return new ModelSpec(spec.inputShape(), out, spec.loss());
    }

    /** The model with batch normalization (default epsilon and momentum) after every hidden dense layer, before its activation. */
    public static ModelSpec withBatchNorm(ModelSpec spec) {
        List<LayerSpec> in = spec.layers();
        int last = lastDense(in);
        List<LayerSpec> out = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            out.add(in.get(i));
            if (in.get(i) instanceof LayerSpec.Dense && i < last && !(i + 1 < in.size() && in.get(i + 1) instanceof LayerSpec.BatchNorm)) {
                out.add(new LayerSpec.BatchNorm(null, null));
            }
        }
        return new ModelSpec(spec.inputShape(), out, spec.loss());
    }

    /** Index of the last hidden activation layer (the last activation before the output dense layer). */
    public static int lastHiddenActivation(ModelSpec spec) {
        List<LayerSpec> layers = spec.layers();
        for (int i = lastDense(layers) - 1; i >= 0; i--) {
            if (activation(layers.get(i))) {
                return i;
            }
        }
        throw new IllegalArgumentException("the model has no hidden activation layer");
    }

    /**
     * The output of layer {@code upTo} (inclusive) for n rows of x in inference mode (dropout
     * off, BN on population statistics), as a new [n x width] array.
     */
    public static float[] activations(Network net, float[] x, int n, int upTo) {
        return activations(net, x, n, upTo, Pass.inference());
    }

    /**
     * The output of layer {@code upTo} for n rows of x in the given pass, e.g.
     * {@link Pass#bnStatistics()}: dropout off, BN normalizing the n rows with their own statistics.
     */
    public static float[] activations(Network net, float[] x, int n, int upTo, Pass pass) {
        float[] a = x;
        List<Layer> layers = net.layers();
        for (int i = 0; i <= upTo; i++) {
            a = layers.get(i).forward(a, n, pass);
        }
        return java.util.Arrays.copyOf(a, n * layers.get(upTo).outputSize());
    }
}
