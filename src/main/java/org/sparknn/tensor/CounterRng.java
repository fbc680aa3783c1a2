package org.sparknn.tensor;

/**
 * Counter-based random numbers: every value is a pure function of a key and a counter, so a
 * random draw (a dropout mask bit, an initial weight) does not depend on the order in which
 * work is done, on how data is partitioned, or on whether a task is retried.
 */
public final class CounterRng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private CounterRng() {}

    /** SplitMix64 finalizer: a bijective 64-bit mix with good avalanche. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Derives a stream key from a sequence of identifiers (seed, step, layer, sample id ...). */
    public static long key(long... parts) {
        long h = 0x6A09E667F3BCC909L;
        for (long p : parts) {
            h = mix(h ^ mix(p + GOLDEN));
        }
        return h;
    }

    /** 64 random bits at position {@code counter} of the stream {@code key}. */
    public static long bits(long key, long counter) {
        return mix(key + counter * GOLDEN);
    }

    /** Uniform float in [0, 1) from the top 24 bits of a 32-bit word. */
    public static float unitFloat(int word) {
        return (word >>> 8) * 0x1.0p-24f;
    }

    /** Uniform double in [0, 1). */
    public static double uniform(long key, long counter) {
        return (bits(key, counter) >>> 11) * 0x1.0p-53;
    }

    /** Standard normal via Box-Muller on two independent uniforms. */
    public static double gaussian(long key, long counter) {
        double u1 = uniform(key, 2 * counter);
        double u2 = uniform(key, 2 * counter + 1);
        double r = Math.sqrt(-2.0 * Math.log(1.0 - u1));
        return r * Math.cos(2.0 * Math.PI * u2);
    }

    /**
     * Position of index i in a pseudo-random permutation of 0..n-1 keyed by {@code key}, computed
     * without a table: a 4-round Feistel network on the next even power of two, cycle-walking
     * until the result falls below n. A bijection, so every position is taken exactly once.
     */
    public static long permuteIndex(long i, long n, long key) {
        if (i < 0 || i >= n) {
            throw new IllegalArgumentException("index " + i + " outside 0.." + (n - 1));
        }
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
        bits += bits & 1;
        int half = bits / 2;
        long mask = (1L << half) - 1;
        long x = i;
        do {
            long left = x >>> half;
            long right = x & mask;
            for (int round = 0; round < 4; round++) {
                long next = left ^ (mix(key + round * GOLDEN + right) & mask);
                left = right;
                right = next;
            }
            x = (left << half) | right;
        } while (x >= n);
        return x;
    }

    /** Fisher-Yates permutation of 0..n-1 drawn from the stream {@code key}. */
    public static int[] permutation(int n, long key) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = (int) Long.remainderUnsigned(bits(key, i), i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
