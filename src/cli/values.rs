//! Flag values that several commands share, parsed one way everywhere: counts (`--journeys`,
//! `--resamples`: `1e7`, `10_000_000`) and file names (every path flag takes UTF-8 names only,
//! as the readers do, so an output is never written under a name no input could read back).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::builder::{OsStringValueParser, TypedValueParser};

/// A count: digits with optional `_` separators, or a float form such as `1e7`; at most
/// `limit`.
fn count(text: &str, limit: u64) -> Result<u64, String> {
    let plain = text.trim().replace('_', "");
    if let Ok(n) = plain.parse::<u64>() {
        return if n <= limit {
            Ok(n)
        } else {
            Err(format!("'{text}' is too large: at most {limit}"))
        };
    }
    // Integers too long for u64 and float forms both go through f64, which only decides
    // "whole" and "too large"; a value that fits is exact (float forms name round numbers).
    let text = journeysim_core::error::clip(text);
    match plain.parse::<f64>() {
        Ok(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 => {
            // Below 2^64 the conversion is exact; at or above it, it would saturate.
            if x < 2f64.powi(64) && (x as u64) <= limit {
                Ok(x as u64)
            } else {
                Err(format!("'{text}' is too large: at most {limit}"))
            }
        }
        Ok(x) if x == f64::INFINITY => Err(format!("'{text}' is too large: at most {limit}")),
        _ => Err(format!(
            "'{text}' is not a whole number >= 0 (write e.g. 1000, 1_000 or 1e3)"
        )),
    }
}

/// A count held in 64 bits (`--journeys`).
pub fn count_u64(text: &str) -> Result<u64, String> {
    count(text, u64::MAX)
}

/// A count held in 32 bits (`--max-steps`).
pub fn count_u32(text: &str) -> Result<u32, String> {
    count(text, u32::MAX.into()).map(|n| n as u32)
}

/// A count that sizes memory or a loop on this machine (`--resamples`).
pub fn count_usize(text: &str) -> Result<usize, String> {
    count(text, usize::MAX as u64).map(|n| n as usize)
}

/// A file name given on the command line, as text; not UTF-8 is a usage error naming the flag.
pub fn file_name() -> impl TypedValueParser<Value = String> {
    OsStringValueParser::new().try_map(utf8)
}

/// An output file name (`--out`, `--svg`), under the same rule as inputs.
pub fn out_path() -> impl TypedValueParser<Value = PathBuf> {
    OsStringValueParser::new().try_map(|name| utf8(name).map(PathBuf::from))
}

fn utf8(name: OsString) -> Result<String, String> {
    name.into_string().map_err(|name| {
        format!(
            "the file name {} is not valid UTF-8; journeysim reads and writes only UTF-8 file names \
             (rename the file, or link it under a UTF-8 name)",
            name.to_string_lossy()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_every_spelling() {
        for text in ["1000", "1_000", "1e3", "1E3", "1000.0", "1.0e3"] {
            assert_eq!(count_u64(text), Ok(1000), "{text}");
        }
        assert_eq!(count_u64("18446744073709551615"), Ok(u64::MAX));
    }

    #[test]
    fn too_large_says_so_with_the_limit() {
        for text in ["1e20", "18446744073709551616", "1e400"] {
            let e = count_u64(text).unwrap_err();
            assert!(
                e.contains("too large") && e.contains("18446744073709551615"),
                "{e}"
            );
        }
        let e = count("5", 4).unwrap_err();
        assert!(e.contains("at most 4"), "{e}");
    }

    #[test]
    fn fractions_and_negatives_are_not_counts() {
        for text in ["1.5", "-3", "-1e3", "abc", "", "NaN"] {
            let e = count_u64(text).unwrap_err();
            assert!(e.contains("not a whole number"), "{text}: {e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_file_name_that_is_not_utf8_is_refused() {
        use std::os::unix::ffi::OsStringExt;
        let e = utf8(OsString::from_vec(b"a\xffb.csv".to_vec())).unwrap_err();
        assert!(e.contains("not valid UTF-8"), "{e}");
        assert_eq!(utf8(OsString::from("é.csv")).unwrap(), "é.csv");
    }
}
