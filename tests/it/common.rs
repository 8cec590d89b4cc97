//! Helpers shared by the integration tests: the shipped data folder and
//! one-line builders of typed-table rows for hand-built datasets.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use spillnet::io::Indexed;
use spillnet::io::tables::{Dataset, Firm, FirmKind, Ownership, SupplierLink, SupplierTarget, WorkerMove};

/// The shipped `data/` folder (the README's main command runs on it).
pub fn shipped_data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data")
}

/// The shipped dataset, loaded and validated.
pub fn shipped_dataset() -> Indexed {
    spillnet::io::load::load_dataset(&shipped_data_dir()).unwrap()
}

/// Validate and index hand-built tables (panics on invalid ones: a test bug).
pub fn indexed(d: &Dataset) -> Indexed {
    Indexed::new(d.clone()).unwrap_or_else(|e| panic!("test tables are invalid: {e}"))
}

/// A firm named by its id; foreign firms are foreign-owned, others SOEs.
pub fn firm(id: &str, kind: FirmKind, group: &str, province: Option<&str>) -> Firm {
    Firm {
        firm_id: id.into(),
        name: id.into(),
        kind,
        group_id: group.into(),
        province: province.map(Into::into),
        ownership: if kind == FirmKind::Foreign { Ownership::Foreign } else { Ownership::Soe },
    }
}

/// A supplier link to a whole firm (pooled over years).
pub fn sup_firm(s: &str, firm: &str) -> SupplierLink {
    SupplierLink { supplier_id: s.into(), target: SupplierTarget::Firm(firm.into()), component: "c".into(), year: None }
}

/// An aggregated worker move.
pub fn worker_move(from: &str, to: &str, year: i32, count: u64) -> WorkerMove {
    WorkerMove { from_firm: from.into(), to_firm: to.into(), year, count, person_id: None }
}

/// All files under `dir`, recursively (relative `/`-separated path → bytes).
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel =
                    p.strip_prefix(dir).unwrap().components().map(|c| c.as_os_str().to_string_lossy().into_owned());
                out.insert(rel.collect::<Vec<_>>().join("/"), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}
