//! Numbers as canon prints them to people (the end-of-run summary, progress, `canon explain`):
//! thousands separators, nouns that agree with their count, and one unit system, decimal
//! (1 MB = 1,000,000 bytes, as the README's speed tables and `MB/s` are).
//!
//! Machine-readable outputs (`report.json`, the JSON lines) never go through here.

/// `n` with a comma every three digits: `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `n` and the noun that agrees with it: `1 document`, `2 documents`, `1,024 bytes`.
/// `plural` is the noun's plural (English plurals are not all `+s`: `boilerplate`).
pub fn count(n: u64, singular: &str, plural: &str) -> String {
    format!(
        "{} {}",
        thousands(n),
        if n == 1 { singular } else { plural }
    )
}

/// A byte count in decimal units with three significant figures where it matters:
/// `512 B`, `87.8 kB`, `1.07 GB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")];
    for (size, unit) in UNITS {
        let v = n as f64 / size;
        if v >= 1.0 {
            return if v >= 100.0 {
                format!("{v:.0} {unit}")
            } else if v >= 10.0 {
                format!("{v:.1} {unit}")
            } else {
                format!("{v:.2} {unit}")
            };
        }
    }
    format!("{n} B")
}

/// A rate in decimal megabytes per second: `bytes` over `seconds` (`-` if no time passed).
pub fn mb_per_sec(bytes: u64, seconds: f64) -> String {
    if seconds <= 0.0 || !seconds.is_finite() {
        return "-".into();
    }
    format!("{:.1} MB/s", bytes as f64 / 1e6 / seconds)
}

/// Seconds as a short duration: `0.04 s`, `3.2 s`, `2 min 05 s`, `1 h 02 min`.
pub fn seconds(s: f64) -> String {
    if !s.is_finite() || s < 0.0 {
        return "-".into();
    }
    if s < 10.0 {
        format!("{s:.2} s")
    } else if s < 60.0 {
        format!("{s:.1} s")
    } else if s < 3600.0 {
        format!("{} min {:02} s", (s / 60.0) as u64, (s % 60.0) as u64)
    } else {
        format!(
            "{} h {:02} min",
            (s / 3600.0) as u64,
            ((s % 3600.0) / 60.0) as u64
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn nouns_agree_with_their_count() {
        assert_eq!(count(1, "document", "documents"), "1 document");
        assert_eq!(count(0, "document", "documents"), "0 documents");
        assert_eq!(count(2500, "byte", "bytes"), "2,500 bytes");
    }

    #[test]
    fn decimal_units() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(87_805), "87.8 kB");
        assert_eq!(bytes(1_070_000_000), "1.07 GB");
        assert_eq!(bytes(268_000_000), "268 MB");
        assert_eq!(mb_per_sec(2_000_000, 0.5), "4.0 MB/s");
        assert_eq!(mb_per_sec(1, 0.0), "-");
        assert_eq!(seconds(125.0), "2 min 05 s");
    }
}
