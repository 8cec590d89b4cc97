//! Runs `spillnet schema` (prints the data reference rendered by
//! [`crate::report::data_reference`]) and `spillnet init` (writes the
//! example rows of every table but the supplementary ones as CSV,
//! atomically, into a new folder).

use std::path::PathBuf;

use super::Ctx;
use crate::atomic::write_atomic;
use crate::error::{Error, Result};
use crate::io::schema::TABLES;
use crate::report::data_reference;

/// Validated configuration of `spillnet schema`.
#[derive(Debug, Clone)]
pub struct SchemaConfig {
    /// Only this table (text format only).
    pub table: Option<String>,
    /// Markdown instead of text.
    pub markdown: bool,
}

/// Validated configuration of `spillnet init`.
#[derive(Debug, Clone)]
pub struct InitConfig {
    /// Folder to write.
    pub dir: PathBuf,
    /// Write into a non-empty folder.
    pub force: bool,
}

/// Run `spillnet schema`.
pub fn run_schema(cfg: &SchemaConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let text = if cfg.markdown {
        data_reference::markdown()
    } else {
        data_reference::text(cfg.table.as_deref()).map_err(Error::Usage)?
    };
    write!(ctx.out, "{text}").map_err(super::stdout_err)
}

/// Run `spillnet init`.
pub fn run_init(cfg: &InitConfig, ctx: &mut Ctx<'_>) -> Result<()> {
    let dir = &cfg.dir;
    let non_empty = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(source) => return Err(Error::Output { path: dir.clone(), source }),
    };
    if non_empty && !cfg.force {
        return Err(Error::Output {
            path: dir.clone(),
            source: std::io::Error::other("folder is not empty; pass --force to overwrite its table files"),
        });
    }
    // Supplementary tables (evidence for the study's further checks) are left
    // out: a new user's template stays the core data folder.
    let core: Vec<_> = TABLES.iter().filter(|t| !t.supplementary).collect();
    for t in &core {
        let path = dir.join(format!("{}.csv", t.name));
        write_atomic(&path, data_reference::example_csv(t).as_bytes())?;
    }
    ctx.info(format!(
        "wrote {} tables into {}; next: spillnet check --data {}",
        core.len(),
        dir.display(),
        dir.display()
    ))
}
