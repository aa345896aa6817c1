//! Criterion benchmarks, one group per pipeline stage, each reporting bytes per second:
//! normalization (key building), page repair, JSON Lines field extraction, boilerplate
//! counting, and the whole pipeline on a small generated corpus. Whole-tool numbers on the
//! ~1 GB corpus come from `make bench-corpus`.

use std::hint::black_box;
use std::io::Write;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use canon::boilerplate::{self, Paragraphs};
use canon::input::jsonl::{self, Fields};
use canon::normalize::Key;
use canon::repair::{Repairer, DEFAULT_MIN_REPEAT};

/// A small deterministic generator of Chinese-like and English-like text.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn zh_paragraph(&mut self) -> String {
        let mut s = String::new();
        let n = 60 + self.next() % 80;
        for i in 0..n {
            let c = char::from_u32(0x4E00 + (self.next() % 3000) as u32).unwrap();
            s.push(c);
            if i % 17 == 16 {
                s.push('，');
            }
            if i % 29 == 7 {
                s.push_str("(jìzhě)");
            }
        }
        s.push('。');
        s
    }

    fn en_paragraph(&mut self) -> String {
        let mut s = String::new();
        let n = 30 + self.next() % 40;
        for i in 0..n {
            let len = 2 + self.next() % 8;
            for _ in 0..len {
                s.push((b'a' + (self.next() % 26) as u8) as char);
            }
            s.push_str(if i % 11 == 10 { ". " } else { " " });
        }
        s
    }

    /// A broken page: title twice, third copy glued to paragraph 1, body doubled, footer.
    fn broken_page(&mut self, zh: bool) -> String {
        let title = if zh {
            self.zh_paragraph()[..60].to_owned()
        } else {
            self.en_paragraph()[..60].to_owned()
        };
        let body: Vec<String> = (0..8)
            .map(|_| {
                if zh {
                    self.zh_paragraph()
                } else {
                    self.en_paragraph()
                }
            })
            .collect();
        let mut page = format!("{title}\n{title}\n{title}");
        for _ in 0..2 {
            for p in &body {
                page.push_str(p);
                page.push('\n');
            }
        }
        page.push_str("\n相关推荐\n评论列表\n暂无评论,快抢沙发吧~\n");
        page
    }
}

fn normalize(c: &mut Criterion) {
    let mut g = Gen(1);
    let zh: Vec<String> = (0..2000).map(|_| g.zh_paragraph()).collect();
    let en: Vec<String> = (0..2000).map(|_| g.en_paragraph()).collect();
    let mut group = c.benchmark_group("normalize");
    for (name, paras) in [("zh", &zh), ("en", &en)] {
        let bytes: usize = paras.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            let mut key = Key::new();
            b.iter(|| {
                for p in paras {
                    key.build(black_box(p), false);
                }
                black_box(key.bytes.len())
            })
        });
        // The noise count of pass 1 (the canonical order's cleaner-copy measure), on the
        // same text: its cost next to keying.
        group.bench_function(format!("{name}_noise"), |b| {
            b.iter(|| {
                paras
                    .iter()
                    .map(|p| canon::normalize::noise(black_box(p)))
                    .sum::<u32>()
            })
        });
    }
    group.finish();
}

fn repair(c: &mut Criterion) {
    let mut g = Gen(2);
    let mut group = c.benchmark_group("repair");
    for (name, zh) in [("zh_broken_pages", true), ("en_broken_pages", false)] {
        let pages: Vec<String> = (0..200).map(|_| g.broken_page(zh)).collect();
        let bytes: usize = pages.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            let mut r = Repairer::new(DEFAULT_MIN_REPEAT);
            let mut out = canon::repair::Repaired::default();
            b.iter(|| {
                for p in &pages {
                    r.repair_into(black_box(p), &mut out);
                }
                black_box(out.paragraphs.len())
            })
        });
    }
    group.finish();
}

fn jsonl_parse(c: &mut Criterion) {
    let mut g = Gen(3);
    let lines: Vec<String> = (0..500)
        .map(|i| {
            let text = g.broken_page(i % 2 == 0);
            let mut s = format!(r#"{{"id":"doc-{i}","url":"https://x.example/{i}","text":"#);
            s.push_str(&serde_json::to_string(&text).unwrap());
            s.push('}');
            s
        })
        .collect();
    let fields = Fields::new();
    let bytes: usize = lines.iter().map(String::len).sum();
    let mut group = c.benchmark_group("jsonl");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            let mut n = 0;
            for l in &lines {
                n += jsonl::parse(black_box(l), &fields).unwrap().text.len();
            }
            n
        })
    });
    group.finish();
}

fn boilerplate_find(c: &mut Criterion) {
    // 100k documents of 12 paragraphs: 9 unique, 3 from one of 200 site footers.
    let mut g = Gen(4);
    let (mut hashes, mut chars, mut docs) = (Vec::new(), Vec::new(), Vec::new());
    let mut sites = Vec::new();
    for _ in 0..100_000 {
        let s = hashes.len();
        for _ in 0..9 {
            hashes.push(g.next());
            chars.push(80);
        }
        let site = g.next() % 200;
        for k in 0..3 {
            hashes.push(site * 8 + k);
            chars.push(6);
        }
        docs.push(s..hashes.len());
        sites.push(site as u32);
    }
    let mut group = c.benchmark_group("boilerplate");
    group.throughput(Throughput::Elements(hashes.len() as u64));
    group.sample_size(10);
    group.bench_function("find_1.2M_paragraphs", |b| {
        b.iter(|| {
            let p = Paragraphs {
                docs: &docs,
                hashes: &hashes,
                chars: &chars,
                sites: &sites,
            };
            boilerplate::find(&p, 5, None).groups.len()
        })
    });
    group.finish();
}

fn near_stages(c: &mut Criterion) {
    let mut g = Gen(6);
    let zh: Vec<String> = (0..2000).map(|_| g.zh_paragraph()).collect();
    let en: Vec<String> = (0..2000).map(|_| g.en_paragraph()).collect();
    let mut group = c.benchmark_group("shingle");
    for (name, paras) in [("zh", &zh), ("en", &en)] {
        let bytes: usize = paras.iter().map(String::len).sum();
        group.throughput(Throughput::Bytes(bytes as u64));
        group.bench_function(name, |b| {
            let mut s = canon::near::shingle::Shingler::new(canon::near::shingle::DEFAULT_SIZE);
            let mut out = Vec::new();
            b.iter(|| {
                out.clear();
                for p in paras {
                    s.paragraph(black_box(p), &mut out);
                }
                out.len()
            })
        });
    }
    group.finish();

    // Signatures: throughput in shingle × permutation per second.
    let shingles: Vec<u32> = (0..1000).map(|_| g.next() as u32).collect();
    let hasher = canon::near::minhash::MinHasher::new(96, 1);
    let mut sig = vec![0u32; 96];
    let mut group = c.benchmark_group("minhash");
    group.throughput(Throughput::Elements((shingles.len() * 96) as u64));
    group.bench_function("sign_1000_shingles_96_perms", |b| {
        b.iter(|| {
            hasher.sign(black_box(&shingles), &mut sig);
            sig[0]
        })
    });
    // A short paragraph's bag (a poem's line): most bags of a corpus of short documents.
    let short = &shingles[..15];
    group.throughput(Throughput::Elements((short.len() * 96) as u64));
    group.bench_function("sign_15_shingles_96_perms", |b| {
        b.iter(|| {
            hasher.sign(black_box(short), &mut sig);
            sig[0]
        })
    });
    group.finish();

    // Banding: 200k documents × 16 bands.
    let docs = 200_000;
    let bands: Vec<u64> = (0..docs * 16).map(|_| g.next() % 5_000_000).collect();
    let skip = vec![false; docs];
    let mut group = c.benchmark_group("lsh");
    group.throughput(Throughput::Elements(docs as u64));
    group.sample_size(10);
    group.bench_function("candidates_200k_docs_16_bands", |b| {
        b.iter(|| canon::near::lsh::candidates(&bands, 16, &skip).len())
    });
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("corpus.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    let mut g = Gen(5);
    let mut pages: Vec<String> = Vec::new();
    for i in 0..3000 {
        let page = if i % 10 == 9 {
            pages[(g.next() % pages.len() as u64) as usize].clone()
        } else {
            g.broken_page(i % 3 != 0)
        };
        writeln!(
            f,
            r#"{{"id":"d{i}","text":{}}}"#,
            serde_json::to_string(&page).unwrap()
        )
        .unwrap();
        pages.push(page);
    }
    drop(f);
    let bytes = std::fs::metadata(&input).unwrap().len();
    let mut cfg = canon::Config::new(vec![input], dir.path().join("out"));
    cfg.run.threads = 2;
    let mut group = c.benchmark_group("pipeline");
    group.throughput(Throughput::Bytes(bytes));
    group.sample_size(10);
    group.bench_function("dedup_2_threads", |b| {
        b.iter(|| {
            canon::run(&cfg, &canon::Progress::default())
                .unwrap()
                .documents
                .canonical
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    normalize,
    repair,
    jsonl_parse,
    boilerplate_find,
    near_stages,
    pipeline
);
criterion_main!(benches);
