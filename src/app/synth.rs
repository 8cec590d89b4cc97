//! Runs `spillnet synth`: generates a synthetic dataset with
//! [`crate::synth::generate()`], writes its tables with
//! [`crate::io::write::write_dataset`], `truth.json` and the real-network
//! source files (`sources/`) atomically, and prints a summary.

use std::path::{Path, PathBuf};

use super::Ctx;
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::io::schema::TABLES;
use crate::io::write::{TableFormat, write_dataset};
use crate::synth::{SynthError, SynthParams, network};

/// Validated configuration of `spillnet synth`.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    /// Output folder.
    pub out: PathBuf,
    /// Seed, scale and planted parameters.
    pub params: SynthParams,
    /// Table file format.
    pub format: TableFormat,
    /// Write into a non-empty folder.
    pub force: bool,
}

/// The source files copied into `DIR/sources/` (name, contents).
pub const SOURCE_FILES: [(&str, &str); 3] = [
    ("china_auto_jvs.csv", network::JVS_CSV),
    ("china_auto_own_brands.csv", network::OWN_BRANDS_CSV),
    ("SOURCES.md", network::SOURCES_MD),
];

fn is_non_empty(dir: &Path) -> Result<bool> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => Ok(entries.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(Error::Output { path: dir.to_path_buf(), source }),
    }
}

/// Run the command.
pub fn run(cfg: &SynthConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let dir = &cfg.out;
    if dir.exists() && !dir.is_dir() {
        return Err(Error::Output { path: dir.clone(), source: std::io::Error::other("exists and is not a folder") });
    }
    if is_non_empty(dir)? {
        if !cfg.force {
            return Err(SynthError::OutputNotEmpty { dir: dir.clone() }.into());
        }
        // Replace generated tables: remove those of the other format (and a
        // stale production file is overwritten below, as production is always written).
        let other = match cfg.format {
            TableFormat::Csv => TableFormat::Parquet,
            TableFormat::Parquet => TableFormat::Csv,
        };
        // Supplementary tables of an earlier `--evidence` run go too when this
        // run writes none (an empty table is not written).
        for t in TABLES {
            let formats = if t.supplementary && !cfg.params.evidence { vec![other, cfg.format] } else { vec![other] };
            for format in formats {
                let stale = dir.join(format!("{}.{}", t.name, format.extension()));
                if stale.is_file() {
                    std::fs::remove_file(&stale).map_err(|source| Error::Output { path: stale.clone(), source })?;
                }
            }
        }
    }
    let (ds, truth) = crate::synth::generate(&cfg.params)?;
    let mut written = write_dataset(dir, &ds, cfg.format)?;
    let truth_path = dir.join("truth.json");
    write_atomic(&truth_path, truth.to_json().as_bytes())?;
    written.push(truth_path);
    for (name, text) in SOURCE_FILES {
        let path = dir.join("sources").join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    let p = &cfg.params;
    ctx.println(format!(
        "synthetic dataset: seed {}, scale {}, rho {} -> {}",
        p.seed,
        p.scale.as_str(),
        p.rho,
        dir.display()
    ))?;
    for name in [
        "firms",
        "jv_links",
        "models",
        "quality_rows",
        "supplier_links",
        "worker_moves",
        "production_rows",
        "pair_dimension_obs",
        "distinct_pairs",
        "affiliated_distinct_pairs",
    ] {
        ctx.println(format!("  {name:<26} {}", truth.count(name).unwrap_or(0)))?;
    }
    if p.evidence {
        for (name, rows) in [
            ("customer_choices", ds.customer_choices.len()),
            ("brand_association", ds.brand_association.len()),
            ("patents", ds.patents.len()),
        ] {
            ctx.println(format!("  {name:<26} {rows}"))?;
        }
    }
    for path in &written {
        ctx.info(format!("wrote {}", path.display()))?;
    }
    Ok(())
}
