package org.sparknn.spark.ml;

/**
 * Spark's param traits call uid() from the superclass constructor, before a Java subclass has
 * set any field. A constructor that receives a uid stages it here first ({@code this(stage(uid))}),
 * and the subclass's lazy uid() takes it on its first call. The uid field must have no
 * initializer, or it would be wiped once the superclass constructor returns.
 */
final class UidStaging {
    private static final ThreadLocal<String> STAGED = new ThreadLocal<>();

    private UidStaging() {}

    static boolean stage(String uid) {
        STAGED.set(uid);
        return true;
    }

    static String take() {
        String uid = STAGED.get();
        STAGED.remove();
        return uid;
    }
}
