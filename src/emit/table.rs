//! `boilerplate.jsonl`: each boilerplate paragraph once per site it is chrome of, with its
//! hash (as `explain.jsonl.zst` names it), the site, the number of unrelated documents of that
//! site it occurs in, and its text as it first appears there in input order. Sorted by hash,
//! then site.

use rustc_hash::FxHashMap as HashMap;

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
    // Each boilerplate paragraph's first occurrence on its site: (document, paragraph).
    let mut first: HashMap<(u64, u32), (usize, usize)> = HashMap::default();
    for (i, d) in docs.iter().enumerate() {
        for p in d.paras.clone() {
            if bp.contains(d.site, hashes[p]) {
                first.entry((hashes[p], d.site)).or_insert((i, p));
            }
        }
    }
    let mut rows: Vec<(u64, &str, u32, String)> = first
        .par_iter()
        .map(|(&(h, site), &(i, para))| {
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
            let name = tables.sites.name(site);
            (h, name, bp.groups[&(h, site)], text.unwrap_or_default())
        })
        .collect();
    rows.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for (h, site, n, text) in rows {
        buf.clear();
        buf.extend_from_slice(format!("{{\"hash\":\"{h:016x}\",\"site\":").as_bytes());
        output::json_string(&mut buf, site);
        buf.extend_from_slice(format!(",\"documents\":{n},\"text\":").as_bytes());
        output::json_string(&mut buf, &text);
        buf.extend_from_slice(b"}\n");
        out.extend_from_slice(&buf);
    }
    out
}
