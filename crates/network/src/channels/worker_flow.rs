//! The worker-flow channel: the number of workers who moved from the JV firm
//! to the focal firm (`worker_moves`, summed by firm pair and year), over a
//! [`Window`]. The exposure tables default to [`Window::Cumulative`] with lag
//! 1; the study's pair panel to [`Window::Pooled`] (its `WorkerFlow`).

use std::collections::BTreeMap;

use spillnet_io::Indexed;

/// Which years of moves count towards the weight in year `t`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Every year.
    Pooled,
    /// Years up to `t − lag`.
    Cumulative {
        /// The lag.
        lag: u32,
    },
    /// Year `t − lag` only.
    Annual {
        /// The lag.
        lag: u32,
    },
}

/// Workers by (from firm, to firm), per year.
#[derive(Debug, Clone, Default)]
pub struct WorkerFlow {
    by_pair: BTreeMap<(u32, u32), BTreeMap<i32, u64>>,
    /// Every firm that sent workers to a firm (any year), by receiving firm, ascending.
    sources: BTreeMap<u32, Vec<u32>>,
}

impl WorkerFlow {
    /// Sum `worker_moves` by (from firm, to firm, year), by firm number.
    pub fn new(data: &Indexed) -> Self {
        let mut by_pair: BTreeMap<(u32, u32), BTreeMap<i32, u64>> = BTreeMap::new();
        for (w, &[from, to]) in data.worker_moves.iter().zip(&data.index().moves) {
            *by_pair.entry((from, to)).or_default().entry(w.year).or_default() += w.count;
        }
        Self::from_pairs(by_pair)
    }

    fn from_pairs(by_pair: BTreeMap<(u32, u32), BTreeMap<i32, u64>>) -> Self {
        let mut sources: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        // Keys ascend by (from, to), so each list is ascending and distinct.
        for &(from, to) in by_pair.keys() {
            sources.entry(to).or_default().push(from);
        }
        WorkerFlow { by_pair, sources }
    }

    /// The firms that sent workers to firm `to` in some year, ascending: every
    /// firm `from` whose [`Self::weight`]`(from, to, ..)` can be nonzero (for
    /// any other firm it is `+0.0` in every window).
    pub fn sources(&self, to: u32) -> &[u32] {
        self.sources.get(&to).map_or(&[], Vec::as_slice)
    }

    /// The firms that received workers from firm `from` in some year,
    /// ascending: every firm `to` whose [`Self::weight`]`(from, to, ..)` can be nonzero.
    pub fn targets(&self, from: u32) -> impl Iterator<Item = u32> + '_ {
        self.by_pair.range((from, 0)..=(from, u32::MAX)).map(|(&(_, to), _)| to)
    }

    /// Every (from firm, to firm, year, workers), in index order.
    pub fn flows(&self) -> impl Iterator<Item = (u32, u32, i32, u64)> + '_ {
        self.by_pair.iter().flat_map(|(&(from, to), by_year)| by_year.iter().map(move |(&y, &c)| (from, to, y, c)))
    }

    /// Workers who moved from firm `from` to firm `to` in the window of year `t`.
    /// Counts are summed as integers, so the value is exact.
    pub fn weight(&self, from: u32, to: u32, t: i32, window: Window) -> f64 {
        let Some(by_year) = self.by_pair.get(&(from, to)) else { return 0.0 };
        let cut = |lag: u32| i64::from(t) - i64::from(lag);
        let total: u64 = match window {
            Window::Pooled => by_year.values().sum(),
            Window::Cumulative { lag } => {
                by_year.iter().filter(|(y, _)| i64::from(**y) <= cut(lag)).map(|(_, c)| c).sum()
            }
            Window::Annual { lag } => by_year.iter().filter(|(y, _)| i64::from(**y) == cut(lag)).map(|(_, c)| c).sum(),
        };
        total as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_by_hand() {
        let mut by_year = BTreeMap::new();
        by_year.insert(2000, 2);
        by_year.insert(2003, 5);
        by_year.insert(2005, 7);
        let f = WorkerFlow::from_pairs(BTreeMap::from([((1, 0), by_year)]));
        assert_eq!(f.weight(1, 0, 2005, Window::Pooled), 14.0);
        assert_eq!(f.weight(1, 0, 2005, Window::Cumulative { lag: 1 }), 7.0);
        assert_eq!(f.weight(1, 0, 2004, Window::Cumulative { lag: 0 }), 7.0);
        assert_eq!(f.weight(1, 0, 2004, Window::Annual { lag: 1 }), 5.0);
        assert_eq!(f.weight(0, 1, 2005, Window::Pooled), 0.0, "direction matters");
        assert_eq!(f.flows().collect::<Vec<_>>(), [(1, 0, 2000, 2), (1, 0, 2003, 5), (1, 0, 2005, 7)]);
        assert_eq!((f.sources(0), f.sources(1)), (&[1][..], &[][..]));
        assert_eq!((f.targets(1).collect::<Vec<_>>(), f.targets(0).count()), (vec![0], 0));
    }
}
