package org.sparknn.nn;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the image layers compute, against plain loops; the gradients are in ImageLayerGradientTest. */
class ImageLayerTest {

    private static float[] gaussian(Random rnd, int length) {
        float[] x = new float[length];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    @Test
    void conv2dForwardEqualsANaiveLoopConvolution() {
        Random rnd = new Random(1);
        int n = 5;
        int c = 3;
        int h = 9;
        int w = 7;
        int[][] cases = {{4, 3, 3, 1, 1}, {4, 3, 3, 2, 1}, {2, 2, 4, 3, 0}, {5, 5, 5, 2, 2}, {3, 1, 1, 1, 0}};
        for (int[] k : cases) {
            int outC = k[0];
            int kh = k[1];
            int kw = k[2];
            int stride = k[3];
            int pad = k[4];
            ParamStore store = new ParamStore();
            Conv2dLayer conv = new Conv2dLayer(0, c, h, w, outC, kh, kw, stride, pad, true, store);
            store.allocate();
            conv.initialize(3);
            float[] params = store.values();
            for (int i = 0; i < params.length; i++) {
                params[i] = (float) rnd.nextGaussian(); // biases too
            }
            float[] x = gaussian(rnd, n * c * h * w);
            float[] y = conv.forward(x, n, Pass.inference());
            int outH = (h + 2 * pad - kh) / stride + 1;
            int outW = (w + 2 * pad - kw) / stride + 1;
            assertEquals(outC * outH * outW, conv.outputSize());
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < outC; o++) {
                    for (int oy = 0; oy < outH; oy++) {
                        for (int ox = 0; ox < outW; ox++) {
                            double sum = params[outC * c * kh * kw + o];
                            for (int ci = 0; ci < c; ci++) {
                                for (int i = 0; i < kh; i++) {
                                    for (int j = 0; j < kw; j++) {
                                        int iy = oy * stride - pad + i;
                                        int ix = ox * stride - pad + j;
                                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                            sum += (double) params[((o * c + ci) * kh + i) * kw + j]
                                                    * x[((r * c + ci) * h + iy) * w + ix];
                                        }
                                    }
                                }
                            }
                            float got = y[((r * outC + o) * outH + oy) * outW + ox];
                            assertEquals(sum, got, 1e-4 * (1 + Math.abs(sum)), java.util.Arrays.toString(k) + " at " + r + "," + o + "," + oy + "," + ox);
                        }
                    }
                }
            }
        }
    }

    @Test
    void conv2dGradientsEqualNaiveLoops() {
        // stride 1 with a square kernel takes the transposed-convolution route for dX, the others col2im
        Random rnd = new Random(6);
        int n = 3;
        int c = 2;
        int h = 7;
        int w = 6;
        int[][] cases = {{3, 3, 3, 1, 1}, {3, 3, 3, 1, 0}, {2, 5, 5, 1, 2}, {3, 3, 3, 2, 1}, {2, 2, 3, 1, 1}, {4, 1, 1, 1, 0}};
        for (int[] kc : cases) {
            int outC = kc[0];
            int kh = kc[1];
            int kw = kc[2];
            int stride = kc[3];
            int pad = kc[4];
            ParamStore store = new ParamStore();
            Conv2dLayer conv = new Conv2dLayer(0, c, h, w, outC, kh, kw, stride, pad, true, store);
            store.allocate();
            float[] params = store.values();
            for (int i = 0; i < params.length; i++) {
                params[i] = (float) rnd.nextGaussian();
            }
            float[] x = gaussian(rnd, n * c * h * w);
            conv.forward(x, n, Pass.inference());
            int outH = (h + 2 * pad - kh) / stride + 1;
            int outW = (w + 2 * pad - kw) / stride + 1;
            float[] dy = gaussian(rnd, n * outC * outH * outW);
            float[] dx = conv.backward(dy, n, true);
            double[] dxNaive = new double[n * c * h * w];
            double[] dwNaive = new double[outC * c * kh * kw];
            double[] dbNaive = new double[outC];
            for (int r = 0; r < n; r++) {
                for (int o = 0; o < outC; o++) {
                    for (int oy = 0; oy < outH; oy++) {
                        for (int ox = 0; ox < outW; ox++) {
                            double g = dy[((r * outC + o) * outH + oy) * outW + ox];
                            dbNaive[o] += g;
                            for (int ci = 0; ci < c; ci++) {
                                for (int i = 0; i < kh; i++) {
                                    for (int j = 0; j < kw; j++) {
                                        int iy = oy * stride - pad + i;
                                        int ix = ox * stride - pad + j;
                                        if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                                            int wi = ((o * c + ci) * kh + i) * kw + j;
                                            int xi = ((r * c + ci) * h + iy) * w + ix;
                                            dxNaive[xi] += g * params[wi];
                                            dwNaive[wi] += g * x[xi];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            String what = java.util.Arrays.toString(kc);
            for (int i = 0; i < dxNaive.length; i++) {
                assertEquals(dxNaive[i], dx[i], 1e-4 * (1 + Math.abs(dxNaive[i])), what + " dX " + i);
            }
            float[] grads = store.grads();
            for (int i = 0; i < dwNaive.length; i++) {
                assertEquals(dwNaive[i], grads[i], 1e-4 * (1 + Math.abs(dwNaive[i])), what + " dW " + i);
            }
            for (int o = 0; o < outC; o++) {
                assertEquals(dbNaive[o], grads[dwNaive.length + o], 1e-4 * (1 + Math.abs(dbNaive[o])), what + " db " + o);
            }
        }
    }

    @Test
    void conv2dGivesTheSameResultWhateverTheBatchGrouping() {
        // 32 -> 8 channels on 32x32: groups of 7 samples fill the column buffer, so 20 samples take
        // three products of which the last is partial; each sample must come out as when alone
        Random rnd = new Random(2);
        ParamStore store = new ParamStore();
        Conv2dLayer conv = new Conv2dLayer(0, 32, 32, 32, 8, 3, 3, 1, 1, true, store);
        store.allocate();
        conv.initialize(5);
        int n = 20;
        int in = 32 * 32 * 32;
        int out = conv.outputSize();
        float[] x = gaussian(rnd, n * in);
        float[] dy = gaussian(rnd, n * out);
        float[] all = conv.forward(x, n, Pass.inference()).clone();
        float[] dxAll = conv.backward(dy, n, true).clone();
        for (int r = 0; r < n; r += 3) {
            float[] one = conv.forward(java.util.Arrays.copyOfRange(x, r * in, (r + 1) * in), 1, Pass.inference());
            assertArrayEquals(java.util.Arrays.copyOfRange(all, r * out, (r + 1) * out), java.util.Arrays.copyOf(one, out), 1e-4f,
                    "output of sample " + r);
            float[] dx = conv.backward(java.util.Arrays.copyOfRange(dy, r * out, (r + 1) * out), 1, true);
            assertArrayEquals(java.util.Arrays.copyOfRange(dxAll, r * in, (r + 1) * in), java.util.Arrays.copyOf(dx, in), 1e-4f,
                    "input gradient of sample " + r);
        }
    }

    @Test
    void conv2dInitIsKeyedBySeedAndLayerIndexWithHeScale() {
        ModelSpec spec = new ModelSpec(new int[] {3, 8, 8}, List.of(new LayerSpec.Conv2d(16, 3, 1, 1), new LayerSpec.Relu(),
                new LayerSpec.Flatten(), new LayerSpec.Dense(2)), LossKind.MSE);
        Network a = Network.create(spec, 9);
        Network b = Network.create(spec, 9);
        assertArrayEquals(a.store().values(), b.store().values());
        ParamBlock w = a.store().blocks().get(0);
        assertEquals(ParamGroup.WEIGHT, w.group());
        assertEquals(27, w.fanIn());
        assertEquals(16, w.units());
        double sq = 0;
        for (int i = w.offset(); i < w.end(); i++) {
            sq += a.store().values()[i] * a.store().values()[i];
        }
        assertEquals(2.0 / 27, sq / w.length(), 0.3 * 2.0 / 27, "He-normal variance 2 / fanIn");
        assertNotEquals(a.store().values()[0], Network.create(spec, 10).store().values()[0]);
    }

    @Test
    void poolsAgainstPlainLoops() {
        float[] x = new float[2 * 4 * 4];
        for (int i = 0; i < x.length; i++) {
            x[i] = i * (i % 3 == 0 ? -1 : 1);
        }
        MaxPool2dLayer max = new MaxPool2dLayer(2, 4, 4, 2, 2, 0);
        float[] m = max.forward(x, 1, Pass.inference());
        assertArrayEquals(new float[] {5, 7, 13, 14, 20, 23, 29, 31}, java.util.Arrays.copyOf(m, 8));
        AvgPool2dLayer avg = new AvgPool2dLayer(1, 4, 4, 3, 2, 1);
        float[] ones = new float[16];
        java.util.Arrays.fill(ones, 2f);
        // padding is not counted: every window averages the inputs it covers
        assertArrayEquals(new float[] {2, 2, 2, 2}, java.util.Arrays.copyOf(avg.forward(ones, 1, Pass.inference()), 4));
        float[] ramp = new float[16];
        for (int i = 0; i < 16; i++) {
            ramp[i] = i;
        }
        float[] a = avg.forward(ramp, 1, Pass.inference());
        assertEquals((0 + 1 + 4 + 5) / 4f, a[0], 1e-6);
        assertEquals((1 + 2 + 3 + 5 + 6 + 7) / 6f, a[1], 1e-6);
        GlobalAvgPoolLayer gap = new GlobalAvgPoolLayer(2, 4, 4);
        float[] g = gap.forward(x, 1, Pass.inference());
        for (int ch = 0; ch < 2; ch++) {
            double sum = 0;
            for (int i = 0; i < 16; i++) {
                sum += x[ch * 16 + i];
            }
            assertEquals(sum / 16, g[ch], 1e-5);
        }
    }

    /** A network with BN2d directly on the input, so the test knows the BN inputs. */
    private static Network bn2dFirst(int c, int h, int w) {
        return Network.create(new ModelSpec(new int[] {c, h, w}, List.of(new LayerSpec.BatchNorm2d(1e-5, 0.1),
                new LayerSpec.Flatten(), new LayerSpec.Dense(2), new LayerSpec.Softmax()), LossKind.SOFTMAX_CROSS_ENTROPY), 1);
    }

    @Test
    void batchNorm2dStatisticsArePerChannelOverBatchHeightAndWidth() {
        int c = 3;
        int area = 5 * 4;
        Network net = bn2dFirst(c, 5, 4);
        BnLayer bn = net.batchNormLayers().get(0);
        assertEquals(c, bn.features());
        Random rnd = new Random(4);
        int n = 6;
        float[] x = gaussian(rnd, n * c * area);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * (1 + (i / area) % c) + 3 * ((i / area) % c); // channel-dependent scale and shift
        }
        float[] y = bn.forward(x, n, Pass.train(0, 0, null)).clone();
        BatchStats stats = bn.lastStats();
        assertEquals((long) n * area, stats.count());
        for (int ch = 0; ch < c; ch++) {
            double mean = 0;
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < area; i++) {
                    mean += x[(r * c + ch) * area + i];
                }
            }
            mean /= n * area;
            double m2 = 0;
            double outMean = 0;
            double outSq = 0;
            for (int r = 0; r < n; r++) {
                for (int i = 0; i < area; i++) {
                    int at = (r * c + ch) * area + i;
                    m2 += (x[at] - mean) * (x[at] - mean);
                    outMean += y[at];
                    outSq += y[at] * y[at];
                }
            }
            assertEquals(mean, stats.mean()[ch], 1e-9);
            assertEquals(m2, stats.m2()[ch], 1e-6 * m2);
            // gamma 1, beta 0: each channel comes out with mean 0 and variance 1 (up to eps)
            assertEquals(0, outMean / (n * area), 1e-5);
            assertEquals(1, outSq / (n * area), 1e-3);
        }
        // the statistics of two halves merge exactly into those of the whole batch
        bn.forward(java.util.Arrays.copyOf(x, 2 * c * area), 2, Pass.bnStatistics());
        BatchStats first = bn.lastStats();
        bn.forward(java.util.Arrays.copyOfRange(x, 2 * c * area, n * c * area), n - 2, Pass.bnStatistics());
        BatchStats merged = BatchStats.merge(first, bn.lastStats());
        for (int ch = 0; ch < c; ch++) {
            assertEquals(stats.mean()[ch], merged.mean()[ch], 1e-9);
            assertEquals(stats.variance(ch), merged.variance(ch), 1e-9);
        }
    }

    @Test
    void batchNorm2dInferenceUsesThePopulationEstimates() {
        int c = 2;
        int area = 9;
        Network net = bn2dFirst(c, 3, 3);
        BnLayer bn = net.batchNormLayers().get(0);
        Random rnd = new Random(5);
        int m = 8;
        BnPopulation.Exact exact = new BnPopulation.Exact(net.batchNormLayers());
        double[] sumMeans = new double[c];
        double[] sumVars = new double[c];
        for (int b = 0; b < 4; b++) {
            float[] x = gaussian(rnd, m * c * area);
            net.forward(x, m, Pass.bnStatistics());
            exact.add(List.of(bn.lastStats()));
            for (int ch = 0; ch < c; ch++) {
                sumMeans[ch] += bn.lastStats().mean()[ch];
                sumVars[ch] += bn.lastStats().variance(ch);
            }
        }
        exact.writeTo(net.batchNormLayers(), net.store().state());
        float[] state = net.store().state();
        int count = m * area;
        for (int ch = 0; ch < c; ch++) {
            assertEquals(sumMeans[ch] / 4, state[bn.populationMeanOffset() + ch], 1e-6);
            // Algorithm 2: m/(m-1) times the mean of the batch variances, m = batch x height x width
            assertEquals((double) count / (count - 1) * sumVars[ch] / 4, state[bn.populationVarianceOffset() + ch], 1e-6);
        }
        BnPopulation.updateRunning(net.batchNormLayers(), List.of(bn.lastStats()), state);
        float[] x = gaussian(rnd, 2 * c * area);
        float[] y = bn.forward(x, 2, Pass.inference());
        for (int r = 0; r < 2; r++) {
            for (int ch = 0; ch < c; ch++) {
                for (int i = 0; i < area; i++) {
                    int at = (r * c + ch) * area + i;
                    double expected = (x[at] - state[bn.populationMeanOffset() + ch])
                            / Math.sqrt(state[bn.populationVarianceOffset() + ch] + 1e-5);
                    assertEquals(expected, y[at], 1e-5);
                }
            }
        }
    }

    @Test
    void spatialDropoutDropsWholeChannelsByCounterKeyedMasks() {
        double rate = 0.3;
        int channels = 200;
        int area = 6;
        int n = 50;
        SpatialDropoutLayer layer = new SpatialDropoutLayer(2, channels, area, rate);
        float[] ones = new float[n * channels * area];
        java.util.Arrays.fill(ones, 1f);
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 500 + i;
        }
        float[] y = layer.forward(ones, n, Pass.train(5, 17, ids)).clone();
        long dropped = 0;
        for (int rc = 0; rc < n * channels; rc++) {
            float v = y[rc * area];
            for (int i = 1; i < area; i++) {
                assertEquals(v, y[rc * area + i], 0f, "a channel is kept or dropped as a whole");
            }
            if (v == 0f) {
                dropped++;
            } else {
                assertEquals(1 / (1 - rate), v, 1e-6);
            }
        }
        double observed = (double) dropped / (n * channels);
        assertEquals(rate, observed, 4 * Math.sqrt(rate * (1 - rate) / (n * channels)));
        // the mask of a sample follows its id, not its position in the batch
        long[] shuffled = ids.clone();
        shuffled[0] = ids[1];
        shuffled[1] = ids[0];
        float[] z = layer.forward(ones, n, Pass.train(5, 17, shuffled));
        int row = channels * area;
        assertArrayEquals(java.util.Arrays.copyOfRange(y, 0, row), java.util.Arrays.copyOfRange(z, row, 2 * row));
        assertTrue(layer.forward(ones, n, Pass.inference()) == ones, "identity at inference");
    }

    @Test
    void shapeInferenceAndParamCountsMatchTheBuiltNetwork() {
        List<LayerSpec> layers = new ArrayList<>(List.of(new LayerSpec.Conv2d(8, 5, 1, 2), new LayerSpec.BatchNorm2d(),
                new LayerSpec.Relu(), new LayerSpec.MaxPool2d(2), new LayerSpec.Conv2d(16, 3, 3, 1, 0, "auto"),
                new LayerSpec.SpatialDropout(0.2), new LayerSpec.AvgPool2d(2), new LayerSpec.Flatten(), new LayerSpec.Dense(10),
                new LayerSpec.Softmax()));
        ModelSpec spec = new ModelSpec(new int[] {1, 28, 28}, layers, LossKind.SOFTMAX_CROSS_ENTROPY);
        List<int[]> shapes = spec.shapes();
        assertArrayEquals(new int[] {8, 28, 28}, shapes.get(1));
        assertArrayEquals(new int[] {8, 14, 14}, shapes.get(4));
        assertArrayEquals(new int[] {16, 12, 12}, shapes.get(5));
        assertArrayEquals(new int[] {16, 6, 6}, shapes.get(7));
        assertArrayEquals(new int[] {576}, shapes.get(8));
        Network net = Network.create(spec, 1);
        assertEquals(spec.paramCount(), net.store().size());
        assertEquals(8 * 25 + 8 + 2 * 8 + 16 * 8 * 9 + 16 + 576 * 10 + 10, spec.paramCount());
        assertEquals(spec.stateCount(), net.store().stateSize());
        assertEquals(10, net.outputSize());
        for (int i = 0; i < net.layers().size(); i++) {
            assertEquals(Shapes.size(shapes.get(i + 1)), net.layers().get(i).outputSize(), "layer " + i);
        }
        // [H, W] is one channel
        assertArrayEquals(new int[] {8, 28, 28}, new ModelSpec(new int[] {28, 28}, layers, LossKind.SOFTMAX_CROSS_ENTROPY).shapes().get(1));
    }
}
