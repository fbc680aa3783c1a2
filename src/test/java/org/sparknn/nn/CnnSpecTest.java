package org.sparknn.nn;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CnnSpecTest {
    private static ModelSpec smallCnn() {
        return new ModelSpec(new int[] {1, 12, 12}, List.of(new LayerSpec.Conv2d(4, 3, 3, 1, 1, "he"),
                new LayerSpec.BatchNorm2d(1e-3, 0.05), new LayerSpec.Relu(), new LayerSpec.MaxPool2d(2, 2, 0),
                new LayerSpec.Conv2d(6, 3, 1, 0), new LayerSpec.SpatialDropout(0.25), new LayerSpec.AvgPool2d(3, 2, 1),
                new LayerSpec.GlobalAvgPool(), new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    }

    @Test
    void jsonRoundTripOfASmallCnn() {
        ModelSpec spec = smallCnn();
        String json = spec.toJson();
        ModelSpec back = ModelSpec.fromJson(json);
        assertEquals(spec, back);
        assertEquals(json, back.toJson());
        assertTrue(json.contains("{\"type\":\"conv2d\",\"filters\":4,\"kernelHeight\":3,\"kernelWidth\":3,\"stride\":1,\"padding\":1,\"init\":\"he\"}"), json);
        assertTrue(json.contains("\"inputShape\":[1,12,12]"), json);
        assertEquals(spec.paramCount(), Network.create(back, 1).store().size());
    }

    @Test
    void defaultsOfTheImageLayers() {
        ModelSpec s = ModelSpec.fromJson("{\"inputShape\":[3,8,8],\"layers\":[{\"type\":\"conv2d\",\"filters\":2,\"kernelHeight\":3,"
                + "\"kernelWidth\":3},{\"type\":\"batch_norm2d\"},{\"type\":\"max_pool2d\",\"kernel\":2},{\"type\":\"avg_pool2d\",\"kernel\":3},"
                + "{\"type\":\"spatial_dropout\",\"rate\":0.1},{\"type\":\"global_avg_pool\"}],\"loss\":\"mse\"}");
        assertEquals(new LayerSpec.Conv2d(2, 3, 3, 1, 0, "auto"), s.layers().get(0));
        assertEquals(new LayerSpec.BatchNorm2d(1e-5, 0.1), s.layers().get(1));
        assertEquals(new LayerSpec.MaxPool2d(2, 2, 0), s.layers().get(2));
        assertEquals(new LayerSpec.AvgPool2d(3, 3, 0), s.layers().get(3));
        assertEquals(2, s.outputSize()); // 8 -> conv 6 -> pool 3 -> pool 1
    }

    @Test
    void existingSpecsKeepTheirJsonAndSizes() {
        String json = "{\"inputShape\":[784],\"layers\":[{\"type\":\"dense\",\"units\":64,\"init\":\"auto\"},"
                + "{\"type\":\"batch_norm\",\"epsilon\":1.0E-5,\"momentum\":0.1},{\"type\":\"relu\"},{\"type\":\"dropout\",\"rate\":0.2},"
                + "{\"type\":\"dense\",\"units\":10,\"init\":\"auto\"},{\"type\":\"softmax\"}],\"loss\":\"SOFTMAX_CROSS_ENTROPY\"}";
        ModelSpec s = ModelSpec.fromJson(json);
        assertEquals(json, s.toJson());
        assertEquals(784 * 64 + 64 + 128 + 64 * 10 + 10, s.paramCount());
        assertEquals(128, s.stateCount());
        assertEquals(10, s.outputSize());
        // a multi-dimensional input shape still feeds dense layers as one vector
        assertEquals(28 * 28 * 5 + 5, new ModelSpec(new int[] {28, 28}, List.of(new LayerSpec.Dense(5)), LossKind.MSE).paramCount());
    }

    private static String failure(String layers, int... shape) {
        String json = "{\"inputShape\":" + java.util.Arrays.toString(shape) + ",\"layers\":[" + layers + "],\"loss\":\"mse\"}";
        return assertThrows(IllegalArgumentException.class, () -> ModelSpec.fromJson(json)).getMessage();
    }

    @Test
    void badKernelStrideOrPaddingFailNamingTheLayerAndTheRange() {
        String conv = "{\"type\":\"conv2d\",\"filters\":2,\"kernelHeight\":3,\"kernelWidth\":3}";
        String m = failure(conv + ",{\"type\":\"max_pool2d\",\"kernel\":2},{\"type\":\"conv2d\",\"filters\":2,\"kernelHeight\":5,\"kernelWidth\":3}", 1, 10, 10);
        assertTrue(m.contains("layer 2 (conv2d) on input [2, 4, 4]: conv2d kernel height 5 does not fit the input height 4 with padding 0: "
                + "the kernel height must be in [1, 4]"), m);
        m = failure("{\"type\":\"conv2d\",\"filters\":2,\"kernelHeight\":3,\"kernelWidth\":3,\"padding\":3}", 1, 10, 10);
        assertTrue(m.contains("conv2d.padding must be in [0, 2], got 3"), m);
        m = failure("{\"type\":\"conv2d\",\"filters\":2,\"kernelHeight\":3,\"kernelWidth\":3,\"stride\":0}", 1, 10, 10);
        assertTrue(m.contains("conv2d.stride must be >= 1, got 0"), m);
        m = failure("{\"type\":\"max_pool2d\",\"kernel\":3,\"padding\":2}", 1, 10, 10);
        assertTrue(m.contains("max_pool2d.padding must be in [0, 1], got 2"), m);
        m = failure("{\"type\":\"avg_pool2d\",\"kernel\":0}", 1, 10, 10);
        assertTrue(m.contains("avg_pool2d.kernel must be >= 1, got 0"), m);
        m = failure(conv, 100);
        assertTrue(m.contains("layer 0 (conv2d) on input [100]: conv2d needs an image input of shape [channels, height, width]"), m);
        m = failure("{\"type\":\"flatten\"},{\"type\":\"batch_norm2d\"}", 2, 3, 3);
        assertTrue(m.contains("layer 1 (batch_norm2d) on input [18]"), m);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ModelSpec(new int[] {1, 4, 4},
                List.of(new LayerSpec.MaxPool2d(5)), LossKind.MSE));
        assertTrue(e.getMessage().contains("layer 0 (max_pool2d)") && e.getMessage().contains("must be in [1, 4]"), e.getMessage());
    }

    private static ModelSpec smallResNet() {
        return new ModelSpec(new int[] {1, 8, 8}, List.of(new LayerSpec.Conv2d(4, 3, 1, 1), new LayerSpec.BatchNorm2d(),
                new LayerSpec.Relu(),
                new LayerSpec.Residual(List.of(new LayerSpec.Conv2d(4, 3, 1, 1), new LayerSpec.BatchNorm2d(), new LayerSpec.Relu(),
                        new LayerSpec.Conv2d(4, 3, 1, 1), new LayerSpec.BatchNorm2d())), new LayerSpec.Relu(),
                new LayerSpec.Residual(List.of(new LayerSpec.Conv2d(8, 3, 2, 1), new LayerSpec.BatchNorm2d(), new LayerSpec.Relu(),
                        new LayerSpec.Conv2d(8, 3, 1, 1), new LayerSpec.BatchNorm2d())), new LayerSpec.Relu(),
                new LayerSpec.GlobalAvgPool(), new LayerSpec.Dense(10), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY);
    }

    @Test
    void residualBlocksRoundTripAndBuild() {
        ModelSpec spec = smallResNet();
        String json = spec.toJson();
        assertTrue(json.contains("{\"type\":\"residual\",\"layers\":[{\"type\":\"conv2d\""), json);
        ModelSpec back = ModelSpec.fromJson(json);
        assertEquals(spec, back);
        assertEquals(json, back.toJson());
        assertEquals(ModelSpec.BLOCK_FORMAT, spec.formatVersion());
        // second block: [4, 8, 8] -> [8, 4, 4], projected by a 1x1 convolution with stride 2
        assertEquals(new LayerSpec.Conv2d(8, 1, 1, 2, 0, "glorot"),
                ((LayerSpec.Residual) spec.layers().get(5)).projection(new int[] {4, 8, 8}));
        long params = (4 * 9 + 4) + 8 + 2 * (4 * 4 * 9 + 4 + 8) + (8 * 4 * 9 + 8 + 16 + 8 * 8 * 9 + 8 + 16) + (8 * 4 + 8) + (8 * 10 + 10);
        assertEquals(params, spec.paramCount());
        Network net = Network.create(spec, 1);
        assertEquals(params, net.store().size());
        assertEquals(spec.stateCount(), net.store().stateSize());
        assertEquals(5, net.batchNormLayers().size());
        // every parameter block belongs to a network position (backward progress is per position)
        for (ParamBlock b : net.store().blocks()) {
            assertTrue(b.layerIndex() < spec.layers().size(), b.toString());
        }
        assertEquals(ModelSpec.SEQUENTIAL_FORMAT, ModelSpec.fromJson("{\"inputShape\":[4],\"layers\":[{\"type\":\"dense\",\"units\":2}],"
                + "\"loss\":\"mse\"}").formatVersion());
    }

    @Test
    void residualShapeErrorsNameTheBlock() {
        String m = failure("{\"type\":\"residual\",\"layers\":[{\"type\":\"conv2d\",\"filters\":2,\"kernelHeight\":3,"
                + "\"kernelWidth\":3}]}", 1, 10, 10);
        assertTrue(m.contains("layer 0 (residual) on input [1, 10, 10]: the body maps [1, 10, 10] to [2, 8, 8], which no strided 1x1 "
                + "convolution of the input matches"), m);
        m = failure("{\"type\":\"residual\",\"layers\":[{\"type\":\"flatten\"}]}", 1, 4, 4);
        assertTrue(m.contains("a shortcut joins images to images or vectors to vectors"), m);
        m = failure("{\"type\":\"residual\",\"layers\":[{\"type\":\"residual\",\"layers\":[{\"type\":\"relu\"}]}]}", 4);
        assertTrue(m.contains("residual blocks do not nest"), m);
    }
}
