//! Measures the conversion of a Parquet file into canon's JSON Lines (what opening a
//! `.parquet` input costs): `cargo run --release --example parquet_rate -- FILE [THREADS]`.
//! Prints the best of three runs in rows, JSON megabytes and seconds.

use std::time::Instant;

use canon::input::jsonl::Fields;
use canon::input::parquet::convert;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().expect("usage: parquet_rate FILE [THREADS]"));
    let threads: usize = args
        .next()
        .map_or(0, |t| t.parse().expect("THREADS is a number"));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .expect("thread pool");
    let bytes = bytes::Bytes::from(std::fs::read(&path).expect("readable file"));
    let tmp = tempfile::tempdir().expect("temporary directory");
    let mut best = f64::MAX;
    let mut json = 0;
    for _ in 0..3 {
        let t = Instant::now();
        let c = convert(bytes.clone(), &path, &Fields::new(), tmp.path()).expect("converted");
        best = best.min(t.elapsed().as_secs_f64());
        json = c.file.metadata().expect("the converted file").len() as usize;
    }
    let mb = json as f64 / 1e6;
    println!(
        "{}: {:.1} MB on disk, {mb:.1} MB of JSON Lines in {best:.3} s: {:.0} MB/s of JSON ({} threads)",
        path.display(),
        bytes.len() as f64 / 1e6,
        mb / best,
        rayon::current_num_threads()
    );
}
