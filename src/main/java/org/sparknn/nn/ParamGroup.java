package org.sparknn.nn;

/** What a block of parameters is, so regularizers and constraints know whether to touch it. */
public enum ParamGroup {
    WEIGHT, BIAS, BN_GAMMA, BN_BETA
}
