//! The affiliation channel: a focal firm is affiliated with a JV when the
//! focal firm's corporate group (`firms.group_id`) is the group of one of the
//! JV's domestic parents (`jv_links`). Weight 1 when affiliated, else 0; the
//! study's `SameGroup`.
//!
//! [`AffiliationMode`] says which links count: `ever` (the default, and what
//! the study uses: SPEC §4 defines SameGroup by the ownership ties, without
//! dates) counts every link whatever its dates, so affiliation is
//! time-invariant; `active` counts a link in year t only while it is active,
//! `founded ≤ t < dissolved` (an empty `dissolved` never ends it).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use spillnet_io::Indexed;

use super::Firms;

/// Which JV links make a firm affiliated in year t.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AffiliationMode {
    /// Every link, whatever its founding and dissolution years (the study's).
    #[default]
    Ever,
    /// A link only in the years it is active: `founded ≤ t < dissolved`.
    Active,
}

impl AffiliationMode {
    /// Command-line and run-file spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            AffiliationMode::Ever => "ever",
            AffiliationMode::Active => "active",
        }
    }
}

impl fmt::Display for AffiliationMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AffiliationMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ever" => Ok(AffiliationMode::Ever),
            "active" => Ok(AffiliationMode::Active),
            _ => Err(format!("unknown affiliation `{s}` (expected ever or active)")),
        }
    }
}

/// One domestic-parent link of a JV: the parent's group and the link's years.
#[derive(Debug, Clone, Copy)]
struct Link<'a> {
    group: &'a str,
    founded: i32,
    dissolved: Option<i32>,
}

/// The domestic-parent links of every JV firm.
#[derive(Debug, Clone, Default)]
pub struct Affiliation<'a> {
    links: BTreeMap<u32, Vec<Link<'a>>>,
    /// The JV firms with a domestic parent in each group (any link), ascending.
    by_group: BTreeMap<&'a str, Vec<u32>>,
    mode: AffiliationMode,
}

impl<'a> Affiliation<'a> {
    /// Read the domestic parents of every JV from `jv_links` (mode `ever`).
    pub fn new(data: &Indexed, firms: &Firms<'a>) -> Self {
        Self::with_mode(data, firms, AffiliationMode::Ever)
    }

    /// Read the domestic parents of every JV from `jv_links`, counting them per `mode`.
    pub fn with_mode(data: &Indexed, firms: &Firms<'a>, mode: AffiliationMode) -> Self {
        let mut links: BTreeMap<u32, Vec<Link<'a>>> = BTreeMap::new();
        for (row, l) in data.jv_links.iter().zip(&data.index().jv_links) {
            let group = firms.group[l.domestic as usize];
            links.entry(l.jv).or_default().push(Link { group, founded: row.founded, dissolved: row.dissolved });
        }
        let mut by_group: BTreeMap<&'a str, Vec<u32>> = BTreeMap::new();
        for (&jv, ls) in &links {
            for l in ls {
                by_group.entry(l.group).or_default().push(jv);
            }
        }
        by_group.values_mut().for_each(|v| v.dedup()); // JVs ascend; one JV may have two parents of a group
        Affiliation { links, by_group, mode }
    }

    /// The JV firms `focal` is affiliated with by some link, whatever its
    /// years (those where [`Self::affiliated`] holds), ascending.
    pub fn partners(&self, firms: &Firms<'_>, focal: u32) -> &[u32] {
        self.by_group.get(firms.group[focal as usize]).map_or(&[], Vec::as_slice)
    }

    /// Whether focal firm `focal` is affiliated with JV firm `jv` by some link, whatever its years.
    pub fn affiliated(&self, firms: &Firms<'_>, focal: u32, jv: u32) -> bool {
        let g = firms.group[focal as usize];
        self.links.get(&jv).is_some_and(|ls| ls.iter().any(|l| l.group == g))
    }

    /// Whether focal firm `focal` is affiliated with JV firm `jv` in `year`, per the mode.
    pub fn affiliated_in(&self, firms: &Firms<'_>, focal: u32, jv: u32, year: i32) -> bool {
        let g = firms.group[focal as usize];
        self.links.get(&jv).is_some_and(|ls| {
            ls.iter().any(|l| {
                l.group == g
                    && match self.mode {
                        AffiliationMode::Ever => true,
                        AffiliationMode::Active => l.founded <= year && l.dissolved.is_none_or(|d| year < d),
                    }
            })
        })
    }

    /// The channel weight: 1 when affiliated, else 0.
    pub fn weight(&self, firms: &Firms<'_>, focal: u32, jv: u32) -> f64 {
        f64::from(u8::from(self.affiliated(firms, focal, jv)))
    }
}
