package org.sparknn.optim;

/** The step count every optimizer keeps. */
abstract class StepCounter implements Optimizer {
    protected long t;

    @Override
    public void beginStep() {
        t++;
    }

    @Override
    public long steps() {
        return t;
    }

    @Override
    public void setSteps(long steps) {
        t = steps;
    }
}
