package org.sparknn.spark

import breeze.linalg.{DenseVector => BDV}
import breeze.optimize.{DiffFunction, LBFGS, OWLQN}

/**
 * The one place that speaks Breeze: Java cannot implement Breeze's DiffFunction (its double
 * apply clashes with scala.Function1's), so the objective comes in through a plain interface and
 * the quasi-Newton iterations go out as plain values.
 */
object BreezeSolvers {

  /** f(x); writes the gradient at x into `gradient`. */
  trait Objective {
    def evaluate(x: Array[Double], gradient: Array[Double]): Double
  }

  /** Called after every iteration with its number, objective value, gradient norm and the point. */
  trait Progress {
    def iteration(iteration: Int, value: Double, gradientNorm: Double, x: Array[Double]): Unit
  }

  final class Result(val x: Array[Double], val value: Double, val iterations: Int, val converged: Boolean,
                     val reason: String)

  /**
   * Minimizes the objective from x0 with L-BFGS, or with OWL-QN when some l1 strength is non-zero
   * (l1(i) is the strength of coordinate i, 0 for unpenalized ones).
   */
  def minimize(objective: Objective, x0: Array[Double], l1: Array[Double], maxIterations: Int, history: Int,
               tolerance: Double, progress: Progress): Result = {
    val f = new DiffFunction[BDV[Double]] {
      override def calculate(x: BDV[Double]): (Double, BDV[Double]) = {
        val g = new Array[Double](x.length)
        val v = objective.evaluate(x.toArray, g)
        (v, BDV(g))
      }
    }
    val useOwlqn = l1 != null && l1.exists(_ != 0.0)
    val states =
      if (useOwlqn) new OWLQN[Int, BDV[Double]](maxIterations, history, (i: Int) => l1(i), tolerance).iterations(f, BDV(x0.clone()))
      else new LBFGS[BDV[Double]](maxIterations, history, tolerance).iterations(f, BDV(x0.clone()))
    var x = x0.clone()
    var value = Double.NaN
    var iterations = 0
    var reason = "max iterations"
    var converged = false
    while (states.hasNext) {
      val s = states.next()
      x = s.x.toArray
      value = s.adjustedValue
      iterations = s.iter
      progress.iteration(s.iter, s.adjustedValue, breeze.linalg.norm(s.adjustedGradient), x)
      s.convergenceReason.foreach { r =>
        reason = r.reason
        converged = r.reason != "max iterations reached"
      }
    }
    new Result(x, value, iterations, converged, reason)
  }
}
