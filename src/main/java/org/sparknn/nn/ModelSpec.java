package org.sparknn.nn;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.List;

/**
 * A sequential network: input shape, layers in order, and the loss. Serializes to JSON for
 * model files and configuration. The input shape is [features], or [channels, height, width]
 * for image layers (rows of pixel values channel-major); each layer's shape is inferred from
 * the one before, and a layer that does not fit its input fails here, naming the layer.
 *
 * <p>{@code sparseInput}: the network is trained on sparse rows. Its first layer, which must be
 * Dense, then keeps its weights input by input, so that a batch reads and writes only the
 * weights of the features it holds; and an optimizer step updates, of those weights, only the
 * ones of features the global batch held (the others get only their regularization step). For
 * plain SGD that is the dense step exactly; for optimizers with state (momentum, Adam, ...) the
 * state of absent features stays as it was, as in lazy Adam. Written to JSON only when true.
 */
public record ModelSpec(int[] inputShape, List<LayerSpec> layers, LossKind loss,
                        @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean sparseInput) {
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();
    /** The model-file format version of specs that use only the layers sparknn had before image layers. */
    public static final int SEQUENTIAL_FORMAT = 2;
    /** The format version of specs with image layers or residual blocks (a layer may hold a sequence). */
    public static final int BLOCK_FORMAT = 3;

    public ModelSpec {
        if (inputShape == null || inputShape.length == 0) {
            throw new IllegalArgumentException("model.inputShape must list at least one dimension");
        }
        for (int d : inputShape) {
            if (d < 1) {
                throw new IllegalArgumentException("model.inputShape dimensions must be >= 1, got " + java.util.Arrays.toString(inputShape));
            }
        }
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("model.layers must hold at least one layer");
        }
        if (loss == null) {
            throw new IllegalArgumentException("model.loss must be one of " + java.util.Arrays.toString(LossKind.values()));
        }
        inputShape = inputShape.clone();
        layers = List.copyOf(layers);
        LayerSpec last = layers.get(layers.size() - 1);
        if (loss == LossKind.SOFTMAX_CROSS_ENTROPY && !(last instanceof LayerSpec.Softmax)) {
            throw new IllegalArgumentException("loss SOFTMAX_CROSS_ENTROPY needs a softmax as the last layer, found " + typeName(last));
        }
        if (loss == LossKind.BINARY_CROSS_ENTROPY && !(last instanceof LayerSpec.Sigmoid)) {
            throw new IllegalArgumentException("loss BINARY_CROSS_ENTROPY needs a sigmoid as the last layer, found " + typeName(last));
        }
        if (sparseInput && !(layers.get(0) instanceof LayerSpec.Dense)) {
            throw new IllegalArgumentException("sparse input needs a Dense first layer; layer 0 is " + typeName(layers.get(0)));
        }
        shapes(inputShape, layers);
    }

    public ModelSpec(int[] inputShape, List<LayerSpec> layers, LossKind loss) {
        this(inputShape, layers, loss, false);
    }

    public ModelSpec(int inputSize, List<LayerSpec> layers, LossKind loss) {
        this(new int[] {inputSize}, layers, loss);
    }

    /** This spec for sparse rows or not (see the class comment). */
    public ModelSpec withSparseInput(boolean sparse) {
        return sparse == sparseInput ? this : new ModelSpec(inputShape, layers, loss, sparse);
    }

    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    public int inputSize() {
        int s = 1;
        for (int d : inputShape) {
            s *= d;
        }
        return s;
    }

    /**
     * The shape of each layer's input, then the network's output shape (layers + 1 entries).
     * Errors name the layer and its input: "layer 3 (conv2d) on input [8, 4, 4]: ...".
     */
    public List<int[]> shapes() {
        return shapes(inputShape, layers);
    }

    static List<int[]> shapes(int[] inputShape, List<LayerSpec> layers) {
        List<int[]> shapes = new java.util.ArrayList<>(layers.size() + 1);
        int[] shape = inputShape.clone();
        shapes.add(shape);
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            try {
                shape = l.outputShape(shape).clone();
                Shapes.size(shape);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException("layer " + i + " (" + jsonType(l) + ") on input "
                        + java.util.Arrays.toString(shapes.get(i)) + ": " + e.getMessage(), e);
            }
            shapes.add(shape);
        }
        return shapes;
    }

    /**
     * The model-file format version a reader needs for this spec: {@link #SEQUENTIAL_FORMAT} when
     * it uses only dense, activation, dropout, batch_norm and flatten layers (what version-2
     * readers know), otherwise {@link #BLOCK_FORMAT}, which version-2 readers refuse by its number
     * instead of failing on an unknown layer type. Sparse input stores the first weights input by
     * input, which version-2 readers would misread, so it needs version 3 as well.
     */
    public int formatVersion() {
        if (sparseInput) {
            return BLOCK_FORMAT;
        }
        for (LayerSpec l : layers) {
            if (!(l instanceof LayerSpec.Dense || l instanceof LayerSpec.Relu || l instanceof LayerSpec.LeakyRelu
                    || l instanceof LayerSpec.Sigmoid || l instanceof LayerSpec.Tanh || l instanceof LayerSpec.Softmax
                    || l instanceof LayerSpec.Dropout || l instanceof LayerSpec.BatchNorm || l instanceof LayerSpec.Flatten)) {
                return BLOCK_FORMAT;
            }
        }
        return SEQUENTIAL_FORMAT;
    }

    /** Width of the network's output. */
    public int outputSize() {
        List<int[]> shapes = shapes();
        return Shapes.size(shapes.get(shapes.size() - 1));
    }

    /** Trained parameters of the whole network (the length of its flat parameter vector). */
    public long paramCount() {
        return sumOverLayers(LayerSpec::paramCount);
    }

    /** Non-trained state values of the whole network (BN population statistics). */
    public long stateCount() {
        return sumOverLayers(LayerSpec::stateCount);
    }

    private long sumOverLayers(java.util.function.ToLongBiFunction<LayerSpec, int[]> count) {
        long n = 0;
        List<int[]> shapes = shapes();
        for (int i = 0; i < layers.size(); i++) {
            n += count.applyAsLong(layers.get(i), shapes.get(i));
        }
        return n;
    }

    /**
     * A multilayer network of the given shape: per hidden layer dense, BN (optional), the
     * activation and dropout (when the rate is above 0); then a dense output layer and, for
     * softmax cross-entropy, the softmax.
     */
    public static ModelSpec mlp(int inputSize, MlpShape shape, int outputs, LossKind loss) {
        List<LayerSpec> layers = new java.util.ArrayList<>();
        for (int units : shape.hiddenLayers()) {
            layers.add(new LayerSpec.Dense(units));
            if (shape.batchNorm()) {
                layers.add(new LayerSpec.BatchNorm(null, shape.bnMomentum()));
            }
            layers.add(shape.activation().spec());
            if (shape.dropoutRate() > 0) {
                layers.add(new LayerSpec.Dropout(shape.dropoutRate()));
            }
        }
        layers.add(new LayerSpec.Dense(outputs));
        if (loss == LossKind.SOFTMAX_CROSS_ENTROPY) {
            layers.add(new LayerSpec.Softmax());
        } else if (loss == LossKind.BINARY_CROSS_ENTROPY) {
            layers.add(new LayerSpec.Sigmoid());
        }
        return new ModelSpec(inputSize, layers, loss);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static ModelSpec fromJson(String json) {
        try {
            return JSON.readValue(json, ModelSpec.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("invalid model spec JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static String typeName(LayerSpec s) {
        return s.getClass().getSimpleName();
    }

    /** The layer's JSON type name ("conv2d"), as users write it. */
    static String jsonType(LayerSpec s) {
        for (com.fasterxml.jackson.annotation.JsonSubTypes.Type t
                : LayerSpec.class.getAnnotation(com.fasterxml.jackson.annotation.JsonSubTypes.class).value()) {
            if (t.value() == s.getClass()) {
                return t.name();
            }
        }
        return s.getClass().getSimpleName();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec m && java.util.Arrays.equals(inputShape, m.inputShape)
                && layers.equals(m.layers) && loss == m.loss && sparseInput == m.sparseInput;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * java.util.Arrays.hashCode(inputShape) + layers.hashCode()) + loss.hashCode()) + Boolean.hashCode(sparseInput);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
