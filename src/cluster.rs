//! Cluster stage: groups documents with the same key and picks one survivor per group by a
//! total order, so that the choice depends on content and input position only — never on
//! thread count or timing.
//!
//! The canonical order (best first): documents published by an earlier run (incremental
//! runs) or read from a `--published` input, then most key characters after repair and boilerplate removal,
//! then fewest romanization glosses, then fewest paragraphs removed (repeated + boilerplate),
//! then the least noise (the cleaner copy: invisible and control characters, compatibility
//! letters, shouting, hard breaks — [`crate::normalize::noise`]), then the lowest content hash (explicit id, URL and text), then earliest input position
//! (sorted path, then record) — which only decides between byte-identical records.

use std::cmp::{Ordering, Reverse};

use rayon::prelude::*;

/// What the canonical order looks at for one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rank {
    /// Published by an earlier run (or read from a `--published` input): always first.
    pub published: bool,
    /// Key characters of the text that would be emitted.
    pub key_chars: u64,
    /// Romanization glosses in the kept text.
    pub glosses: u32,
    /// Paragraphs removed by repair or as boilerplate.
    pub removed: u32,
    /// How noisy the text is ([`crate::normalize::noise`]): of copies with the same content,
    /// the cleaner one wins.
    pub noise: u32,
    /// Hash of the record's content (explicit id, URL, text): a tie-break that does not
    /// depend on file names or order.
    pub content: u64,
    /// Input position (index in input order).
    pub position: usize,
}

impl Rank {
    fn sort_key(&self) -> (Reverse<bool>, Reverse<u64>, u32, u32, u32, u64, usize) {
        (
            Reverse(self.published),
            Reverse(self.key_chars),
            self.glosses,
            self.removed,
            self.noise,
            self.content,
            self.position,
        )
    }
}

impl Ord for Rank {
    fn cmp(&self, other: &Rank) -> Ordering {
        self.sort_key().cmp(&other.sort_key())
    }
}

impl PartialOrd for Rank {
    fn partial_cmp(&self, other: &Rank) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Groups documents by exact key. `keys[i]` is document `i`'s key (`None`: not clustered);
/// returns for each document the index of its group's canonical document (itself if it is
/// the canonical one), or `None` where the key was `None`.
pub fn exact(keys: &[Option<u128>], ranks: &[Rank]) -> Vec<Option<usize>> {
    // (key, document): ranks are looked up only between documents of one key, so the table
    // sorted is 24 bytes a row, not a whole rank's.
    let mut order: Vec<(u128, u32)> = keys
        .par_iter()
        .enumerate()
        .filter_map(|(i, k)| k.map(|k| (k, i as u32)))
        .collect();
    // (Keys are hashes: partitioned by their top bits first.)
    crate::partition_sort::sort_by_lead(
        &mut order,
        |e| (e.0 >> 64) as u64,
        |a, b| {
            a.0.cmp(&b.0)
                .then_with(|| ranks[a.1 as usize].cmp(&ranks[b.1 as usize]))
        },
    );
    let mut canonical = vec![None; keys.len()];
    for group in order.chunk_by(|a, b| a.0 == b.0) {
        let best = group[0].1 as usize;
        for &(_, i) in group {
            canonical[i as usize] = Some(best);
        }
    }
    canonical
}

/// Disjoint sets over `0..n` (union by size, path halving).
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The representative of `x`'s set.
    pub fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] as usize != x {
            let p = self.parent[x] as usize;
            self.parent[x] = self.parent[p];
            x = p;
        }
        x
    }

    /// Merges the sets of `a` and `b`; returns whether they were different.
    pub fn union(&mut self, a: usize, b: usize) -> bool {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return false;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a as u32;
        self.size[a] += self.size[b];
        true
    }
}

/// Hops from each node to `root` over `edges` (undirected), for the nodes of one component;
/// `None` for nodes not reached. `nodes` must contain `root`.
pub fn hops(root: usize, nodes: &[usize], edges: &[(usize, usize)]) -> Vec<Option<u32>> {
    use rustc_hash::FxHashMap as HashMap;
    use std::collections::VecDeque;
    let index: HashMap<usize, usize> = nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let mut adj = vec![Vec::new(); nodes.len()];
    for &(a, b) in edges {
        if let (Some(&x), Some(&y)) = (index.get(&a), index.get(&b)) {
            adj[x].push(y);
            adj[y].push(x);
        }
    }
    let mut dist = vec![None; nodes.len()];
    let start = index[&root];
    dist[start] = Some(0);
    let mut queue = VecDeque::from([start]);
    while let Some(x) = queue.pop_front() {
        let d = dist[x].expect("queued nodes have a distance");
        for &y in &adj[x] {
            if dist[y].is_none() {
                dist[y] = Some(d + 1);
                queue.push_back(y);
            }
        }
    }
    dist
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rank(key_chars: u64, glosses: u32, removed: u32, position: usize) -> Rank {
        Rank {
            published: false,
            key_chars,
            glosses,
            removed,
            noise: 0,
            content: 0,
            position,
        }
    }

    #[test]
    fn canonical_order_is_total_and_documented() {
        // More text wins, then fewer glosses, then fewer removals, then less noise, then the
        // lower content hash, then earlier position.
        let hashed = |content, position| Rank {
            content,
            ..rank(100, 0, 0, position)
        };
        let noisy = |noise, content| Rank {
            noise,
            content,
            ..rank(100, 0, 0, 9)
        };
        assert!(rank(100, 9, 9, 9) < rank(99, 0, 0, 0));
        assert!(rank(100, 0, 9, 9) < rank(100, 1, 0, 0));
        assert!(rank(100, 0, 0, 9) < rank(100, 0, 1, 0));
        assert!(
            Rank {
                noise: 9,
                ..rank(100, 0, 0, 9)
            } < rank(100, 0, 1, 0)
        );
        assert!(noisy(1, 9) < noisy(2, 0));
        assert!(hashed(1, 9) < hashed(2, 0));
        assert!(rank(100, 0, 0, 1) < rank(100, 0, 0, 2));
        // Published documents come first, whatever their content.
        let published = Rank {
            published: true,
            ..rank(1, 9, 9, 9)
        };
        assert!(published < rank(100, 0, 0, 0));
    }

    #[test]
    fn exact_groups_pick_the_best_member() {
        let keys = [Some(7), Some(8), Some(7), None, Some(7)];
        let ranks = [
            rank(10, 2, 0, 0),
            rank(10, 0, 0, 1),
            rank(10, 0, 3, 2),
            rank(0, 0, 0, 3),
            rank(10, 0, 3, 4),
        ];
        let c = exact(&keys, &ranks);
        assert_eq!(c, vec![Some(2), Some(1), Some(2), None, Some(2)]);
    }

    #[test]
    fn hops_follow_the_chain() {
        let d = hops(10, &[10, 11, 12, 13], &[(10, 11), (12, 11), (13, 12)]);
        assert_eq!(d, vec![Some(0), Some(1), Some(2), Some(3)]);
    }

    proptest::proptest! {
        /// Union-find agrees with a naive model that relabels whole sets.
        #[test]
        fn union_find_matches_naive_model(n in 1usize..40, ops in proptest::collection::vec((0usize..40, 0usize..40), 0..80)) {
            let mut uf = UnionFind::new(n);
            let mut label: Vec<usize> = (0..n).collect();
            for (a, b) in ops {
                let (a, b) = (a % n, b % n);
                let merged = uf.union(a, b);
                let (la, lb) = (label[a], label[b]);
                proptest::prop_assert_eq!(merged, la != lb);
                for l in label.iter_mut() {
                    if *l == lb {
                        *l = la;
                    }
                }
            }
            for a in 0..n {
                for b in 0..n {
                    proptest::prop_assert_eq!(uf.find(a) == uf.find(b), label[a] == label[b]);
                }
            }
        }
    }

    #[test]
    fn result_does_not_depend_on_presentation_order() {
        // Same documents, listed in another order: the same document wins.
        let keys = [Some(1u128), Some(1), Some(1)];
        let a = [rank(5, 1, 0, 10), rank(5, 0, 0, 20), rank(5, 0, 0, 30)];
        let b = [a[2], a[0], a[1]];
        assert_eq!(exact(&keys, &a)[0], Some(1));
        assert_eq!(exact(&keys, &b)[0], Some(2));
    }
}
