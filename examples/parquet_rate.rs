//! Measures the conversion of a Parquet file into canon's JSON Lines (what opening a
//! `.parquet` input costs): `cargo run --release --example parquet_rate -- FILE [THREADS]
//! [file]`, converting into memory (as without `--memory`) or, given `file`, into a temporary
//! file (as under `--memory`). Prints the best of three runs in JSON megabytes and seconds.

use std::time::Instant;

use canon::input::jsonl::Fields;
use canon::input::parquet::{convert, Hold};
use canon::input::CHUNK_BYTES;

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: parquet_rate FILE [THREADS] [file]";
    let path = std::path::PathBuf::from(args.next().expect(usage));
    let threads: usize = args
        .next()
        .map_or(0, |t| t.parse().expect("THREADS is a number"));
    let in_file = args.next().map(|a| a == "file").unwrap_or(false);
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
        let hold = if in_file {
            Hold::File(tmp.path())
        } else {
            Hold::Memory
        };
        let c = convert(
            bytes.clone(),
            &path,
            &Fields::new(),
            hold,
            CHUNK_BYTES,
            &|_| {},
        )
        .expect("converted");
        best = best.min(t.elapsed().as_secs_f64());
        json = c.data.len();
    }
    let mb = json as f64 / 1e6;
    println!(
        "{}: {:.1} MB on disk, {mb:.1} MB of JSON Lines in {best:.3} s: {:.0} MB/s of JSON ({} threads, into {})",
        path.display(),
        bytes.len() as f64 / 1e6,
        mb / best,
        rayon::current_num_threads(),
        if in_file { "a file" } else { "memory" }
    );
}
