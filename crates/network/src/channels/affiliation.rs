//! The affiliation channel: a focal firm is affiliated with a JV when the
//! focal firm's corporate group (`firms.group_id`) is the group of one of the
//! JV's domestic parents (`jv_links`). Weight 1 when affiliated, else 0; the
//! study's `SameGroup`. Time-invariant (`jv_links.dissolved` is not read).

use std::collections::{BTreeMap, BTreeSet};

use spillnet_io::Indexed;

use super::Firms;

/// The domestic-parent groups of every JV firm.
#[derive(Debug, Clone, Default)]
pub struct Affiliation<'a> {
    groups: BTreeMap<u32, BTreeSet<&'a str>>,
}

impl<'a> Affiliation<'a> {
    /// Read the domestic parents of every JV from `jv_links`.
    pub fn new(data: &Indexed, firms: &Firms<'a>) -> Self {
        let mut groups: BTreeMap<u32, BTreeSet<&str>> = BTreeMap::new();
        for l in &data.index().jv_links {
            groups.entry(l.jv).or_default().insert(firms.group[l.domestic as usize]);
        }
        Affiliation { groups }
    }

    /// Whether focal firm `focal` is affiliated with JV firm `jv`.
    pub fn affiliated(&self, firms: &Firms<'_>, focal: u32, jv: u32) -> bool {
        self.groups.get(&jv).is_some_and(|g| g.contains(firms.group[focal as usize]))
    }

    /// The channel weight: 1 when affiliated, else 0.
    pub fn weight(&self, firms: &Firms<'_>, focal: u32, jv: u32) -> f64 {
        f64::from(u8::from(self.affiliated(firms, focal, jv)))
    }
}
