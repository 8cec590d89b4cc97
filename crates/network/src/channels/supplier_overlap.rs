//! The supplier-overlap channel: how much two units' supplier sets overlap,
//! by an [`OverlapIndex`]. A model's set is its own suppliers plus those
//! linked to its firm; a firm's set is its own plus those of its models
//! (pooled over years). The exposure tables use [`OverlapIndex::Count`]; the
//! study's pair panel [`OverlapIndex::SzymkiewiczSimpson`] (its `SupplierOverlap`).

use spillnet_io::Indexed;
use spillnet_io::index::Supplied;

/// How the overlap of two supplier sets S_i, S_j is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlapIndex {
    /// |S_i ∩ S_j|: the number of shared suppliers.
    Count,
    /// Szymkiewicz–Simpson: |S_i ∩ S_j| / min(|S_i|, |S_j|).
    SzymkiewiczSimpson,
    /// Jaccard: |S_i ∩ S_j| / |S_i ∪ S_j|.
    Jaccard,
    /// Cosine (Salton): |S_i ∩ S_j| / sqrt(|S_i| · |S_j|).
    Cosine,
}

/// Each model's and firm's own suppliers (sorted, distinct supplier
/// numbers), by model and firm number.
#[derive(Debug, Clone, Default)]
pub struct SupplierSets {
    model: Vec<Vec<u32>>,
    firm: Vec<Vec<u32>>,
}

impl SupplierSets {
    /// Collect each model's and firm's own links.
    pub fn new(data: &Indexed) -> Self {
        let ix = data.index();
        let mut sets =
            SupplierSets { model: vec![Vec::new(); ix.models.len()], firm: vec![Vec::new(); ix.firms.len()] };
        for s in &ix.supplier_links {
            match s.target {
                Supplied::Model(m) => sets.model[m as usize].push(s.supplier),
                Supplied::Firm(f) => sets.firm[f as usize].push(s.supplier),
            }
        }
        sets.model.iter_mut().chain(sets.firm.iter_mut()).for_each(|v| {
            v.sort_unstable();
            v.dedup();
        });
        sets
    }

    /// Model `model`'s set: its own suppliers plus those linked to its firm `firm`.
    pub fn of_model(&self, model: u32, firm: u32) -> Vec<u32> {
        self.of_firm_and(firm, [model])
    }

    /// Firm `firm`'s set: its own suppliers plus those of `models`.
    pub fn of_firm_and(&self, firm: u32, models: impl IntoIterator<Item = u32>) -> Vec<u32> {
        let mut s = self.firm[firm as usize].clone();
        for m in models {
            s.extend(&self.model[m as usize]);
        }
        s.sort_unstable();
        s.dedup();
        s
    }
}

/// |a ∩ b| of two sorted, distinct index lists (merge).
pub fn intersect_len(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// An inverted index of a list of supplier sets: for each supplier, the
/// sets that hold it. It finds the sets sharing suppliers with a given set
/// without comparing it with every set.
#[derive(Debug, Clone, Default)]
pub struct Holders {
    /// `by_supplier[s]`: positions of the sets holding supplier `s`, ascending.
    by_supplier: Vec<Vec<u32>>,
}

impl Holders {
    /// Index `sets` (sorted, distinct supplier numbers each) by supplier; set
    /// `k` of the iterator is position `k`.
    pub fn new<'s>(sets: impl IntoIterator<Item = &'s [u32]>) -> Self {
        let mut by_supplier: Vec<Vec<u32>> = Vec::new();
        for (k, set) in sets.into_iter().enumerate() {
            for &s in set {
                if by_supplier.len() <= s as usize {
                    by_supplier.resize(s as usize + 1, Vec::new());
                }
                by_supplier[s as usize].push(k as u32);
            }
        }
        Holders { by_supplier }
    }

    /// `(k, |a ∩ set_k|)` for every indexed set `k` sharing at least one
    /// supplier with the sorted, distinct set `a`, ascending by `k`: the sets
    /// whose [`OverlapIndex::Count`] overlap with `a` is nonzero, and that count.
    ///
    /// Complexity: O(m log m) for m = Σ_{s ∈ a} (sets holding s).
    pub fn shared_counts(&self, a: &[u32]) -> Vec<(u32, u32)> {
        let mut hits: Vec<u32> =
            a.iter().filter_map(|&s| self.by_supplier.get(s as usize)).flatten().copied().collect();
        hits.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::new();
        for k in hits {
            match out.last_mut() {
                Some((last, n)) if *last == k => *n += 1,
                _ => out.push((k, 1)),
            }
        }
        out
    }
}

/// Overlap of two sorted, distinct supplier sets. The ratio indices need
/// both sets non-empty (callers exclude empty or short sets first).
pub fn overlap(a: &[u32], b: &[u32], index: OverlapIndex) -> f64 {
    let inter = intersect_len(a, b) as f64;
    let (na, nb) = (a.len() as f64, b.len() as f64);
    match index {
        OverlapIndex::Count => inter,
        OverlapIndex::SzymkiewiczSimpson => inter / na.min(nb),
        OverlapIndex::Jaccard => inter / (na + nb - inter),
        OverlapIndex::Cosine => inter / (na * nb).sqrt(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_by_hand() {
        let (a, b) = ([1, 2, 3, 4], [3, 4, 5, 6, 7, 8]);
        assert_eq!(intersect_len(&a, &b), 2);
        assert_eq!(overlap(&a, &b, OverlapIndex::Count), 2.0);
        assert_eq!(overlap(&a, &b, OverlapIndex::SzymkiewiczSimpson), 0.5);
        assert_eq!(overlap(&a, &b, OverlapIndex::Jaccard), 0.25);
        assert!((overlap(&a, &b, OverlapIndex::Cosine) - 2.0 / 24f64.sqrt()).abs() < 1e-15);
        assert_eq!(overlap(&[], &b, OverlapIndex::Count), 0.0);
        assert_eq!(intersect_len(&[1, 3, 5, 7], &[2, 3, 4, 7, 9]), 2);
        // a subset has Szymkiewicz–Simpson overlap 1
        assert_eq!(overlap(&[3, 4], &b, OverlapIndex::SzymkiewiczSimpson), 1.0);
    }

    #[test]
    fn holders_count_shared_suppliers_like_the_merge() {
        let sets: [&[u32]; 4] = [&[1, 2, 3, 4], &[3, 4, 5, 6, 7, 8], &[], &[0, 9]];
        let h = Holders::new(sets);
        // By hand: {3, 4, 9} shares 2 with set 0, 2 with set 1, 1 with set 3.
        assert_eq!(h.shared_counts(&[3, 4, 9]), [(0, 2), (1, 2), (3, 1)]);
        assert_eq!(h.shared_counts(&[10, 11]), []);
        for a in sets {
            let want: Vec<(u32, u32)> =
                (0..4u32).map(|k| (k, intersect_len(a, sets[k as usize]) as u32)).filter(|&(_, n)| n > 0).collect();
            assert_eq!(h.shared_counts(a), want);
        }
    }
}
