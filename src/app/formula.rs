//! Builds the estimation inputs of a fixest formula on a table's columns:
//! which columns to read ([`columns_needed`]), unknown names reported with
//! the closest existing column ([`check_columns`]), and one design per model
//! ([`build`]) with interactions (`x1:x2`, products of columns), `i()`
//! dummies (`var::level`, `var::level:x`, fixest's names; levels sorted;
//! `i(var)` alone without `ref` leaves out its first level, as pyfixest
//! 0.60) and combined fixed
//! effects (`f1^f2`). Also turns `--y/--x/--fe` into the same [`Formula`]
//! ([`from_flags`]), so both spellings share one path. Imports `estimate`
//! (formula and design types), `suggest` and `error`.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::estimate::design::{Column, Factor};
use crate::estimate::formula::{Atom, FeTerm, Formula, Model, RhsItem, Term};
use crate::estimate::{Design, IvDesign};
use crate::suggest::edit_distance;

/// The formula of `--y Y --x X1,X2 --fe F1,F2`: `Y ~ X1 + X2 | F1 + F2`.
pub fn from_flags(y: &str, x: &[String], fe: &[String]) -> Formula {
    Formula {
        depvars: vec![y.to_owned()],
        rhs: x.iter().map(|v| RhsItem::Term(Term(vec![Atom::Var(v.clone())]))).collect(),
        fe: fe.iter().map(|f| FeTerm(vec![f.clone()])).collect(),
        iv: None,
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

/// Numeric and categorical columns the models need, in first-use order:
/// outcomes, regressors, endogenous regressors and instruments, then
/// `weights`; the variables inside `i()` (numbers or text), fixed-effect
/// components, then `clusters`.
pub fn columns_needed(models: &[Model], weights: Option<&str>, clusters: &[String]) -> (Vec<String>, Vec<String>) {
    let mut numeric = Vec::new();
    let mut categorical = Vec::new();
    for m in models {
        push_unique(&mut numeric, &m.depvar);
        for t in &m.terms {
            for a in &t.0 {
                match a {
                    Atom::Var(v) => push_unique(&mut numeric, v),
                    Atom::I { var, by, .. } => {
                        push_unique(&mut categorical, var);
                        if let Some(b) = by {
                            push_unique(&mut numeric, b);
                        }
                    }
                }
            }
        }
        if let Some(iv) = &m.iv {
            iv.endog.iter().chain(&iv.instruments).for_each(|v| push_unique(&mut numeric, v));
        }
    }
    if let Some(w) = weights {
        push_unique(&mut numeric, w);
    }
    for m in models {
        m.fe.iter().flat_map(|f| &f.0).for_each(|v| push_unique(&mut categorical, v));
    }
    clusters.iter().for_each(|c| push_unique(&mut categorical, c));
    (numeric, categorical)
}

/// The existing column closest to `name` (edit distance, case-insensitive
/// ties broken by file order), if any is within half the name's length.
pub fn closest<'a>(name: &str, columns: &'a [String]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    columns
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .min_by_key(|(d, _)| *d)
        .filter(|(d, _)| *d <= name.chars().count().div_ceil(2).max(1))
        .map(|(_, c)| c.as_str())
}

/// Check that every needed column exists in `available`; the error names
/// the closest existing column.
pub fn check_columns(path: &Path, needed: &[String], available: &[String]) -> Result<()> {
    for n in needed {
        if !available.iter().any(|a| a == n) {
            let hint = match closest(n, available) {
                Some(c) => format!("; did you mean `{c}`?"),
                None => format!(" (columns: {})", available.join(", ")),
            };
            return Err(Error::Usage(format!("formula: no column `{n}` in {}{hint}", path.display())));
        }
    }
    Ok(())
}

/// The columns read from the table, handed out by name; a column is moved
/// out at its last use and cloned before (low peak memory on large tables).
#[derive(Debug)]
pub struct Columns {
    numeric: HashMap<String, Vec<f64>>,
    categorical: HashMap<String, Vec<u32>>,
    /// Text of each code of a categorical column (never moved out).
    labels: HashMap<String, Vec<String>>,
    uses: HashMap<String, usize>,
}

impl Columns {
    /// Wrap the frame's columns; `uses` counts how often each will be taken.
    pub fn new(numeric: Vec<(String, Vec<f64>)>, categorical: Vec<(String, Vec<u32>)>, uses: Vec<String>) -> Self {
        let mut count: HashMap<String, usize> = HashMap::new();
        for u in uses {
            *count.entry(u).or_default() += 1;
        }
        Columns {
            numeric: numeric.into_iter().collect(),
            categorical: categorical.into_iter().collect(),
            labels: HashMap::new(),
            uses: count,
        }
    }

    /// Attach the text of each categorical column's codes (`labels[j]` for
    /// `names[j]`), which [`build`] turns into the labels of each fixed effect's levels.
    pub fn with_labels(mut self, names: &[String], labels: Vec<Vec<String>>) -> Self {
        self.labels = names.iter().cloned().zip(labels).collect();
        self
    }

    /// Text of code `c` of categorical column `name` (the code itself when unknown).
    fn label(&self, name: &str, c: u32) -> String {
        self.labels.get(name).and_then(|l| l.get(c as usize)).cloned().unwrap_or_else(|| c.to_string())
    }

    fn take<T: Clone>(map: &mut HashMap<String, T>, uses: &mut HashMap<String, usize>, name: &str) -> Option<T> {
        let left = uses.get_mut(name)?;
        *left -= 1;
        if *left == 0 { map.remove(name) } else { map.get(name).cloned() }
    }

    fn num(&mut self, name: &str) -> Vec<f64> {
        Self::take(&mut self.numeric, &mut self.uses, name).unwrap_or_default()
    }

    fn cat(&mut self, name: &str) -> Vec<u32> {
        Self::take(&mut self.categorical, &mut self.uses, name).unwrap_or_default()
    }
}

/// Every take [`build`] will make for `models`, to count uses for [`Columns::new`].
pub fn uses(models: &[Model], weights: Option<&str>, clusters: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for m in models {
        out.push(m.depvar.clone());
        for t in &m.terms {
            for a in &t.0 {
                match a {
                    Atom::Var(v) => out.push(v.clone()),
                    Atom::I { var, by, .. } => {
                        out.push(var.clone());
                        out.extend(by.iter().cloned());
                    }
                }
            }
        }
        if let Some(iv) = &m.iv {
            out.extend(iv.endog.iter().chain(&iv.instruments).cloned());
        }
        out.extend(weights.map(str::to_owned));
        out.extend(m.fe.iter().flat_map(|f| f.0.iter().cloned()));
        out.extend(clusters.iter().cloned());
    }
    out
}

/// Label of a level of an `i()` variable: integers without a decimal point.
fn level_label(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// The columns of one atom (a variable, or the dummies of `i()`).
fn atom_columns(a: &Atom, cols: &mut Columns) -> Result<Vec<Column>> {
    match a {
        Atom::Var(v) => Ok(vec![Column { name: v.clone(), values: cols.num(v) }]),
        Atom::I { var, by, refs } => {
            let codes = cols.cat(var);
            let by_values = by.as_ref().map(|b| cols.num(b));
            let n_codes = codes.iter().copied().max().map_or(0, |m| m as usize + 1);
            let text: Vec<String> = (0..n_codes as u32).map(|c| cols.label(var, c)).collect();
            // Numbers sort and match `ref` numerically and print without a trailing `.0`;
            // text (a column of strings) sorts alphabetically and matches `ref` as written, as in fixest.
            let numbers: Option<Vec<f64>> =
                text.iter().map(|t| t.parse::<f64>().ok().filter(|v| v.is_finite())).collect();
            let mut order: Vec<u32> = (0..n_codes as u32).collect();
            match &numbers {
                Some(v) => order.sort_by(|a, b| v[*a as usize].total_cmp(&v[*b as usize])),
                None => order.sort_by(|a, b| text[*a as usize].cmp(&text[*b as usize])),
            }
            let name_of = |c: u32| match &numbers {
                Some(v) => level_label(v[c as usize]),
                None => text[c as usize].clone(),
            };
            let mut excluded = Vec::new();
            for r in refs {
                let hit = order.iter().copied().find(|&c| match &numbers {
                    Some(v) => r.parse::<f64>().ok() == Some(v[c as usize]),
                    None => text[c as usize] == *r,
                });
                match hit {
                    Some(c) => excluded.push(c),
                    None => {
                        let shown: Vec<String> = order.iter().take(20).map(|&c| name_of(c)).collect();
                        return Err(Error::Usage(format!(
                            "formula: i({var}, ref = {r}): `{var}` has no value {r} (values: {}{})",
                            shown.join(", "),
                            if order.len() > 20 { ", …" } else { "" }
                        )));
                    }
                }
            }
            Ok(order
                .iter()
                .copied()
                .filter(|c| !excluded.contains(c))
                .map(|l| {
                    let name = match by {
                        Some(b) => format!("{var}::{}:{b}", name_of(l)),
                        None => format!("{var}::{}", name_of(l)),
                    };
                    let values = match &by_values {
                        Some(bv) => codes.iter().zip(bv).map(|(c, x)| if *c == l { *x } else { 0.0 }).collect(),
                        None => codes.iter().map(|c| f64::from(*c == l)).collect(),
                    };
                    Column { name, values }
                })
                .collect())
        }
    }
}

/// The columns of one term: the element-wise products over its atoms
/// (every combination when an atom is an `i()` with several dummies).
fn term_columns(t: &Term, cols: &mut Columns) -> Result<Vec<Column>> {
    let mut out: Vec<Column> = Vec::new();
    for (j, a) in t.0.iter().enumerate() {
        let next = atom_columns(a, cols)?;
        if j == 0 {
            out = next;
            continue;
        }
        out = out
            .iter()
            .flat_map(|c| {
                next.iter().map(move |d| Column {
                    name: format!("{}:{}", c.name, d.name),
                    values: c.values.iter().zip(&d.values).map(|(a, b)| a * b).collect(),
                })
            })
            .collect();
    }
    Ok(out)
}

/// A fixed effect: one column's codes, or the combination of several
/// (`f1^f2`), with the text of each code (a combination's parts joined by
/// `_`, as fixest names the levels of `f1^f2`).
fn fe_factor(f: &FeTerm, cols: &mut Columns) -> (Factor, Vec<String>) {
    let first = &f.0[0];
    let mut codes = cols.cat(first);
    let n_levels = codes.iter().copied().max().map_or(0, |m| m as usize + 1);
    let mut labels: Vec<String> = (0..n_levels as u32).map(|c| cols.label(first, c)).collect();
    for part in &f.0[1..] {
        let other = cols.cat(part);
        let mut map: HashMap<(u32, u32), u32> = HashMap::new();
        let mut combined = Vec::new();
        codes = codes
            .iter()
            .zip(&other)
            .map(|(a, b)| {
                let next = map.len() as u32;
                *map.entry((*a, *b)).or_insert_with(|| {
                    combined.push(format!("{}_{}", labels[*a as usize], cols.label(part, *b)));
                    next
                })
            })
            .collect();
        labels = combined;
    }
    (Factor { name: f.name(), codes }, labels)
}

/// The estimation input of one model.
#[derive(Debug)]
pub enum ModelDesign {
    /// OLS.
    Ols(Design),
    /// 2SLS.
    Iv(IvDesign),
}

/// Build the design of `model` from the columns (taking each once per use,
/// in the order of [`uses`]), with the text of each fixed effect's codes
/// (one vector per fixed effect, indexed by its design codes).
///
/// # Errors
/// A reference level of `i()` that the variable does not take.
pub fn build(
    model: &Model,
    cols: &mut Columns,
    weights: Option<&str>,
    clusters: &[String],
) -> Result<(ModelDesign, Vec<Vec<String>>)> {
    let y = Column { name: model.depvar.clone(), values: cols.num(&model.depvar) };
    let mut x = Vec::new();
    for t in &model.terms {
        let mut c = term_columns(t, cols)?;
        // `i(var)` alone, without `ref`: its first level is the reference
        // (pyfixest 0.60's treatment coding; the model has an intercept or
        // fixed effects, so one level must go).
        if let [Atom::I { by: None, refs, .. }] = t.0.as_slice()
            && refs.is_empty()
            && !c.is_empty()
        {
            c.remove(0);
        }
        x.extend(c);
    }
    let iv = model.iv.as_ref().map(|iv| {
        let mut get = |names: &[String]| -> Vec<Column> {
            names.iter().map(|n| Column { name: n.clone(), values: cols.num(n) }).collect()
        };
        (get(&iv.endog), get(&iv.instruments))
    });
    let weights = weights.map(|w| cols.num(w));
    let (fe, fe_labels): (Vec<Factor>, Vec<Vec<String>>) = model.fe.iter().map(|f| fe_factor(f, cols)).unzip();
    let clusters = clusters.iter().map(|c| Factor { name: c.clone(), codes: cols.cat(c) }).collect();
    let base = Design { y, x, weights, fe, clusters };
    let design = match iv {
        None => ModelDesign::Ols(base),
        Some((endog, instruments)) => ModelDesign::Iv(IvDesign { base, endog, instruments }),
    };
    Ok((design, fe_labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_column_by_edit_distance() {
        let cols: Vec<String> = ["year", "firm_id", "x1", "x2", "outcome"].iter().map(|s| (*s).into()).collect();
        assert_eq!(closest("x11", &cols), Some("x1"));
        assert_eq!(closest("firmid", &cols), Some("firm_id"));
        assert_eq!(closest("Year", &cols), Some("year"));
        assert_eq!(closest("zzzzzzzz", &cols), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn i_and_interactions_expand_to_named_columns() {
        let f = Formula::parse("y ~ i(t, x, ref = 0) + i(t, ref = c(-1, 1)) + x:w | a^b").unwrap();
        let m = f.models().remove(0);
        // t = [-1, 0, 1, 0], read as a categorical column (codes in order of appearance, text labels).
        let num = vec![
            ("y".into(), vec![1.0, 2.0, 3.0, 4.0]),
            ("x".into(), vec![0.5, 1.5, 2.5, 3.5]),
            ("w".into(), vec![2.0, 2.0, 1.0, 1.0]),
        ];
        let cat = vec![("t".into(), vec![0, 1, 2, 1]), ("a".into(), vec![0, 0, 1, 1]), ("b".into(), vec![0, 1, 0, 1])];
        let mut cols = Columns::new(num, cat, uses(std::slice::from_ref(&m), None, &[])).with_labels(
            &["t".into(), "a".into(), "b".into()],
            vec![vec!["-1".into(), "0".into(), "1".into()], vec!["x".into(), "y".into()], vec!["1".into(), "2".into()]],
        );
        let (ModelDesign::Ols(d), labels) = build(&m, &mut cols, None, &[]).unwrap() else { panic!("not OLS") };
        assert_eq!(labels, [["x_1", "x_2", "y_1", "y_2"]]);
        let names: Vec<&str> = d.x.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["t::-1:x", "t::1:x", "t::0", "x:w"]);
        assert_eq!(d.x[0].values, [0.5, 0.0, 0.0, 0.0]);
        assert_eq!(d.x[1].values, [0.0, 0.0, 2.5, 0.0]);
        assert_eq!(d.x[2].values, [0.0, 1.0, 0.0, 1.0]);
        assert_eq!(d.x[3].values, [1.0, 3.0, 2.5, 3.5]);
        assert_eq!(d.fe[0].name, "a^b");
        assert_eq!(d.fe[0].codes, [0, 1, 2, 3]);
        let bad = Formula::parse("y ~ i(t, ref = 7)").unwrap().models().remove(0);
        let mut cols = Columns::new(
            vec![("y".into(), vec![1.0])],
            vec![("t".into(), vec![0])],
            uses(std::slice::from_ref(&bad), None, &[]),
        )
        .with_labels(&["t".into()], vec![vec!["0".into()]]);
        let e = build(&bad, &mut cols, None, &[]).unwrap_err().to_string();
        assert!(e.contains("`t` has no value 7 (values: 0)"), "{e}");
    }

    #[test]
    fn i_of_a_text_column_sorts_levels_alphabetically_and_matches_ref_as_written() {
        // brand = [vw, byd, toyota, byd, vw]: codes in order of appearance.
        let m = Formula::parse("y ~ i(brand, ref = \"toyota\") + i(brand, x)").unwrap().models().remove(0);
        let mut cols = Columns::new(
            vec![("y".into(), vec![1.0, 2.0, 3.0, 4.0, 5.0]), ("x".into(), vec![1.0, 2.0, 3.0, 4.0, 5.0])],
            vec![("brand".into(), vec![0, 1, 2, 1, 0])],
            uses(std::slice::from_ref(&m), None, &[]),
        )
        .with_labels(&["brand".into()], vec![vec!["vw".into(), "byd".into(), "toyota".into()]]);
        let (ModelDesign::Ols(d), _) = build(&m, &mut cols, None, &[]).unwrap() else { panic!("not OLS") };
        let names: Vec<&str> = d.x.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["brand::byd", "brand::vw", "brand::byd:x", "brand::toyota:x", "brand::vw:x"]);
        assert_eq!(d.x[0].values, [0.0, 1.0, 0.0, 1.0, 0.0]);
        assert_eq!(d.x[1].values, [1.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!(d.x[3].values, [0.0, 0.0, 3.0, 0.0, 0.0]);
        let bad = Formula::parse("y ~ i(brand, ref = \"ford\")").unwrap().models().remove(0);
        let mut cols = Columns::new(
            vec![("y".into(), vec![1.0, 2.0])],
            vec![("brand".into(), vec![0, 1])],
            uses(std::slice::from_ref(&bad), None, &[]),
        )
        .with_labels(&["brand".into()], vec![vec!["vw".into(), "byd".into()]]);
        let e = build(&bad, &mut cols, None, &[]).unwrap_err().to_string();
        assert!(e.contains("`brand` has no value ford (values: byd, vw)"), "{e}");
    }
}
