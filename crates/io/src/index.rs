//! The indexed dataset: the validated tables together with interned ids
//! (firms, models, suppliers, each numbered in sorted id order) and every
//! reference between tables already resolved to those numbers. Validation
//! (`io::validate`) produces the references; this module keeps them, so no
//! later layer rebuilds a string map or re-checks a reference.
//! Imports `io::{error, ids, tables, validate}`.
//!
//! Conventions: a vector named after a *table* (`jv_links`, `model_firm`,
//! `quality_model`, `supplier_links`, `moves`, `production_firm`,
//! `choice_models`, `brand_firms`, `patent_firms`) has one
//! entry per row of that table, in table order; a vector indexed by an
//! interned number (`firm_row`, `model_row`) has one entry per id.

use std::ops::Deref;
use std::path::Path;

use serde::Serialize;

use super::error::LoadError;
use super::ids::{FirmId, ModelId, SupplierId};
use super::tables::{Dataset, Firm, Model};
use super::validate::{self, FirmIndex, ModelIndex, TargetPos};

/// Distinct ids in sorted order; an id's number is its rank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Interned<T> {
    ids: Vec<T>,
}

impl<T: Ord> Interned<T> {
    /// Intern `ids` (sorted and deduplicated).
    fn new(mut ids: Vec<T>) -> Self {
        ids.sort_unstable();
        ids.dedup();
        Interned { ids }
    }

    /// Number of distinct ids.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The number of `id`, if it is interned.
    pub fn ix(&self, id: &T) -> Option<u32> {
        self.ids.binary_search(id).ok().map(to_u32)
    }

    /// The id numbered `k`.
    ///
    /// # Panics
    /// When `k` is out of range.
    pub fn id(&self, k: u32) -> &T {
        &self.ids[k as usize]
    }

    /// All ids, in number order (sorted).
    pub fn ids(&self) -> &[T] {
        &self.ids
    }
}

/// What a supplier link points at, resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Supplied {
    /// A model (its number in [`Index::models`]).
    Model(u32),
    /// A firm (its number in [`Index::firms`]).
    Firm(u32),
}

/// A supplier link with its ids resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SupplierRef {
    /// The supplier's number in [`Index::suppliers`].
    pub supplier: u32,
    /// The supplied model or firm.
    pub target: Supplied,
}

/// A `jv_links` row with its firms resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JvRef {
    /// The JV.
    pub jv: u32,
    /// Its domestic parent.
    pub domestic: u32,
    /// Its foreign parent.
    pub foreign: u32,
}

/// Interned ids and resolved references of a [`Dataset`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Index {
    /// Firm ids.
    pub firms: Interned<FirmId>,
    /// Per firm number: its row (0-based) in `firms`.
    pub firm_row: Vec<u32>,
    /// Per `firms` row: the firm's number.
    pub firm_of_row: Vec<u32>,
    /// Model ids.
    pub models: Interned<ModelId>,
    /// Per model number: its row (0-based) in `models`.
    pub model_row: Vec<u32>,
    /// Per `models` row: the model's number.
    pub model_of_row: Vec<u32>,
    /// Per `models` row: the producing firm.
    pub model_firm: Vec<u32>,
    /// Per `jv_links` row: its three firms.
    pub jv_links: Vec<JvRef>,
    /// Per `quality` row: the rated model.
    pub quality_model: Vec<u32>,
    /// Supplier ids (those named in `suppliers`).
    pub suppliers: Interned<SupplierId>,
    /// Per `suppliers` row: supplier and target.
    pub supplier_links: Vec<SupplierRef>,
    /// Per `worker_moves` row: (from_firm, to_firm).
    pub moves: Vec<[u32; 2]>,
    /// Per `production` row: the firm (empty without the table).
    pub production_firm: Vec<u32>,
    /// Per `customer_choices` row: (model_a, model_b).
    pub choice_models: Vec<[u32; 2]>,
    /// Per `brand_association` row: (domestic_firm, foreign_parent).
    pub brand_firms: Vec<[u32; 2]>,
    /// Per `patents` row: (from_firm, to_firm).
    pub patent_firms: Vec<[u32; 2]>,
}

impl Index {
    /// The firm producing model number `m`.
    pub fn firm_of_model(&self, m: u32) -> u32 {
        self.model_firm[self.model_row[m as usize] as usize]
    }
}

/// Resolved references as positions in the referenced tables (what validation returns).
#[derive(Debug, Default)]
pub(crate) struct Positions {
    pub jv_links: Vec<[usize; 3]>,
    pub model_firm: Vec<usize>,
    pub quality_model: Vec<usize>,
    pub supplier_links: Vec<TargetPos>,
    pub moves: Vec<[usize; 2]>,
    pub production_firm: Vec<usize>,
    pub choice_models: Vec<[usize; 2]>,
    pub brand_firms: Vec<[usize; 2]>,
    pub patent_firms: Vec<[usize; 2]>,
}

/// `(rank of each row, row of each rank)` of the keys `keys` (distinct).
fn ranks<T: Ord>(keys: &[T]) -> (Vec<u32>, Vec<u32>) {
    let mut row_of: Vec<u32> = (0..keys.len()).map(to_u32).collect();
    row_of.sort_unstable_by(|&a, &b| keys[a as usize].cmp(&keys[b as usize]));
    let mut rank_of = vec![0u32; keys.len()];
    for (rank, &row) in row_of.iter().enumerate() {
        rank_of[row as usize] = to_u32(rank);
    }
    (rank_of, row_of)
}

fn to_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or_else(|_| unreachable!("more than 2^32 rows in a table"))
}

impl Index {
    /// Build from validated tables and the positions validation resolved.
    pub(crate) fn build(ds: &Dataset, p: Positions) -> Self {
        let firm_keys: Vec<&FirmId> = ds.firms.iter().map(|f| &f.firm_id).collect();
        let (firm_of_row, firm_row) = ranks(&firm_keys);
        let model_keys: Vec<&ModelId> = ds.models.iter().map(|m| &m.model_id).collect();
        let (model_of_row, model_row) = ranks(&model_keys);
        let firm = |pos: usize| firm_of_row[pos];
        let model = |pos: usize| model_of_row[pos];
        let suppliers = Interned::new(ds.suppliers.iter().map(|s| s.supplier_id.clone()).collect());
        let supplier_links = ds
            .suppliers
            .iter()
            .zip(&p.supplier_links)
            .map(|(s, t)| SupplierRef {
                supplier: suppliers.ix(&s.supplier_id).unwrap_or_else(|| unreachable!("interned above")),
                target: match *t {
                    TargetPos::Model(m) => Supplied::Model(model(m)),
                    TargetPos::Firm(f) => Supplied::Firm(firm(f)),
                },
            })
            .collect();
        Index {
            jv_links: p
                .jv_links
                .iter()
                .map(|&[j, d, f]| JvRef { jv: firm(j), domestic: firm(d), foreign: firm(f) })
                .collect(),
            model_firm: p.model_firm.iter().map(|&f| firm(f)).collect(),
            quality_model: p.quality_model.iter().map(|&m| model(m)).collect(),
            moves: p.moves.iter().map(|&[a, b]| [firm(a), firm(b)]).collect(),
            production_firm: p.production_firm.iter().map(|&f| firm(f)).collect(),
            choice_models: p.choice_models.iter().map(|&[a, b]| [model(a), model(b)]).collect(),
            brand_firms: p.brand_firms.iter().map(|&[d, f]| [firm(d), firm(f)]).collect(),
            patent_firms: p.patent_firms.iter().map(|&[a, b]| [firm(a), firm(b)]).collect(),
            supplier_links,
            suppliers,
            firms: Interned { ids: firm_row.iter().map(|&r| ds.firms[r as usize].firm_id.clone()).collect() },
            models: Interned { ids: model_row.iter().map(|&r| ds.models[r as usize].model_id.clone()).collect() },
            firm_row,
            firm_of_row,
            model_row,
            model_of_row,
        }
    }
}

/// A validated [`Dataset`] with its [`Index`]: what [`crate::load::load_dataset`]
/// returns and every later layer consumes. Dereferences to the tables.
#[derive(Debug, Clone, PartialEq)]
pub struct Indexed {
    tables: Dataset,
    index: Index,
}

impl Indexed {
    /// Validate tables held in memory (generated, or assembled by a program)
    /// with the loader's cross-table rules: unique keys, references that
    /// resolve, firm kinds, one survey per dimension. Errors name the table
    /// (as `firms`, `models`, …), the 1-based row and the column. Per-cell
    /// rules (ranges, years) are the loader's and are not repeated here.
    ///
    /// # Errors
    /// The first violation, as the loader reports it.
    pub fn new(tables: Dataset) -> Result<Self, LoadError> {
        let path = Path::new;
        validate::check_firms(&tables.firms, path("firms"))?;
        let firms = FirmIndex::new(&tables.firms, path("firms"));
        let models = ModelIndex::new(&tables.models, path("models"));
        let p = Positions {
            jv_links: validate::check_jv_links(&tables.jv_links, path("jv_links"), &firms)?,
            model_firm: validate::check_models(&tables.models, path("models"), &firms)?,
            quality_model: validate::check_quality(&tables.quality, path("quality"), &models)?,
            supplier_links: validate::check_suppliers(&tables.suppliers, path("suppliers"), &firms, &models)?,
            moves: validate::check_worker_moves(&tables.worker_moves, path("worker_moves"), &firms)?,
            production_firm: match &tables.production {
                Some(rows) => validate::check_production(rows, path("production"), &firms)?,
                None => Vec::new(),
            },
            choice_models: validate::check_customer_choices(
                &tables.customer_choices,
                path("customer_choices"),
                &models,
            )?,
            brand_firms: validate::check_brand_association(
                &tables.brand_association,
                path("brand_association"),
                &firms,
            )?,
            patent_firms: validate::check_patents(&tables.patents, path("patents"), &firms)?,
        };
        Ok(Self::from_parts(tables, p))
    }

    /// Tables already validated by the loader, with the positions it resolved.
    pub(crate) fn from_parts(tables: Dataset, p: Positions) -> Self {
        let index = Index::build(&tables, p);
        Indexed { tables, index }
    }

    /// The tables.
    pub fn tables(&self) -> &Dataset {
        &self.tables
    }

    /// The interned ids and resolved references.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The tables, dropping the index.
    pub fn into_tables(self) -> Dataset {
        self.tables
    }

    /// The firm numbered `k`.
    pub fn firm(&self, k: u32) -> &Firm {
        &self.tables.firms[self.index.firm_row[k as usize] as usize]
    }

    /// The model numbered `k`.
    pub fn model(&self, k: u32) -> &Model {
        &self.tables.models[self.index.model_row[k as usize] as usize]
    }
}

impl Deref for Indexed {
    type Target = Dataset;

    fn deref(&self) -> &Dataset {
        &self.tables
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::GroupId;
    use crate::tables::{FirmKind, JvLink, Ownership, SupplierLink, SupplierTarget, WorkerMove};

    fn firm(id: &str, kind: FirmKind) -> Firm {
        Firm {
            firm_id: FirmId(id.into()),
            name: id.into(),
            kind,
            group_id: GroupId(id.into()),
            province: None,
            ownership: Ownership::Soe,
        }
    }

    fn sample() -> Dataset {
        Dataset {
            // File order differs from id order: C, A, B.
            firms: vec![firm("C", FirmKind::Foreign), firm("A", FirmKind::Domestic), firm("B", FirmKind::Jv)],
            jv_links: vec![JvLink {
                jv_id: "B".into(),
                domestic_parent: "A".into(),
                foreign_parent: "C".into(),
                founded: 2000,
                dissolved: None,
                foreign_share: None,
            }],
            models: vec![
                Model {
                    model_id: "m2".into(),
                    firm_id: "B".into(),
                    segment: "s".into(),
                    first_year: 2000,
                    last_year: 2001,
                    price: None,
                    size: None,
                    power: None,
                },
                Model {
                    model_id: "m1".into(),
                    firm_id: "A".into(),
                    segment: "s".into(),
                    first_year: 2000,
                    last_year: 2001,
                    price: None,
                    size: None,
                    power: None,
                },
            ],
            quality: vec![],
            suppliers: vec![
                SupplierLink {
                    supplier_id: "z".into(),
                    target: SupplierTarget::Model("m1".into()),
                    component: "c".into(),
                    year: None,
                },
                SupplierLink {
                    supplier_id: "y".into(),
                    target: SupplierTarget::Firm("B".into()),
                    component: "c".into(),
                    year: None,
                },
            ],
            worker_moves: vec![WorkerMove {
                from_firm: "B".into(),
                to_firm: "A".into(),
                year: 2001,
                count: 2,
                person_id: None,
            }],
            production: None,
            ..Dataset::default()
        }
    }

    #[test]
    fn ids_are_numbered_in_sorted_order_and_references_resolve_to_them() {
        let d = Indexed::new(sample()).unwrap();
        let ix = d.index();
        // A=0, B=1, C=2; rows: C is row 0, A row 1, B row 2.
        assert_eq!(ix.firms.ids(), &[FirmId::from("A"), FirmId::from("B"), FirmId::from("C")]);
        assert_eq!(ix.firm_row, vec![1, 2, 0]);
        assert_eq!(ix.firm_of_row, vec![2, 0, 1]);
        assert_eq!(d.firm(1).firm_id.as_str(), "B");
        assert_eq!(ix.jv_links, vec![JvRef { jv: 1, domestic: 0, foreign: 2 }]);
        // m1=0 (row 1), m2=1 (row 0); producers per models row: B, A.
        assert_eq!(ix.model_of_row, vec![1, 0]);
        assert_eq!(ix.model_firm, vec![1, 0]);
        assert_eq!(d.model(0).model_id.as_str(), "m1");
        // Suppliers y=0, z=1.
        assert_eq!(
            ix.supplier_links,
            vec![
                SupplierRef { supplier: 1, target: Supplied::Model(0) },
                SupplierRef { supplier: 0, target: Supplied::Firm(1) }
            ]
        );
        assert_eq!(ix.moves, vec![[1, 0]]);
        assert_eq!(ix.firms.ix(&"C".into()), Some(2));
        assert_eq!(ix.firms.ix(&"D".into()), None);
    }

    #[test]
    fn supplementary_references_resolve_to_numbers() {
        use crate::tables::{BrandAssociation, CustomerChoice, PatentFlow, PatentKind};
        let mut ds = sample();
        // Models m1 = 0, m2 = 1; firms A = 0 (domestic), B = 1 (JV), C = 2 (foreign).
        ds.customer_choices = vec![CustomerChoice { model_a: "m2".into(), model_b: "m1".into(), year: 2001, count: 5 }];
        ds.brand_association =
            vec![BrandAssociation { domestic_firm: "A".into(), foreign_parent: "C".into(), share: 0.3 }];
        ds.patents = vec![PatentFlow {
            from_firm: "B".into(),
            to_firm: "A".into(),
            year: 2001,
            count: 1,
            kind: PatentKind::Transfer,
        }];
        let d = Indexed::new(ds.clone()).unwrap();
        assert_eq!(d.index().choice_models, vec![[1, 0]]);
        assert_eq!(d.index().brand_firms, vec![[0, 2]]);
        assert_eq!(d.index().patent_firms, vec![[1, 0]]);
        // The same pair in the other order, the same year: a repeated key.
        ds.customer_choices.push(CustomerChoice { model_a: "m1".into(), model_b: "m2".into(), year: 2001, count: 1 });
        assert_eq!(
            Indexed::new(ds.clone()).unwrap_err().to_string(),
            "customer_choices: row 2: duplicate key (model_a, model_b, year (unordered pair)) = (m1, m2, 2001), \
             first seen in row 1"
        );
        ds.customer_choices.truncate(1);
        ds.brand_association[0].foreign_parent = "B".into();
        assert_eq!(
            Indexed::new(ds).unwrap_err().to_string(),
            "brand_association: row 1, column `foreign_parent`: firm `B` has kind `jv`, expected kind foreign"
        );
    }

    #[test]
    fn in_memory_tables_get_the_loaders_reference_errors() {
        let mut ds = sample();
        ds.worker_moves[0].to_firm = "X".into();
        let err = Indexed::new(ds).unwrap_err();
        assert_eq!(err.to_string(), "worker_moves: row 1, column `to_firm`: `X` not found (no such firm_id in firms)");
        let mut ds = sample();
        ds.models[1].firm_id = "C".into();
        let err = Indexed::new(ds).unwrap_err();
        assert_eq!(
            err.to_string(),
            "models: row 2, column `firm_id`: firm `C` has kind `foreign`, expected kind domestic or jv"
        );
    }
}
