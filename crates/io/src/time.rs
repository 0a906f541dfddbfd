//! Timestamps: RFC 3339 parsing and formatting without a date library.
//!
//! Event logs carry times as RFC 3339 (`2026-01-05T14:03:00Z`, `2026-01-05T14:03:00.250+01:00`);
//! a space instead of `T`, a missing offset (read as UTC), a date alone (midnight UTC) and plain
//! Unix seconds (or milliseconds, for numbers of 1e11 and more) are accepted too, as exports from
//! analytics tools use them. Civil dates are converted with Howard Hinnant's
//! `days_from_civil` / `civil_from_days` algorithms (<https://howardhinnant.github.io/date_algorithms.html>),
//! exact for the proleptic Gregorian calendar.

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats Unix seconds as RFC 3339 in UTC, `2026-01-01T00:00:00Z`.
pub fn format_rfc3339(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let rest = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Parses a timestamp into Unix seconds (fractions kept). `None` when it is not one of the
/// accepted forms (see the module docs) or names an impossible date or time. Never panics: every
/// accepted form is ASCII, so any other text is refused before the fields are cut out by
/// position (a byte position inside a multi-byte character would not be a `str` boundary).
pub fn parse_timestamp(text: &str) -> Option<f64> {
    // The common form is tried before trimming: with whitespace around it, it is not 19 or 20
    // bytes long, and the general reader trims it.
    utc_seconds(text.as_bytes()).or_else(|| parse_any_form(text.trim()))
}

/// The common form, a UTC date and time to the second (`2026-01-05T14:03:00Z`, or with `t` or a
/// space for `T`, `z` or nothing for `Z`), read by position: the seconds [`parse_any_form`] gives
/// for it, by the same steps. `None` for any other text, which that reads.
fn utc_seconds(text: &[u8]) -> Option<f64> {
    if !(text.len() == 19 || text.len() == 20 && matches!(text[19], b'Z' | b'z')) {
        return None;
    }
    // Nineteen bytes at known places: no bounds to check below.
    let b: &[u8; 19] = text[..19].try_into().ok()?;
    if !matches!(b[10], b'T' | b't' | b' ')
        || (b[4], b[7], b[13], b[16]) != (b'-', b'-', b':', b':')
    {
        return None;
    }
    let two = |i: usize| -> Option<u32> {
        let (tens, ones) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
        (tens < 10 && ones < 10).then(|| u32::from(tens) * 10 + u32::from(ones))
    };
    let year = i64::from(two(0)? * 100 + two(2)?);
    let (month, day) = (two(5)?, two(8)?);
    let (hour, minute, second) = (two(11)?, two(14)?, two(17)?);
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let seconds = days_from_civil(year, month, day) as f64 * 86_400.0;
    Some(seconds + f64::from(hour * 3600 + minute * 60 + second))
}

/// [`parse_timestamp`] of a trimmed text, in any accepted form.
fn parse_any_form(t: &str) -> Option<f64> {
    if t.is_empty() || !t.is_ascii() {
        return None;
    }
    if t.bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'.')
        && !t[1..].contains('-')
    {
        // Unix seconds, or milliseconds (what JavaScript and many trackers log) when the number
        // is too large for seconds of any realistic date (>= 1e11 s is the year 5138).
        let x = t.parse::<f64>().ok().filter(|x| x.is_finite())?;
        return Some(if x.abs() >= 1e11 { x / 1000.0 } else { x });
    }
    let b = t.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    // A short run of ASCII digits (at most four here, so no overflow).
    let num = |s: &str| -> Option<u32> {
        if s.is_empty() {
            return None;
        }
        s.bytes().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = num(&t[0..4])? as i64;
    let month = num(&t[5..7])?;
    let day = num(&t[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) as f64 * 86_400.0;
    let rest = &t[10..];
    if rest.is_empty() {
        return Some(seconds);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    if rest.len() < 8 || rest.as_bytes()[2] != b':' || rest.as_bytes()[5] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(&rest[0..2])?, num(&rest[3..5])?, num(&rest[6..8])?);
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    seconds += f64::from(hour * 3600 + minute * 60 + second);
    let mut rest = &rest[8..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        seconds += format!("0.{}", &frac[..digits]).parse::<f64>().ok()?;
        rest = &frac[digits..];
    }
    match rest {
        "" | "Z" | "z" => Some(seconds),
        offset => {
            let sign = match offset.as_bytes()[0] {
                b'+' => -1.0,
                b'-' => 1.0,
                _ => return None,
            };
            let o = &offset[1..];
            let (h, m) = match o.len() {
                5 if o.as_bytes()[2] == b':' => (num(&o[0..2])?, num(&o[3..5])?),
                4 => (num(&o[0..2])?, num(&o[2..4])?),
                2 => (num(o)?, 0),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            Some(seconds + sign * f64::from(h * 3600 + m * 60))
        }
    }
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2026, 1, 1), 20_454);
        assert_eq!(format_rfc3339(1_767_225_600), "2026-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(951_782_400 + 3661), "2000-02-29T01:01:01Z");
        for days in [-800_000, -1, 0, 59, 10_957, 20_454, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn non_ascii_inside_a_field_is_refused_not_a_panic() {
        for bad in [
            "2026-01-0é",
            "2026-01-01T00:00:0é",
            "2026-01-01T00:00:00+0é0",
            "2026-01-01T00:00:00+é",
            "2026-01-01T00:00:00.é",
            "é026-01-01",
            "20é6-01-01",
            "2026-01-01Té0:00:00",
            "１７６７２２５６００",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_string_parses_or_is_refused_without_panicking(text in "\\PC*") {
            let _ = parse_timestamp(&text);
        }

        #[test]
        fn timestamp_shaped_strings_never_panic(text in "[0-9é+:.TZ -]{0,30}") {
            let _ = parse_timestamp(&text);
        }

        #[test]
        fn the_common_form_read_by_position_is_what_the_general_reader_gives(
            year in 0u32..10_000,
            month in 0u32..14,
            day in 0u32..33,
            hour in 0u32..26,
            minute in 0u32..62,
            second in 0u32..62,
            separator in "[Tt _]",
            zone in "(Z|z|)",
            damage in proptest::option::of((0usize..20, "[0-9a:/ -]")),
        ) {
            let mut text = format!(
                "{year:04}-{month:02}-{day:02}{separator}{hour:02}:{minute:02}:{second:02}{zone}"
            );
            if let Some((at, byte)) = damage && at < text.len() {
                text.replace_range(at..at + 1, &byte);
            }
            let general = parse_any_form(text.trim());
            proptest::prop_assert_eq!(
                parse_timestamp(&text).map(f64::to_bits),
                general.map(f64::to_bits),
                "{}",
                text
            );
            // The fast reader takes this form, and only it: never text the general one refuses.
            if let Some(seconds) = utc_seconds(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(seconds.to_bits()), general.map(f64::to_bits));
            }
        }

        #[test]
        fn formatting_then_parsing_gives_the_same_second(seconds in -62_135_596_800i64..253_402_300_799) {
            // Years 0001 to 9999, the range RFC 3339 can write.
            proptest::prop_assert_eq!(parse_timestamp(&format_rfc3339(seconds)), Some(seconds as f64));
        }
    }

    #[test]
    fn parses_rfc3339_variants() {
        let base = 1_767_225_600.0;
        assert_eq!(parse_timestamp("2026-01-01T00:00:00Z"), Some(base));
        assert_eq!(parse_timestamp("2026-01-01 00:00:00"), Some(base));
        assert_eq!(parse_timestamp("2026-01-01"), Some(base));
        assert_eq!(parse_timestamp("2026-01-01T01:00:00+01:00"), Some(base));
        assert_eq!(
            parse_timestamp("2025-12-31T19:00:00.5-05:00"),
            Some(base + 0.5)
        );
        assert_eq!(parse_timestamp("1767225600"), Some(base));
        assert_eq!(parse_timestamp("1767225600500"), Some(base + 0.5));
        for bad in [
            "",
            "yesterday",
            "2026-13-01",
            "2026-02-30T00:00:00Z",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00+1",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
