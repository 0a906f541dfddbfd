//! How numbers read to a person, in tables and pictures alike: a column of figures shares one
//! number of decimals, chosen so that its largest magnitude shows a fixed number of significant
//! digits ([`decimals`]); whole parts carry thousands separators ([`grouped`]); shares are
//! percentages. A column whose figures are all whole numbers (counts) has no decimals.
//!
//! One rule for the whole column, rather than one per number, is what lines the decimal points
//! up: `1,234.5` over `12.3` over `0.4`, not `1234.5` over `12.250` over `0.4000`.

/// Significant digits of the largest figure of a column, unless a column says otherwise.
pub const SIGNIFICANT: u32 = 4;

/// The most decimals any column shows, however small its figures.
const MAX_DECIMALS: usize = 8;

/// The decimals that give `max_abs`, the largest magnitude of a column, `significant` significant
/// digits: 4 digits of `1234.5` are `1,235` (0 decimals), of `0.01234` are `0.01234` (5).
/// Zero and non-finite magnitudes take no decimals.
pub fn decimals(max_abs: f64, significant: u32) -> usize {
    if !(max_abs.is_finite() && max_abs > 0.0) {
        return 0;
    }
    // The digits before the point of `max_abs` as it will be rounded: 999.96 to 4 digits is
    // 1,000.0 at 1 decimal, which has 4 whole digits, so look again after rounding.
    let whole_digits = |x: f64| x.abs().log10().floor() as i64 + 1;
    let first = (i64::from(significant) - whole_digits(max_abs)).clamp(0, MAX_DECIMALS as i64);
    let rounded: f64 = format!("{:.*}", first as usize, max_abs)
        .parse()
        .unwrap_or(max_abs);
    if rounded == 0.0 {
        // Too small for the most decimals: show them all.
        return first as usize;
    }
    (i64::from(significant) - whole_digits(rounded)).clamp(0, MAX_DECIMALS as i64) as usize
}

/// The decimals of a column holding `values` with `significant` significant digits: none when
/// every value is whole (a count), else [`decimals`] of the largest magnitude.
pub fn column_decimals(values: impl IntoIterator<Item = f64> + Clone, significant: u32) -> usize {
    if values.clone().into_iter().all(|x| x.fract() == 0.0) {
        return 0;
    }
    let max_abs = values
        .into_iter()
        .filter(|x| x.is_finite())
        .fold(0.0_f64, |m, x| m.max(x.abs()));
    decimals(max_abs, significant)
}

/// `x` with `decimals` decimals and a comma between every three digits of its whole part:
/// `grouped(1234567.891, 2)` is `1,234,567.89`. A negative figure that rounds to zero is `0`.
pub fn grouped(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return format!("{x}");
    }
    let text = format!("{:.*}", decimals, x.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut out = String::with_capacity(text.len() + whole.len() / 3 + 1);
    if x < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        out.push('-');
    }
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    out
}

/// [`grouped`] with a `+` in front of positive figures, for changes.
pub fn signed(x: f64, decimals: usize) -> String {
    let text = grouped(x, decimals);
    if text.starts_with('-') || text.bytes().all(|b| !(b'1'..=b'9').contains(&b)) {
        text
    } else {
        format!("+{text}")
    }
}

/// An amount of money: [`grouped`] and the currency label after it when there is one
/// (`12,345 EUR`), as the costs tables write it.
pub fn amount(x: f64, decimals: usize, currency: Option<&str>) -> String {
    match currency {
        Some(c) => format!("{} {c}", grouped(x, decimals)),
        None => grouped(x, decimals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_give_the_largest_figure_its_significant_digits() {
        assert_eq!(decimals(1234.5, 4), 0);
        assert_eq!(decimals(123.45, 4), 1);
        assert_eq!(decimals(1.0, 4), 3);
        assert_eq!(decimals(0.5, 4), 4);
        assert_eq!(decimals(0.01234, 4), 5);
        assert_eq!(decimals(98765.0, 3), 0);
        // 99.996 at 2 decimals rounds to 100.00, which has 3 whole digits: 1 decimal.
        assert_eq!(decimals(99.996, 4), 1);
        assert_eq!(decimals(0.0, 4), 0);
        assert_eq!(decimals(f64::NAN, 4), 0);
        assert_eq!(decimals(1e-12, 4), MAX_DECIMALS);
    }

    #[test]
    fn whole_columns_have_no_decimals() {
        assert_eq!(column_decimals([1.0, 250.0, 3.0], 4), 0);
        assert_eq!(column_decimals([1.5, 250.0, 3.0], 4), 1);
        assert_eq!(column_decimals([0.25, 0.125], 4), 4);
        assert_eq!(column_decimals(Vec::<f64>::new(), 4), 0);
    }

    #[test]
    fn grouped_separates_thousands_and_rounds() {
        assert_eq!(grouped(1234567.891, 2), "1,234,567.89");
        assert_eq!(grouped(999.999, 2), "1,000.00");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(grouped(-12345.5, 1), "-12,345.5");
        assert_eq!(grouped(-0.001, 2), "0.00");
        assert_eq!(grouped(0.4, 0), "0");
        assert_eq!(signed(3.26, 1), "+3.3");
        assert_eq!(signed(-3.0, 0), "-3");
        assert_eq!(signed(0.0004, 2), "0.00");
        assert_eq!(amount(45678.9, 0, Some("EUR")), "45,679 EUR");
        assert_eq!(amount(45678.9, 1, None), "45,678.9");
    }
}
