//! Property tests of the estimation engine (issue "hostile input", item 3):
//! OLS with fixed effects and clustered inference is invariant to the order
//! of the rows, to relabelling fixed-effect and cluster ids, and (under a
//! fixed effect) to adding a constant to y; scaling a regressor by a scales
//! its coefficient and SE by 1/a and leaves every t statistic unchanged.
//! Random designs come from a seeded ChaCha generator driven by proptest.

use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use spillnet::estimate::design::{Column, Factor};
use spillnet::estimate::{Design, FitOptions, Inference, OlsFit, Ssc, VcovSpec, fit_ols, vcov};

/// Relative tolerance of the invariances (demeaning converges to 1e-13 here).
const TOL: f64 = 1e-7;

fn design(seed: u64, n: usize) -> Design {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let f1: Vec<u32> = (0..n).map(|_| r.random_range(0..6)).collect();
    let f2: Vec<u32> = (0..n).map(|_| r.random_range(0..4)).collect();
    let cl: Vec<u32> = (0..n).map(|_| r.random_range(0..7)).collect();
    let x1: Vec<f64> = (0..n).map(|i| r.random::<f64>() + 0.1 * f64::from(f1[i])).collect();
    let x2: Vec<f64> = (0..n).map(|_| r.random::<f64>() * 2.0 - 1.0).collect();
    let y: Vec<f64> =
        (0..n).map(|i| 0.7 * x1[i] - 0.3 * x2[i] + 0.2 * f64::from(f2[i]) + r.random::<f64>() - 0.5).collect();
    Design {
        y: Column { name: "y".into(), values: y },
        x: vec![Column { name: "x1".into(), values: x1 }, Column { name: "x2".into(), values: x2 }],
        weights: None,
        fe: vec![Factor { name: "f1".into(), codes: f1 }, Factor { name: "f2".into(), codes: f2 }],
        clusters: vec![Factor { name: "cl".into(), codes: cl }],
    }
}

fn fit(d: &Design) -> (OlsFit, Inference) {
    let mut opts = FitOptions::default();
    opts.demean.tol = 1e-13;
    let f = fit_ols(d, &opts).unwrap();
    let inf = vcov(&f, &VcovSpec::Cluster(vec!["cl".into()]), &Ssc::default()).unwrap();
    (f, inf)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * a.abs().max(b.abs()).max(1e-6)
}

fn same(a: &Inference, b: &Inference) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.coefs.len(), b.coefs.len());
    for (x, y) in a.coefs.iter().zip(&b.coefs) {
        prop_assert!(close(x.estimate, y.estimate), "{}: {} vs {}", x.name, x.estimate, y.estimate);
        prop_assert!(close(x.se, y.se), "{} se: {} vs {}", x.name, x.se, y.se);
    }
    Ok(())
}

fn permute<T: Clone>(v: &[T], order: &[usize]) -> Vec<T> {
    order.iter().map(|&i| v[i].clone()).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn row_order_does_not_matter(seed in any::<u64>(), n in 40usize..120, shuffle in any::<u64>()) {
        let d = design(seed, n);
        let mut order: Vec<usize> = (0..n).collect();
        let mut r = ChaCha8Rng::seed_from_u64(shuffle);
        for i in (1..n).rev() {
            order.swap(i, r.random_range(0..=i));
        }
        let mut p = d.clone();
        p.y.values = permute(&d.y.values, &order);
        for c in &mut p.x { c.values = permute(&c.values, &order); }
        for f in p.fe.iter_mut().chain(p.clusters.iter_mut()) { f.codes = permute(&f.codes, &order); }
        let (fa, a) = fit(&d);
        let (fb, b) = fit(&p);
        prop_assert_eq!(fa.core.nobs, fb.core.nobs);
        same(&a, &b)?;
    }

    #[test]
    fn relabelling_ids_does_not_matter(seed in any::<u64>(), n in 40usize..120, offset in 1u32..1000) {
        let d = design(seed, n);
        let mut p = d.clone();
        // An injective relabelling: reverse the order and shift (codes need not be contiguous).
        for f in p.fe.iter_mut().chain(p.clusters.iter_mut()) {
            for c in &mut f.codes { *c = offset + 3 * (100 - *c); }
        }
        same(&fit(&d).1, &fit(&p).1)?;
    }

    #[test]
    fn a_constant_added_to_y_is_absorbed(seed in any::<u64>(), n in 40usize..120, c in -1e3f64..1e3) {
        let d = design(seed, n);
        let mut p = d.clone();
        for v in &mut p.y.values { *v += c; }
        same(&fit(&d).1, &fit(&p).1)?;
    }

    #[test]
    fn scaling_x_scales_beta(seed in any::<u64>(), n in 40usize..120, a in prop_oneof![0.01f64..0.5, 2.0f64..100.0]) {
        let d = design(seed, n);
        let mut p = d.clone();
        for v in &mut p.x[0].values { *v *= a; }
        let (_, base) = fit(&d);
        let (_, scaled) = fit(&p);
        prop_assert!(close(scaled.coefs[0].estimate * a, base.coefs[0].estimate));
        prop_assert!(close(scaled.coefs[0].se * a, base.coefs[0].se));
        prop_assert!(close(scaled.coefs[1].estimate, base.coefs[1].estimate));
        for (x, y) in scaled.coefs.iter().zip(&base.coefs) {
            prop_assert!(close(x.t, y.t), "{}: t {} vs {}", x.name, x.t, y.t);
        }
    }
}

mod formula_round_trip {
    //! Printing a parsed formula and parsing it again gives the same models
    //! (random formulas over names that need quoting, `i()` with reference
    //! values, interactions, `sw`/`csw`, combined fixed effects, IV parts).

    use proptest::prelude::*;
    use spillnet::estimate::formula::{Atom, FeTerm, Formula, IvPart, RhsItem, Stepwise, Term};

    const NAMES: &[&str] = &["x", "x1", "log.y", "_z", "my var", "a-b", "i", "c", "sw", "T2"];
    const VALUES: &[&str] = &["-1", "0", "2", "2.5", "a", "b c"];

    fn name() -> impl Strategy<Value = String> {
        prop::sample::select(NAMES).prop_map(str::to_owned)
    }

    fn atom() -> impl Strategy<Value = Atom> {
        prop_oneof![
            3 => name().prop_map(Atom::Var),
            1 => (name(), prop::option::of(name()), prop::collection::vec(prop::sample::select(VALUES), 0..3)).prop_map(
                |(var, by, refs)| Atom::I { var, by, refs: refs.into_iter().map(str::to_owned).collect() }
            ),
        ]
    }

    /// A term of 1–3 distinct atoms.
    fn term() -> impl Strategy<Value = Term> {
        prop::collection::vec(atom(), 1..4).prop_map(|mut v| {
            let mut seen = Vec::new();
            v.retain(|a| {
                if seen.contains(a) {
                    false
                } else {
                    seen.push(a.clone());
                    true
                }
            });
            Term(v)
        })
    }

    fn item() -> impl Strategy<Value = RhsItem> {
        term().prop_map(RhsItem::Term)
    }

    fn multi() -> impl Strategy<Value = RhsItem> {
        let kind = prop::sample::select(&[Stepwise::Sw, Stepwise::Csw, Stepwise::Sw0, Stepwise::Csw0][..]);
        (kind, prop::collection::vec(prop::collection::vec(term(), 1..3), 1..4))
            .prop_map(|(k, alts)| RhsItem::Multi(k, alts))
    }

    fn formula() -> impl Strategy<Value = Formula> {
        let rhs = (prop::collection::vec(item(), 0..4), prop::option::of(multi()), 0usize..4).prop_map(
            |(mut items, m, at)| {
                if let Some(m) = m {
                    items.insert(at.min(items.len()), m);
                }
                items
            },
        );
        let fe = prop::collection::vec(prop::collection::vec(name(), 1..3), 0..3).prop_map(|v| {
            let mut out: Vec<FeTerm> = Vec::new();
            for parts in v {
                let t = FeTerm(parts);
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            out
        });
        let iv = prop::option::of((prop::collection::vec(name(), 1..3), prop::collection::vec(name(), 1..4)))
            .prop_map(|o| o.map(|(endog, instruments)| IvPart { endog, instruments }));
        (prop::collection::vec(name(), 1..3), rhs, fe, iv).prop_map(|(depvars, rhs, fe, iv)| Formula {
            depvars,
            rhs,
            fe,
            iv,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn print_then_parse_gives_the_same_models(f in formula()) {
            let text = f.to_string();
            let parsed = Formula::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(parsed.models(), f.models(), "{}", text);
            // And printing is a fixed point after one parse.
            prop_assert_eq!(Formula::parse(&parsed.to_string()).unwrap(), parsed.clone(), "{}", text);
        }
    }
}
