package org.sparknn.nn;

import org.sparknn.tensor.Csr;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A sequential network built from a {@link ModelSpec}, with its parameters in one {@link ParamStore}. */
public final class Network {
    private final ModelSpec spec;
    private final ParamStore store = new ParamStore();
    private final List<Layer> layers = new ArrayList<>();
    private final List<BnLayer> batchNorms = new ArrayList<>();
    private final int inputSize;
    private final int outputSize;
    private float[] lossGrad;
    private float[] lastOutput;
    private final int[] finalFrom;
    private BnSync bnSync;

    private Network(ModelSpec spec) {
        this.spec = spec;
        this.inputSize = spec.inputSize();
        List<LayerSpec> specs = spec.layers();
        List<int[]> shapes = spec.shapes();
        for (int i = 0; i < specs.size(); i++) {
            Layer layer = createLayer(i, specs, i, shapes.get(i));
            layers.add(layer);
            if (layer instanceof BnLayer bn) {
                batchNorms.add(bn);
            } else if (layer instanceof ResidualLayer r) {
                for (Layer part : r.parts()) {
                    if (part instanceof BnLayer bn) {
                        batchNorms.add(bn);
                    }
                }
            }
        }
        this.outputSize = Shapes.size(shapes.get(specs.size()));
        store.allocate();
        this.finalFrom = finalFromOffsets();
    }

    /** Builds the network and initializes its parameters from the seed. */
    /**
     * A network whose parameters are all zero, for weights that are copied in next (initializing
     * millions of weights costs seconds that copying in makes moot).
     */
    public static Network forWeights(ModelSpec spec) {
        return new Network(spec);
    }

    public static Network create(ModelSpec spec, long seed) {
        Network net = new Network(spec);
        for (Layer layer : net.layers) {
            layer.initialize(seed);
        }
        return net;
    }

    /**
     * The layer for specs[at] on an input of the given shape; {@code i} is its index for parameter
     * names and random streams (its position, or for a block's parts one derived from the block's).
     */
    private Layer createLayer(int i, List<LayerSpec> specs, int at, int[] shape) {
        LayerSpec s = specs.get(at);
        int in = Shapes.size(shape);
        if (s instanceof LayerSpec.Residual r) {
            return createResidual(i, r, shape);
        }
        if (s instanceof LayerSpec.Dense d) {
            return new DenseLayer(i, in, d.units(), useHeInit(d.init(), specs, at), i == 0 && spec.sparseInput(), store);
        } else if (s instanceof LayerSpec.Relu) {
            return new ReluLayer(in, 0);
        } else if (s instanceof LayerSpec.LeakyRelu r) {
            return new ReluLayer(in, r.alpha());
        } else if (s instanceof LayerSpec.Sigmoid) {
            return new SigmoidLayer(in);
        } else if (s instanceof LayerSpec.Tanh) {
            return new TanhLayer(in);
        } else if (s instanceof LayerSpec.Softmax) {
            return new SoftmaxLayer(in);
        } else if (s instanceof LayerSpec.Dropout d) {
            return new DropoutLayer(i, in, d.rate());
        } else if (s instanceof LayerSpec.BatchNorm b) {
            return new BatchNormLayer(i, in, b.epsilon(), b.momentum(), store);
        } else if (s instanceof LayerSpec.Flatten) {
            return new FlattenLayer(in);
        }
        int[] chw = Shapes.chw(shape, ModelSpec.jsonType(s));
        if (s instanceof LayerSpec.Conv2d c) {
            return new Conv2dLayer(i, chw[0], chw[1], chw[2], c.filters(), c.kernelHeight(), c.kernelWidth(), c.stride(),
                    c.padding(), useHeInit(c.init(), specs, at), store);
        } else if (s instanceof LayerSpec.MaxPool2d p) {
            return new MaxPool2dLayer(chw[0], chw[1], chw[2], p.kernel(), p.stride(), p.padding());
        } else if (s instanceof LayerSpec.AvgPool2d p) {
            return new AvgPool2dLayer(chw[0], chw[1], chw[2], p.kernel(), p.stride(), p.padding());
        } else if (s instanceof LayerSpec.GlobalAvgPool) {
            return new GlobalAvgPoolLayer(chw[0], chw[1], chw[2]);
        } else if (s instanceof LayerSpec.BatchNorm2d b) {
            return new BatchNorm2dLayer(i, chw[0], chw[1], chw[2], b.epsilon(), b.momentum(), store);
        } else if (s instanceof LayerSpec.SpatialDropout d) {
            return new SpatialDropoutLayer(i, chw[0], chw[1] * chw[2], d.rate());
        }
        throw new IllegalArgumentException("unsupported layer " + s);
    }

    /**
     * A residual block at index i: its parts get indices of their own (so that initial weights and
     * dropout masks differ between parts) that no network position takes, while their parameter
     * blocks belong to i.
     */
    private Layer createResidual(int i, LayerSpec.Residual r, int[] shape) {
        if (i >= 2000 || r.layers().size() >= 999) {
            throw new IllegalArgumentException("residual block at layer " + i + ": blocks need a position below 2000 and fewer than 999 layers");
        }
        List<LayerSpec> body = r.layers();
        List<int[]> shapes = ModelSpec.shapes(shape, body);
        List<Layer> parts = new ArrayList<>();
        store.ownedBy(i);
        for (int j = 0; j < body.size(); j++) {
            parts.add(createLayer(partIndex(i, j), body, j, shapes.get(j)));
        }
        LayerSpec projection = r.projection(shape);
        Layer shortcut = projection == null ? null : createLayer(partIndex(i, body.size()), List.of(projection), 0, shape);
        store.ownedBy(-1);
        return new ResidualLayer(Shapes.size(shape), parts, shortcut);
    }

    private static int partIndex(int block, int part) {
        return 1_000_000 + block * 1000 + part;
    }

    /**
     * "auto": He init when the next activation (past BN, dropout and pooling, which commute with
     * it or rescale) is ReLU-like, Glorot otherwise.
     */
    private static boolean useHeInit(String init, List<LayerSpec> specs, int i) {
        if (!init.equals("auto")) {
            return init.equals("he");
        }
        for (int j = i + 1; j < specs.size(); j++) {
            LayerSpec next = specs.get(j);
            if (next instanceof LayerSpec.BatchNorm || next instanceof LayerSpec.Dropout || next instanceof LayerSpec.BatchNorm2d
                    || next instanceof LayerSpec.SpatialDropout || next instanceof LayerSpec.MaxPool2d
                    || next instanceof LayerSpec.AvgPool2d) {
                continue;
            }
            return next instanceof LayerSpec.Relu || next instanceof LayerSpec.LeakyRelu;
        }
        return false;
    }

    public ModelSpec spec() {
        return spec;
    }

    public ParamStore store() {
        return store;
    }

    public List<Layer> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** Every batch-normalization layer (dense BN and BN2d) in network order. */
    public List<BnLayer> batchNormLayers() {
        return Collections.unmodifiableList(batchNorms);
    }

    /**
     * Synchronized batch normalization: from now on every BN layer's training passes normalize
     * over the global batch through {@code sync} (null: each over its own rows again).
     */
    public void synchronizeBatchNorm(BnSync sync) {
        bnSync = sync;
        for (BnLayer bn : batchNorms) {
            bn.synchronize(sync);
        }
    }

    /**
     * For a worker without rows in a step while BN is synchronized: the exchanges its BN layers
     * would make (forward in order, backward in reverse), with nothing of its own to add.
     */
    public void skipBatchNormSync() {
        if (bnSync == null) {
            return;
        }
        for (BnLayer bn : batchNorms) {
            bnSync.globalStats(new BatchStats(0, new double[bn.features()], new double[bn.features()]));
        }
        for (int i = batchNorms.size() - 1; i >= 0; i--) {
            bnSync.globalSums(new double[2 * batchNorms.get(i).features()]);
        }
    }

    public int inputSize() {
        return inputSize;
    }

    public int outputSize() {
        return outputSize;
    }

    public int labelWidth() {
        return spec.loss().labelWidth(outputSize);
    }

    /** Forward pass over n rows; returns the output buffer (row-major [n x outputSize]). */
    public float[] forward(float[] x, int n, Pass pass) {
        return forwardFrom(0, x, n, pass);
    }

    /**
     * Forward pass over CSR rows: the first layer, which must be Dense, computes sparse x dense;
     * the layers after it run as for dense rows.
     */
    public float[] forward(Csr x, Pass pass) {
        return forwardFrom(1, sparseInputLayer().forward(x), x.rows(), pass);
    }

    private float[] forwardFrom(int first, float[] x, int n, Pass pass) {
        float[] a = x;
        for (int i = first; i < layers.size(); i++) {
            a = layers.get(i).forward(a, n, pass);
        }
        lastOutput = a;
        return a;
    }

    /** Whether the network takes sparse rows: its first layer is Dense. */
    public boolean takesSparseInput() {
        return layers.get(0) instanceof DenseLayer;
    }

    /**
     * The first layer when it is Dense, which sparse rows need. Other first layers are refused
     * rather than defined: dropout or batch normalization over the raw input would have to
     * densify every row (dropout's inverted scaling alone keeps zeros, but the masks of 2^18
     * inputs per row cost what densifying does).
     */
    public DenseLayer sparseInputLayer() {
        if (!(layers.get(0) instanceof DenseLayer d)) {
            throw new IllegalArgumentException("sparse features need a Dense first layer; layer 0 is "
                    + spec.layers().get(0).getClass().getSimpleName() + " (put Dense first, or give dense vectors)");
        }
        return d;
    }

    /**
     * After a gradient over sparse rows, the input features whose first-layer weight columns got
     * a gradient (sorted, distinct); all other first-layer weight gradients are zero. Null after
     * a dense batch.
     */
    public int[] touchedInputs() {
        return layers.get(0) instanceof DenseLayer d ? d.touchedInputs() : null;
    }

    /**
     * The logits of the last forward pass: the input of the softmax (or sigmoid) head that the
     * loss is fused with, otherwise the outputs themselves. A buffer the next pass overwrites.
     */
    public float[] logits() {
        Layer head = layers.get(layers.size() - 1);
        if (fusedHead()) {
            return head instanceof SoftmaxLayer s ? s.lastInput() : ((SigmoidLayer) head).lastInput();
        }
        return lastOutput;
    }

    /**
     * Zeroes the gradients, then runs forward and backward over n rows and leaves the gradient of
     * the summed loss in the store's grads.
     */
    public BatchResult gradientSum(float[] x, float[] labels, int n, Pass pass) {
        return gradientSum(x, labels, n, pass, null);
    }

    /**
     * What a caller learns while a gradient is computed, so that it can start exchanging before
     * backward ends: the batch's figures once forward is done, then, after each layer's
     * backward, the offset from which every gradient in the store is final.
     */
    public interface BackwardProgress {
        void forwardDone(BatchResult figures);

        void gradientsFinalFrom(int offset);
    }

    /** {@link #gradientSum(float[], float[], int, Pass)}, reporting progress to {@code progress} (may be null). */
    public BatchResult gradientSum(float[] x, float[] labels, int n, Pass pass, BackwardProgress progress) {
        zeroGrads();
        return backward(forward(x, n, pass), labels, n, progress);
    }

    /**
     * Zeroes the gradients. On sparse input ({@link ModelSpec#sparseInput()}) the first layer's
     * weight gradient is zeroed only where something was written since (see {@link DenseLayer#noteWritten}).
     */
    public void zeroGrads() {
        if (layers.get(0) instanceof DenseLayer d && d.inputMajor()) {
            ParamBlock w = store.blocks().get(0);
            store.zeroGradsOutside(w.offset(), w.end());
            d.zeroWeightGradients();
        } else {
            store.zeroGrads();
        }
    }

    /**
     * On sparse input ({@link ModelSpec#sparseInput()}) after a batch of sparse rows: the inputs
     * it held (sorted, distinct), the only rows of the first layer's weight gradient a step
     * updates in full (see {@code GlobalStep.apply}). Null otherwise.
     */
    public int[] sparseStepRows() {
        return layers.get(0) instanceof DenseLayer d && d.inputMajor() ? d.touchedInputs() : null;
    }

    /** Whether the network takes sparse input with input-major first weights ({@link ModelSpec#sparseInput()}). */
    public boolean sparseInput() {
        return layers.get(0) instanceof DenseLayer d && d.inputMajor();
    }

    /** After something wrote gradients outside the rows it announced: the next {@link #zeroGrads} clears all of them. */
    public void noteAllGradientsWritten() {
        if (layers.get(0) instanceof DenseLayer d) {
            d.noteAllWritten();
        }
    }

    /** {@link #gradientSum(float[], float[], int, Pass, BackwardProgress)} over CSR rows (see {@link #forward(Csr, Pass)}). */
    public BatchResult gradientSum(Csr x, float[] labels, Pass pass, BackwardProgress progress) {
        zeroGrads();
        return backward(forward(x, pass), labels, x.rows(), progress);
    }

    private BatchResult backward(float[] out, float[] labels, int n, BackwardProgress progress) {
        lossGrad = Layer.ensure(lossGrad, n * outputSize);
        double loss = headLoss(out, labels, n, lossGrad);
        long correct = countCorrect(out, labels, n);
        List<BatchStats> stats = new ArrayList<>(batchNorms.size());
        for (BnLayer bn : batchNorms) {
            stats.add(bn.lastStats());
        }
        BatchResult result = new BatchResult(loss, n, correct, stats);
        if (progress != null) {
            progress.forwardDone(result);
        }
        // With a fused head the gradient is already wrt the input of the softmax/sigmoid.
        int last = layers.size() - (fusedHead() ? 2 : 1);
        float[] g = lossGrad;
        for (int i = last; i >= 0; i--) {
            g = layers.get(i).backward(g, n, i > 0);
            if (progress != null) {
                progress.gradientsFinalFrom(finalFrom[i]);
            }
        }
        return result;
    }

    /**
     * finalFrom[i]: once layers i.. have run backward, every gradient at or above this offset is
     * final (the end of the highest block that belongs to a layer before i).
     */
    private int[] finalFromOffsets() {
        int[] from = new int[layers.size()];
        for (int i = 0; i < from.length; i++) {
            for (ParamBlock b : store.blocks()) {
                if (b.layerIndex() < i) {
                    from[i] = Math.max(from[i], b.end());
                }
            }
        }
        return from;
    }

    /** Summed loss of the output {@code out} of the last forward pass over n rows, as training computes it. */
    public double lossSum(float[] out, float[] labels, int n) {
        lossGrad = Layer.ensure(lossGrad, n * outputSize);
        return headLoss(out, labels, n, lossGrad);
    }

    private boolean fusedHead() {
        return spec.loss() == LossKind.SOFTMAX_CROSS_ENTROPY || spec.loss() == LossKind.BINARY_CROSS_ENTROPY;
    }

    /** Loss from the logits where the head is fused (exact for confident mistakes too). */
    private double headLoss(float[] out, float[] labels, int n, float[] grad) {
        Layer head = layers.get(layers.size() - 1);
        return switch (spec.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> Losses.softmaxCrossEntropyFromLogits(((SoftmaxLayer) head).lastInput(), out, labels, n, outputSize, grad);
            case BINARY_CROSS_ENTROPY -> Losses.binaryCrossEntropyFromLogits(((SigmoidLayer) head).lastInput(), out, labels, n, outputSize, grad);
            case MSE -> Losses.meanSquaredError(out, labels, n, outputSize, grad);
            case MAE -> Losses.meanAbsoluteError(out, labels, n, outputSize, grad);
        };
    }

    /** Number of rows whose predicted class equals the label (classification losses only). */
    public long countCorrect(float[] out, float[] labels, int n) {
        long correct = 0;
        if (spec.loss() == LossKind.SOFTMAX_CROSS_ENTROPY) {
            for (int r = 0; r < n; r++) {
                if (argmax(out, r * outputSize, outputSize) == (int) labels[r]) {
                    correct++;
                }
            }
        } else if (spec.loss() == LossKind.BINARY_CROSS_ENTROPY && outputSize == 1) {
            for (int r = 0; r < n; r++) {
                if ((out[r] >= 0.5f) == (labels[r] >= 0.5f)) {
                    correct++;
                }
            }
        }
        return correct;
    }

    public static int argmax(float[] a, int offset, int length) {
        int best = 0;
        for (int j = 1; j < length; j++) {
            if (a[offset + j] > a[offset + best]) {
                best = j;
            }
        }
        return best;
    }
}
