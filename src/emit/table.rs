//! `boilerplate.jsonl`: each boilerplate paragraph once, with its hash (as
//! `explain.jsonl.zst` names it), the number of unrelated documents it occurs in, and its text
//! as it first appears in input order. Sorted by hash.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::boilerplate::Boilerplate;
use crate::output;
use crate::sources::Ctx;
use crate::tables::Tables;

/// The lines of `boilerplate.jsonl`, from the first `new_docs` documents (those of this run).
pub(crate) fn boilerplate_table(
    ctx: &Ctx,
    tables: &Tables,
    new_docs: usize,
    bp: &Boilerplate,
) -> Vec<u8> {
    let (docs, hashes) = (&tables.docs[..new_docs], &tables.hashes);
    // Each boilerplate paragraph's first occurrence: (document, paragraph).
    let mut first: HashMap<u64, (usize, usize)> = HashMap::new();
    for (i, d) in docs.iter().enumerate() {
        for p in d.paras.clone() {
            if bp.contains(hashes[p]) {
                first.entry(hashes[p]).or_insert((i, p));
            }
        }
    }
    let mut rows: Vec<(u64, u32, String)> = first
        .par_iter()
        .map(|(&h, &(i, para))| {
            let d = &docs[i];
            let text = ctx.with_text(d, |text| {
                let mut s = String::new();
                for (_, pieces) in tables.kept_paragraphs(d).filter(|&(p, _)| p == para) {
                    for piece in pieces {
                        s.push_str(piece.of(text).unwrap_or(""));
                    }
                }
                s.trim().to_owned()
            });
            (h, bp.groups[&h], text.unwrap_or_default())
        })
        .collect();
    rows.sort_unstable_by_key(|r| r.0);
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for (h, n, text) in rows {
        buf.clear();
        buf.extend_from_slice(
            format!("{{\"hash\":\"{h:016x}\",\"documents\":{n},\"text\":").as_bytes(),
        );
        output::json_string(&mut buf, &text);
        buf.extend_from_slice(b"}\n");
        out.extend_from_slice(&buf);
    }
    out
}
