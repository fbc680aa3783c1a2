package org.sparknn.spark;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The link figures fitted from whole P = 2 exchanges of several sizes (what bench-scaling uses between executor JVMs). */
class ChainFitTest {
    private static final int BUCKET = 1000;

    /** t(n) = 4n / bw + 2 (latency + 4 bucket / bw), the model's chain at P = 2. */
    private static double chain(int floats, double latency, double bytesPerSecond) {
        return 4.0 * floats / bytesPerSecond + 2 * (latency + 4.0 * BUCKET / bytesPerSecond);
    }

    @Test
    void recoversLatencyAndBandwidthOfTheModelsChain() {
        int[] sizes = {1000, 2000, 4000, 9000};
        double[] t = new double[sizes.length];
        for (int k = 0; k < sizes.length; k++) {
            t[k] = chain(sizes[k], 50e-6, 0.8e9);
        }
        ExchangeProbe.LinkFigures f = ExchangeProbe.chainFit(sizes, t, BUCKET);
        assertEquals(0.8e9, f.bytesPerSecond(), 1e-3);
        assertEquals(50e-6, f.latencySeconds(), 1e-12);
    }

    @Test
    void bandwidthIsTheLeastSquaresSlope() {
        int[] sizes = {1000, 2000, 3000};
        // 4n / 1e9 plus 1e-4, with +-1e-6 off the line at the ends and -2e-6 in the middle: slope unchanged
        double[] t = {4e-6 + 1e-4 + 1e-6, 8e-6 + 1e-4 - 2e-6, 12e-6 + 1e-4 + 1e-6};
        ExchangeProbe.LinkFigures f = ExchangeProbe.chainFit(sizes, t, BUCKET);
        assertEquals(1e9, f.bytesPerSecond(), 1);
        // intercept 1e-4 + (1 - 2 + 1) / 3 e-6 = 1e-4: latency 5e-5 - 4e-6
        assertEquals(46e-6, f.latencySeconds(), 1e-12);
    }

    @Test
    void latencyIsNeverNegative() {
        int[] sizes = {1000, 8000};
        double[] t = {4.0 * 1000 / 1e9, 4.0 * 8000 / 1e9}; // through the origin: quicker than 2 hops
        assertEquals(0, ExchangeProbe.chainFit(sizes, t, BUCKET).latencySeconds());
    }

    @Test
    void refusesTimesThatDoNotGrowOrDoNotMatchTheSizes() {
        assertThrows(IllegalStateException.class, () -> ExchangeProbe.chainFit(new int[] {1000, 2000}, new double[] {2e-3, 1e-3}, BUCKET));
        assertThrows(IllegalArgumentException.class, () -> ExchangeProbe.chainFit(new int[] {1000, 2000}, new double[] {1e-3}, BUCKET));
    }
}
