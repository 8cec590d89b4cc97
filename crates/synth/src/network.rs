//! The real Chinese passenger-car JV network, as firms and JV links: parses
//! the shipped `data/sources/china_auto_jvs.csv` and `china_auto_own_brands.csv`
//! (embedded with `include_str!`, so the binary is self-contained), reconciles
//! parent names to ONE group id per parent, adds the study's JV list (SPEC §6:
//! 2014 sales, Changhe Suzuki) and the domestic model-producing firms.
//! Imports `io::tables`, `ids` and its sibling `synth` modules only.
//!
//! Conventions (documented in `data/sources/SOURCES.md`):
//! - A JV is *active* in year `t` when `founded ≤ t < dissolved`.
//! - A JV's `group_id` is the group of its lead (first listed) domestic parent,
//!   so SAIC-GM-Wuling belongs to SAIC, as SPEC §6 asks.
//! - `foreign_share` is the founding-time share of that foreign parent, parsed
//!   from `ownership_split` only when the row does not flag that cell as
//!   uncertain; otherwise null.

use std::collections::{BTreeMap, BTreeSet};

use super::SynthError;
use spillnet_io::ids::{FirmId, GroupId};
use spillnet_io::tables::{Firm, FirmKind, JvLink, Ownership};

/// The shipped JV list (public facts, one source URL per row).
pub const JVS_CSV: &str = include_str!("../../../data/sources/china_auto_jvs.csv");
/// The shipped list of domestic own brands.
pub const OWN_BRANDS_CSV: &str = include_str!("../../../data/sources/china_auto_own_brands.csv");
/// What the two source files are and how they are reconciled.
pub const SOURCES_MD: &str = include_str!("../../../data/sources/SOURCES.md");

/// Parse RFC 4180 CSV text (quoted fields, `""` escapes) into rows of fields.
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                _ => field.push(c),
            }
        } else {
            match c {
                '"' => in_quotes = true,
                ',' => row.push(std::mem::take(&mut field)),
                '\r' => {}
                '\n' => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                _ => field.push(c),
            }
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        rows.push(row);
    }
    rows
}

/// One parent found in a free-text parent cell, with the years it held its stake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParentRef {
    /// The parent firm (a group head for domestic parents).
    pub firm: &'static str,
    /// First year of the stake when the text says "from YYYY" or "YYYY-YYYY".
    pub from: Option<i32>,
    /// Year the stake ended when the text says "YYYY-YYYY".
    pub until: Option<i32>,
}

/// Keyword → domestic parent firm. Checked in order within each text segment.
const DOMESTIC_RULES: &[(&str, &str)] = &[
    ("SAIC", "SAIC"),
    ("FAW Xiali", "FAW_XIALI"),
    ("FAW", "FAW"),
    ("Hainan", "HAIMA"),
    ("Haima", "HAIMA"),
    ("Dongfeng", "DONGFENG"),
    ("Yueda", "YUEDA"),
    ("Sanjiang", "SANJIANG"),
    ("GAC", "GAC"),
    ("Guangzhou", "GAC"),
    ("Jiangling", "JIANGLING"),
    ("Changan", "CHANGAN"),
    ("BAIC", "BAIC"),
    ("Brilliance", "BRILLIANCE"),
    ("Chery", "CHERY"),
    ("Fujian", "FUJIAN"),
    ("Nanjing", "NANJING"),
    ("Yuejin", "NANJING"),
    ("Zotye", "ZOTYE"),
    ("BYD", "BYD"),
    ("JAC", "JAC"),
    ("Changhe", "CHANGHE"),
];

/// Keyword → foreign parent firm.
const FOREIGN_RULES: &[(&str, &str)] = &[
    ("Volkswagen", "VW"),
    ("General Motors", "GM"),
    ("Toyota", "TOYOTA"),
    ("Mazda", "MAZDA"),
    ("Nissan", "NISSAN"),
    ("Honda", "HONDA"),
    ("PSA", "PSA"),
    ("Peugeot", "PSA"),
    ("Kia", "KIA"),
    ("Renault", "RENAULT"),
    ("Fiat", "FIAT"),
    ("Mitsubishi", "MITSUBISHI"),
    ("Suzuki", "SUZUKI"),
    ("Ford", "FORD"),
    ("American Motors", "CHRYSLER"),
    ("Chrysler", "CHRYSLER"),
    ("Daimler", "DAIMLER"),
    ("Mercedes", "DAIMLER"),
    ("Hyundai", "HYUNDAI"),
    ("BMW", "BMW"),
    ("Jaguar Land Rover", "JLR"),
    ("Israel Corporation", "ISRAEL_CORP"),
    ("China Motor Corp", "CMC"),
];

fn years_in(s: &str) -> Vec<i32> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 4 <= b.len() {
        let w = &b[i..i + 4];
        let boundary_before = i == 0 || !b[i - 1].is_ascii_digit();
        let boundary_after = i + 4 == b.len() || !b[i + 4].is_ascii_digit();
        if w.iter().all(u8::is_ascii_digit) && boundary_before && boundary_after {
            if let Ok(y) = s[i..i + 4].parse::<i32>()
                && (1950..=2100).contains(&y)
            {
                out.push(y);
            }
            i += 4;
        } else {
            i += 1;
        }
    }
    out
}

/// Split a parent cell into segments (`;`, `+`, `/`, a parenthetical naming
/// another parent) and map each to the
/// parents named by `rules`, in text order without duplicates. A succession
/// written with `->` ("American Motors -> Chrysler -> DaimlerChrysler") is one
/// parent: only the part before the first arrow is read. "from YYYY" and
/// "YYYY-YYYY" in a segment bound the stake of the parent named there.
fn reconcile(text: &str, rules: &[(&str, &'static str)]) -> Vec<ParentRef> {
    let head = text.split("->").next().unwrap_or(text);
    let mut out: Vec<ParentRef> = Vec::new();
    // A parenthetical naming another parent ("Ford (Mazda 15% 2006-2012)")
    // is a segment of its own; other parentheticals ("(from 2006)") stay with
    // the parent before them.
    let segments = head.split([';', '+', '/']).flat_map(|seg| match seg.split_once('(') {
        Some((before, inside)) if rules.iter().any(|(kw, _)| inside.contains(kw)) => vec![before, inside],
        _ => vec![seg],
    });
    for seg in segments {
        for (kw, firm) in rules {
            if !seg.contains(kw) || out.iter().any(|p| p.firm == *firm) {
                continue;
            }
            let years = years_in(seg);
            let (from, until) = if seg.contains("from ") {
                (years.first().copied(), None)
            } else if years.len() >= 2 && seg.contains('-') {
                (Some(years[0]), Some(years[1]))
            } else {
                (None, None)
            };
            out.push(ParentRef { firm, from, until });
        }
    }
    out
}

/// Domestic parents named in a `domestic_parent_group` cell, reconciled to one
/// group-head firm per parent ("SAIC Motor (with Guangxi Auto/Wuling)" → SAIC,
/// "FAW Group / FAW Car" → FAW, "GAC Group + Dongfeng" → GAC, DONGFENG).
pub fn domestic_parents(text: &str) -> Vec<ParentRef> {
    reconcile(text, DOMESTIC_RULES)
}

/// Foreign parents named in a `foreign_parent` cell ("Ford (Mazda 15% 2006-2012)"
/// → FORD, MAZDA 2006–2012; "Volkswagen Group (VW AG + Audi AG + VW China)" → VW).
pub fn foreign_parents(text: &str) -> Vec<ParentRef> {
    reconcile(text, FOREIGN_RULES)
}

/// Year the JV stopped being a JV, from its `status` / `status_year` cells:
/// `Some(status_year)` when the status says dissolved, ended, exited, merged,
/// absorbed, became, terminated, bankrupt, control passed or acquired.
pub fn dissolved_year(status: &str, status_year: &str) -> Option<i32> {
    const ENDED: [&str; 10] = [
        "dissolved",
        "ended",
        "exited",
        "merged",
        "absorbed",
        "became",
        "terminated",
        "bankrupt",
        "control passed",
        "acquired",
    ];
    let s = status.to_lowercase();
    if ENDED.iter().any(|k| s.contains(k)) { status_year.trim().parse().ok() } else { None }
}

/// Founding-time equity share of `foreign` in an `ownership_split` cell, when clear:
/// "50:50" → 0.5; "Kia 50% / Dongfeng 25% / Yueda 25%" → 0.5 for KIA (sum of the
/// parts naming that parent); `None` when the split is not stated or names no part of it.
pub fn foreign_share(split: &str, foreign: &str) -> Option<f64> {
    // The founding split: before any "->" (later changes) or ";" (remarks).
    let first = split.split("->").next().unwrap_or(split);
    let first = first.split(';').next().unwrap_or(first).trim();
    if first.starts_with("50:50") {
        return Some(0.5);
    }
    let aliases: &[&str] = match foreign {
        "VW" => &["VW", "Audi", "Volkswagen"],
        "GM" => &["GM"],
        "TOYOTA" => &["Toyota"],
        "HONDA" => &["Honda"],
        "KIA" => &["Kia"],
        "RENAULT" => &["Renault"],
        "MITSUBISHI" => &["MMC", "Mitsubishi"],
        "DAIMLER" => &["Mercedes", "Daimler"],
        "FORD" => &["Ford"],
        "CMC" => &["CMC"],
        "MAZDA" => &["Mazda"],
        _ => &[],
    };
    let mut total = 0.0;
    let mut found = false;
    for part in first.split('/') {
        if !aliases.iter().any(|a| part.contains(a)) {
            continue;
        }
        let Some(pct) = part.find('%') else { continue };
        let num: String = part[..pct].chars().rev().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
        let num: String = num.chars().rev().collect();
        if let Ok(v) = num.parse::<f64>() {
            total += v;
            found = true;
        }
    }
    // Shares are whole or one-decimal percentages; round away binary noise (50.1 + … ).
    found.then(|| (total * 10.0).round() / 1000.0)
}

/// How a JV of the CSV enters the synthetic panel.
#[derive(Debug, Clone, Copy)]
struct JvCatalogue {
    /// Start of the CSV `jv_name`.
    csv_prefix: &'static str,
    /// Firm id of the JV.
    id: &'static str,
    /// Short display name (the study's spelling where it lists the JV).
    name: &'static str,
    /// First and last year with models in the 2001–2014 panel; `None`: no
    /// passenger models in the panel (export-only, vans, formed too late…).
    model_years: Option<(i32, i32)>,
    /// The study's 2014 sales, thousand units (SPEC §6); `None` when not listed.
    sales_2014: Option<f64>,
    /// Size weight (thousand units) for JVs the study does not list.
    weight: f64,
}

const JV_CATALOGUE: &[JvCatalogue] = &[
    JvCatalogue {
        csv_prefix: "SAIC Volkswagen",
        id: "SAIC_VW",
        name: "SAIC Volkswagen",
        model_years: Some((2001, 2014)),
        sales_2014: Some(1633.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "FAW-Volkswagen",
        id: "FAW_VW",
        name: "FAW-Volkswagen",
        model_years: Some((2001, 2014)),
        sales_2014: Some(1668.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "SAIC-GM (",
        id: "SAIC_GM",
        name: "SAIC-GM",
        model_years: Some((2001, 2014)),
        sales_2014: Some(1510.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "SAIC-GM-Wuling",
        id: "SGMW",
        name: "SAIC-GM-Wuling",
        model_years: Some((2003, 2014)),
        sales_2014: Some(154.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "FAW Toyota",
        id: "FAW_TOYOTA",
        name: "Tianjin FAW Toyota",
        model_years: Some((2002, 2014)),
        sales_2014: Some(568.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Sichuan FAW Toyota",
        id: "SICHUAN_FAW_TOYOTA",
        name: "Sichuan FAW Toyota",
        model_years: Some((2004, 2014)),
        sales_2014: None,
        weight: 60.0,
    },
    JvCatalogue {
        csv_prefix: "FAW Mazda",
        id: "FAW_MAZDA",
        name: "FAW Mazda",
        model_years: Some((2005, 2014)),
        sales_2014: Some(94.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Hainan Mazda",
        id: "HAINAN_MAZDA",
        name: "Hainan Mazda",
        model_years: Some((2001, 2005)),
        sales_2014: None,
        weight: 60.0,
    },
    JvCatalogue {
        csv_prefix: "Dongfeng Motor Co., Ltd.",
        id: "DF_NISSAN",
        name: "Dongfeng Nissan",
        model_years: Some((2004, 2014)),
        sales_2014: Some(920.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Dongfeng Honda",
        id: "DF_HONDA",
        name: "Dongfeng Honda",
        model_years: Some((2004, 2014)),
        sales_2014: Some(297.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Dongfeng Peugeot-Citroen",
        id: "DPCA",
        name: "Dongfeng Peugeot-Citroen",
        model_years: Some((2001, 2014)),
        sales_2014: Some(658.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Dongfeng Yueda Kia",
        id: "DYK",
        name: "Dongfeng Yueda Kia",
        model_years: Some((2004, 2014)),
        sales_2014: Some(562.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Dongfeng Renault",
        id: "DF_RENAULT",
        name: "Dongfeng Renault",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Sanjiang Renault",
        id: "SANJIANG_RENAULT",
        name: "Sanjiang Renault",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "GAC Honda",
        id: "GAC_HONDA",
        name: "GAC Honda",
        model_years: Some((2001, 2014)),
        sales_2014: Some(424.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Honda Automobile (China)",
        id: "HONDA_CHINA",
        name: "Honda Automobile (China)",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "GAC Toyota",
        id: "GAC_TOYOTA",
        name: "GAC Toyota",
        model_years: Some((2006, 2014)),
        sales_2014: Some(333.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "GAC Fiat Chrysler",
        id: "GAC_FIAT",
        name: "GAC Fiat",
        model_years: Some((2012, 2014)),
        sales_2014: Some(60.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "GAC Mitsubishi",
        id: "GAC_MITSUBISHI",
        name: "GAC Mitsubishi",
        model_years: Some((2013, 2014)),
        sales_2014: Some(49.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Guangzhou Peugeot",
        id: "GUANGZHOU_PEUGEOT",
        name: "Guangzhou Peugeot",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Changan Suzuki",
        id: "CHANGAN_SUZUKI",
        name: "Changan Suzuki",
        model_years: Some((2001, 2014)),
        sales_2014: Some(143.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Changan Ford",
        id: "CHANGAN_FORD",
        name: "Changan Ford",
        model_years: Some((2004, 2014)),
        sales_2014: Some(853.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Changan Mazda",
        id: "CHANGAN_MAZDA",
        name: "Changan Mazda",
        model_years: Some((2013, 2014)),
        sales_2014: None,
        weight: 60.0,
    },
    JvCatalogue {
        csv_prefix: "Changan PSA",
        id: "CHANGAN_PSA",
        name: "Changan PSA",
        model_years: Some((2014, 2014)),
        sales_2014: None,
        weight: 20.0,
    },
    JvCatalogue {
        csv_prefix: "Jiangling Motors (JMC)",
        id: "JIANGLING_FORD",
        name: "Jiangling Motors (Ford)",
        model_years: Some((2004, 2014)),
        sales_2014: Some(43.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Jiangling Ford Motor Technology",
        id: "JIANGLING_FORD_TECH",
        name: "Jiangling Ford Motor Technology",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Beijing Jeep",
        id: "BEIJING_JEEP",
        name: "Beijing Jeep",
        model_years: Some((2001, 2004)),
        sales_2014: None,
        weight: 80.0,
    },
    JvCatalogue {
        csv_prefix: "Beijing Benz",
        id: "BEIJING_BENZ",
        name: "Beijing Benz",
        model_years: Some((2005, 2014)),
        sales_2014: Some(147.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Beijing Hyundai",
        id: "BEIJING_HYUNDAI",
        name: "Beijing Hyundai",
        model_years: Some((2003, 2014)),
        sales_2014: Some(1067.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "BMW Brilliance",
        id: "BMW_BRILLIANCE",
        name: "BMW Brilliance",
        model_years: Some((2003, 2014)),
        sales_2014: Some(259.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Chery Jaguar Land Rover",
        id: "CHERY_JLR",
        name: "Chery Jaguar Land Rover",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Qoros Auto",
        id: "QOROS",
        name: "Qoros",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Soueast",
        id: "SOUEAST",
        name: "Soueast (Mitsubishi)",
        model_years: Some((2001, 2014)),
        sales_2014: Some(69.0),
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Nanjing Fiat",
        id: "NANJING_FIAT",
        name: "Nanjing Fiat",
        model_years: Some((2001, 2006)),
        sales_2014: None,
        weight: 60.0,
    },
    JvCatalogue {
        csv_prefix: "Zotye Ford",
        id: "ZOTYE_FORD",
        name: "Zotye Ford",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Denza",
        id: "DENZA",
        name: "Denza (BYD Daimler)",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
    JvCatalogue {
        csv_prefix: "Volkswagen Anhui",
        id: "VW_ANHUI",
        name: "Volkswagen Anhui (JAC Volkswagen)",
        model_years: None,
        sales_2014: None,
        weight: 0.0,
    },
];

/// Changhe Suzuki: on the study's JV list (SPEC §6, "Suzuki-Changhe 87",
/// formed 1994–2000) but not in `china_auto_jvs.csv`; added here.
const CHANGHE_SUZUKI: JvCatalogue = JvCatalogue {
    csv_prefix: "",
    id: "CHANGHE_SUZUKI",
    name: "Changhe Suzuki",
    model_years: Some((2001, 2014)),
    sales_2014: Some(87.0),
    weight: 0.0,
};

/// A domestic firm (group head or subsidiary): id, name, group, province, ownership.
type DomesticRow = (&'static str, &'static str, &'static str, &'static str, Ownership);

/// Domestic firms: group heads named as JV parents, their model-producing
/// subsidiaries (SPEC §6: FAW Xiali, FAW Jilin → FAW; Dongfeng Liuzhou →
/// Dongfeng; GAC Changfeng → GAC) and private firms without JVs in the panel.
const DOMESTIC_FIRMS: &[DomesticRow] = &[
    ("BAIC", "BAIC Group", "BAIC", "Beijing", Ownership::Soe),
    ("BAIC_MOTOR", "BAIC Motor (Senova)", "BAIC", "Beijing", Ownership::Soe),
    ("BRILLIANCE", "Brilliance China Automotive (Zhonghua)", "BRILLIANCE", "Liaoning", Ownership::Soe),
    ("BYD", "BYD Auto", "BYD", "Guangdong", Ownership::Private),
    ("CHANGAN", "Changan Automobile", "CHANGAN", "Chongqing", Ownership::Soe),
    ("CHANGHE", "Changhe Aircraft Industries (AVIC)", "CHANGHE", "Jiangxi", Ownership::Soe),
    ("CHERY", "Chery Automobile", "CHERY", "Anhui", Ownership::Soe),
    ("DF_LIUZHOU", "Dongfeng Liuzhou Motor", "DONGFENG", "Guangxi", Ownership::Soe),
    ("DF_PV", "Dongfeng Passenger Vehicle (Fengshen)", "DONGFENG", "Hubei", Ownership::Soe),
    ("DONGFENG", "Dongfeng Motor Group", "DONGFENG", "Hubei", Ownership::Soe),
    ("FAW", "FAW Group", "FAW", "Jilin", Ownership::Soe),
    ("FAW_CAR", "FAW Car (Hongqi, Besturn)", "FAW", "Jilin", Ownership::Soe),
    ("FAW_JILIN", "FAW Jilin Automobile", "FAW", "Jilin", Ownership::Soe),
    ("FAW_XIALI", "Tianjin FAW Xiali", "FAW", "Tianjin", Ownership::Soe),
    ("FUJIAN", "Fujian Motor Industry Group", "FUJIAN", "Fujian", Ownership::Soe),
    ("GAC", "GAC Group", "GAC", "Guangdong", Ownership::Soe),
    ("GAC_CHANGFENG", "GAC Changfeng Motor", "GAC", "Hunan", Ownership::Soe),
    ("GAC_MOTOR", "GAC Motor (Trumpchi)", "GAC", "Guangdong", Ownership::Soe),
    ("GEELY", "Geely Automobile", "GEELY", "Zhejiang", Ownership::Private),
    ("GREAT_WALL", "Great Wall Motor", "GREAT_WALL", "Hebei", Ownership::Private),
    ("HAIMA", "Haima Automobile (Hainan)", "HAIMA", "Hainan", Ownership::Soe),
    ("JAC", "JAC Group", "JAC", "Anhui", Ownership::Soe),
    ("JIANGLING", "Jiangling Motors Corp Group", "JIANGLING", "Jiangxi", Ownership::Soe),
    ("NANJING", "Nanjing Automobile (Yuejin) Group", "NANJING", "Jiangsu", Ownership::Soe),
    ("SAIC", "SAIC Motor", "SAIC", "Shanghai", Ownership::Soe),
    ("SAIC_PV", "SAIC Motor Passenger Vehicle (Roewe, MG)", "SAIC", "Shanghai", Ownership::Soe),
    ("SANJIANG", "China Aerospace Sanjiang Group", "SANJIANG", "Hubei", Ownership::Soe),
    ("YUEDA", "Jiangsu Yueda Group", "YUEDA", "Jiangsu", Ownership::Soe),
    ("ZOTYE", "Zotye Auto", "ZOTYE", "Zhejiang", Ownership::Private),
];

/// Foreign parents: id and display name.
const FOREIGN_FIRMS: &[(&str, &str)] = &[
    ("BMW", "BMW"),
    ("CHRYSLER", "American Motors / Chrysler"),
    ("CMC", "China Motor Corp (Taiwan)"),
    ("DAIMLER", "Daimler / Mercedes-Benz"),
    ("FIAT", "Fiat / FCA"),
    ("FORD", "Ford"),
    ("GM", "General Motors"),
    ("HONDA", "Honda"),
    ("HYUNDAI", "Hyundai Motor"),
    ("ISRAEL_CORP", "Israel Corporation (Quantum/Kenon)"),
    ("JLR", "Jaguar Land Rover"),
    ("KIA", "Kia"),
    ("MAZDA", "Mazda"),
    ("MITSUBISHI", "Mitsubishi Motors"),
    ("NISSAN", "Nissan"),
    ("PSA", "PSA Peugeot Citroen"),
    ("RENAULT", "Renault"),
    ("SUZUKI", "Suzuki"),
    ("TOYOTA", "Toyota"),
    ("VW", "Volkswagen Group"),
];

/// Whether a domestic model producer is affiliated with a JV (through its group).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DomesticClass {
    /// Its group is a domestic parent of a JV with models on the market.
    Affiliated,
    /// No JV of its group has models on the market.
    NonAffiliated,
}

/// Domestic model producers: id, first year with own-brand passenger models
/// in the panel, class, size weight, and the own brand(s) behind the year.
/// Years follow `china_auto_own_brands.csv` where it names the firm's brand
/// (launch year, floored at 2001; Zhonghua: 2003, its first full market year,
/// as Brilliance's JV BMW Brilliance starts then); the others are documented
/// assumptions (see `data/sources/SOURCES.md`).
const DOMESTIC_PRODUCERS: &[(&str, Option<&str>, i32, DomesticClass, f64)] = &[
    ("FAW_XIALI", None, 2001, DomesticClass::Affiliated, 2.0),
    ("FAW_CAR", Some("Hongqi (Red Flag)"), 2001, DomesticClass::Affiliated, 1.5),
    ("BRILLIANCE", Some("Zhonghua"), 2003, DomesticClass::Affiliated, 3.0),
    ("CHANGAN", None, 2005, DomesticClass::Affiliated, 3.0),
    ("DF_LIUZHOU", None, 2005, DomesticClass::Affiliated, 1.0),
    ("SAIC_PV", Some("Roewe"), 2006, DomesticClass::Affiliated, 1.5),
    ("DF_PV", Some("Dongfeng Fengshen (Aeolus)"), 2009, DomesticClass::Affiliated, 1.5),
    ("GAC_CHANGFENG", None, 2010, DomesticClass::Affiliated, 2.0),
    ("GAC_MOTOR", Some("Trumpchi (GAC Motor abroad)"), 2010, DomesticClass::Affiliated, 2.0),
    ("BAIC_MOTOR", Some("Senova (Shenbao)"), 2012, DomesticClass::Affiliated, 3.0),
    ("GEELY", None, 2001, DomesticClass::NonAffiliated, 5.0),
    ("CHERY", Some("Chery"), 2001, DomesticClass::NonAffiliated, 6.0),
    ("BYD", None, 2003, DomesticClass::NonAffiliated, 4.0),
    ("GREAT_WALL", None, 2005, DomesticClass::NonAffiliated, 3.0),
    ("HAIMA", Some("Haima"), 2006, DomesticClass::NonAffiliated, 2.0),
];

/// A JV that produces models in the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct JvProfile {
    /// The JV.
    pub id: FirmId,
    /// Its group (lead domestic parent's group).
    pub group: GroupId,
    /// Groups of all its domestic parents (for SameGroup).
    pub parent_groups: BTreeSet<GroupId>,
    /// First and last year with models.
    pub first_year: i32,
    /// Last year with models.
    pub last_year: i32,
    /// The study's 2014 sales in thousand units, when listed.
    pub sales_2014: Option<f64>,
    /// Size weight, thousand units (2014 sales or the documented stand-in).
    pub weight: f64,
}

/// A domestic firm that produces own-brand models in the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct DomesticProfile {
    /// The firm.
    pub id: FirmId,
    /// Its group.
    pub group: GroupId,
    /// First year with models.
    pub first_year: i32,
    /// Affiliated or not (constant over its years in the panel).
    pub class: DomesticClass,
    /// Relative size weight.
    pub weight: f64,
}

/// The real network: typed tables plus what the generator needs to know.
#[derive(Debug, Clone)]
pub struct Network {
    /// `firms`, sorted by id.
    pub firms: Vec<Firm>,
    /// `jv_links`, sorted by (jv_id, domestic_parent, foreign_parent).
    pub jv_links: Vec<JvLink>,
    /// JVs with models in the panel, sorted by id.
    pub jvs: Vec<JvProfile>,
    /// Domestic model producers, sorted by id.
    pub domestic: Vec<DomesticProfile>,
}

fn csv_error(row: usize, column: &str, message: String) -> SynthError {
    SynthError::Source { file: "china_auto_jvs.csv".into(), row, column: column.into(), message }
}

/// Build the network from the embedded source files.
pub fn build_network() -> Result<Network, SynthError> {
    let rows = parse_csv(JVS_CSV);
    let header = rows.first().ok_or_else(|| csv_error(0, "", "empty file".into()))?;
    let col = |name: &str| -> Result<usize, SynthError> {
        header.iter().position(|h| h == name).ok_or_else(|| csv_error(0, name, "missing column".into()))
    };
    let (c_name, c_dom, c_for, c_year, c_split, c_prov, c_status, c_status_year, c_unc) = (
        col("jv_name")?,
        col("domestic_parent_group")?,
        col("foreign_parent")?,
        col("year_established")?,
        col("ownership_split")?,
        col("hq_province")?,
        col("status")?,
        col("status_year")?,
        col("uncertain_cells")?,
    );
    let group_of: BTreeMap<&str, &str> = DOMESTIC_FIRMS.iter().map(|(id, _, g, _, _)| (*id, *g)).collect();
    let mut firms: BTreeMap<String, Firm> = BTreeMap::new();
    for (id, name, group, prov, own) in DOMESTIC_FIRMS {
        firms.insert(
            (*id).into(),
            Firm {
                firm_id: (*id).into(),
                name: (*name).into(),
                kind: FirmKind::Domestic,
                group_id: (*group).into(),
                province: Some((*prov).into()),
                ownership: *own,
            },
        );
    }
    for (id, name) in FOREIGN_FIRMS {
        firms.insert(
            (*id).into(),
            Firm {
                firm_id: (*id).into(),
                name: (*name).into(),
                kind: FirmKind::Foreign,
                group_id: (*id).into(),
                province: None,
                ownership: Ownership::Foreign,
            },
        );
    }
    let mut links = Vec::new();
    let mut jvs = Vec::new();
    let mut seen = BTreeSet::new();
    let mut add_jv = |cat: &JvCatalogue,
                      province: Option<String>,
                      doms: &[ParentRef],
                      fors: &[ParentRef],
                      founded: i32,
                      dissolved: Option<i32>,
                      shares: &dyn Fn(&str) -> Option<f64>,
                      firms: &mut BTreeMap<String, Firm>| {
        let lead = group_of.get(doms[0].firm).copied().unwrap_or(doms[0].firm);
        firms.insert(
            cat.id.into(),
            Firm {
                firm_id: cat.id.into(),
                name: cat.name.into(),
                kind: FirmKind::Jv,
                group_id: lead.into(),
                province,
                ownership: Ownership::Foreign,
            },
        );
        for d in doms {
            for f in fors {
                let from = d.from.into_iter().chain(f.from).max().unwrap_or(founded).max(founded);
                let until = [d.until, f.until, dissolved].into_iter().flatten().min();
                links.push(JvLink {
                    jv_id: cat.id.into(),
                    domestic_parent: d.firm.into(),
                    foreign_parent: f.firm.into(),
                    founded: from,
                    dissolved: until,
                    foreign_share: if f.from.is_some() { None } else { shares(f.firm) },
                });
            }
        }
        if let Some((first, last)) = cat.model_years {
            jvs.push(JvProfile {
                id: cat.id.into(),
                group: lead.into(),
                parent_groups: doms
                    .iter()
                    .map(|d| GroupId::from(group_of.get(d.firm).copied().unwrap_or(d.firm)))
                    .collect(),
                first_year: first,
                last_year: last,
                sales_2014: cat.sales_2014,
                weight: cat.sales_2014.unwrap_or(cat.weight),
            });
        }
    };
    for (r, row) in rows.iter().enumerate().skip(1) {
        if row.len() != header.len() {
            return Err(csv_error(r, "", format!("{} fields, expected {}", row.len(), header.len())));
        }
        let name = &row[c_name];
        let cat = JV_CATALOGUE
            .iter()
            .find(|c| name.starts_with(c.csv_prefix))
            .ok_or_else(|| csv_error(r, "jv_name", format!("JV `{name}` is not in the generator's catalogue")))?;
        if !seen.insert(cat.id) {
            return Err(csv_error(r, "jv_name", format!("JV `{name}` matches `{}` twice", cat.id)));
        }
        let doms = domestic_parents(&row[c_dom]);
        if doms.is_empty() {
            return Err(csv_error(r, "domestic_parent_group", format!("no known domestic parent in `{}`", row[c_dom])));
        }
        let fors = foreign_parents(&row[c_for]);
        if fors.is_empty() {
            return Err(csv_error(r, "foreign_parent", format!("no known foreign parent in `{}`", row[c_for])));
        }
        let founded: i32 = row[c_year]
            .trim()
            .parse()
            .map_err(|_| csv_error(r, "year_established", format!("not a year: `{}`", row[c_year])))?;
        let dissolved = dissolved_year(&row[c_status], &row[c_status_year]);
        let uncertain_split = row[c_unc].split(';').any(|c| c.trim() == "ownership_split");
        let split = row[c_split].clone();
        let shares = move |f: &str| if uncertain_split { None } else { foreign_share(&split, f) };
        let province = row[c_prov].split('/').next().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty());
        add_jv(cat, province, &doms, &fors, founded, dissolved, &shares, &mut firms);
    }
    let changhe_d = [ParentRef { firm: "CHANGHE", from: None, until: None }];
    let changhe_f = [ParentRef { firm: "SUZUKI", from: None, until: None }];
    add_jv(&CHANGHE_SUZUKI, Some("Jiangxi".into()), &changhe_d, &changhe_f, 1995, None, &|_| None, &mut firms);
    for l in &links {
        for p in [&l.domestic_parent, &l.foreign_parent] {
            if !firms.contains_key(p.as_str()) {
                return Err(SynthError::Network(format!("JV {} names parent {p} that has no firm row", l.jv_id)));
            }
        }
    }
    links.sort_by(|a, b| {
        (&a.jv_id, &a.domestic_parent, &a.foreign_parent).cmp(&(&b.jv_id, &b.domestic_parent, &b.foreign_parent))
    });
    jvs.sort_by(|a, b| a.id.cmp(&b.id));
    let brands = own_brand_years()?;
    let mut domestic = Vec::with_capacity(DOMESTIC_PRODUCERS.len());
    for (id, brand, first, class, weight) in DOMESTIC_PRODUCERS {
        // A named brand's launch year in the source file is a lower bound on
        // the firm's first model year (floored at the panel's 2001).
        let launch = match brand {
            Some(b) => match brands.get(*b) {
                Some(year) => *year,
                None => {
                    return Err(SynthError::Source {
                        file: "china_auto_own_brands.csv".into(),
                        row: 0,
                        column: "brand".into(),
                        message: format!("brand `{b}` of {id} is not in the file"),
                    });
                }
            },
            None => None,
        };
        domestic.push(DomesticProfile {
            id: (*id).into(),
            group: group_of.get(id).copied().unwrap_or(id).into(),
            first_year: launch.map_or(*first, |y| (*first).max(y)),
            class: *class,
            weight: *weight,
        });
    }
    domestic.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Network { firms: firms.into_values().collect(), jv_links: links, jvs, domestic })
}

/// Launch year of each own brand in `china_auto_own_brands.csv` (brand → year).
pub fn own_brand_years() -> Result<BTreeMap<String, Option<i32>>, SynthError> {
    let rows = parse_csv(OWN_BRANDS_CSV);
    let header = rows.first().cloned().unwrap_or_default();
    let pos = |n: &str| header.iter().position(|h| h == n);
    let (Some(b), Some(y)) = (pos("brand"), pos("launch_year")) else {
        return Err(SynthError::Source {
            file: "china_auto_own_brands.csv".into(),
            row: 0,
            column: "brand/launch_year".into(),
            message: "missing column".into(),
        });
    };
    Ok(rows.iter().skip(1).filter(|r| r.len() > y).map(|r| (r[b].clone(), r[y].trim().parse().ok())).collect())
}

/// Whether a JV is active in `year` (`founded ≤ year < dissolved`), from its links.
pub fn jv_active(links: &[JvLink], jv: &FirmId, year: i32) -> bool {
    links.iter().any(|l| &l.jv_id == jv && l.founded <= year && l.dissolved.is_none_or(|d| year < d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[ParentRef]) -> Vec<&str> {
        v.iter().map(|p| p.firm).collect()
    }

    #[test]
    fn csv_parser_handles_quotes_and_embedded_commas() {
        let rows = parse_csv("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\r\nlast,,z");
        assert_eq!(rows, [vec!["a", "b", "c"], vec!["x, y", "say \"hi\"", ""], vec!["last", "", "z"]]);
        let jvs = parse_csv(JVS_CSV);
        assert_eq!(jvs.len(), 38, "header + 37 JVs");
        assert!(jvs.iter().all(|r| r.len() == jvs[0].len()));
    }

    #[test]
    fn parent_names_reconcile_to_one_group_each() {
        assert_eq!(ids(&domestic_parents("SAIC Motor")), ["SAIC"]);
        assert_eq!(ids(&domestic_parents("SAIC Motor (with Guangxi Auto/Wuling)")), ["SAIC"]);
        assert_eq!(ids(&domestic_parents("FAW Group / FAW Car")), ["FAW"]);
        assert_eq!(
            ids(&domestic_parents("FAW Group (with FAW Xiali; originally Tianjin Automobile Industry Group)")),
            ["FAW", "FAW_XIALI"]
        );
        assert_eq!(ids(&domestic_parents("GAC Group + Dongfeng")), ["GAC", "DONGFENG"]);
        assert_eq!(ids(&domestic_parents("Guangzhou Automobile / Guangzhou government")), ["GAC"]);
        assert_eq!(ids(&domestic_parents("Dongfeng Motor + Jiangsu Yueda Group")), ["DONGFENG", "YUEDA"]);
        assert_eq!(ids(&domestic_parents("Beijing Automotive Works (BAIC)")), ["BAIC"]);
        assert_eq!(
            ids(&domestic_parents("Jiangling Motors Corp Group + Changan (via Jiangling Investment)")),
            ["JIANGLING", "CHANGAN"]
        );
        assert_eq!(ids(&domestic_parents("Nanjing Automobile (Yuejin) Group")), ["NANJING"]);
        let hainan = domestic_parents("Hainan provincial government; FAW from 1998");
        assert_eq!(
            hainan,
            [
                ParentRef { firm: "HAIMA", from: None, until: None },
                ParentRef { firm: "FAW", from: Some(1998), until: None }
            ]
        );
        assert!(domestic_parents("Tata Motors").is_empty());
    }

    #[test]
    fn foreign_parents_keep_successions_and_periods() {
        assert_eq!(ids(&foreign_parents("Volkswagen Group (VW AG + Audi AG + VW China)")), ["VW"]);
        assert_eq!(ids(&foreign_parents("American Motors -> Chrysler -> DaimlerChrysler")), ["CHRYSLER"]);
        assert_eq!(ids(&foreign_parents("Daimler / Mercedes-Benz Group")), ["DAIMLER"]);
        let ford = foreign_parents("Ford (Mazda 15% 2006-2012)");
        assert_eq!(ford[1], ParentRef { firm: "MAZDA", from: Some(2006), until: Some(2012) });
        let soueast = foreign_parents("China Motor Corp (Taiwan) + Mitsubishi Motors (from 2006)");
        assert_eq!(ids(&soueast), ["CMC", "MITSUBISHI"]);
        assert_eq!(soueast[1].from, Some(2006));
    }

    #[test]
    fn shares_and_dissolution_parse_when_clear() {
        assert_eq!(foreign_share("50:50", "NISSAN"), Some(0.5));
        assert_eq!(foreign_share("Kia 50% / Dongfeng 25% / Yueda 25%", "KIA"), Some(0.5));
        assert_eq!(foreign_share("SAIC 50.1% / GM 34% / Wuling 15.9% (at founding)", "GM"), Some(0.34));
        assert_eq!(foreign_share("GAC 50% / MMC 33% / Mitsubishi Corp 17%", "MITSUBISHI"), Some(0.5));
        assert_eq!(foreign_share("Ford 20% (1995) -> 30% (1998) -> >30% (2013)", "FORD"), Some(0.2));
        assert_eq!(foreign_share("BAIC 51% / Mercedes-Benz 49%", "DAIMLER"), Some(0.49));
        assert_eq!(foreign_share("50:50 -> BMW 75% / Brilliance 25% from 11 Feb 2022", "BMW"), Some(0.5));
        assert_eq!(foreign_share("not stated", "MAZDA"), None);
        assert_eq!(dissolved_year("dissolved (Suzuki returned stake)", "2018"), Some(2018));
        assert_eq!(dissolved_year("Mazda exited", "2006"), Some(2006));
        assert_eq!(dissolved_year("active", ""), None);
    }

    #[test]
    fn network_matches_the_study() {
        let net = build_network().unwrap();
        let jv_count = |t: i32| net.jvs.iter().filter(|j| j.first_year <= t && t <= j.last_year).count();
        assert_eq!(jv_count(2003), 15);
        assert_eq!(jv_count(2014), 25);
        let dom_count =
            |t: i32, c: DomesticClass| net.domestic.iter().filter(|d| d.first_year <= t && d.class == c).count();
        assert_eq!((dom_count(2003, DomesticClass::Affiliated), dom_count(2014, DomesticClass::Affiliated)), (3, 10));
        assert_eq!(
            (dom_count(2003, DomesticClass::NonAffiliated), dom_count(2014, DomesticClass::NonAffiliated)),
            (3, 5)
        );
        // Every JV with models is active (founded, not dissolved) in its model years.
        for j in &net.jvs {
            for t in j.first_year..=j.last_year {
                assert!(jv_active(&net.jv_links, &j.id, t), "{} inactive in {t}", j.id);
            }
        }
        // Affiliation class agrees with the JV network: affiliated firms' groups
        // are domestic parents of a JV with models that year, the others' are not.
        for d in &net.domestic {
            for t in d.first_year..=2014 {
                let aff =
                    net.jvs.iter().any(|j| j.first_year <= t && t <= j.last_year && j.parent_groups.contains(&d.group));
                assert_eq!(aff, d.class == DomesticClass::Affiliated, "{} in {t}", d.id);
            }
        }
        let sgmw = net.firms.iter().find(|f| f.firm_id.as_str() == "SGMW").unwrap();
        assert_eq!(sgmw.group_id.as_str(), "SAIC");
        let xiali = net.firms.iter().find(|f| f.firm_id.as_str() == "FAW_XIALI").unwrap();
        assert_eq!(xiali.group_id.as_str(), "FAW");
        // Own-brand launch years from china_auto_own_brands.csv set the first model years.
        let first = |id: &str| net.domestic.iter().find(|d| d.id.as_str() == id).unwrap().first_year;
        let brands = own_brand_years().unwrap();
        for (firm, brand) in [
            ("SAIC_PV", "Roewe"),
            ("DF_PV", "Dongfeng Fengshen (Aeolus)"),
            ("GAC_MOTOR", "Trumpchi (GAC Motor abroad)"),
            ("BAIC_MOTOR", "Senova (Shenbao)"),
            ("HAIMA", "Haima"),
        ] {
            assert_eq!(Some(first(firm)), brands[brand], "{firm}");
        }
        assert_eq!(first("FAW_CAR"), 2001, "Hongqi (1958) is on the market when the panel opens");
        let study_sales: f64 = net.jvs.iter().filter_map(|j| j.sales_2014).sum();
        assert_eq!(study_sales, 11598.0);
    }
}
