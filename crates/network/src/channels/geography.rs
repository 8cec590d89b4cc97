//! The geography channel: weight 1 when the focal firm and the JV firm have
//! the same province (both known), else 0; the study's `SameProv`.

use std::collections::BTreeMap;

use super::Firms;

/// Whether firms `a` and `b` are in the same known province.
pub fn same_province(firms: &Firms<'_>, a: u32, b: u32) -> bool {
    matches!((firms.province[a as usize], firms.province[b as usize]), (Some(x), Some(y)) if x == y)
}

/// The channel weight: 1 for the same known province, else 0.
pub fn weight(firms: &Firms<'_>, focal: u32, jv: u32) -> f64 {
    f64::from(u8::from(same_province(firms, focal, jv)))
}

/// The firms of each known province, ascending by firm number: the firms `b`
/// with [`same_province`]`(a, b)` are those listed under `a`'s province.
pub fn by_province<'a>(firms: &Firms<'a>) -> BTreeMap<&'a str, Vec<u32>> {
    let mut out: BTreeMap<&'a str, Vec<u32>> = BTreeMap::new();
    for (f, p) in firms.province.iter().enumerate() {
        if let Some(p) = p {
            out.entry(*p).or_default().push(f as u32);
        }
    }
    out
}
