//! MinHash signatures over 32-bit shingle hashes.
//!
//! Permutation `i` maps a shingle `x` to `h_i(x) = f((x ^ s_i) · a_i)` with `a_i` odd and
//! `f(h) = h ^ (h >> 15)`: a bijection of u32, cheap in SIMD lanes. The kernel runs the
//! permutation loop outside and the shingle loop inside, a min-reduction over u32 lanes that
//! the compiler vectorizes; an AVX2 build of the same code is chosen at run time when the CPU
//! has it. Seeds come from the configuration, so signatures are reproducible.

/// The MinHash kernel this process uses (`canon --version` says it): `"avx2"` when the CPU
/// has AVX2 (an x86-64 build checks at run time), `"portable"` otherwise (the same code,
/// vectorized for the build's baseline target).
pub fn kernel_name() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            return "avx2";
        }
    }
    "portable"
}

/// The permutations of one run.
#[derive(Debug, Clone)]
pub struct MinHasher {
    xors: Vec<u32>,
    muls: Vec<u32>,
}

impl MinHasher {
    /// `perms` permutations derived from `seed`.
    pub fn new(perms: usize, seed: u64) -> MinHasher {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        let (mut xors, mut muls) = (Vec::with_capacity(perms), Vec::with_capacity(perms));
        for _ in 0..perms {
            let r = next();
            xors.push(r as u32);
            muls.push((r >> 32) as u32 | 1);
        }
        MinHasher { xors, muls }
    }

    /// Number of permutations (signature length).
    pub fn len(&self) -> usize {
        self.xors.len()
    }

    /// Whether there are no permutations.
    pub fn is_empty(&self) -> bool {
        self.xors.is_empty()
    }

    /// Writes the signature of `shingles` into `out` (length [`MinHasher::len`]). An empty set
    /// gets all `u32::MAX`.
    pub fn sign(&self, shingles: &[u32], out: &mut [u32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above), the only requirement of
                // a `#[target_feature(enable = "avx2")]` function.
                unsafe { sign_avx2(&self.xors, &self.muls, shingles, out) };
                return;
            }
        }
        sign_portable(&self.xors, &self.muls, shingles, out);
    }
}

/// Permutations signed side by side: a block's minima stay in vector registers (four AVX2
/// registers) while every shingle passes through them. Signing a permutation at a time (the
/// shingles across vector lanes, then a reduction across lanes per permutation) was 3.9 times
/// slower for a short paragraph's bag of 15 shingles and 10% slower for 1,000 (`make bench`,
/// `minhash/*`).
const PERM_BLOCK: usize = 32;

#[inline(always)]
fn kernel(xors: &[u32], muls: &[u32], shingles: &[u32], out: &mut [u32]) {
    let blocks = out
        .chunks_mut(PERM_BLOCK)
        .zip(xors.chunks(PERM_BLOCK))
        .zip(muls.chunks(PERM_BLOCK));
    for ((o, s), a) in blocks {
        if let (Ok(o), Ok(s), Ok(a)) = (
            <&mut [u32; PERM_BLOCK]>::try_from(&mut *o),
            <&[u32; PERM_BLOCK]>::try_from(s),
            <&[u32; PERM_BLOCK]>::try_from(a),
        ) {
            let mut m = [u32::MAX; PERM_BLOCK];
            for &x in shingles {
                for k in 0..PERM_BLOCK {
                    let h = (x ^ s[k]).wrapping_mul(a[k]);
                    m[k] = m[k].min(h ^ (h >> 15));
                }
            }
            *o = m;
        } else {
            // The last block of a permutation count that is not a multiple of the block.
            per_permutation(s, a, shingles, o);
        }
    }
}

#[inline(always)]
fn per_permutation(xors: &[u32], muls: &[u32], shingles: &[u32], out: &mut [u32]) {
    for ((o, &s), &a) in out.iter_mut().zip(xors).zip(muls) {
        let mut m = u32::MAX;
        for &x in shingles {
            let h = (x ^ s).wrapping_mul(a);
            m = m.min(h ^ (h >> 15));
        }
        *o = m;
    }
}

fn sign_portable(xors: &[u32], muls: &[u32], shingles: &[u32], out: &mut [u32]) {
    kernel(xors, muls, shingles, out);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sign_avx2(xors: &[u32], muls: &[u32], shingles: &[u32], out: &mut [u32]) {
    kernel(xors, muls, shingles, out);
}

/// Estimated Jaccard similarity: the fraction of equal signature positions.
pub fn estimate(a: &[u32], b: &[u32]) -> f64 {
    if a.is_empty() {
        return 0.0;
    }
    let eq = a.iter().zip(b).filter(|(x, y)| x == y).count();
    eq as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::near::shingle::jaccard;
    use proptest::prelude::*;

    proptest! {
        /// Blocks of permutations signed side by side give what signing one permutation at a
        /// time gives, for permutation counts that fill blocks and that do not.
        #[test]
        fn blocked_signatures_are_one_permutation_at_a_time(
            perms in prop_oneof![Just(96usize), Just(32), 1usize..130],
            seed in any::<u64>(),
            shingles in prop::collection::vec(any::<u32>(), 0..200),
        ) {
            let m = MinHasher::new(perms, seed);
            let (mut a, mut b) = (vec![0; perms], vec![0; perms]);
            m.sign(&shingles, &mut a);
            per_permutation(&m.xors, &m.muls, &shingles, &mut b);
            prop_assert_eq!(a, b);
        }
    }

    #[test]
    fn portable_and_dispatched_kernels_agree() {
        let m = MinHasher::new(64, 7);
        let shingles: Vec<u32> = (0..1000u32)
            .map(|i| i.wrapping_mul(2_654_435_761))
            .collect();
        let (mut a, mut b) = (vec![0; 64], vec![0; 64]);
        m.sign(&shingles, &mut a);
        sign_portable(&m.xors, &m.muls, &shingles, &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn identical_sets_have_identical_signatures() {
        let m = MinHasher::new(32, 1);
        let (mut a, mut b) = (vec![0; 32], vec![0; 32]);
        m.sign(&[5, 9, 1], &mut a);
        m.sign(&[1, 5, 9, 9], &mut b);
        assert_eq!(a, b);
        assert_eq!(estimate(&a, &b), 1.0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// With 256 permutations the estimate's standard error is at most 1/32; allow 4σ.
        #[test]
        fn estimate_is_close_to_exact_jaccard(
            common in 0usize..400, only_a in 0usize..400, only_b in 0usize..400, seed in any::<u64>()
        ) {
            prop_assume!(common + only_a + only_b > 0);
            let mut x = seed | 1;
            let mut next = || { x ^= x << 13; x ^= x >> 7; x ^= x << 17; x as u32 };
            let c: Vec<u32> = (0..common).map(|_| next()).collect();
            let mut a: Vec<u32> = c.iter().copied().chain((0..only_a).map(|_| next())).collect();
            let mut b: Vec<u32> = c.iter().copied().chain((0..only_b).map(|_| next())).collect();
            a.sort_unstable(); a.dedup(); b.sort_unstable(); b.dedup();
            let exact = jaccard(&a, &b);
            let m = MinHasher::new(256, seed);
            let (mut sa, mut sb) = (vec![0; 256], vec![0; 256]);
            m.sign(&a, &mut sa);
            m.sign(&b, &mut sb);
            let est = estimate(&sa, &sb);
            let sigma = (exact * (1.0 - exact) / 256.0).sqrt().max(1.0 / 256.0);
            prop_assert!((est - exact).abs() <= 4.0 * sigma + 1e-9, "exact {exact} est {est}");
        }
    }
}
