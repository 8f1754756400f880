package query

import "math"

// TwoProportionZ tests whether x1/n1 differs from x2/n2 with the pooled
// two-proportion z-test. It returns z (positive when the first proportion
// is larger) and the two-sided p-value. Degenerate inputs (n1 or n2 zero,
// pooled proportion 0 or 1) give z=0, p=1.
func TwoProportionZ(x1, n1, x2, n2 float64) (z, p float64) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 1
	}
	pool := (x1 + x2) / (n1 + n2)
	se := math.Sqrt(pool * (1 - pool) * (1/n1 + 1/n2))
	if se == 0 || math.IsNaN(se) {
		return 0, 1
	}
	z = (x1/n1 - x2/n2) / se
	return z, 2 * normalSF(math.Abs(z))
}

// PoissonRateZ tests whether two counts over equal exposure differ
// (conditional binomial test, normal approximation): z = (x1-x2)/sqrt(x1+x2).
func PoissonRateZ(x1, x2 float64) (z, p float64) {
	if x1+x2 == 0 {
		return 0, 1
	}
	z = (x1 - x2) / math.Sqrt(x1+x2)
	return z, 2 * normalSF(math.Abs(z))
}

// normalSF is the standard normal survival function P(Z > z).
func normalSF(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }

// lift is (a/n1)/(b/n2), 0 when undefined.
func lift(a, n1, b, n2 float64) float64 {
	if n1 <= 0 || n2 <= 0 || b <= 0 {
		return 0
	}
	return (a / n1) / (b / n2)
}
