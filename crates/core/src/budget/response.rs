//! Response curves: what a channel buys at `x` times today's spend, as a multiplier `m(x)` of
//! what it buys today, with `m(1) = 1` and `m(0) = 0`.
//!
//! - `linear`: `m(x) = x`;
//! - `power`: `m(x) = x^e` with `0 < e <= 1` (constant elasticity: diminishing returns from the
//!   first euro);
//! - `hill`: `m(x) = x^S (1 + K^S) / (K^S + x^S)`, with `K` the half-saturation point in
//!   multiples of today's spend and `S` the shape (the Hill curve of the marketing-mix tools,
//!   Jin et al. 2017, "Bayesian Methods for Media Mix Modeling with Carryover and Shape
//!   Effects", rescaled so that today's spend buys what it buys today). `S <= 1` is concave,
//!   `S > 1` S-shaped.

use serde::Deserialize;

/// A response curve, as written in a budget plan (`{"curve": "hill", ...}`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(tag = "curve", rename_all = "snake_case", deny_unknown_fields)]
pub enum Response {
    /// `m(x) = x`.
    Linear,
    /// `m(x) = x^elasticity`.
    Power {
        /// In (0, 1].
        elasticity: f64,
    },
    /// `m(x) = x^S (1 + K^S) / (K^S + x^S)`.
    Hill {
        /// `K` > 0, in multiples of today's spend.
        half_saturation: f64,
        /// `S` > 0.
        shape: f64,
    },
}

/// Where a derivative that is infinite at 0 (a power curve) is taken instead: the slope of the
/// first millionth of today's spend, large and finite.
const SMALLEST_RATIO: f64 = 1e-6;

impl Response {
    /// The curve's name as written in a plan.
    pub fn name(&self) -> &'static str {
        match self {
            Response::Linear => "linear",
            Response::Power { .. } => "power",
            Response::Hill { .. } => "hill",
        }
    }

    /// Checks the parameters; the message names the field.
    pub fn check(&self) -> std::result::Result<(), String> {
        match *self {
            Response::Linear => Ok(()),
            Response::Power { elasticity } => {
                if elasticity > 0.0 && elasticity <= 1.0 {
                    Ok(())
                } else {
                    Err(format!(
                        "elasticity is {elasticity}; it must be in (0, 1] (1 is linear)"
                    ))
                }
            }
            Response::Hill {
                half_saturation,
                shape,
            } => {
                if !(half_saturation.is_finite() && half_saturation > 0.0) {
                    return Err(format!(
                        "half_saturation is {half_saturation}; it must be a finite number > 0 \
                         (in multiples of today's spend)"
                    ));
                }
                if !(shape.is_finite() && shape > 0.0 && shape <= 100.0) {
                    return Err(format!("shape is {shape}; it must be in (0, 100]"));
                }
                Ok(())
            }
        }
    }

    /// `m(x)`, the multiplier of what the channel buys at `x` times today's spend (`x >= 0`).
    pub fn multiplier(&self, x: f64) -> f64 {
        match *self {
            Response::Linear => x,
            Response::Power { elasticity } => x.powf(elasticity),
            Response::Hill {
                half_saturation,
                shape,
            } => {
                let ks = half_saturation.powf(shape);
                let xs = x.powf(shape);
                // Both sums are formed in the same order, so m(1) is exactly 1.
                xs * (1.0 + ks) / (ks + xs)
            }
        }
    }

    /// `m'(x)`. A power curve's slope is infinite at 0; there it is taken at a millionth of
    /// today's spend.
    pub fn derivative(&self, x: f64) -> f64 {
        match *self {
            Response::Linear => 1.0,
            Response::Power { elasticity } => {
                elasticity * x.max(SMALLEST_RATIO).powf(elasticity - 1.0)
            }
            Response::Hill {
                half_saturation,
                shape,
            } => {
                let x = if shape < 1.0 {
                    x.max(SMALLEST_RATIO)
                } else {
                    x
                };
                let ks = half_saturation.powf(shape);
                let xs = x.powf(shape);
                (1.0 + ks) * shape * x.powf(shape - 1.0) * ks / ((ks + xs) * (ks + xs))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURVES: [Response; 5] = [
        Response::Linear,
        Response::Power { elasticity: 0.6 },
        Response::Power { elasticity: 1.0 },
        Response::Hill {
            half_saturation: 2.0,
            shape: 1.0,
        },
        Response::Hill {
            half_saturation: 0.5,
            shape: 2.5,
        },
    ];

    #[test]
    fn every_curve_buys_today_at_today_and_nothing_at_zero() {
        for curve in CURVES {
            assert_eq!(curve.multiplier(1.0), 1.0, "{curve:?}");
            assert_eq!(curve.multiplier(0.0), 0.0, "{curve:?}");
        }
    }

    #[test]
    fn values_by_hand() {
        // power 0.5 at 4x: 2; hill K = 2, S = 1 at 2x: 2 * 3 / 4 = 1.5.
        assert!((Response::Power { elasticity: 0.5 }.multiplier(4.0) - 2.0).abs() < 1e-15);
        let hill = Response::Hill {
            half_saturation: 2.0,
            shape: 1.0,
        };
        assert!((hill.multiplier(2.0) - 1.5).abs() < 1e-15);
        // Its slope 3 K / (K + x)^2 at 1: 6 / 9.
        assert!((hill.derivative(1.0) - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn derivatives_agree_with_central_differences() {
        for curve in CURVES {
            for x in [0.3, 1.0, 1.7, 2.9] {
                let h = 1e-6;
                let numeric = (curve.multiplier(x + h) - curve.multiplier(x - h)) / (2.0 * h);
                let exact = curve.derivative(x);
                assert!(
                    (numeric - exact).abs() < 1e-7 * exact.abs().max(1.0),
                    "{curve:?} at {x}: {numeric} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn parameters_outside_their_range_are_named() {
        let bad = [
            (Response::Power { elasticity: 0.0 }, "elasticity is 0"),
            (Response::Power { elasticity: 1.5 }, "elasticity is 1.5"),
            (
                Response::Hill {
                    half_saturation: -1.0,
                    shape: 1.0,
                },
                "half_saturation is -1",
            ),
            (
                Response::Hill {
                    half_saturation: 1.0,
                    shape: f64::NAN,
                },
                "shape is NaN",
            ),
        ];
        for (curve, message) in bad {
            let e = curve.check().unwrap_err();
            assert!(e.starts_with(message), "{e}");
        }
        for curve in CURVES {
            curve.check().unwrap();
        }
    }
}
