//! Generates the synthetic tables on top of the real network: models and
//! their segments, 19 quality scores per model-year with planted spillovers,
//! supplier links, LinkedIn-style worker moves and production. Imports
//! `io::tables`, `ids` and its sibling `synth` modules.
//!
//! Quality DGP (per year t, dimension k; see `truth.json` → `process`):
//! - JV relative strengths e^JV_jkt: iid N(0, σ²) draws projected off the
//!   model×year and segment×dimension×year fixed effects of the JV sample
//!   (two-way demeaning within each segment-year), so step 1 of the study's
//!   estimator returns them exactly.
//! - Domestic: e^D_ikt = Σ_{JV models j in t} t_ij e^JV_jkt + noise_ikt with
//!   raw weights t_ij = a·SG + b·SS + c·SG·SS + SS·(d·W + e·SG·W + f·S + g·SG·S)
//!   solved by [`super::estimand::solve_raw_weights`] so that the estimator's
//!   coefficients converge to the planted ones.
//! - Score = model×year level + segment×dimension×year pattern + e. For IQS
//!   dimensions score = −(defects per 100 vehicles in that dimension), so
//!   −Σ_iqs score is the model's total defects per 100 vehicles.

use std::collections::{BTreeMap, BTreeSet};

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calibrate::{self as cal, MoveKind, Scale};
use super::draws::{Stream, normal, rng};
use super::estimand::{self, Design, PairObs, Spec, Targets};
use super::network::{self, DomesticClass, Network};
use super::truth::{ChannelTruth, Count, DefectTruth, GENERATOR_VERSION, Param, Truth, YearCounts};
use super::{SynthError, SynthParams};
use spillnet_io::Indexed;
use spillnet_io::ids::{FirmId, GroupId, ModelId, SupplierId};
use spillnet_io::tables::{
    Dataset, FirmKind, Model, Production, QualityScore, SupplierLink, SupplierTarget, WorkerMove,
};

/// Index drawn with probability proportional to `w` (all ≥ 0, some > 0).
fn weighted(rng: &mut ChaCha8Rng, w: &[f64]) -> usize {
    let total: f64 = w.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, wi) in w.iter().enumerate() {
        if x < *wi {
            return i;
        }
        x -= wi;
    }
    w.iter().rposition(|v| *v > 0.0).unwrap_or(0)
}

/// Split `total` into integer shares proportional to `w` (largest remainder,
/// ties to the lower index). Each gets at least 1 when `total ≥ w.len()`;
/// otherwise the `total` largest weights get 1 each.
pub fn allocate(total: u32, w: &[f64]) -> Vec<u32> {
    let n = w.len();
    let mut out = vec![0_u32; n];
    if n == 0 || total == 0 {
        return out;
    }
    let mut order: Vec<usize> = (0..n).collect();
    if (total as usize) < n {
        order.sort_by(|&a, &b| w[b].total_cmp(&w[a]).then(a.cmp(&b)));
        for &i in order.iter().take(total as usize) {
            out[i] = 1;
        }
        return out;
    }
    out.fill(1);
    let rest = total - n as u32;
    let sw: f64 = w.iter().sum();
    let quota: Vec<f64> = w.iter().map(|x| if sw > 0.0 { x / sw * f64::from(rest) } else { 0.0 }).collect();
    let mut given = 0;
    for i in 0..n {
        let f = quota[i].floor() as u32;
        out[i] += f;
        given += f;
    }
    order.sort_by(|&a, &b| (quota[b] - quota[b].floor()).total_cmp(&(quota[a] - quota[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().take((rest - given) as usize) {
        out[i] += 1;
    }
    out
}

/// Model class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Class {
    Jv,
    Affiliated,
    NonAffiliated,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Jv => "jv",
            Class::Affiliated => "affiliated",
            Class::NonAffiliated => "non_affiliated",
        }
    }

    fn defects(self) -> cal::DefectPath {
        match self {
            Class::Jv => cal::JV_DEFECTS,
            Class::Affiliated => cal::AFFILIATED_DEFECTS,
            Class::NonAffiliated => cal::NON_AFFILIATED_DEFECTS,
        }
    }

    fn yearly(self) -> &'static [u32; cal::N_YEARS] {
        match self {
            Class::Jv => &cal::JV_MODELS,
            Class::Affiliated => &cal::AFFILIATED_MODELS,
            Class::NonAffiliated => &cal::NON_AFFILIATED_MODELS,
        }
    }
}

/// A model producer (JV or domestic firm).
#[derive(Debug, Clone)]
struct Producer {
    id: FirmId,
    group: GroupId,
    /// JV: groups of its domestic parents; domestic: empty.
    parent_groups: BTreeSet<GroupId>,
    class: Class,
    first: i32,
    last: i32,
    weight: f64,
    sales_2014: Option<f64>,
}

/// A generated model.
#[derive(Debug, Clone)]
struct ModelRec {
    id: ModelId,
    producer: usize,
    segment: usize,
    first: i32,
    last: i32,
}

fn producers(net: &Network) -> Vec<Producer> {
    let mut out: Vec<Producer> = net
        .jvs
        .iter()
        .map(|j| Producer {
            id: j.id.clone(),
            group: j.group.clone(),
            parent_groups: j.parent_groups.clone(),
            class: Class::Jv,
            first: j.first_year,
            last: j.last_year,
            // Concave in sales so that small JVs get more than one model.
            weight: j.weight.powf(0.6),
            sales_2014: j.sales_2014,
        })
        .collect();
    out.extend(net.domestic.iter().map(|d| Producer {
        id: d.id.clone(),
        group: d.group.clone(),
        parent_groups: BTreeSet::new(),
        class: match d.class {
            DomesticClass::Affiliated => Class::Affiliated,
            DomesticClass::NonAffiliated => Class::NonAffiliated,
        },
        first: d.first_year,
        last: cal::LAST_YEAR,
        weight: d.weight,
        sales_2014: None,
    }));
    out
}

/// Models per producer and year: the class totals split by weight.
fn yearly_targets(prods: &[Producer], scale: Scale) -> Vec<[u32; cal::N_YEARS]> {
    let mut out = vec![[0_u32; cal::N_YEARS]; prods.len()];
    for class in [Class::Jv, Class::Affiliated, Class::NonAffiliated] {
        for (yi, year) in (cal::FIRST_YEAR..=cal::LAST_YEAR).enumerate() {
            let active: Vec<usize> = (0..prods.len())
                .filter(|&p| prods[p].class == class && prods[p].first <= year && year <= prods[p].last)
                .collect();
            let w: Vec<f64> = active.iter().map(|&p| prods[p].weight).collect();
            let counts = allocate(scale.scale(class.yearly()[yi]), &w);
            for (&p, c) in active.iter().zip(counts) {
                out[p][yi] = c;
            }
        }
    }
    out
}

/// Models with lifetimes: each producer keeps exactly its yearly target on the
/// market, retiring models when their lifetime ends (oldest first when it shrinks).
fn generate_models(prods: &[Producer], targets: &[[u32; cal::N_YEARS]], seed: u64) -> Vec<ModelRec> {
    let mut r = rng(seed, Stream::Models);
    let mut models: Vec<ModelRec> = Vec::new();
    let (lo, hi) = cal::LIFETIME_YEARS;
    for (p, prod) in prods.iter().enumerate() {
        let shares = if prod.class == Class::Jv { &cal::JV_SEGMENT_SHARES } else { &cal::DOMESTIC_SEGMENT_SHARES };
        let mut active: Vec<(usize, i32)> = Vec::new(); // (model index, planned last year)
        let mut serial = 0;
        for year in prod.first.max(cal::FIRST_YEAR)..=prod.last.min(cal::LAST_YEAR) {
            let target = targets[p][(year - cal::FIRST_YEAR) as usize] as usize;
            active.retain(|&(m, planned)| {
                if planned < year {
                    models[m].last = planned;
                    false
                } else {
                    true
                }
            });
            while active.len() > target {
                let (m, _) = active.remove(0);
                models[m].last = year - 1;
            }
            while active.len() < target {
                let life = r.random_range(lo..=hi) as i32;
                // Models on the market when the panel opens are part-way through their life.
                let left = if year == cal::FIRST_YEAR.max(prod.first) && year == cal::FIRST_YEAR {
                    r.random_range(1..=life)
                } else {
                    life
                };
                serial += 1;
                models.push(ModelRec {
                    id: ModelId(format!("{}_M{serial:02}", prod.id)),
                    producer: p,
                    segment: weighted(&mut r, shares),
                    first: year,
                    last: year,
                });
                active.push((models.len() - 1, year + left - 1));
            }
        }
        let end = prod.last.min(cal::LAST_YEAR);
        for (m, planned) in active {
            models[m].last = planned.min(end);
        }
    }
    models
}

/// Supplier sets: which models have known suppliers and their (supplier, component) links.
struct SupplierDraw {
    links: Vec<(usize, usize, usize)>, // (model, supplier, component)
    n_suppliers: usize,
}

fn generate_suppliers(models: &[ModelRec], prods: &[Producer], scale: Scale, seed: u64) -> SupplierDraw {
    let mut r = rng(seed, Stream::Suppliers);
    let n_comp = cal::COMPONENTS.len();
    let n_suppliers = scale.scale(cal::SUPPLIERS) as usize;
    // Supplier s serves component s % n_comp; popularity ∝ 1/(rank+1)^α within its pool.
    let pools: Vec<Vec<usize>> = (0..n_comp).map(|c| (c..n_suppliers).step_by(n_comp).collect()).collect();
    let pop: Vec<Vec<f64>> =
        pools.iter().map(|p| (0..p.len()).map(|r| 1.0 / ((r + 1) as f64).powf(cal::SUPPLIER_ZIPF)).collect()).collect();
    // Each group's captive supplier per component.
    let groups: BTreeSet<&GroupId> = prods.iter().map(|p| &p.group).collect();
    let mut captive: BTreeMap<&GroupId, Vec<usize>> = BTreeMap::new();
    for g in groups {
        captive.insert(g, (0..n_comp).map(|c| pools[c][weighted(&mut r, &pop[c])]).collect());
    }
    // Which models have known suppliers.
    let coverage = (models.len() as f64 * cal::SUPPLIER_COVERAGE).round() as usize;
    let n_known = (scale.scale(cal::MODELS_WITH_SUPPLIERS) as usize).min(coverage);
    let mut order: Vec<usize> = (0..models.len()).collect();
    for i in 0..n_known {
        let j = r.random_range(i..order.len());
        order.swap(i, j);
    }
    let mut known: Vec<usize> = order[..n_known].to_vec();
    known.sort_unstable();
    let n_few = (scale.scale(cal::FEW_SUPPLIER_MODELS) as usize).min(n_known);
    let mut few: BTreeSet<usize> = BTreeSet::new();
    while few.len() < n_few {
        few.insert(known[r.random_range(0..known.len())]);
    }
    let mut links = Vec::new();
    for &m in &known {
        let k = if few.contains(&m) {
            r.random_range(1..=4)
        } else {
            (cal::MEAN_PARTS + cal::PARTS_SD * normal(&mut r)).round().clamp(8.0, n_comp as f64) as usize
        };
        let mut comps: Vec<usize> = (0..n_comp).collect();
        for i in 0..k {
            let j = r.random_range(i..n_comp);
            comps.swap(i, j);
        }
        let mut comps = comps[..k].to_vec();
        comps.sort_unstable();
        let group = &prods[models[m].producer].group;
        for c in comps {
            let s = if r.random::<f64>() < cal::CAPTIVE_SHARE {
                captive[group][c]
            } else {
                pools[c][weighted(&mut r, &pop[c])]
            };
            links.push((m, s, c));
        }
    }
    // Every supplier appears at least once: an unused supplier takes over one
    // link of its component from the most-used supplier of that component.
    let mut uses = vec![0_usize; n_suppliers];
    for &(_, s, _) in &links {
        uses[s] += 1;
    }
    for s in 0..n_suppliers {
        if uses[s] > 0 || links.is_empty() {
            continue;
        }
        let c = s % n_comp;
        let best = links
            .iter()
            .enumerate()
            .filter(|(_, l)| l.2 == c && uses[l.1] > 1)
            .max_by(|a, b| uses[a.1.1].cmp(&uses[b.1.1]).then(b.0.cmp(&a.0)))
            .map(|(i, _)| i);
        if let Some(i) = best {
            uses[links[i].1] -= 1;
            links[i].1 = s;
            uses[s] += 1;
        }
    }
    SupplierDraw { links, n_suppliers }
}

/// One generated person-level move.
struct MoveDraw {
    from: FirmId,
    to: FirmId,
    year: i32,
}

fn generate_moves(net: &Network, prods: &[Producer], scale: Scale, seed: u64) -> Vec<MoveDraw> {
    let mut r = rng(seed, Stream::Moves);
    let years: Vec<i32> = (cal::FIRST_YEAR..=cal::LAST_YEAR).collect();
    let year_w: Vec<f64> = years.iter().map(|y| cal::MOVE_GROWTH.powi(y - cal::FIRST_YEAR)).collect();
    let jvs_in = |t: i32| -> Vec<usize> {
        (0..prods.len()).filter(|&p| prods[p].class == Class::Jv && prods[p].first <= t && t <= prods[p].last).collect()
    };
    let doms_in = |t: i32| -> Vec<usize> {
        (0..prods.len()).filter(|&p| prods[p].class != Class::Jv && prods[p].first <= t && t <= prods[p].last).collect()
    };
    let foreign_in = |t: i32| -> Vec<FirmId> {
        let with_models: BTreeSet<&FirmId> = jvs_in(t).into_iter().map(|p| &prods[p].id).collect();
        let set: BTreeSet<FirmId> =
            net.jv_links.iter().filter(|l| with_models.contains(&l.jv_id)).map(|l| l.foreign_parent.clone()).collect();
        set.into_iter().collect()
    };
    let pick = |r: &mut ChaCha8Rng, cands: &[usize], exclude: Option<usize>| -> Option<usize> {
        let c: Vec<usize> = cands.iter().copied().filter(|&p| Some(p) != exclude).collect();
        if c.is_empty() {
            return None;
        }
        let w: Vec<f64> = c.iter().map(|&p| prods[p].weight).collect();
        Some(c[weighted(r, &w)])
    };
    let mut out = Vec::new();
    for (kind, n) in cal::MOVES {
        let n = scale.scale(n);
        let n_partner =
            if kind == MoveKind::JvToDomestic { (f64::from(n) * cal::PARTNER_SHARE).round() as u32 } else { 0 };
        let mut made = 0;
        while made < n {
            let year = years[weighted(&mut r, &year_w)];
            let (jv, dom) = (jvs_in(year), doms_in(year));
            let pair: Option<(FirmId, FirmId)> = match kind {
                MoveKind::JvToJv => pick(&mut r, &jv, None)
                    .and_then(|a| pick(&mut r, &jv, Some(a)).map(|b| (prods[a].id.clone(), prods[b].id.clone()))),
                MoveKind::DomesticToDomestic => pick(&mut r, &dom, None)
                    .and_then(|a| pick(&mut r, &dom, Some(a)).map(|b| (prods[a].id.clone(), prods[b].id.clone()))),
                MoveKind::DomesticToJv => pick(&mut r, &dom, None)
                    .and_then(|a| pick(&mut r, &jv, None).map(|b| (prods[a].id.clone(), prods[b].id.clone()))),
                MoveKind::JvToDomestic => pick(&mut r, &jv, None).and_then(|a| {
                    let partner = made < n_partner;
                    let dests: Vec<usize> = dom
                        .iter()
                        .copied()
                        .filter(|&d| prods[a].parent_groups.contains(&prods[d].group) == partner)
                        .collect();
                    pick(&mut r, &dests, None).map(|b| (prods[a].id.clone(), prods[b].id.clone()))
                }),
                MoveKind::ForeignToJv
                | MoveKind::JvToForeign
                | MoveKind::ForeignToDomestic
                | MoveKind::DomesticToForeign => {
                    let foreign = foreign_in(year);
                    if foreign.is_empty() {
                        None
                    } else {
                        let f = foreign[r.random_range(0..foreign.len())].clone();
                        let side =
                            if matches!(kind, MoveKind::ForeignToJv | MoveKind::JvToForeign) { &jv } else { &dom };
                        pick(&mut r, side, None).map(|p| {
                            if matches!(kind, MoveKind::ForeignToJv | MoveKind::ForeignToDomestic) {
                                (f, prods[p].id.clone())
                            } else {
                                (prods[p].id.clone(), f)
                            }
                        })
                    }
                }
            };
            if let Some((from, to)) = pair {
                out.push(MoveDraw { from, to, year });
                made += 1;
            }
        }
    }
    out.sort_by(|a, b| (a.year, &a.from, &a.to).cmp(&(b.year, &b.from, &b.to)));
    out
}

fn mean_sd(v: impl Iterator<Item = f64> + Clone) -> (f64, f64, u64) {
    let n = v.clone().count();
    if n == 0 {
        return (0.0, 0.0, 0);
    }
    let mean = v.clone().sum::<f64>() / n as f64;
    let var = v.map(|x| (x - mean) * (x - mean)).sum::<f64>() / n as f64;
    (mean, var.sqrt(), n as u64)
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let f = 10_f64.powi(decimals);
    let y = (x * f).round() / f;
    if y == 0.0 { 0.0 } else { y }
}

/// Generate a synthetic dataset and the record of what it plants.
///
/// Same parameters → identical dataset and truth (bit for bit). The tables
/// are validated and indexed as loaded data is ([`Indexed::new`]).
pub fn generate(params: &SynthParams) -> Result<(Indexed, Truth), SynthError> {
    params.validate()?;
    let seed = params.seed;
    let scale = params.scale;
    let net = network::build_network()?;
    let prods = producers(&net);
    let targets = yearly_targets(&prods, scale);
    let models = generate_models(&prods, &targets, seed);
    let sup = generate_suppliers(&models, &prods, scale, seed);
    let moves = generate_moves(&net, &prods, scale, seed);
    let n_dims = cal::DIMENSIONS.len();

    // Channel measures: worker flow JV g → domestic firm f pooled over years;
    // supplier sets per model.
    let mut flow: BTreeMap<(&FirmId, &FirmId), f64> = BTreeMap::new();
    for m in &moves {
        *flow.entry((&m.from, &m.to)).or_default() += 1.0;
    }
    let mut sets: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); models.len()];
    let mut parts = vec![0_usize; models.len()];
    for &(m, s, _) in &sup.links {
        sets[m].insert(s);
        parts[m] += 1;
    }
    let by_year = |class_jv: bool, t: i32| -> Vec<usize> {
        (0..models.len())
            .filter(|&m| {
                (prods[models[m].producer].class == Class::Jv) == class_jv
                    && models[m].first <= t
                    && t <= models[m].last
            })
            .collect()
    };
    // Pairs (raw channel values first, z-scores below).
    let mut pairs: Vec<PairObs> = Vec::new();
    let mut raw_w: Vec<f64> = Vec::new();
    let mut raw_s: Vec<Option<f64>> = Vec::new();
    for t in cal::FIRST_YEAR..=cal::LAST_YEAR {
        let (jv, dom) = (by_year(true, t), by_year(false, t));
        for &d in &dom {
            let pd = &prods[models[d].producer];
            for &j in &jv {
                let pj = &prods[models[j].producer];
                let s = (sets[d].len() >= 5 && sets[j].len() >= 5)
                    .then(|| sets[d].intersection(&sets[j]).count() as f64 / sets[d].len().min(sets[j].len()) as f64);
                raw_w.push(flow.get(&(&pj.id, &pd.id)).copied().unwrap_or(0.0));
                raw_s.push(s);
                pairs.push(PairObs {
                    year: t,
                    dom: d,
                    jv: j,
                    dom_seg: models[d].segment,
                    jv_seg: models[j].segment,
                    same_group: pj.parent_groups.contains(&pd.group),
                    worker_z: 0.0,
                    supplier_z: None,
                    brand_z: None,
                    years0: None,
                });
            }
        }
    }
    let (w_mean, w_sd, _) = mean_sd(raw_w.iter().copied());
    let (s_mean, s_sd, _) = mean_sd(raw_s.iter().flatten().copied());
    for (k, p) in pairs.iter_mut().enumerate() {
        p.worker_z = if w_sd > 0.0 { (raw_w[k] - w_mean) / w_sd } else { 0.0 };
        p.supplier_z = raw_s[k].map(|s| if s_sd > 0.0 { (s - s_mean) / s_sd } else { 0.0 });
    }
    // Brand association (only when a brand slope is planted: drawn from the
    // evidence's own stream, the same rows `evidence::generate` writes).
    let brands = (params.brand_slope != 0.0).then(|| super::evidence::draw_brands(&net.jv_links, seed));
    if let Some(rows) = &brands {
        let assoc = super::evidence::PairAssociation::new(rows, &net.firms, &net.jv_links);
        let raw: Vec<Option<f64>> = pairs
            .iter()
            .map(|p| {
                let (pd, pj) = (&prods[models[p.dom].producer], &prods[models[p.jv].producer]);
                p.same_seg().then(|| assoc.value(&pd.id, &pj.id)).flatten()
            })
            .collect();
        let z = super::evidence::standardise(&raw);
        for (p, z) in pairs.iter_mut().zip(z) {
            p.brand_z = z;
        }
    }
    // Growth of the affiliated spillover with years since the firm pair's year 0.
    let producer_of: Vec<usize> = models.iter().map(|m| m.producer).collect();
    let event = if params.spillover_growth != 0.0 {
        let ev = super::further::EventDesign::new(&pairs, &producer_of).ok_or_else(|| {
            SynthError::Param(
                "spillover_growth: no affiliated same-segment pair outside its firm pair's year 0 on this design"
                    .into(),
            )
        })?;
        for (p, e) in pairs.iter_mut().zip(&ev.years0) {
            p.years0 = *e;
        }
        Some(ev)
    } else {
        None
    };
    let mut design = Design::new(pairs);
    // Within-JV-firm similarity: the variance c² of the firm pattern that makes the JV sum's estimand S.
    let jv_similarity = if params.jv_similarity != 0.0 {
        let by_year: Vec<(i32, Vec<super::further::JvModel>)> = (cal::FIRST_YEAR..=cal::LAST_YEAR)
            .map(|t| (t, by_year(true, t).into_iter().map(|j| (j, models[j].producer, models[j].segment)).collect()))
            .collect();
        let mut jv_models: Vec<usize> =
            (0..models.len()).filter(|&m| prods[models[m].producer].class == Class::Jv).collect();
        jv_models.sort_by(|a, b| models[*a].id.cmp(&models[*b].id));
        let split = super::further::split_leaders(jv_models.len(), super::further::BENCHMARK_SPLIT_SEED);
        let leaders: BTreeSet<usize> = jv_models.iter().zip(&split).filter(|x| *x.1).map(|x| *x.0).collect();
        let sim = super::further::JvSimilarity::new(&by_year, Some(&|m| leaders.contains(&m)));
        let c2 = sim.solve(params.jv_similarity).ok_or_else(|| {
            SynthError::Param(format!(
                "jv_similarity = {} is out of reach on this design: the JV sum without a firm pattern is {:.4} \
                 (NaN: the benchmark's split of seed {} has no same-firm same-segment or no other-firm \
                 other-segment follower-leader pair; try --scale paper or another seed)",
                params.jv_similarity,
                sim.jv_sum(0.0),
                super::further::BENCHMARK_SPLIT_SEED
            ))
        })?;
        let extra = design.pairs.iter().map(|p| c2 * sim.factor_variance[&(p.jv, p.year)]).collect();
        design.set_jv_extra_variance(extra);
        Some((sim, c2))
    } else {
        None
    };
    let planted = Targets {
        headline: params.rho,
        same_group: params.gamma_same_group,
        mechanism: [
            params.theta_worker,
            params.theta_worker_same_group,
            params.theta_supplier,
            params.theta_supplier_same_group,
        ],
        brand: brands.as_ref().map(|_| params.brand_slope),
        growth_raw: 0.0,
    };
    let (coef, calibration, growth) = match &event {
        None => {
            let (c, cal) = estimand::solve_raw_weights(&design, &planted);
            (c, cal, None)
        }
        Some(ev) => {
            // The event slope's estimand is affine in the growth term's raw coefficient (the
            // others re-solved to keep their targets): two evaluations give the one that hits g.
            let slope_at = |g: f64| {
                let (c, cal) = estimand::solve_raw_weights(&design, &Targets { growth_raw: g, ..planted });
                let s = ev.slope(&design, &design.centred(&c));
                (c, cal, s)
            };
            let (_, _, s0) = slope_at(0.0);
            let (_, _, s1) = slope_at(1.0);
            let (Some((s0, _)), Some((s1, _))) = (s0, s1) else {
                return Err(SynthError::Param("spillover_growth: the event study's design is singular".into()));
            };
            let raw = (params.spillover_growth - s0) / (s1 - s0);
            let (c, cal, s) = slope_at(raw);
            let (slope, bins) = s.unwrap_or((f64::NAN, Vec::new()));
            (c, cal, Some((raw, slope, bins)))
        }
    };

    // Quality.
    let mut lv = rng(seed, Stream::Levels);
    let mut st = rng(seed, Stream::Strengths);
    let mut nz = rng(seed, Stream::Noise);
    let mut fp = rng(seed, Stream::JvFirmPattern);
    let level_dev: Vec<f64> = models.iter().map(|_| cal::MODEL_LEVEL_SD * normal(&mut lv)).collect();
    let mut quality: Vec<QualityScore> = Vec::new();
    let mut pair_cursor = 0;
    let n_iqs = cal::DIMENSIONS.iter().filter(|d| d.survey == "iqs").count();
    let mut defect_sums: BTreeMap<(Class, i32), (f64, f64)> = BTreeMap::new();
    for t in cal::FIRST_YEAR..=cal::LAST_YEAR {
        let (jv, dom) = (by_year(true, t), by_year(false, t));
        // Segment×dimension×year pattern; sums to zero within each survey.
        let mut pattern = vec![vec![0.0; n_dims]; cal::SEGMENTS.len()];
        let d_bar = cal::JV_DEFECTS.at(t);
        let a_bar = cal::apeal_index(t);
        for row in pattern.iter_mut() {
            for survey in ["iqs", "apeal"] {
                let idx: Vec<usize> = (0..n_dims).filter(|&k| cal::DIMENSIONS[k].survey == survey).collect();
                let draws: Vec<f64> = idx.iter().map(|_| cal::PATTERN_SD * normal(&mut lv)).collect();
                let mean = draws.iter().sum::<f64>() / draws.len() as f64;
                let (total, n) = if survey == "iqs" { (d_bar, n_iqs) } else { (a_bar, idx.len()) };
                for (k, x) in idx.iter().zip(&draws) {
                    let share = cal::DIMENSIONS[*k].share - 1.0 / n as f64;
                    row[*k] = share * total + x - mean;
                }
            }
        }
        // JV strengths, projected off model×year and segment×dimension×year means.
        let mut e_jv: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for &j in &jv {
            e_jv.insert(j, (0..n_dims).map(|_| cal::JV_STRENGTH_SD * normal(&mut st)).collect());
        }
        for seg in 0..cal::SEGMENTS.len() {
            let rows: Vec<usize> = jv.iter().copied().filter(|&j| models[j].segment == seg).collect();
            if rows.is_empty() {
                continue;
            }
            let row_mean: Vec<f64> = rows.iter().map(|j| e_jv[j].iter().sum::<f64>() / n_dims as f64).collect();
            let col_mean: Vec<f64> =
                (0..n_dims).map(|k| rows.iter().map(|j| e_jv[j][k]).sum::<f64>() / rows.len() as f64).collect();
            let grand = row_mean.iter().sum::<f64>() / rows.len() as f64;
            for (r, j) in rows.iter().enumerate() {
                let v = e_jv.get_mut(j).expect("row exists");
                for k in 0..n_dims {
                    v[k] = v[k] - row_mean[r] - col_mean[k] + grand;
                }
            }
        }
        // Domestic strengths: Σ_j t_ij e^JV_jk + noise (pairs are in (d, j) order).
        let mut e_dom: BTreeMap<usize, Vec<f64>> = BTreeMap::new();
        for &d in &dom {
            let mut v: Vec<f64> = (0..n_dims).map(|_| cal::DOMESTIC_NOISE_SD * normal(&mut nz)).collect();
            for &j in &jv {
                let p = &design.pairs[pair_cursor];
                debug_assert!(p.dom == d && p.jv == j && p.year == t);
                pair_cursor += 1;
                let w = estimand::raw_weight(p, &coef);
                if w != 0.0 {
                    for k in 0..n_dims {
                        v[k] += w * e_jv[&j][k];
                    }
                }
            }
            e_dom.insert(d, v);
        }
        // Planted within-JV-firm pattern, added to the JV models' own strengths only (the
        // domestic ones above load on the draws e_jv, see `further`).
        if let Some((_, c2)) = &jv_similarity {
            let c = c2.sqrt();
            let mut firms: Vec<usize> = jv.iter().map(|&j| models[j].producer).collect();
            firms.sort_unstable();
            firms.dedup();
            let v: BTreeMap<usize, Vec<f64>> = firms
                .into_iter()
                .map(|f| (f, (0..n_dims).map(|_| cal::JV_STRENGTH_SD * normal(&mut fp)).collect()))
                .collect();
            for seg in 0..cal::SEGMENTS.len() {
                let rows: Vec<usize> = jv.iter().copied().filter(|&j| models[j].segment == seg).collect();
                if rows.is_empty() {
                    continue;
                }
                let raw: Vec<&Vec<f64>> = rows.iter().map(|j| &v[&models[*j].producer]).collect();
                let row_mean: Vec<f64> = raw.iter().map(|x| x.iter().sum::<f64>() / n_dims as f64).collect();
                let col_mean: Vec<f64> =
                    (0..n_dims).map(|k| raw.iter().map(|x| x[k]).sum::<f64>() / rows.len() as f64).collect();
                let grand = row_mean.iter().sum::<f64>() / rows.len() as f64;
                for (r, j) in rows.iter().enumerate() {
                    let e = e_jv.get_mut(j).expect("row exists");
                    for k in 0..n_dims {
                        e[k] += c * (raw[r][k] - row_mean[r] - col_mean[k] + grand);
                    }
                }
            }
        }
        // Model-year defect factors, normalised to mean 1 within each class and
        // year so that class means follow the calibrated paths exactly.
        let factor: Vec<(usize, Class, f64)> = jv
            .iter()
            .chain(&dom)
            .map(|&m| (m, prods[models[m].producer].class, (level_dev[m] + cal::MODEL_YEAR_SD * normal(&mut lv)).exp()))
            .collect();
        let mut class_mean: BTreeMap<Class, (f64, f64)> = BTreeMap::new();
        for (_, c, f) in &factor {
            let e = class_mean.entry(*c).or_default();
            e.0 += f;
            e.1 += 1.0;
        }
        for &(m, class, f) in &factor {
            let m = &m;
            let (fs, fn_) = class_mean[&class];
            let defects = class.defects().at(t) * f / (fs / fn_);
            // The model×year level is common to all 19 dimensions (the study's
            // model×year fixed effect absorbs it): −defects/9. IQS scores are
            // −(defects per dimension); APEAL scores are the typical appeal per
            // dimension shifted by the same level relative to the JV path.
            let level = -defects / n_iqs as f64;
            let appeal_base = a_bar / 10.0 + d_bar / n_iqs as f64;
            let e = e_jv.get(m).or_else(|| e_dom.get(m)).expect("every model has strengths");
            let mut total_defects = 0.0;
            for (k, dim) in cal::DIMENSIONS.iter().enumerate() {
                let p = pattern[models[*m].segment][k];
                let score = if dim.survey == "iqs" { level - p + e[k] } else { appeal_base + level + p + e[k] };
                let score = round_to(score, cal::SCORE_DECIMALS);
                if dim.survey == "iqs" {
                    total_defects -= score;
                }
                quality.push(QualityScore {
                    model_id: models[*m].id.clone(),
                    year: t,
                    dimension: dim.name.into(),
                    survey: Some(dim.survey.into()),
                    score,
                    halves: None,
                });
            }
            let s = defect_sums.entry((class, t)).or_default();
            s.0 += total_defects;
            s.1 += 1.0;
        }
    }

    // Production: study 2014 sales for listed JVs, smooth growth backwards.
    let mut pr = rng(seed, Stream::Production);
    let mut production = Vec::new();
    for (p, prod) in prods.iter().enumerate() {
        let (first, last) = (prod.first.max(cal::FIRST_YEAR), prod.last.min(cal::LAST_YEAR));
        for t in first..=last {
            let noise = (0.05 * normal(&mut pr)).exp();
            let ramp = match t - first {
                0 => 0.4,
                1 => 0.75,
                _ => 1.0,
            };
            let units = match prod.class {
                Class::Jv => {
                    let base = prod
                        .sales_2014
                        .unwrap_or_else(|| net.jvs.iter().find(|j| j.id == prod.id).map_or(50.0, |j| j.weight));
                    if t == 2014 && prod.sales_2014.is_some() {
                        base * 1000.0
                    } else {
                        base * 1000.0 * 1.17_f64.powi(t - last) * ramp * noise
                    }
                }
                _ => {
                    let n = f64::from(targets[p][(t - cal::FIRST_YEAR) as usize]);
                    n * 45_000.0 * 1.12_f64.powi(t - cal::LAST_YEAR) * ramp * noise
                }
            };
            production.push(Production { firm_id: prod.id.clone(), year: t, units: units.round() });
        }
    }
    production.sort_by(|a, b| (&a.firm_id, a.year).cmp(&(&b.firm_id, b.year)));

    // Tables.
    let mut model_rows: Vec<Model> = models
        .iter()
        .map(|m| Model {
            model_id: m.id.clone(),
            firm_id: prods[m.producer].id.clone(),
            segment: cal::SEGMENTS[m.segment].into(),
            first_year: m.first,
            last_year: m.last,
            price: None,
            size: None,
            power: None,
        })
        .collect();
    model_rows.sort_by(|a, b| a.model_id.cmp(&b.model_id));
    quality.sort_by(|a, b| (&a.model_id, a.year).cmp(&(&b.model_id, b.year)));
    let mut suppliers: Vec<SupplierLink> = sup
        .links
        .iter()
        .map(|&(m, s, c)| SupplierLink {
            supplier_id: SupplierId(format!("S{:04}", s + 1)),
            target: SupplierTarget::Model(models[m].id.clone()),
            component: cal::COMPONENTS[c].into(),
            year: None,
        })
        .collect();
    suppliers.sort_by(|a, b| {
        let key = |l: &SupplierLink| match &l.target {
            SupplierTarget::Model(m) => m.0.clone(),
            SupplierTarget::Firm(f) => f.0.clone(),
        };
        (key(a), &a.component, &a.supplier_id).cmp(&(key(b), &b.component, &b.supplier_id))
    });
    let worker_moves: Vec<WorkerMove> = moves
        .iter()
        .enumerate()
        .map(|(i, m)| WorkerMove {
            from_firm: m.from.clone(),
            to_firm: m.to.clone(),
            year: m.year,
            count: 1,
            person_id: Some(format!("P{:05}", i + 1)),
        })
        .collect();
    let mut ds = Dataset {
        firms: net.firms.clone(),
        jv_links: net.jv_links.clone(),
        models: model_rows,
        quality,
        suppliers,
        worker_moves,
        production: Some(production),
        ..Dataset::default()
    };
    let evidence = params.evidence.then(|| {
        let brand = brands.is_some().then(|| {
            let omega = design.centred(&coef);
            let est = design.estimand(Spec::Brand, &omega).map_or(f64::NAN, |b| b[2]);
            (params.brand_slope, est, design.sample_size(Spec::Brand))
        });
        super::evidence::generate(&mut ds, params, brand)
    });
    let mut truth = build_truth(
        params,
        calibration,
        &net,
        &prods,
        &models,
        &design,
        &coef,
        &sup,
        &parts,
        &sets,
        &moves,
        &defect_sums,
        &ds,
        (w_mean, w_sd),
        (s_mean, s_sd),
        &raw_w,
        &raw_s,
    );
    truth.evidence = evidence;
    truth.jv_similarity = jv_similarity.map(|(sim, c2)| super::truth::JvSimilarityTruth {
        planted_jv_sum: params.jv_similarity,
        estimand_jv_sum: sim.jv_sum(c2),
        jv_sum_without_pattern: sim.jv_sum(0.0),
        pattern_variance_ratio: c2,
        raw_within_firm_correlation: c2 / (1.0 + c2),
        ordered_pairs: sim.ordered_pairs,
    });
    truth.spillover_growth = growth.map(|(raw, slope, bins)| {
        let ev = event.as_ref().expect("growth implies the event design");
        super::truth::GrowthTruth {
            planted_slope_per_year: params.spillover_growth,
            estimand_slope_per_year: slope,
            raw_weight_per_year: raw,
            top_bin: ev.top_bin,
            firm_pairs: ev.firm_pairs as u64,
            estimand_bin_effects: bins,
        }
    });
    Ok((Indexed::new(ds).map_err(SynthError::Invalid)?, truth))
}

#[allow(clippy::too_many_arguments)]
fn build_truth(
    params: &SynthParams,
    calibration: estimand::Calibration,
    net: &Network,
    prods: &[Producer],
    models: &[ModelRec],
    design: &Design,
    coef: &[f64; estimand::N_RAW],
    sup: &SupplierDraw,
    parts: &[usize],
    sets: &[BTreeSet<usize>],
    moves: &[MoveDraw],
    defect_sums: &BTreeMap<(Class, i32), (f64, f64)>,
    ds: &Dataset,
    w_stats: (f64, f64),
    s_stats: (f64, f64),
    raw_w: &[f64],
    raw_s: &[Option<f64>],
) -> Truth {
    let n_dims = cal::DIMENSIONS.len() as u64;
    let pairs = &design.pairs;
    let rho = params.rho;
    let gsg = params.gamma_same_group;
    let planted = vec![
        Param::new(
            "headline",
            rho,
            "beta_SameGroup + beta_SameSeg + beta_SameGroup_x_SameSeg = rho: spillover to same-segment affiliated pairs relative to non-affiliated different-segment pairs",
        ),
        Param::new(
            "beta_SameGroup",
            gsg,
            "coefficient on e^JV x SameGroup in the preferred specification (affiliated, different segment)",
        ),
        Param::new(
            "raw_weight_non_affiliated",
            0.0,
            "raw weight t_ij of non-affiliated pairs apart from the channel terms (beta0 = 0 in the data-generating process)",
        ),
        Param::new(
            "beta_WorkerFlow",
            params.theta_worker,
            "mechanism regression (same-segment pairs with supplier data): coefficient on e^JV x WorkerFlow, WorkerFlow z-scored across all pair-years",
        ),
        Param::new(
            "beta_SameGroup_x_WorkerFlow",
            params.theta_worker_same_group,
            "mechanism regression: coefficient on e^JV x SameGroup x WorkerFlow",
        ),
        Param::new(
            "beta_SupplierOverlap",
            params.theta_supplier,
            "mechanism regression: coefficient on e^JV x SupplierOverlap, overlap z-scored across pair-years where both models have >= 5 suppliers",
        ),
        Param::new(
            "beta_SameGroup_x_SupplierOverlap",
            params.theta_supplier_same_group,
            "mechanism regression: coefficient on e^JV x SameGroup x SupplierOverlap",
        ),
    ];
    let omega = design.centred(coef);
    let mut estimands = Vec::new();
    for (spec, label) in [
        (Spec::Main, "main (all pairs; z = 1, SG, SS, SG x SS)"),
        (Spec::SameSegment, "same_segment (same-segment pairs; z = 1, SG)"),
        (Spec::Mechanism, "mechanism (same-segment pairs with supplier overlap; z = 1, SG, W, SG x W, S, SG x S)"),
    ] {
        let values = design.estimand(spec, &omega).unwrap_or_default();
        let prefix = label.split(' ').next().unwrap_or(label);
        for (name, v) in spec.names().iter().zip(values) {
            estimands.push(Param::new(
                &format!("{prefix}.{name}"),
                v,
                &format!(
                    "probability limit of the two-step estimator's {name} in the {label} specification on this design"
                ),
            ));
        }
    }
    let shown = |i: usize| {
        i < estimand::N_CORE
            || (i == 6 && params.brand_slope != 0.0)
            || (i == estimand::GROWTH_TERM && params.spillover_growth != 0.0)
    };
    let raw_weights = estimand::RAW_BASIS
        .iter()
        .zip(coef)
        .enumerate()
        .filter(|(i, _)| shown(*i))
        .map(|(_, x)| x)
        .map(|(n, c)| Param::new(n, *c, "coefficient of this term in the raw pair weight t_ij of e^D_ikt = sum_j t_ij e^JV_jkt + noise (WorkerFlow, SupplierOverlap as z-scores; SupplierOverlap term 0 where undefined)"))
        .collect();
    let process = vec![
        "JV relative strengths e^JV_jkt ~ iid N(0, jv_strength_sd^2) per JV model, dimension and year, projected off model x year and segment x dimension x year means of the JV sample (step 1 returns them exactly)".into(),
        "domestic relative strengths e^D_ikt = sum over JV models j on the market in year t of t_ij * e^JV_jkt + N(0, domestic_noise_sd^2) (a sum, so each pair's covariance is its own weight times var(e^JV))".into(),
        "raw weights t_ij (raw_weights) solved so that the two-step estimator's probability limits equal the planted coefficients; see estimands".into(),
        "score_ikt = model x year level + segment x dimension x year pattern + e_ikt (levels: class defect paths times exp(model + model-year deviations))".into(),
        "worker flow W_fg = number of person-level moves from JV g to domestic firm f, pooled over 2001-2014".into(),
        "supplier overlap S_ij = |S_i intersect S_j| / min(|S_i|, |S_j|) over supplier sets pooled across years; undefined when either model has < 5 known suppliers".into(),
    ];
    let class_of = |m: usize| prods[models[m].producer].class;
    let channel = |raw: &dyn Fn(usize) -> Option<f64>, stats: (f64, f64), def: &str, over: &str| {
        let vals: Vec<(usize, f64)> = (0..pairs.len()).filter_map(|k| raw(k).map(|v| (k, v))).collect();
        let (m_ss, sd_ss, _) = mean_sd(vals.iter().filter(|(k, _)| pairs[*k].same_seg()).map(|x| x.1));
        let z = |v: f64| if stats.1 > 0.0 { (v - stats.0) / stats.1 } else { 0.0 };
        let gap = |same_seg_only: bool| {
            let keep = |k: usize| !same_seg_only || pairs[k].same_seg();
            let (za, _, _) = mean_sd(vals.iter().filter(|(k, _)| keep(*k) && pairs[*k].same_group).map(|x| z(x.1)));
            let (zn, _, _) = mean_sd(vals.iter().filter(|(k, _)| keep(*k) && !pairs[*k].same_group).map(|x| z(x.1)));
            za - zn
        };
        ChannelTruth {
            definition: def.into(),
            standardised_over: over.into(),
            pair_years: vals.len() as u64,
            raw_mean: stats.0,
            raw_sd: stats.1,
            raw_mean_same_segment: m_ss,
            raw_sd_same_segment: sd_ss,
            gap_affiliated_minus_non_affiliated_z: gap(false),
            gap_affiliated_minus_non_affiliated_z_same_segment: gap(true),
        }
    };
    let worker_flow = channel(
        &|k| Some(raw_w[k]),
        w_stats,
        "moves from the JV to the domestic firm, pooled over years",
        "all same-year domestic-JV pair-years (population sd)",
    );
    let supplier_overlap = channel(
        &|k| raw_s[k],
        s_stats,
        "Szymkiewicz-Simpson overlap of supplier sets",
        "pair-years where both models have >= 5 known suppliers (population sd)",
    );
    let noise = vec![
        Param::new(
            "jv_strength_sd",
            cal::JV_STRENGTH_SD,
            "sd of the iid JV strength draws before the step-1 projection (score points)",
        ),
        Param::new(
            "domestic_noise_sd",
            cal::DOMESTIC_NOISE_SD,
            "sd of the domestic idiosyncratic noise (score points)",
        ),
        Param::new(
            "model_level_sd",
            cal::MODEL_LEVEL_SD,
            "sd of a model's persistent log deviation from its class's defect path",
        ),
        Param::new("model_year_sd", cal::MODEL_YEAR_SD, "sd of a model's yearly log deviation"),
        Param::new("pattern_sd", cal::PATTERN_SD, "sd of the segment x dimension x year pattern (score points)"),
    ];
    let defects = [Class::Jv, Class::Affiliated, Class::NonAffiliated]
        .iter()
        .map(|&c| {
            let avg = |t: i32| defect_sums.get(&(c, t)).map_or(0.0, |(s, n)| s / n);
            DefectTruth {
                class: c.name().into(),
                target: c.defects(),
                realised_2001_03: (avg(2001) + avg(2002) + avg(2003)) / 3.0,
                realised_2014: avg(2014),
            }
        })
        .collect();
    // Counts.
    let distinct: BTreeSet<(usize, usize)> = pairs.iter().map(|p| (p.dom, p.jv)).collect();
    let distinct_aff: BTreeSet<(usize, usize)> = pairs.iter().filter(|p| p.same_group).map(|p| (p.dom, p.jv)).collect();
    let shared = |aff: bool| {
        let v: Vec<f64> = distinct
            .iter()
            .filter(|dj| distinct_aff.contains(dj) == aff)
            .filter(|(d, j)| parts[*d] > 0 && parts[*j] > 0)
            .map(|(d, j)| sets[*d].intersection(&sets[*j]).count() as f64)
            .collect();
        if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 }
    };
    let known: Vec<usize> = (0..models.len()).filter(|&m| parts[m] > 0).collect();
    let prod_of: BTreeMap<&FirmId, &Producer> = prods.iter().map(|p| (&p.id, p)).collect();
    let jv_dom: Vec<&MoveDraw> = moves
        .iter()
        .filter(|m| {
            prod_of.get(&m.from).is_some_and(|p| p.class == Class::Jv)
                && prod_of.get(&m.to).is_some_and(|p| p.class != Class::Jv)
        })
        .collect();
    let to_partner = jv_dom.iter().filter(|m| prod_of[&m.from].parent_groups.contains(&prod_of[&m.to].group)).count();
    let kinds = |k: FirmKind| net.firms.iter().filter(|f| f.kind == k).count() as u64;
    let n_class = |c: Class| models.iter().filter(|m| prods[m.producer].class == c).count() as u64;
    let same_seg = design.sample_size(Spec::SameSegment) as u64;
    let mech = design.sample_size(Spec::Mechanism) as u64;
    let counts = vec![
        Count::new("firms", ds.firms.len() as u64, "rows of firms"),
        Count::new("domestic_firms", kinds(FirmKind::Domestic), "domestic firms (group heads and subsidiaries)"),
        Count::new("foreign_firms", kinds(FirmKind::Foreign), "foreign parents"),
        Count::new("jv_firms", kinds(FirmKind::Jv), "JVs (with or without models in the panel)"),
        Count::new("jv_links", ds.jv_links.len() as u64, "rows of jv_links"),
        Count::new("models", models.len() as u64, "rows of models"),
        Count::new("jv_models", n_class(Class::Jv), "distinct JV models"),
        Count::new("affiliated_models", n_class(Class::Affiliated), "distinct affiliated domestic models"),
        Count::new("non_affiliated_models", n_class(Class::NonAffiliated), "distinct non-affiliated domestic models"),
        Count::new("quality_rows", ds.quality.len() as u64, "rows of quality (model-years x 19 dimensions)"),
        Count::new("pair_years", pairs.len() as u64, "same-year domestic-JV model pairs (study: pairs x 19 = 717,500)"),
        Count::new(
            "pair_dimension_obs",
            pairs.len() as u64 * n_dims,
            "pair x dimension observations of the main regression (study: 717,500)",
        ),
        Count::new(
            "affiliated_pair_years",
            pairs.iter().filter(|p| p.same_group).count() as u64,
            "pair-years with SameGroup = 1",
        ),
        Count::new(
            "distinct_pairs",
            distinct.len() as u64,
            "distinct domestic-JV model pairs observed in a common year (study: 13,946)",
        ),
        Count::new("affiliated_distinct_pairs", distinct_aff.len() as u64, "of which affiliated (study: 723)"),
        Count::new(
            "same_segment_obs",
            same_seg * n_dims,
            "pair x dimension observations with SameSeg = 1 (study: 138,540)",
        ),
        Count::new(
            "mechanism_obs",
            mech * n_dims,
            "same-segment pair x dimension observations with supplier overlap defined (study: 128,354)",
        ),
        Count::new("suppliers", sup.n_suppliers as u64, "distinct suppliers (study: 1,378)"),
        Count::new("supplier_links", ds.suppliers.len() as u64, "rows of suppliers (model, component, supplier)"),
        Count::new("models_with_suppliers", known.len() as u64, "models with known suppliers (study: 459)"),
        Count::new(
            "models_with_few_suppliers",
            known.iter().filter(|&&m| sets[m].len() < 5).count() as u64,
            "models with fewer than 5 known suppliers (excluded from overlap)",
        ),
        Count::new("worker_moves", moves.len() as u64, "person-level moves between automakers (study: 4,099)"),
        Count::new("jv_to_domestic_moves", jv_dom.len() as u64, "moves from a JV to a domestic firm (study: 617)"),
        Count::new(
            "jv_to_partner_moves",
            to_partner as u64,
            "of which to a firm of the JV's own domestic parent group (study: 27.2 %)",
        ),
        Count::new(
            "linkedin_users",
            u64::from(cal::LINKEDIN_USERS),
            "users in the study's LinkedIn sample (context only; one row per move here)",
        ),
        Count::new("production_rows", ds.production.as_ref().map_or(0, Vec::len) as u64, "rows of production"),
    ];
    let statistics = vec![
        Param::new(
            "mean_parts",
            known.iter().map(|&m| parts[m]).sum::<usize>() as f64 / known.len().max(1) as f64,
            "mean known parts (supplier links) per model with suppliers (study: ~39)",
        ),
        Param::new(
            "mean_shared_suppliers_affiliated",
            shared(true),
            "mean number of shared suppliers, affiliated distinct pairs where both models have supplier data (study: 12)",
        ),
        Param::new(
            "mean_shared_suppliers_non_affiliated",
            shared(false),
            "mean number of shared suppliers, non-affiliated distinct pairs (study: 5.4)",
        ),
        Param::new(
            "jv_to_partner_share",
            to_partner as f64 / jv_dom.len().max(1) as f64,
            "share of JV -> domestic moves that go to a firm of the JV's own domestic parent group (study: 0.272)",
        ),
    ];
    let notes = vec![
        "beta_SameSeg and beta0 are not free under the study's estimator: step 1 makes the step-2 weights sum to zero within every (year, domestic segment, JV segment) block, so a spillover common to all same-segment pairs is invisible. Their values on this design are reported under estimands (main.beta_SameSeg, main.beta0); beta_SameGroup_x_SameSeg = headline - beta_SameGroup - main.beta_SameSeg.".to_owned(),
        "calibration = full: every planted coefficient is the probability limit of the two-step estimator on this design; main_only: only the headline and beta_SameGroup are (the mechanism design is singular, rare at small scale); uncalibrated: raw weights equal the planted values.".to_owned(),
        "WorkerFlow and SupplierOverlap coefficients are per z-score unit, z-scored over the observations given under worker_flow / supplier_overlap; to convert to raw units divide by raw_sd (or use raw_sd_same_segment if an estimator standardises over same-segment pairs only).".to_owned(),
    ];
    let per_year = (cal::FIRST_YEAR..=cal::LAST_YEAR)
        .map(|t| {
            let on = |c: Class| -> (u32, u32) {
                let ms: Vec<usize> = (0..models.len())
                    .filter(|&m| class_of(m) == c && models[m].first <= t && t <= models[m].last)
                    .collect();
                let firms: BTreeSet<usize> = ms.iter().map(|&m| models[m].producer).collect();
                (firms.len() as u32, ms.len() as u32)
            };
            let (jf, jm) = on(Class::Jv);
            let (af, am) = on(Class::Affiliated);
            let (nf, nm) = on(Class::NonAffiliated);
            let py: Vec<&PairObs> = pairs.iter().filter(|p| p.year == t).collect();
            YearCounts {
                year: t,
                jv_firms: jf,
                jv_models: jm,
                affiliated_firms: af,
                affiliated_models: am,
                non_affiliated_firms: nf,
                non_affiliated_models: nm,
                pairs: py.len() as u32,
                affiliated_pairs: py.iter().filter(|p| p.same_group).count() as u32,
            }
        })
        .collect();
    Truth {
        generator: "spillnet synth".into(),
        generator_version: GENERATOR_VERSION,
        seed: params.seed,
        scale: params.scale,
        rho,
        calibration,
        years: [cal::FIRST_YEAR, cal::LAST_YEAR],
        score_convention: vec![
            "higher score = better in every dimension".into(),
            "iqs dimensions: score = -(defects per 100 vehicles in that dimension), so -(sum of a model-year's 9 iqs scores) = its total defects per 100 vehicles".into(),
            "apeal dimensions: score = typical appeal points in that dimension (APEAL index out of 1000 spread over 10 dimensions) - (model defects - JV mean defects) / 9: a model's overall quality is one model x year level common to all 19 dimensions, which the study's model x year fixed effect absorbs".into(),
        ],
        planted,
        estimands,
        raw_weights,
        process,
        worker_flow,
        supplier_overlap,
        noise,
        defects,
        dimensions: cal::DIMENSIONS.to_vec(),
        segments: cal::SEGMENTS.iter().map(|s| (*s).to_owned()).collect(),
        counts,
        statistics,
        per_year,
        notes,
        evidence: None,
        jv_similarity: None,
        spillover_growth: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_and_proportional() {
        // One each, then the remaining 7 split 1.75 : 1.75 : 3.5 by largest remainder.
        assert_eq!(allocate(10, &[1.0, 1.0, 2.0]), vec![3, 3, 4]);
        assert_eq!(allocate(2, &[1.0, 3.0, 2.0]), vec![0, 1, 1]);
        assert_eq!(allocate(7, &[5.0, 0.0]).iter().sum::<u32>(), 7);
        assert_eq!(allocate(0, &[1.0]), vec![0]);
    }

    #[test]
    fn small_scale_is_deterministic_and_hits_yearly_counts() {
        let p = SynthParams::new(7, Scale::Small, 0.098);
        let (a, ta) = generate(&p).unwrap();
        let (b, tb) = generate(&p).unwrap();
        assert_eq!(a, b);
        assert_eq!(ta.to_json(), tb.to_json());
        for y in &ta.per_year {
            let i = (y.year - cal::FIRST_YEAR) as usize;
            assert_eq!(y.jv_models, Scale::Small.scale(cal::JV_MODELS[i]), "{}", y.year);
            assert_eq!(y.affiliated_models, Scale::Small.scale(cal::AFFILIATED_MODELS[i]), "{}", y.year);
        }
        let (c, _) = generate(&SynthParams::new(8, Scale::Small, 0.098)).unwrap();
        assert_ne!(a.quality, c.quality);
    }

    #[test]
    fn estimands_equal_the_planted_values() {
        let (_, truth) = generate(&SynthParams::new(3, Scale::Small, 0.2)).unwrap();
        let est = |n: &str| truth.estimands.iter().find(|p| p.name == n).unwrap().value;
        let headline = est("main.beta_SameGroup") + est("main.beta_SameSeg") + est("main.beta_SameGroup_x_SameSeg");
        assert!((headline - 0.2).abs() < 1e-10, "{headline}");
        assert!((est("mechanism.beta_WorkerFlow") - cal::THETA_WORKER).abs() < 1e-10);
        assert!((est("mechanism.beta_SupplierOverlap") - cal::THETA_SUPPLIER).abs() < 1e-10);
    }
}
