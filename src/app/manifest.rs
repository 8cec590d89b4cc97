//! The run manifest (`manifest.json`): what a batch run read, did and wrote,
//! so that a result can be cited and re-run. Owns [`Manifest`] (the JSON
//! document), its builder [`ManifestBuilder`], the per-step record
//! [`StepRecord`] with its [`Exclusion`]s, and [`sha256_file`].
//!
//! Reproducibility contract: every field except those named `seconds` is a
//! function of the spillnet version, the configuration and the input files,
//! so two runs of the same configuration give manifests that differ only in
//! their `seconds` values. Step accounting: for every step
//! `rows_in = rows_out + Σ excluded.rows` (checked when the step ends).
//!
//! Adding a step to a run is a few lines:
//!
//! ```no_run
//! # use spillnet::app::manifest::ManifestBuilder;
//! # fn demo(manifest: &mut ManifestBuilder) -> spillnet::Result<()> {
//! let mut step = manifest.begin_step("spillover", "pair × dimension rows");
//! step.rows(717_500, 700_000);
//! step.exclude("pairs with fewer than 5 known suppliers", 17_500);
//! step.output(std::path::Path::new("out/spillover/spillover.txt"));
//! manifest.end_step(step)?;
//! # Ok(()) }
//! ```
//!
//! Imports `atomic` and `error`.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::atomic::write_atomic;
use crate::error::{Error, Result};

/// File name of the manifest inside the output folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The `manifest.json` document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// `CARGO_PKG_VERSION` of the spillnet that wrote it.
    pub spillnet_version: String,
    /// A command line that re-runs this analysis (add `--force` to re-run
    /// into the same, now non-empty, output folder).
    pub command: String,
    /// The configuration file read (`None` for the built-in default).
    pub config_file: Option<FileRecord>,
    /// The full resolved configuration (defaults filled in, paths resolved).
    pub config: serde_json::Value,
    /// Every input file read, in load order.
    pub inputs: Vec<FileRecord>,
    /// Seeds of every random step, by step name.
    pub seeds: BTreeMap<String, u64>,
    /// One record per step, in run order.
    pub steps: Vec<StepRecord>,
    /// Every reproducible file written (paths relative to the output
    /// folder), sorted, with its hash; `manifest.json` itself is not listed.
    pub outputs: Vec<FileRecord>,
    /// Files written whose bytes may differ between two runs of the same
    /// configuration (e.g. Graphviz `fdp` layouts), sorted, with the reason;
    /// they are not hashed.
    pub unreproducible: Vec<Unreproducible>,
    /// Wall-clock time of the whole run (the only fields that differ between
    /// two runs of the same configuration are named `seconds`).
    pub seconds: f64,
}

/// A file with its size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRecord {
    /// The path (inputs: as read; outputs: relative to the output folder,
    /// `/`-separated).
    pub path: String,
    /// What the file is (input table name, or `null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// Size in bytes.
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the contents.
    pub sha256: String,
}

/// An output whose bytes are not a function of the configuration and inputs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unreproducible {
    /// Path relative to the output folder, `/`-separated.
    pub path: String,
    /// Why it may differ between runs.
    pub reason: String,
}

/// What one step of a run consumed and produced.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// Step name, e.g. `load`, `diagram diagrams/firms.dot`.
    pub name: String,
    /// What `rows_in` / `rows_out` count (e.g. `table rows`, `edges`).
    pub unit: String,
    /// Units entering the step.
    pub rows_in: u64,
    /// Units leaving it.
    pub rows_out: u64,
    /// Why the other units were left out; `rows_in = rows_out + Σ rows`.
    pub excluded: Vec<Exclusion>,
    /// Further counts worth citing (e.g. `nodes`, `zero_weight_rows.geography`).
    pub counts: BTreeMap<String, u64>,
    /// Files written by the step, relative to the output folder, in write order.
    pub outputs: Vec<String>,
    /// Wall-clock time of the step.
    pub seconds: f64,
}

/// Units a step left out for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exclusion {
    /// Why, in words.
    pub reason: String,
    /// How many.
    pub rows: u64,
}

/// A step being run: fill it in, then hand it to [`ManifestBuilder::end_step`].
#[derive(Debug)]
pub struct Step {
    record: StepRecord,
    unreproducible: Vec<Unreproducible>,
    started: Instant,
    out_dir: PathBuf,
}

impl Step {
    /// Set the units entering and leaving the step.
    pub fn rows(&mut self, rows_in: u64, rows_out: u64) {
        self.record.rows_in = rows_in;
        self.record.rows_out = rows_out;
    }

    /// Record `rows` units left out for `reason` (ignored when `rows` is 0).
    pub fn exclude(&mut self, reason: impl Into<String>, rows: u64) {
        if rows > 0 {
            self.record.excluded.push(Exclusion { reason: reason.into(), rows });
        }
    }

    /// Record a further count under `key`.
    pub fn count(&mut self, key: impl Into<String>, value: u64) {
        self.record.counts.insert(key.into(), value);
    }

    /// Record a file the step wrote: relative to the output folder when it
    /// lies inside it, else as given (a configuration with
    /// `allow_outside_output = true`; [`ManifestBuilder::finish`] hashes it
    /// at that path).
    pub fn output(&mut self, path: &Path) {
        let rel = relative_to(path, &self.out_dir).unwrap_or_else(|| path.display().to_string());
        self.record.outputs.push(rel);
    }

    /// Record a file the step wrote whose bytes may differ between runs of
    /// the same configuration (listed, not hashed, in the manifest).
    pub fn output_unreproducible(&mut self, path: &Path, reason: impl Into<String>) {
        self.output(path);
        let rel = self.record.outputs.last().expect("just pushed").clone();
        self.unreproducible.push(Unreproducible { path: rel, reason: reason.into() });
    }

    /// The record so far.
    pub fn record(&self) -> &StepRecord {
        &self.record
    }
}

/// Collects a [`Manifest`] while a run proceeds and writes it last.
#[derive(Debug)]
pub struct ManifestBuilder {
    manifest: Manifest,
    out_dir: PathBuf,
    started: Instant,
}

impl ManifestBuilder {
    /// Start a manifest for a run writing into `out_dir`; the clock starts now.
    pub fn new(command: impl Into<String>, config: serde_json::Value, out_dir: &Path) -> Self {
        ManifestBuilder {
            manifest: Manifest {
                spillnet_version: env!("CARGO_PKG_VERSION").to_owned(),
                command: command.into(),
                config_file: None,
                config,
                inputs: Vec::new(),
                seeds: BTreeMap::new(),
                steps: Vec::new(),
                outputs: Vec::new(),
                unreproducible: Vec::new(),
                seconds: 0.0,
            },
            out_dir: out_dir.to_path_buf(),
            started: Instant::now(),
        }
    }

    /// Record the configuration file: its path as given and its contents.
    pub fn config_file(&mut self, path: &Path, contents: &[u8]) {
        self.manifest.config_file = Some(FileRecord {
            path: path.display().to_string(),
            table: None,
            bytes: contents.len() as u64,
            sha256: hex(&Sha256::digest(contents)),
        });
    }

    /// Record an input file (hashes it).
    ///
    /// # Errors
    /// As [`sha256_file`].
    pub fn input(&mut self, path: &Path, table: Option<&str>) -> Result<()> {
        let (bytes, sha256) = sha256_file(path)?;
        self.manifest.inputs.push(FileRecord {
            path: path.display().to_string(),
            table: table.map(str::to_owned),
            bytes,
            sha256,
        });
        Ok(())
    }

    /// Record the seed of a random step.
    pub fn seed(&mut self, name: impl Into<String>, seed: u64) {
        self.manifest.seeds.insert(name.into(), seed);
    }

    /// Begin a step; `unit` says what its row counts count.
    pub fn begin_step(&self, name: impl Into<String>, unit: impl Into<String>) -> Step {
        Step {
            record: StepRecord {
                name: name.into(),
                unit: unit.into(),
                rows_in: 0,
                rows_out: 0,
                excluded: Vec::new(),
                counts: BTreeMap::new(),
                outputs: Vec::new(),
                seconds: 0.0,
            },
            unreproducible: Vec::new(),
            started: Instant::now(),
            out_dir: self.out_dir.clone(),
        }
    }

    /// End a step: stop its clock and append its record.
    ///
    /// # Errors
    /// [`Error::Output`] on `manifest.json` when the step's accounting
    /// `rows_in = rows_out + Σ excluded` does not hold (a bug in the step).
    pub fn end_step(&mut self, mut step: Step) -> Result<&StepRecord> {
        let r = &mut step.record;
        let excluded: u64 = r.excluded.iter().map(|e| e.rows).sum();
        if r.rows_in != r.rows_out + excluded {
            return Err(Error::Output {
                path: self.out_dir.join(MANIFEST_FILE),
                source: std::io::Error::other(format!(
                    "step `{}`: {} {} in, {} out, {} excluded do not add up",
                    r.name, r.rows_in, r.unit, r.rows_out, excluded
                )),
            });
        }
        r.seconds = seconds(step.started);
        self.manifest.unreproducible.extend(step.unreproducible);
        self.manifest.steps.push(step.record);
        Ok(self.manifest.steps.last().expect("just pushed"))
    }

    /// The steps recorded so far.
    pub fn steps(&self) -> &[StepRecord] {
        &self.manifest.steps
    }

    /// Hash every output of every step, stop the clock and write
    /// `manifest.json` atomically into the output folder. Returns the manifest.
    ///
    /// # Errors
    /// When an output cannot be read or the manifest cannot be written.
    pub fn finish(mut self) -> Result<Manifest> {
        let mut paths: Vec<&String> = self.manifest.steps.iter().flat_map(|s| &s.outputs).collect();
        paths.sort();
        paths.dedup();
        self.manifest.unreproducible.sort_by(|a, b| a.path.cmp(&b.path));
        self.manifest.unreproducible.dedup();
        let unreproducible = &self.manifest.unreproducible;
        paths.retain(|p| !unreproducible.iter().any(|u| &u.path == *p));
        let mut outputs = Vec::with_capacity(paths.len());
        for rel in paths {
            let (bytes, sha256) = sha256_file(&self.out_dir.join(rel))?;
            outputs.push(FileRecord { path: rel.clone(), table: None, bytes, sha256 });
        }
        self.manifest.outputs = outputs;
        self.manifest.seconds = seconds(self.started);
        let mut json = serde_json::to_vec_pretty(&self.manifest).expect("the manifest serialises to JSON");
        json.push(b'\n');
        write_atomic(&self.out_dir.join(MANIFEST_FILE), &json)?;
        Ok(self.manifest)
    }
}

/// Size and lower-case hex SHA-256 of a file, read in a stream.
///
/// # Errors
/// [`Error::Output`] naming the file when it cannot be read.
pub fn sha256_file(path: &Path) -> Result<(u64, String)> {
    let err = |source: std::io::Error| Error::Output {
        path: path.to_path_buf(),
        source: std::io::Error::new(source.kind(), format!("cannot read to hash it: {source}")),
    };
    let mut file = std::fs::File::open(path).map_err(err)?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher).map_err(err)?;
    Ok((bytes, hex(&hasher.finalize())))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Seconds since `t`, rounded to milliseconds.
fn seconds(t: Instant) -> f64 {
    (t.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// `path` relative to `dir` as a `/`-separated string, when it lies inside it.
fn relative_to(path: &Path, dir: &Path) -> Option<String> {
    let rel = path.strip_prefix(dir).ok()?;
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_a_known_string() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("abc.txt");
        std::fs::write(&p, b"abc").unwrap();
        let (n, h) = sha256_file(&p).unwrap();
        assert_eq!(n, 3);
        assert_eq!(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn steps_must_add_up_and_outputs_are_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let mut m = ManifestBuilder::new("spillnet run", serde_json::json!({"k": 1}), &out);
        let mut s = m.begin_step("bad", "rows");
        s.rows(10, 7);
        s.exclude("some reason", 2);
        assert!(m.end_step(s).is_err());

        let mut s = m.begin_step("good", "rows");
        s.rows(10, 7);
        s.exclude("some reason", 3);
        s.exclude("no rows: not recorded", 0);
        std::fs::create_dir_all(out.join("sub")).unwrap();
        std::fs::write(out.join("sub/a.txt"), b"abc").unwrap();
        s.output(&out.join("sub/a.txt"));
        std::fs::write(out.join("b.svg"), b"<svg/>").unwrap();
        s.output_unreproducible(&out.join("b.svg"), "layout varies");
        assert_eq!(m.end_step(s).unwrap().excluded.len(), 1);
        m.seed("placebo", 7);
        let manifest = m.finish().unwrap();
        assert_eq!(manifest.outputs.len(), 1);
        assert_eq!(
            manifest.unreproducible,
            vec![Unreproducible { path: "b.svg".into(), reason: "layout varies".into() }]
        );
        assert_eq!(manifest.outputs[0].path, "sub/a.txt");
        let json: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join(MANIFEST_FILE)).unwrap()).unwrap();
        assert_eq!(json["steps"][0]["outputs"][0], "sub/a.txt");
        assert_eq!(json["seeds"]["placebo"], 7);
    }

    #[test]
    fn outputs_outside_the_folder_are_not_relative() {
        assert_eq!(relative_to(Path::new("o/a/b.dot"), Path::new("o")).as_deref(), Some("a/b.dot"));
        assert_eq!(relative_to(Path::new("p/a.dot"), Path::new("o")), None);
        assert_eq!(relative_to(Path::new("o"), Path::new("o")), None);
    }
}
