package org.sparknn.train;

import org.sparknn.config.Choice;

/** The choice-valued training settings, as enums (written in lower case in files and params). */
public final class Choices {
    private Choices() {}

    public enum OptimizerKind implements Choice { SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM, ADAMW }

    public enum Schedule implements Choice { CONSTANT, STEP, EXPONENTIAL, COSINE }

    public enum L1Mode implements Choice { PROXIMAL, SUBGRADIENT }

    /** Which BN inference statistics a run ends with. */
    public enum BnPopulationMode implements Choice { EXACT, RUNNING }

    public enum Solver implements Choice { MINIBATCH, LBFGS, OWLQN }

    /** Spark storage level of cached shard blocks. */
    public enum ShardStorage implements Choice { MEMORY_AND_DISK, MEMORY_AND_DISK_SER, MEMORY, DISK }

    /** How a step on sparse input updates the first layer's weights of features its batch did not hold. */
    public enum SparseUpdate implements Choice { LAZY, DENSE }

    /** How synchronous mini-batch steps combine the workers' gradients. */
    public enum ExchangeMode implements Choice { AUTO, DRIVER, ALLREDUCE }
}
