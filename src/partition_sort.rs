//! Sorting tables led by a hash: the elements are partitioned by the top bits of their
//! leading `u64` (one counting pass, then a scatter into a second table, or for large tables
//! each element cycled into its part in place; about four elements per part), then each part
//! is sorted by comparisons, parts side by side. With uniform leading values (hashes)
//! this does a fraction of a comparison sort's work: sorting whole tables by comparisons was
//! most of the banding stage, a third of the boilerplate counts and most of the exact
//! clustering on a corpus of short documents. Parts that hold many elements (a value shared
//! by many) are still sorted correctly, by comparisons.

use std::cmp::Ordering;

use rayon::prelude::*;

/// Tables shorter than this are sorted by comparisons alone.
const PARTITION_MIN: usize = 1 << 12;

/// Tables of at most this many bytes are scattered into a second table (independent writes);
/// larger ones are partitioned in place (each element cycled into its part: a chain of
/// dependent swaps, 1.1× the CPU on a corpus of short documents), so that sorting never needs
/// more than this much beside the table (a band column of 10 million documents is 160 MB).
const SCATTER_MAX: usize = 32 << 20;

/// Sorts `v` by `cmp`, which must order elements by `lead` first (`lead(a) < lead(b)` implies
/// `a < b`). The result is `sort_unstable_by(cmp)`'s whenever `cmp` is a total order with no
/// two elements equal (or equal elements are identical), as it is for every table sorted
/// with it.
pub fn sort_by_lead<T: Copy + Send + Sync>(
    v: &mut [T],
    lead: impl Fn(&T) -> u64 + Sync,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
) {
    sort_by_lead_within(v, lead, cmp, SCATTER_MAX);
}

/// [`sort_by_lead`], scattering into a second table only when `v` is at most `scatter_max`
/// bytes.
fn sort_by_lead_within<T: Copy + Send + Sync>(
    v: &mut [T],
    lead: impl Fn(&T) -> u64 + Sync,
    cmp: impl Fn(&T, &T) -> Ordering + Sync,
    scatter_max: usize,
) {
    let n = v.len();
    if n < PARTITION_MIN {
        v.sort_unstable_by(&cmp);
        return;
    }
    // About four elements per part: 2^bits parts, bits ≤ 22.
    let bits = (usize::BITS - 1 - n.leading_zeros())
        .saturating_sub(2)
        .clamp(1, 22);
    let shift = 64 - bits;
    let part = |x: &T| (lead(x) >> shift) as usize;
    let mut starts = vec![0usize; (1 << bits) + 1];
    for x in v.iter() {
        starts[part(x) + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    if std::mem::size_of_val(v) <= scatter_max {
        let mut next = starts.clone();
        let mut out: Vec<T> = Vec::with_capacity(n);
        let room = out.spare_capacity_mut();
        for x in v.iter() {
            let p = part(x);
            room[next[p]].write(*x);
            next[p] += 1;
        }
        // SAFETY: the counting pass gave each part as many slots as it has elements, so the
        // scatter wrote every one of the `n` slots exactly once.
        unsafe { out.set_len(n) };
        v.copy_from_slice(&out);
    } else {
        // Each element cycled into its part in place (American flag sort).
        let mut heads: Vec<usize> = starts[..1 << bits].to_vec();
        for p in 0..1usize << bits {
            let end = starts[p + 1];
            while heads[p] < end {
                let mut x = v[heads[p]];
                let mut q = part(&x);
                while q != p {
                    std::mem::swap(&mut x, &mut v[heads[q]]);
                    heads[q] += 1;
                    q = part(&x);
                }
                v[heads[p]] = x;
                heads[p] += 1;
            }
        }
    }
    // Parts sorted side by side, a contiguous run of parts per task: parts `p0..p1` are the
    // elements `starts[p0]..starts[p1]`.
    let parts = 1usize << bits;
    let per = parts.div_ceil(rayon::current_num_threads() * 8);
    let mut tasks = Vec::new();
    let mut rest = &mut v[..];
    for p0 in (0..parts).step_by(per) {
        let p1 = (p0 + per).min(parts);
        let (head, tail) = rest.split_at_mut(starts[p1] - starts[p0]);
        tasks.push((head, &starts[p0..=p1]));
        rest = tail;
    }
    tasks.into_par_iter().for_each(|(slice, bounds)| {
        let base = bounds[0];
        for w in bounds.windows(2) {
            slice[w[0] - base..w[1] - base].sort_unstable_by(&cmp);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The partitioned sort gives `sort_unstable`'s order, for tables above and below the
        /// size where partitioning starts, with uniform leading values, a few repeated ones
        /// (a shared band hash), and values that differ only in their low bits.
        #[test]
        fn tables_sort_as_sort_unstable_sorts_them(
            n in 0usize..20_000,
            seed in any::<u64>(),
            shape in 0u8..3,
        ) {
            let mut x = seed | 1;
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let mut v: Vec<(u64, u32)> = (0..n)
                .map(|i| {
                    let h = match shape {
                        0 => next(),
                        1 => (next() % 7) << 61,
                        _ => next() % 1000,
                    };
                    (h, (next() % 5) as u32 ^ i as u32)
                })
                .collect();
            let mut want = v.clone();
            want.sort_unstable();
            let mut in_place = v.clone();
            sort_by_lead(&mut v, |x| x.0, Ord::cmp);
            prop_assert_eq!(&v, &want);
            sort_by_lead_within(&mut in_place, |x| x.0, Ord::cmp, 0);
            prop_assert_eq!(in_place, want);
        }
    }
}
