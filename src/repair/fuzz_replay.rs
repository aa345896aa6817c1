//! Replays every minimized fuzzing input of `fuzz/regressions/repair/` through the
//! idempotence check, so that a regression fails `cargo test` without cargo-fuzz.

use super::*;

/// Every kept fuzzing input of the `repair` target (`fuzz/regressions/repair/`), decoded
/// as the target does (first byte: `min_repeat`), repairs to a subsequence of the page and
/// repairing that again changes nothing.
#[test]
fn fuzz_regressions_repair_idempotently() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/regressions/repair");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("regressions folder") {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let Some((&sel, rest)) = data.split_first() else {
            continue;
        };
        let min = if sel < 0x80 {
            DEFAULT_MIN_REPEAT
        } else {
            usize::from(sel & 0x3F)
        };
        let text = String::from_utf8_lossy(rest);
        let r = Repairer::new(min).repair(&text);
        let mut cut_lines: Vec<u32> = r
            .events
            .iter()
            .filter(|e| matches!(e.removal, Removal::Cut { .. }))
            .map(|e| e.line)
            .collect();
        cut_lines.dedup();
        assert_eq!(
            r.cut_paragraphs as usize,
            cut_lines.len(),
            "{}",
            path.display()
        );
        let once = r.text(&text);
        let again = Repairer::new(min).repair(&once);
        assert_eq!(again.text(&once), once, "{}", path.display());
        assert!(
            again.events.is_empty(),
            "{}: {:?}",
            path.display(),
            again.events
        );
        n += 1;
    }
    assert!(n >= 6, "only {n} regression inputs found in {dir}");
}

#[test]
fn short_period_runs_are_cut_to_one_period() {
    for (unit, min) in [("h", 1), ("h", 5), ("ab", 3), ("哈", 4), ("xy", 50)] {
        for copies in [1usize, 2, 7, 40, 301] {
            let page = format!("lead text{}tail\n", unit.repeat(copies));
            let once = Repairer::new(min).repair(&page).text(&page);
            let again = Repairer::new(min).repair(&once).text(&once);
            assert_eq!(again, once, "{unit:?}×{copies}, min_repeat {min}");
        }
    }
    // "xy" × 301 at min_repeat 50: one period stays (the issue "never cut what a reader
    // would keep": periodic text is cut to one period, whatever its length); the run is
    // one long word, so the cut may fall inside it.
    let page = format!("lead text {}Tail", "xy".repeat(301));
    let once = Repairer::new(50).repair(&page).text(&page);
    assert_eq!(once, "lead text xyTail");
    // × 49 repeats 96 letters of itself: cut too, keeping the separator after it.
    let page = format!("lead text {} tail", "xy".repeat(49));
    assert_eq!(
        Repairer::new(50).repair(&page).text(&page),
        "lead text xy tail"
    );
    // × 25 repeats only 48 letters: kept whole.
    let page = format!("lead text {} tail", "xy".repeat(25));
    assert_eq!(Repairer::new(50).repair(&page).text(&page), page);
}
