package org.sparknn.spark.ml;

import org.sparknn.nn.ModelSpec;
import org.sparknn.nn.Network;
import org.sparknn.nn.Pass;

import java.io.Serializable;
import java.util.Map;

/**
 * A trained network as models carry it: spec, weights, BN population state, and what training
 * reported. Serializable (models travel to executors inside transform closures); the runtime
 * network is rebuilt per thread on first use.
 */
public final class TrainedNetwork implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String specJson;
    private final float[] weights;
    private final float[] state;
    private final Map<String, Object> settings;
    private final Map<String, Object> summary;
    private transient ThreadLocal<Network> networks;

    public TrainedNetwork(String specJson, float[] weights, float[] state, Map<String, Object> settings,
                          Map<String, Object> summary) {
        this.specJson = specJson;
        this.weights = weights;
        this.state = state;
        this.settings = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(settings));
        this.summary = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(summary));
        for (float[] a : new float[][] {weights, state}) {
            for (int i = 0; i < a.length; i++) {
                if (!Float.isFinite(a[i])) {
                    throw new IllegalArgumentException("model " + (a == weights ? "weight " : "BN state value ") + i + " is "
                            + a[i] + "; a model holds finite numbers only");
                }
            }
        }
        ModelSpec spec = spec();
        if (spec.paramCount() != weights.length || spec.stateCount() != state.length) {
            throw new IllegalArgumentException("model has " + weights.length + " weights and " + state.length
                    + " state values; its spec needs " + spec.paramCount() + " and " + spec.stateCount());
        }
    }

    public ModelSpec spec() {
        return ModelSpec.fromJson(specJson);
    }

    public String specJson() {
        return specJson;
    }

    public float[] weights() {
        return weights;
    }

    public float[] state() {
        return state;
    }

    public Map<String, Object> settings() {
        return settings;
    }

    public Map<String, Object> summary() {
        return summary;
    }

    /** This thread's network with the trained weights (networks keep buffers, so one per thread). */
    public Network network() {
        if (networks == null) {
            synchronized (this) {
                if (networks == null) {
                    networks = ThreadLocal.withInitial(() -> {
                        Network net = Network.forWeights(spec());
                        net.store().setValues(weights);
                        net.store().setState(state);
                        return net;
                    });
                }
            }
        }
        return networks.get();
    }

    /** Inference on one sample; returns a new array of the network's outputs. */
    public float[] outputs(double[] features) {
        return forward(features).clone();
    }

    /** Inference on one sample; returns a new array of the logits (the input of the softmax head). */
    public float[] logits(double[] features) {
        forward(features);
        Network net = network();
        return java.util.Arrays.copyOf(net.logits(), net.outputSize());
    }

    /** This thread's forward pass over one sample; returns the network's output buffer. */
    private float[] forward(double[] features) {
        Network net = network();
        if (features.length != net.inputSize()) {
            throw new IllegalArgumentException("features vector has " + features.length + " values, the model expects "
                    + net.inputSize());
        }
        float[] x = new float[features.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) features[i];
        }
        return net.forward(x, 1, Pass.inference());
    }
}
