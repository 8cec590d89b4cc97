//! Exposure tables at scale: a seeded synthetic dataset of 5000 domestic and
//! 2000 JV firms over 20 years (models per firm and level on the command
//! line), built in code; prints the time of `compute_exposure`, the peak
//! memory (VmHWM of /proc/self/status) before and after it, the panel's size
//! and an FNV-1a hash of the panel (ids, years, every value's bits), so two
//! implementations can be compared bit for bit.
//!
//! ```sh
//! cargo build --release --workspace --example exposure_scale
//! target/release/examples/exposure_scale firm 1        # level, models per firm
//! target/release/examples/exposure_scale model 2 dense  # the dense reference
//! target/release/examples/exposure_scale firm 1 tenth pairs  # 500 × 200 firms, with the pair weights
//! ```
//!
//! The default channels (affiliation, worker flow, supplier overlap,
//! geography), raw weights, cumulative flows with lag 1. Results of runs are
//! in bench/runs/2026-12-02-sparse-exposure/.

use std::time::Instant;

use spillnet_io::Indexed;
use spillnet_io::ids::{FirmId, GroupId};
use spillnet_io::tables::{
    Dataset, Firm, FirmKind, JvLink, Model, Ownership, QualityScore, SupplierLink, SupplierTarget, WorkerMove,
};
use spillnet_network::exposure::measure::{ExposureConfig, ExposurePanel, Level, compute_exposure};

const PROVINCES: usize = 31;
const YEARS: std::ops::Range<i32> = 2000..2020;
const SUPPLIERS_PER_MODEL: usize = 8;

/// Firm counts, groups, suppliers and worker moves; [`Size::FULL`] or a tenth of it.
#[derive(Clone, Copy)]
struct Size {
    domestic: usize,
    jv: usize,
    foreign: usize,
    groups: usize,
    suppliers: usize,
    moves: usize,
}

impl Size {
    const FULL: Size = Size { domestic: 5000, jv: 2000, foreign: 200, groups: 500, suppliers: 3000, moves: 100_000 };
    const TENTH: Size = Size { domestic: 500, jv: 200, foreign: 20, groups: 50, suppliers: 300, moves: 10_000 };
}

/// SplitMix64: a seeded generator without dependencies.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn firm(id: String, kind: FirmKind, group: String, province: Option<String>) -> Firm {
    Firm {
        name: id.clone(),
        firm_id: FirmId(id),
        kind,
        group_id: GroupId(group),
        province,
        ownership: if kind == FirmKind::Foreign { Ownership::Foreign } else { Ownership::Soe },
    }
}

/// The synthetic dataset (seed 42): firms in groups and provinces, JVs with
/// one or two domestic parents, `models_per_firm` models per producer scored
/// on two dimensions in 90 % of their years, 8 suppliers per model, 100 000
/// worker moves between random firms.
fn dataset(size: Size, models_per_firm: usize) -> Dataset {
    let Size { domestic: n_dom, jv: n_jv, foreign: n_fgn, groups, suppliers, moves } = size;
    let mut rng = Rng(42);
    let mut ds = Dataset::default();
    let (dom, jv, fgn) = (|i| format!("D{i:05}"), |i| format!("J{i:05}"), |i| format!("F{i:04}"));
    let province = |rng: &mut Rng| (rng.below(20) > 0).then(|| format!("P{:02}", rng.below(PROVINCES)));
    for i in 0..n_dom {
        let p = province(&mut rng);
        ds.firms.push(firm(dom(i), FirmKind::Domestic, format!("G{:03}", rng.below(groups)), p));
    }
    for i in 0..n_jv {
        let p = province(&mut rng);
        ds.firms.push(firm(jv(i), FirmKind::Jv, jv(i), p));
        let mut parents = vec![rng.below(n_dom)];
        if rng.below(3) == 0 {
            parents.push(rng.below(n_dom));
        }
        parents.dedup();
        let foreign = fgn(rng.below(n_fgn));
        for d in parents {
            ds.jv_links.push(JvLink {
                jv_id: jv(i).into(),
                domestic_parent: dom(d).into(),
                foreign_parent: foreign.as_str().into(),
                founded: 1990 + rng.below(25) as i32,
                dissolved: None,
                foreign_share: Some(0.5),
            });
        }
    }
    for i in 0..n_fgn {
        ds.firms.push(firm(fgn(i), FirmKind::Foreign, fgn(i), None));
    }
    let producers: Vec<String> = (0..n_dom).map(dom).chain((0..n_jv).map(jv)).collect();
    for f in &producers {
        for m in 0..models_per_firm {
            let id = format!("{f}m{m}");
            ds.models.push(Model {
                model_id: id.as_str().into(),
                firm_id: f.as_str().into(),
                segment: format!("seg{}", rng.below(6)),
                first_year: YEARS.start,
                last_year: YEARS.end - 1,
                price: None,
                size: None,
                power: None,
            });
            for year in YEARS {
                if rng.below(10) == 0 {
                    continue;
                }
                for dim in ["a", "b"] {
                    ds.quality.push(QualityScore {
                        model_id: id.as_str().into(),
                        year,
                        dimension: dim.into(),
                        survey: None,
                        score: 5.0 + 2.0 * (rng.unit() - 0.5),
                        halves: None,
                    });
                }
            }
            let mut sup: Vec<usize> = (0..SUPPLIERS_PER_MODEL).map(|_| rng.below(suppliers)).collect();
            sup.sort_unstable();
            sup.dedup();
            for s in sup {
                ds.suppliers.push(SupplierLink {
                    supplier_id: format!("S{s:04}").into(),
                    target: SupplierTarget::Model(id.as_str().into()),
                    component: "c".into(),
                    year: None,
                });
            }
        }
    }
    let all = n_dom + n_jv + n_fgn;
    let name = |k: usize| {
        if k < n_dom {
            dom(k)
        } else if k < n_dom + n_jv {
            jv(k - n_dom)
        } else {
            fgn(k - n_dom - n_jv)
        }
    };
    for _ in 0..moves {
        let (a, b) = (rng.below(all), rng.below(all));
        if a == b {
            continue;
        }
        ds.worker_moves.push(WorkerMove {
            from_firm: name(a).into(),
            to_firm: name(b).into(),
            year: YEARS.start - 3 + rng.below(23) as i32,
            count: 1 + rng.below(4) as u64,
            person_id: None,
        });
    }
    ds
}

/// Peak resident memory so far, in MB (VmHWM).
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(f64::NAN);
    kb / 1024.0
}

/// FNV-1a over the panel: units, dimensions, years and the bits of every value.
fn panel_hash(p: &ExposurePanel) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    for r in 0..p.n_rows() {
        eat(p.unit[r].as_bytes());
        eat(p.dimension[r].as_bytes());
        eat(&p.year[r].to_le_bytes());
        for c in &p.values {
            eat(&c[r].to_bits().to_le_bytes());
        }
    }
    for z in &p.diagnostics.zero_weight_rows {
        eat(&z.to_le_bytes());
    }
    h
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let level = match args.first().map(String::as_str) {
        None | Some("firm") => Level::Firm,
        Some("model") => Level::Model,
        Some(other) => panic!("level `{other}`: expected firm or model"),
    };
    let models_per_firm: usize = args.get(1).map_or(1, |s| s.parse().expect("models per firm"));
    let flag = |f: &str| args.iter().skip(2).any(|a| a == f);
    let (dense, pairs) = (flag("dense"), flag("pairs"));
    let size = if flag("tenth") { Size::TENTH } else { Size::FULL };

    let start = Instant::now();
    let data = Indexed::new(dataset(size, models_per_firm)).expect("valid synthetic data");
    println!(
        "data: {} firms, {} models, {} quality rows, {} supplier links, {} worker moves; built in {:.2?}; peak {:.0} MB",
        data.firms.len(),
        data.models.len(),
        data.quality.len(),
        data.suppliers.len(),
        data.worker_moves.len(),
        start.elapsed(),
        peak_mb()
    );
    let cfg = ExposureConfig { level, pair_weights: pairs, ..ExposureConfig::default() };
    let start = Instant::now();
    let panel = if dense { reference(&data, &cfg) } else { compute_exposure(&data, &cfg).unwrap() };
    let elapsed = start.elapsed();
    println!(
        "exposure ({level:?} level{}): {} rows, {} focal units, {} JV units, zero-weight rows {:?}",
        if dense { ", dense reference" } else { "" },
        panel.n_rows(),
        panel.diagnostics.focal_units,
        panel.diagnostics.jv_units,
        panel.diagnostics.zero_weight_rows
    );
    if let Some(p) = &panel.pairs {
        println!("pair weights: {} pairs", p.focal.len());
    }
    println!("time {:.3} s; peak {:.0} MB; hash {:016x}", elapsed.as_secs_f64(), peak_mb(), panel_hash(&panel));
}

/// The dense reference computation.
fn reference(data: &Indexed, cfg: &ExposureConfig) -> ExposurePanel {
    spillnet_network::exposure::dense::compute_exposure_dense(data, cfg).unwrap()
}
