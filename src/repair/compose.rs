//! Composing passes into a fixed point: a further pass repairs the text the previous one kept
//! (kept paragraphs, trimmed, one per line), and its result is mapped back onto the page —
//! pieces to page byte ranges, lines of the repaired text to page lines — so that the composed
//! result reads as one repair of the original page.

use std::ops::Range;

use super::{Event, Paragraph, Removal, Repaired};

/// Passes over a page after the first, at most (one is nearly always enough): a bound on the
/// cost of pages such as `not-idempotent-fixed-point`, where greedy matching leaves a run that
/// only a further pass sees.
pub(super) const MAX_PASSES: usize = 8;

/// The text a second pass repairs (`Repaired::text`: kept paragraphs, trimmed, one per line)
/// and where it comes from: (offset in that text, offset in the page, length) per run.
pub(super) fn kept_text_map(out: &Repaired, text: &str) -> (String, Vec<(usize, usize, usize)>) {
    let mut once = String::with_capacity(text.len());
    let mut segs = Vec::new();
    let mut joined = String::new();
    for (n, p) in out.paragraphs.iter().enumerate() {
        if n > 0 {
            once.push('\n');
        }
        let pieces = &out.pieces[p.pieces.clone()];
        joined.clear();
        for r in pieces {
            joined.push_str(&text[r.clone()]);
        }
        let lo = joined.len() - joined.trim_start().len();
        let hi = joined.trim_end().len().max(lo);
        let mut at = 0;
        for r in pieces {
            let (a, b) = (at, at + r.len());
            let (s, e) = (a.max(lo), b.min(hi));
            if s < e {
                segs.push((once.len() + (s - lo), r.start + (s - a), e - s));
            }
            at = b;
        }
        once.push_str(&joined[lo..hi]);
    }
    (once, segs)
}

/// Applies a further pass `again` (over the text [`kept_text_map`] made, with runs `segs`,
/// without tokens) to `out`: pieces are mapped back to the page, lines of the repaired text
/// (one per kept paragraph of `out`) back to page lines.
pub(super) fn compose(out: &mut Repaired, again: &Repaired, segs: &[(usize, usize, usize)]) {
    let page_line = |l: u32| -> u32 {
        if l == 0 {
            0
        } else {
            out.paragraphs[l as usize - 1].line
        }
    };
    let mut pieces: Vec<Range<usize>> = Vec::with_capacity(again.pieces.len());
    let mut paragraphs = Vec::with_capacity(again.paragraphs.len());
    let mut tokens = Vec::new();
    for p in &again.paragraphs {
        // A paragraph with the same key as in the earlier pass was not cut by this one: its
        // text and so its tokens are those of the earlier pass.
        let before = &out.paragraphs[p.line as usize - 1];
        let kept_tokens = (before.hash == p.hash)
            .then(|| before.tokens.clone())
            .flatten()
            .map(|t| {
                let start = tokens.len();
                tokens.extend_from_slice(&out.tokens[t]);
                start..tokens.len()
            });
        let first = pieces.len();
        for r in &again.pieces[p.pieces.clone()] {
            // The runs of `segs` that `r` covers.
            let mut k = segs.partition_point(|s| s.0 + s.2 <= r.start);
            while k < segs.len() && segs[k].0 < r.end {
                let (o, t, len) = segs[k];
                let (s, e) = (r.start.max(o), r.end.min(o + len));
                if s < e {
                    let m = t + (s - o)..t + (e - o);
                    let n = pieces.len();
                    match pieces.last_mut() {
                        Some(last) if n > first && last.end == m.start => last.end = m.end,
                        _ => pieces.push(m),
                    }
                }
                k += 1;
            }
        }
        paragraphs.push(Paragraph {
            pieces: first..pieces.len(),
            line: page_line(p.line),
            tokens: kept_tokens,
            ..p.clone()
        });
    }
    let mut events = std::mem::take(&mut out.events);
    events.extend(again.events.iter().map(|e| Event {
        line: page_line(e.line),
        removal: match e.removal {
            Removal::Repeat { of } => Removal::Repeat { of: page_line(of) },
            cut => cut,
        },
    }));
    events.sort_by_key(|e| e.line);
    out.events = events;
    out.pieces = pieces;
    out.paragraphs = paragraphs;
    out.repeated_paragraphs += again.repeated_paragraphs;
    out.repeated_chars += again.repeated_chars;
    // A paragraph cut by both passes is one cut paragraph.
    let mut cut_lines: Vec<u32> = out
        .events
        .iter()
        .filter(|e| matches!(e.removal, Removal::Cut { .. }))
        .map(|e| e.line)
        .collect();
    cut_lines.dedup();
    out.cut_paragraphs = cut_lines.len() as u32;
    out.glosses = again.glosses;
    out.tokens = tokens;
}
