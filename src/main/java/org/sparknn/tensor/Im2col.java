package org.sparknn.tensor;

/**
 * The geometry of a 2-d convolution over one [C x H x W] image (channel-major), and the
 * im2col / col2im copies that turn it into a matrix product. Column j of the [K x P] window
 * matrix holds the K = C * kh * kw values under window j (P = outH * outW windows, row-major);
 * row (c * kh + i) * kw + j holds channel c at kernel offset (i, j). Padding reads as zero.
 */
public final class Im2col {
    private final int channels;
    private final int height;
    private final int width;
    private final int kh;
    private final int kw;
    private final int stride;
    private final int padding;
    private final int outH;
    private final int outW;

    public Im2col(int channels, int height, int width, int kh, int kw, int stride, int padding) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.padding = padding;
        this.outH = (height + 2 * padding - kh) / stride + 1;
        this.outW = (width + 2 * padding - kw) / stride + 1;
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("kernel " + kh + "x" + kw + " does not fit " + height + "x" + width
                    + " with padding " + padding);
        }
    }

    /** K: values under one window. */
    public int rows() {
        return channels * kh * kw;
    }

    /** P: windows per image. */
    public int windows() {
        return outH * outW;
    }

    public int outHeight() {
        return outH;
    }

    public int outWidth() {
        return outW;
    }

    public int kernelArea() {
        return kh * kw;
    }

    public int inputSize() {
        return channels * height * width;
    }

    /**
     * Writes the window matrix of the image at x[xOffset..] into columns colOffset.. of the
     * row-major matrix col whose rows are ld long.
     */
    public void toColumns(float[] x, int xOffset, float[] col, int colOffset, int ld) {
        for (int c = 0; c < channels; c++) {
            int plane = xOffset + c * height * width;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int row = ((c * kh + i) * kw + j) * ld + colOffset;
                    for (int oy = 0; oy < outH; oy++) {
                        int iy = oy * stride - padding + i;
                        int at = row + oy * outW;
                        if (iy < 0 || iy >= height) {
                            java.util.Arrays.fill(col, at, at + outW, 0f);
                            continue;
                        }
                        int src = plane + iy * width;
                        if (stride == 1) {
                            // ix = ox - padding + j: a contiguous run, zeros where it leaves the row
                            int shift = j - padding;
                            int lo = Math.min(outW, Math.max(0, -shift));
                            int hi = Math.max(lo, Math.min(outW, width - shift));
                            // the zero runs are at most padding long: plain loops, not Arrays.fill calls
                            for (int ox = 0; ox < lo; ox++) {
                                col[at + ox] = 0f;
                            }
                            if (hi > lo) {
                                System.arraycopy(x, src + lo + shift, col, at + lo, hi - lo);
                            }
                            for (int ox = hi; ox < outW; ox++) {
                                col[at + ox] = 0f;
                            }
                        } else {
                            for (int ox = 0; ox < outW; ox++) {
                                int ix = ox * stride - padding + j;
                                col[at + ox] = ix >= 0 && ix < width ? x[src + ix] : 0f;
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * col2im: adds each window value of columns colOffset.. of col (rows ld long) to the image
     * position it was read from, in g[gOffset..], which is zeroed first. Values read from
     * padding are dropped.
     */
    public void addColumns(float[] col, int colOffset, int ld, float[] g, int gOffset) {
        java.util.Arrays.fill(g, gOffset, gOffset + inputSize(), 0f);
        for (int c = 0; c < channels; c++) {
            int plane = gOffset + c * height * width;
            for (int i = 0; i < kh; i++) {
                for (int j = 0; j < kw; j++) {
                    int row = ((c * kh + i) * kw + j) * ld + colOffset;
                    for (int oy = 0; oy < outH; oy++) {
                        int iy = oy * stride - padding + i;
                        if (iy < 0 || iy >= height) {
                            continue;
                        }
                        int at = row + oy * outW;
                        int dst = plane + iy * width;
                        for (int ox = 0; ox < outW; ox++) {
                            int ix = ox * stride - padding + j;
                            if (ix >= 0 && ix < width) {
                                g[dst + ix] += col[at + ox];
                            }
                        }
                    }
                }
            }
        }
    }
}
