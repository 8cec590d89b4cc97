//! The patent-flow channel (`patent_flow`): patents transferred or licensed
//! from the JV firm to the focal firm or to another firm of the focal firm's
//! corporate group (`patents`, both kinds, summed over the records' counts),
//! in years up to and including t. A licence to a group head counts for its
//! subsidiaries: the group receives the JV's technology on their behalf.
//!
//! Registered in [`super::BUILT_IN`] with [`present`]: on data without a
//! `patents` table (the shipped data/) the channel is absent — no exposure
//! column, no pair-panel column, no graph edges — so every output of such
//! data is that of a build without it.

use std::collections::BTreeMap;

use spillnet_io::Indexed;

use super::{ChannelDef, ChannelError, FirmChannel, Firms};

/// Name of the channel.
pub const NAME: &str = "patent_flow";

/// The registry entry.
pub const DEF: ChannelDef = ChannelDef {
    name: NAME,
    doc: "patents transferred or licensed from the JV firm to the focal firm's group, years ≤ t",
    build,
};

/// Whether the data carry the channel (a non-empty `patents` table).
pub fn present(data: &Indexed) -> bool {
    !data.patents.is_empty()
}

/// Patents by (from firm, to group), per year, cumulated over years.
#[derive(Debug, Clone, Default)]
pub struct PatentFlow {
    /// (from firm, receiving group) → (year, cumulative patents up to that year), years ascending.
    cumulative: BTreeMap<(u32, String), Vec<(i32, u64)>>,
    /// Group of each firm number.
    group: Vec<String>,
    /// Receiving group → (from firm, first year with patents), from ascending.
    by_group: BTreeMap<String, Vec<(u32, i32)>>,
}

impl PatentFlow {
    /// Sum `patents` by (from firm, receiving firm's group, year).
    pub fn new(data: &Indexed, firms: &Firms<'_>) -> Self {
        let mut by_year: BTreeMap<(u32, String), BTreeMap<i32, u64>> = BTreeMap::new();
        for p in &data.patents {
            let (Some(from), Some(to)) = (firms.ix(&p.from_firm), firms.ix(&p.to_firm)) else { continue };
            let g = firms.group[to as usize].to_owned();
            *by_year.entry((from, g)).or_default().entry(p.year).or_default() += p.count;
        }
        let cumulative = by_year
            .into_iter()
            .map(|(k, years)| {
                let mut acc = 0;
                (
                    k,
                    years
                        .into_iter()
                        .map(|(y, c)| {
                            acc += c;
                            (y, acc)
                        })
                        .collect(),
                )
            })
            .collect();
        Self::from_cumulative(cumulative, firms.group.iter().map(|g| (*g).to_owned()).collect())
    }

    fn from_cumulative(cumulative: BTreeMap<(u32, String), Vec<(i32, u64)>>, group: Vec<String>) -> Self {
        let mut by_group: BTreeMap<String, Vec<(u32, i32)>> = BTreeMap::new();
        for ((from, g), years) in &cumulative {
            by_group.entry(g.clone()).or_default().push((*from, years[0].0));
        }
        PatentFlow { cumulative, group, by_group }
    }

    /// The firms that transferred or licensed patents to the group of firm
    /// `to` in years ≤ `t`, ascending: every firm `from` with a nonzero
    /// [`Self::weight`]`(from, to, t)`.
    pub fn sources(&self, to: u32, t: i32) -> Vec<u32> {
        let Some(g) = self.group.get(to as usize) else { return Vec::new() };
        self.by_group.get(g).map_or_else(Vec::new, |v| v.iter().filter(|e| e.1 <= t).map(|e| e.0).collect())
    }

    /// Patents from firm `from` to the group of firm `to` in years ≤ `t`.
    pub fn weight(&self, from: u32, to: u32, t: i32) -> f64 {
        let Some(g) = self.group.get(to as usize) else { return 0.0 };
        let Some(v) = self.cumulative.get(&(from, g.clone())) else { return 0.0 };
        let k = v.partition_point(|(y, _)| *y <= t);
        if k == 0 { 0.0 } else { v[k - 1].1 as f64 }
    }
}

impl FirmChannel for PatentFlow {
    fn weight(&self, focal: u32, jv: u32, t: i32) -> f64 {
        PatentFlow::weight(self, jv, focal, t)
    }

    fn partners(&self, focal: u32, t: i32) -> Option<Vec<u32>> {
        Some(self.sources(focal, t))
    }
}

fn build<'a>(data: &'a Indexed, firms: &Firms<'a>) -> Result<Box<dyn FirmChannel + 'a>, ChannelError> {
    Ok(Box::new(PatentFlow::new(data, firms)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cumulative_weights_by_hand() {
        let mut cumulative = BTreeMap::new();
        cumulative.insert((3, "G".to_owned()), vec![(2003, 2), (2006, 7)]);
        let f = PatentFlow::from_cumulative(cumulative, vec!["G".into(), "G".into(), "H".into(), "J".into()]);
        assert_eq!(f.weight(3, 0, 2002), 0.0);
        assert_eq!(f.weight(3, 1, 2003), 2.0, "any firm of group G");
        assert_eq!(f.weight(3, 0, 2005), 2.0);
        assert_eq!(f.weight(3, 0, 2014), 7.0);
        assert_eq!(f.weight(3, 2, 2014), 0.0, "another group");
        assert_eq!(f.weight(0, 3, 2014), 0.0, "direction matters");
        assert_eq!((f.sources(0, 2002), f.sources(1, 2003), f.sources(2, 2014)), (vec![], vec![3], vec![]));
    }
}
