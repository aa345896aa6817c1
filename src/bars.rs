//! Progress on stderr, drawn from the pipeline's counters ([`canon::Progress`]): an indicatif
//! bar per stage on a terminal, a timestamped log line every few seconds otherwise (cron,
//! make logs). Each stage shows its own unit: bytes while reading, documents while signing
//! and emitting, elapsed time where there is nothing to count; "stage k of n" in front.

use std::io::{IsTerminal, Write};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use canon::human::{bytes, seconds, thousands};
use canon::progress::Unit;
use canon::{Progress, Stage};

/// Seconds between two log lines when stderr is not a terminal.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// Polls `p` until `stop`, drawing a bar on a terminal and log lines otherwise.
pub fn draw(p: &Progress, stop: &AtomicBool) {
    let term = std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::new(0);
    if !term {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let mut last_log = Instant::now();
    // The stage on screen, and when it started being measured (rates and ETAs count from
    // there: reading measures its bytes only once the files are open).
    let mut shown: Option<(Stage, bool)> = None;
    let mut since = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let s = p.stage();
        let (total, done, docs) = (
            p.total.load(Relaxed),
            p.done.load(Relaxed),
            p.docs.load(Relaxed),
        );
        if p.stage() != s {
            continue; // the counters may be the next stage's already
        }
        let unit = if total > 0 { s.unit() } else { Unit::None };
        let changed = shown != Some((s, unit != Unit::None));
        if changed {
            shown = Some((s, unit != Unit::None));
            since = Instant::now();
        }
        let line = Line {
            unit,
            total,
            done,
            docs,
            elapsed: since.elapsed().as_secs_f64(),
        };
        // Everything the new stage shows is set before its style, so that no frame mixes
        // one stage's name with another's numbers.
        bar.set_message(line.message(false));
        if changed {
            bar.reset();
        }
        bar.set_length(total.max(1));
        bar.set_position(done.min(total));
        if changed {
            bar.set_prefix(prefix(p, s));
            bar.set_style(style(unit));
        }
        if !term && last_log.elapsed() >= LOG_EVERY && s != Stage::Done {
            last_log = Instant::now();
            // Never a panic: a log whose reader went away must not stop the run.
            let _ = writeln!(
                std::io::stderr(),
                "canon: {} {}: {}",
                utc_now(),
                prefix(p, s),
                line.message(true)
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}

fn style(unit: Unit) -> indicatif::ProgressStyle {
    let template = match unit {
        // `wide_msg` is cut to the terminal's width: a bar never wraps onto a second line.
        Unit::None => "{prefix} {spinner} {wide_msg}",
        _ => "{prefix} [{bar:24}] {percent:>3}% {wide_msg}",
    };
    indicatif::ProgressStyle::with_template(template)
        .expect("valid template")
        .progress_chars("=> ")
}

/// `stage 3 of 9 boilerplate` (just the name when the run did not plan its stages).
fn prefix(p: &Progress, s: Stage) -> String {
    match p.position() {
        Some((k, n)) => format!("stage {k} of {n} {}", s.name()),
        None => s.name().to_owned(),
    }
}

/// One reading of the counters.
struct Line {
    unit: Unit,
    total: u64,
    done: u64,
    docs: u64,
    /// Seconds since the stage started being measured.
    elapsed: f64,
}

impl Line {
    /// What the bar shows beside itself, or (`log`) the whole log line after the prefix:
    /// percent, rate and ETA in the stage's unit.
    fn message(&self, log: bool) -> String {
        let fraction = if self.total > 0 {
            (self.done as f64 / self.total as f64).min(1.0)
        } else {
            0.0
        };
        let rate = if self.elapsed > 0.0 {
            self.done as f64 / self.elapsed
        } else {
            0.0
        };
        let eta = if rate > 0.0 {
            eta(self.total.saturating_sub(self.done) as f64 / rate)
        } else {
            "-".into()
        };
        let percent = if log {
            format!("{:.0}%, ", fraction * 100.0)
        } else {
            String::new()
        };
        match self.unit {
            Unit::Bytes => format!(
                "{percent}{} of {}, {}/s, ETA {eta}, {} documents",
                bytes(self.done),
                bytes(self.total),
                bytes(rate as u64),
                thousands(self.docs)
            ),
            Unit::Documents => format!(
                "{percent}{} of {} documents, {}/s, ETA {eta}",
                thousands(self.done),
                thousands(self.total),
                thousands(rate as u64)
            ),
            Unit::Pairs => format!(
                "{percent}{} of {} candidate pairs, {}/s, ETA {eta}",
                thousands(self.done),
                thousands(self.total),
                thousands(rate as u64)
            ),
            Unit::None => format!("running for {}", seconds(self.elapsed)),
        }
    }
}

/// Time left, as precise as an estimate deserves: `<1 s`, `7 s`, `2 min 05 s`.
fn eta(s: f64) -> String {
    if s < 1.0 {
        "<1 s".into()
    } else if s < 60.0 {
        format!("{s:.0} s")
    } else {
        seconds(s)
    }
}

/// The time now in UTC, `2026-11-30T11:52:07Z` (log lines outlive the terminal).
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_say_percent_rate_and_eta_in_the_stages_unit() {
        let l = Line {
            unit: Unit::Bytes,
            total: 200_000_000,
            done: 50_000_000,
            docs: 12_345,
            elapsed: 2.0,
        };
        assert_eq!(
            l.message(true),
            "25%, 50.0 MB of 200 MB, 25.0 MB/s, ETA 6 s, 12,345 documents"
        );
        let l = Line {
            unit: Unit::Documents,
            total: 4_000,
            done: 1_000,
            docs: 1_000,
            elapsed: 1.0,
        };
        assert_eq!(
            l.message(true),
            "25%, 1,000 of 4,000 documents, 1,000/s, ETA 3 s"
        );
    }

    #[test]
    fn timestamps_are_utc() {
        let t = utc_now();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'), "{t}");
    }
}
