//! Memory: the one read-only file map of canon ([`map`]), positioned writes into canon's own
//! temporary files from several threads at once ([`write_at`]), giving mapped pages and freed heap
//! back to the kernel under `--memory` ([`release`], [`trim_heap`]), and a trace of resident
//! memory at each stage (`CANON_MEMTRACE=1`, or `=maps` to list large mappings too).

use std::fs::File;
use std::ops::Range;

use memmap2::Mmap;

/// Maps `file` read-only, whole.
///
/// Three kinds of file are mapped: inputs, canon's own unnamed temporary files (decompressed
/// inputs, signatures), and the committed `canonical.jsonl` of an earlier run on an index.
///
/// # Errors
/// The kernel refuses the map (a special file, too many maps).
pub fn map(file: &File) -> std::io::Result<Mmap> {
    // SAFETY: the map is read-only, and its contract is that the file is not truncated or
    // rewritten while canon runs (README, "Inputs"): reading past a truncated end raises
    // SIGBUS. Inputs and earlier outputs are checked unchanged (size and modification time)
    // before any output is committed; temporary files are unnamed, so nothing else can
    // reach them. `--no-mmap` reads plain inputs instead, for files that may change.
    unsafe { Mmap::map(file) }
}

/// Gives the resident pages of `map[range]` back to the kernel; they are read again (from the
/// page cache or the file) if touched. Only for read-only maps of files that do not change
/// while canon runs: inputs (checked before commit) and canon's own temporary files.
pub fn release(map: &Mmap, range: Range<usize>) {
    let end = range.end.min(map.len());
    #[cfg(unix)]
    if range.start < end {
        // SAFETY: dropped pages of a read-only map of an unchanging file read back the same
        // bytes, so no reference into the map sees a change.
        let _ = unsafe {
            map.unchecked_advise_range(
                memmap2::UncheckedAdvice::DontNeed,
                range.start,
                end - range.start,
            )
        };
    }
    #[cfg(not(unix))]
    let _ = end;
}

/// Writes all of `b` at byte offset `at` of `file`, leaving the file's cursor alone, so that
/// threads can fill disjoint parts of one temporary file at once (converted row groups,
/// signatures).
///
/// # Errors
/// The write fails (disk full).
pub fn write_at(file: &File, b: &[u8], at: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::FileExt::write_all_at(file, b, at);
    #[cfg(windows)]
    {
        let (mut b, mut at) = (b, at);
        while !b.is_empty() {
            match std::os::windows::fs::FileExt::seek_write(file, b, at)? {
                0 => return Err(std::io::ErrorKind::WriteZero.into()),
                n => (b, at) = (&b[n..], at + n as u64),
            }
        }
        Ok(())
    }
}

/// `v` as the little-endian bytes canon's temporary files hold (converted in place on a
/// big-endian machine, so `v` holds those bytes afterwards): written without a copy.
pub fn le_bytes(v: &mut [u32]) -> &[u8] {
    for x in v.iter_mut() {
        *x = x.to_le();
    }
    as_bytes(v)
}

/// The bytes of `v` as they lie in memory (a table [`le_bytes`] converted reads as its
/// little-endian bytes).
pub fn as_bytes(v: &[u32]) -> &[u8] {
    // SAFETY: any initialised `u32` slice is readable as its bytes (no padding, and `u8` has
    // alignment 1); the borrow of `v` lives as long as the bytes.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<u8>(), std::mem::size_of_val(v)) }
}

/// Gives freed heap back to the operating system (glibc keeps it otherwise): called after
/// large tables are dropped, so that peak resident memory follows what is in use.
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory at the top of the heap and in free chunks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// With `CANON_MEMTRACE` set, prints the process's memory (resident anonymous and file-backed,
/// and the peak) on stderr, labelled `at`: where memory goes, without a profiler.
pub(crate) fn trace(at: &str) {
    if std::env::var_os("CANON_MEMTRACE").is_none() {
        return;
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .map_or(0, |kb| kb / 1024)
    };
    eprintln!(
        "canon: memory at {at}: anon {} MB, file {} MB, peak {} MB",
        field("RssAnon:"),
        field("RssFile:"),
        field("VmHWM:")
    );
    if std::env::var_os("CANON_MEMTRACE").is_some_and(|v| v == "maps") {
        // Mappings with more than 8 MB resident.
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap_or_default();
        let mut name = "";
        for l in smaps.lines() {
            if l.split_whitespace().next().is_some_and(|w| w.contains('-')) {
                name = l;
            } else if let Some(kb) = l.strip_prefix("Rss:") {
                let kb: u64 = kb.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
                if kb > 8 << 10 {
                    eprintln!("canon:   {} MB {name}", kb >> 10);
                }
            }
        }
    }
}
