//! The bad-input catalogue (issue #6): one named case per kind of defect a
//! user can feed spillnet — data folders (`spillnet check`, `spillover`),
//! regression tables (`spillnet estimate`) and run configurations
//! (`spillnet run CONFIG`) — each a small mutation of a valid input, with
//! the outcome the real binary must give: exit code 1 for a data error,
//! 2 for a usage or configuration error, 0 (with a visible warning where
//! there is one) when the analysis legitimately goes on, and substrings of
//! the message naming where the problem is (file, 1-based data row,
//! column or key). No case may panic.
//!
//! Cases already covered in detail by `check.rs` are listed here as well
//! (this is the catalogue). In expected texts `{dir}` stands for the
//! case's temporary folder.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// One catalogue entry.
struct Case {
    /// Unique name (what is wrong).
    name: &'static str,
    /// Prepare the case's folder and return the command-line arguments.
    setup: fn(&Path) -> Vec<String>,
    /// Expected exit code.
    code: i32,
    /// Substrings of stderr (warnings and errors).
    stderr: &'static [&'static str],
    /// Substrings of stdout.
    stdout: &'static [&'static str],
}

// ---------------------------------------------------------------- helpers

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

/// Copy the valid tiny fixture into `dir`.
fn tiny(dir: &Path) {
    for e in std::fs::read_dir(fixture_dir()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
}

/// Write `spillnet synth --scale small` output into `dir`.
fn synth(dir: &Path) {
    Command::cargo_bin("spillnet")
        .unwrap()
        .args(["--quiet", "synth", "--scale", "small", "--out"])
        .arg(dir)
        .assert()
        .success();
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file)).unwrap()
}

fn write(dir: &Path, file: &str, text: impl AsRef<[u8]>) {
    std::fs::write(dir.join(file), text).unwrap();
}

/// Replace the first occurrence of `from` (which must occur) in `file`.
fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let s = read(dir, file);
    assert!(s.contains(from), "{file} does not contain {from:?}");
    write(dir, file, s.replacen(from, to, 1));
}

/// Append one line to `file`.
fn append(dir: &Path, file: &str, line: &str) {
    let mut s = read(dir, file);
    s.push_str(line);
    s.push('\n');
    write(dir, file, s);
}

/// Replace every comma of `file` by `sep`.
fn separate_by(dir: &Path, file: &str, sep: &str) {
    let s = read(dir, file);
    write(dir, file, s.replace(',', sep));
}

/// Put a UTF-8 byte-order mark before `file`.
fn bom(dir: &Path, file: &str) {
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(std::fs::read(dir.join(file)).unwrap());
    write(dir, file, bytes);
}

/// Replace the first occurrence of `from` in `file` by raw bytes.
fn edit_bytes(dir: &Path, file: &str, from: &str, to: &[u8]) {
    let s = read(dir, file);
    let at = s.find(from).unwrap_or_else(|| panic!("{file} does not contain {from:?}"));
    let mut bytes = s.as_bytes()[..at].to_vec();
    bytes.extend_from_slice(to);
    bytes.extend_from_slice(&s.as_bytes()[at + from.len()..]);
    write(dir, file, bytes);
}

/// Drop every score of one (model, dimension) — the first of `quality.csv` —
/// so that this model lacks one dimension of its survey in every year.
fn drop_one_dimension(dir: &Path) {
    let text = read(dir, "quality.csv");
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("model_id,year,dimension,"), "{header}");
    let first: Vec<&str> = lines.clone().next().unwrap().split(',').collect();
    let (model, dimension) = (first[0], first[2]);
    let mut out = format!("{header}\n");
    for l in lines {
        let f: Vec<&str> = l.split(',').collect();
        if !(f[0] == model && f[2] == dimension) {
            out.push_str(l);
            out.push('\n');
        }
    }
    assert!(out.len() < text.len());
    write(dir, "quality.csv", out);
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

fn check(dir: &Path) -> Vec<String> {
    args(&["check", "--data", &dir.display().to_string()])
}

/// The tiny fixture with one edit, then `spillnet check`.
fn check_edit(dir: &Path, file: &str, from: &str, to: &str) -> Vec<String> {
    tiny(dir);
    edit(dir, file, from, to);
    check(dir)
}

/// The tiny fixture with one appended row, then `spillnet check`.
fn check_append(dir: &Path, file: &str, line: &str) -> Vec<String> {
    tiny(dir);
    append(dir, file, line);
    check(dir)
}

/// `spillnet estimate` on `e.csv` (written from `csv`) with `extra` flags.
fn estimate(dir: &Path, csv: &str, extra: &[&str]) -> Vec<String> {
    write(dir, "e.csv", csv);
    let mut v = args(&["estimate", "--data", &dir.join("e.csv").display().to_string()]);
    v.extend(args(extra));
    v
}

/// Six rows: y varies, x2 = 2·x1, cluster `c` has two one-observation
/// clusters (r, s), `one` is a single cluster, `g` has three levels.
const SIX: &str = "y,x1,x2,x3,g,c,one\n\
                   1,2,4,1,a,p,k\n\
                   2,3,6,0,a,p,k\n\
                   3,5,10,1,b,q,k\n\
                   2,4,8,0,b,q,k\n\
                   5,1,2,1,c,r,k\n\
                   1,7,14,0,c,s,k\n";

/// `spillnet run run.toml` on the tiny fixture, with `toml` as the configuration.
fn run_config(dir: &Path, toml: &str) -> Vec<String> {
    tiny(dir);
    write(dir, "run.toml", toml);
    args(&["run", &dir.join("run.toml").display().to_string()])
}

// ---------------------------------------------------------------- the catalogue

const CASES: &[Case] = &[
    // ------------------------------------------------ files and structure
    Case {
        name: "empty file (optional table)",
        setup: |d| {
            tiny(d);
            write(d, "quality.csv", "");
            check(d)
        },
        code: 1,
        stderr: &[
            "error: {dir}/quality.csv: the file is empty; a table needs at least a header line naming its columns",
        ],
        stdout: &[],
    },
    Case {
        name: "empty file (required table)",
        setup: |d| {
            tiny(d);
            write(d, "firms.csv", "");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/firms.csv: the file is empty"],
        stdout: &[],
    },
    Case {
        name: "empty file (streamed worker_moves)",
        setup: |d| {
            tiny(d);
            write(d, "worker_moves.csv", "");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: the file is empty"],
        stdout: &[],
    },
    Case {
        name: "file holding only a byte-order mark",
        setup: |d| {
            tiny(d);
            write(d, "production.csv", b"\xef\xbb\xbf");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/production.csv: the file is empty"],
        stdout: &[],
    },
    Case {
        name: "header only (production)",
        setup: |d| {
            tiny(d);
            write(d, "production.csv", "firm_id,year,units\n");
            check(d)
        },
        code: 0,
        stderr: &[],
        stdout: &[
            "  production           0 rows  (production.csv)\n",
            "production: 0 rows, 0 firms; no years; 0 units\n",
        ],
    },
    Case {
        name: "header only (streamed worker_moves)",
        setup: |d| {
            tiny(d);
            write(d, "worker_moves.csv", "from_firm,to_firm,year,count,person_id\n");
            check(d)
        },
        code: 0,
        stderr: &[],
        stdout: &["  worker_moves         0 rows  (worker_moves.csv)\n", "worker_moves: 0 rows, 0 workers"],
    },
    Case {
        name: "header only (required firms: the JV links then dangle)",
        setup: |d| {
            tiny(d);
            write(d, "firms.csv", "firm_id,name,kind,group_id,province,ownership\n");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 1, column `jv_id`: `FAWVW` not found (no such firm_id in firms.csv)"],
        stdout: &[],
    },
    Case {
        name: "byte-order mark (firms)",
        setup: |d| {
            tiny(d);
            bom(d, "firms.csv");
            check(d)
        },
        code: 0,
        stderr: &[],
        stdout: &["firms: 9 (domestic 4, foreign 2, jv 3)"],
    },
    Case {
        name: "byte-order mark (streamed worker_moves)",
        setup: |d| {
            tiny(d);
            bom(d, "worker_moves.csv");
            check(d)
        },
        code: 0,
        stderr: &[],
        stdout: &["worker_moves: 5 rows, 8 workers (3 person-level rows)"],
    },
    Case {
        name: "byte-order mark on every table",
        setup: |d| {
            tiny(d);
            for t in ["firms", "jv_links", "models", "quality", "suppliers", "worker_moves", "production"] {
                bom(d, &format!("{t}.csv"));
            }
            check(d)
        },
        code: 0,
        stderr: &[],
        stdout: &["{dir}: valid\n"],
    },
    Case {
        name: "wrong delimiter: semicolons",
        setup: |d| {
            tiny(d);
            separate_by(d, "production.csv", ";");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/production.csv: the header has one column `firm_id;year;units`: columns must be \
                   separated by commas, but this file seems to use semicolons (`;`) \
                   (expected columns: firm_id, year, units)"],
        stdout: &[],
    },
    Case {
        name: "wrong delimiter: tabs",
        setup: |d| {
            tiny(d);
            separate_by(d, "models.csv", "\t");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/models.csv: the header has one column \
                   `model_id\\tfirm_id\\tsegment\\tfirst_year\\tlast_year`: columns must be separated by commas, \
                   but this file seems to use tabs"],
        stdout: &[],
    },
    Case {
        name: "wrong delimiter with a comma inside a cell",
        setup: |d| {
            tiny(d);
            separate_by(d, "firms.csv", ";");
            edit(d, "firms.csv", "Tianjin; Sichuan", "Tianjin, Sichuan");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/firms.csv: row 9 has 2 fields, but the header has 1 \
                   (a header of one column: are the columns separated by something other than commas?)"],
        stdout: &[],
    },
    Case {
        name: "quoted newline inside a cell (valid CSV)",
        setup: |d| check_edit(d, "firms.csv", "FAWXL,FAW Xiali,", "FAWXL,\"FAW\nXiali\","),
        code: 0,
        stderr: &[],
        stdout: &["firms: 9 (domestic 4, foreign 2, jv 3)"],
    },
    Case {
        name: "quoted newline from an unbalanced quote",
        setup: |d| check_edit(d, "firms.csv", "VW,Volkswagen,", "VW,\"Volkswagen,"),
        code: 1,
        stderr: &["error: {dir}/firms.csv: row 5 has 7 fields, but the header has 6 \
                   (a quoted field spans several lines: is a quote unbalanced?)"],
        stdout: &[],
    },
    Case {
        name: "quote never closed",
        setup: |d| check_edit(d, "worker_moves.csv", ",p003", ",\"p003"),
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 5: a quoted field is never closed"],
        stdout: &[],
    },
    Case {
        name: "non-UTF-8 bytes in a data row",
        setup: |d| {
            tiny(d);
            edit_bytes(d, "production.csv", "FAW,2010", b"FA\xffW,2010");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/production.csv: row 5 is not valid UTF-8"],
        stdout: &[],
    },
    Case {
        name: "non-UTF-8 bytes in the header",
        setup: |d| {
            tiny(d);
            edit_bytes(d, "models.csv", "segment", b"s\xe9gment");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/models.csv: the header is not valid UTF-8"],
        stdout: &[],
    },
    Case {
        name: "non-UTF-8 bytes (streamed worker_moves)",
        setup: |d| {
            tiny(d);
            edit_bytes(d, "worker_moves.csv", "p002", b"p\xc0\x02");
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 3 is not valid UTF-8"],
        stdout: &[],
    },
    Case {
        name: "blank line",
        setup: |d| check_append(d, "worker_moves.csv", ""),
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 6 is a blank line; remove it"],
        stdout: &[],
    },
    Case {
        name: "row with too many fields",
        setup: |d| check_append(d, "production.csv", "FAW,2011,5,9"),
        code: 1,
        stderr: &["error: {dir}/production.csv: row 6 has 4 fields, but the header has 3"],
        stdout: &[],
    },
    Case {
        name: "missing required table",
        setup: |d| {
            tiny(d);
            std::fs::remove_file(d.join("jv_links.csv")).unwrap();
            check(d)
        },
        code: 1,
        stderr: &["error: {dir}: missing table `jv_links` (expected jv_links.csv or jv_links.parquet)"],
        stdout: &[],
    },
    Case {
        name: "missing column",
        setup: |d| check_edit(d, "production.csv", "firm_id,year,units", "firm_id,yr,units"),
        code: 1,
        stderr: &["error: {dir}/production.csv: missing column `year`"],
        stdout: &[],
    },
    Case {
        name: "misspelt table file",
        setup: |d| {
            tiny(d);
            std::fs::rename(d.join("production.csv"), d.join("prodution.csv")).unwrap();
            check(d)
        },
        code: 0,
        stderr: &["warning: {dir}: not a table name, ignored: prodution.csv"],
        stdout: &["  production    absent\n"],
    },
    // ------------------------------------------------ NaN / Inf / empty scores and numbers
    Case {
        name: "score NaN",
        setup: |d| check_edit(d, "quality.csv", "BORA,2011,styling,apeal,7.5", "BORA,2011,styling,apeal,NaN"),
        code: 1,
        stderr: &[
            "error: {dir}/quality.csv: row 2, column `score`: value `NaN` is not a finite number (a missing value is an empty cell here, and only columns that allow missing values may have one)",
        ],
        stdout: &[],
    },
    Case {
        name: "score -inf",
        setup: |d| check_edit(d, "quality.csv", "COROLLA,2011,engine,iqs,-0.7", "COROLLA,2011,engine,iqs,-inf"),
        code: 1,
        stderr: &["error: {dir}/quality.csv: row 3, column `score`: value `-inf` is not a finite number"],
        stdout: &[],
    },
    Case {
        name: "score empty",
        setup: |d| check_edit(d, "quality.csv", "BORA,2011,styling,apeal,7.5", "BORA,2011,styling,apeal,"),
        code: 1,
        stderr: &["error: {dir}/quality.csv: row 2, column `score`: empty cell; a value is required"],
        stdout: &[],
    },
    Case {
        name: "score not a number",
        setup: |d| check_edit(d, "quality.csv", "XIALI,2011,styling,apeal,6.0", "XIALI,2011,styling,apeal,six"),
        code: 1,
        stderr: &["error: {dir}/quality.csv: row 6, column `score`: expected a number, found `six`"],
        stdout: &[],
    },
    Case {
        name: "production units inf",
        setup: |d| check_edit(d, "production.csv", "SVW,2010,1000000", "SVW,2010,inf"),
        code: 1,
        stderr: &["error: {dir}/production.csv: row 3, column `units`: value `inf` is not a finite number"],
        stdout: &[],
    },
    Case {
        name: "foreign_share NaN",
        setup: |d| check_edit(d, "jv_links.csv", "SVW,SAIC,VW,1984,,0.5", "SVW,SAIC,VW,1984,,nan"),
        code: 1,
        stderr: &[
            "error: {dir}/jv_links.csv: row 2, column `foreign_share`: value `nan` is not a finite number (a missing value is an empty cell here, and only columns that allow missing values may have one)",
        ],
        stdout: &[],
    },
    // ------------------------------------------------ negative counts
    Case {
        name: "negative worker count",
        setup: |d| check_edit(d, "worker_moves.csv", "FAWVW,FAW,2008,3,", "FAWVW,FAW,2008,-3,"),
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 1, column `count`: count must be at least 1, found -3"],
        stdout: &[],
    },
    Case {
        name: "zero worker count",
        setup: |d| check_edit(d, "worker_moves.csv", "FAWVW,GEELY,2010,2,", "FAWVW,GEELY,2010,0,"),
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 4, column `count`: count must be at least 1, found 0"],
        stdout: &[],
    },
    Case {
        name: "negative production units",
        setup: |d| check_edit(d, "production.csv", "FAWVW,2011,1030000", "FAWVW,2011,-5"),
        code: 1,
        stderr: &["error: {dir}/production.csv: row 2, column `units`: units must be at least 0, found -5"],
        stdout: &[],
    },
    // ------------------------------------------------ duplicate keys
    Case {
        name: "duplicate key: firms",
        setup: |d| check_append(d, "firms.csv", "FAW,Another FAW,domestic,FAW,Jilin,soe"),
        code: 1,
        stderr: &["error: {dir}/firms.csv: row 10: duplicate key (firm_id) = (FAW), first seen in row 1"],
        stdout: &[],
    },
    Case {
        name: "duplicate key: jv_links",
        setup: |d| check_append(d, "jv_links.csv", "SVW,SAIC,VW,1990,,0.5"),
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 5: duplicate key (jv_id, domestic_parent, foreign_parent) = \
                   (SVW, SAIC, VW), first seen in row 2"],
        stdout: &[],
    },
    Case {
        name: "duplicate key: models",
        setup: |d| check_append(d, "models.csv", "BORA,SVW,mpv,2001,2002"),
        code: 1,
        stderr: &["error: {dir}/models.csv: row 9: duplicate key (model_id) = (BORA), first seen in row 2"],
        stdout: &[],
    },
    Case {
        name: "duplicate key: quality",
        setup: |d| check_append(d, "quality.csv", "XIALI,2012,engine,iqs,1.0"),
        code: 1,
        stderr: &["error: {dir}/quality.csv: row 11: duplicate key (model_id, year, dimension) = \
                   (XIALI, 2012, engine), first seen in row 10"],
        stdout: &[],
    },
    Case {
        name: "duplicate key: suppliers",
        setup: |d| check_append(d, "suppliers.csv", "DENSO,XIALI,,electronics,2009"),
        code: 1,
        stderr: &[
            "error: {dir}/suppliers.csv: row 8: duplicate key (supplier_id, model_id/firm_id, component, year) = \
                   (DENSO, model XIALI, electronics, 2009), first seen in row 5",
        ],
        stdout: &[],
    },
    Case {
        name: "duplicate key: production",
        setup: |d| check_append(d, "production.csv", "FAW,2010,5"),
        code: 1,
        stderr: &[
            "error: {dir}/production.csv: row 6: duplicate key (firm_id, year) = (FAW, 2010), first seen in row 5",
        ],
        stdout: &[],
    },
    Case {
        name: "repeated worker move (summed, documented)",
        setup: |d| check_append(d, "worker_moves.csv", "FAWVW,FAW,2008,1,"),
        code: 0,
        stderr: &[],
        stdout: &["worker_moves: 6 rows, 9 workers (3 person-level rows), 8 from a JV to a domestic firm; \
                   years 2008-2011; 5 (from, to, year) flows, aggregated by DataFusion (in-process)\n"],
    },
    Case {
        name: "dimension in two surveys",
        setup: |d| check_edit(d, "quality.csv", "XIALI,2012,engine,iqs", "XIALI,2012,engine,apeal"),
        code: 1,
        stderr: &["error: {dir}/quality.csv: row 10, column `survey`: dimension `engine` has survey `apeal` here \
                   but `iqs` in row 1; a dimension belongs to one survey"],
        stdout: &[],
    },
    // ------------------------------------------------ dangling references
    Case {
        name: "dangling: models.firm_id",
        setup: |d| check_edit(d, "models.csv", "BORA,FAWVW", "BORA,NOPE"),
        code: 1,
        stderr: &["error: {dir}/models.csv: row 2, column `firm_id`: `NOPE` not found (no such firm_id in firms.csv)"],
        stdout: &[],
    },
    Case {
        name: "dangling: jv_links.jv_id",
        setup: |d| check_edit(d, "jv_links.csv", "SVW,SAIC,VW", "SGM,SAIC,VW"),
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 2, column `jv_id`: `SGM` not found (no such firm_id in firms.csv)"],
        stdout: &[],
    },
    Case {
        name: "dangling: jv_links.domestic_parent",
        setup: |d| check_edit(d, "jv_links.csv", "FAWVW,FAW,VW", "FAWVW,DONGFENG,VW"),
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 1, column `domestic_parent`: `DONGFENG` not found"],
        stdout: &[],
    },
    Case {
        name: "dangling: jv_links.foreign_parent",
        setup: |d| check_edit(d, "jv_links.csv", "FTOY,FAWXL,TOYOTA", "FTOY,FAWXL,HONDA"),
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 4, column `foreign_parent`: `HONDA` not found"],
        stdout: &[],
    },
    Case {
        name: "dangling: quality.model_id",
        setup: |d| check_edit(d, "quality.csv", "XIALI,2011,engine", "XIALLI,2011,engine"),
        code: 1,
        stderr: &[
            "error: {dir}/quality.csv: row 5, column `model_id`: `XIALLI` not found (no such model_id in models.csv)",
        ],
        stdout: &[],
    },
    Case {
        name: "dangling: suppliers.model_id",
        setup: |d| check_edit(d, "suppliers.csv", "BOSCH,COROLLA", "BOSCH,CAMRY"),
        code: 1,
        stderr: &["error: {dir}/suppliers.csv: row 2, column `model_id`: `CAMRY` not found"],
        stdout: &[],
    },
    Case {
        name: "dangling: suppliers.firm_id",
        setup: |d| check_edit(d, "suppliers.csv", "FAWER,,FAW", "FAWER,,DONGFENG"),
        code: 1,
        stderr: &["error: {dir}/suppliers.csv: row 6, column `firm_id`: `DONGFENG` not found"],
        stdout: &[],
    },
    Case {
        name: "dangling: worker_moves.from_firm",
        setup: |d| check_edit(d, "worker_moves.csv", "FTOY,FAWXL", "GM,FAWXL"),
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 3, column `from_firm`: `GM` not found"],
        stdout: &[],
    },
    Case {
        name: "dangling: worker_moves.to_firm",
        setup: |d| check_edit(d, "worker_moves.csv", "FAWVW,GEELY", "FAWVW,BYD"),
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 4, column `to_firm`: `BYD` not found"],
        stdout: &[],
    },
    Case {
        name: "dangling: production.firm_id",
        setup: |d| check_edit(d, "production.csv", "FAW,2010", "BYD,2010"),
        code: 1,
        stderr: &["error: {dir}/production.csv: row 5, column `firm_id`: `BYD` not found"],
        stdout: &[],
    },
    Case {
        name: "reference to a firm of the wrong kind",
        setup: |d| check_edit(d, "models.csv", "BORA,FAWVW", "BORA,VW"),
        code: 1,
        stderr: &["error: {dir}/models.csv: row 2, column `firm_id`: firm `VW` has kind `foreign`, \
                   expected kind domestic or jv"],
        stdout: &[],
    },
    // ------------------------------------------------ self-references
    Case {
        name: "self-loop in worker moves",
        setup: |d| check_edit(d, "worker_moves.csv", "SVW,SAIC,2009", "SVW,SVW,2009"),
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 2, column `to_firm`: to_firm equals from_firm (`SVW`); \
                   a move joins two different firms"],
        stdout: &[],
    },
    Case {
        name: "a JV that owns itself (domestic parent)",
        setup: |d| check_edit(d, "jv_links.csv", "SVW,SAIC,VW", "SVW,SVW,VW"),
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 2, column `domestic_parent`: domestic_parent equals jv_id (`SVW`); \
                   a JV cannot own itself"],
        stdout: &[],
    },
    Case {
        name: "a JV that owns itself (foreign parent)",
        setup: |d| check_edit(d, "jv_links.csv", "FTOY,FAW,TOYOTA", "FTOY,FAW,FTOY"),
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 3, column `foreign_parent`: foreign_parent equals jv_id (`FTOY`); \
                   a JV cannot own itself"],
        stdout: &[],
    },
    // ------------------------------------------------ years out of range
    Case {
        name: "year out of range: models.first_year",
        setup: |d| check_edit(d, "models.csv", "HONGQI,FAW,large_sedan,1998", "HONGQI,FAW,large_sedan,1898"),
        code: 1,
        stderr: &["error: {dir}/models.csv: row 6, column `first_year`: year 1898 is out of range [1900, 2100]"],
        stdout: &[],
    },
    Case {
        name: "year out of range: jv_links.founded",
        setup: |d| check_edit(d, "jv_links.csv", "SVW,SAIC,VW,1984", "SVW,SAIC,VW,1850"),
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 2, column `founded`: year 1850 is out of range [1900, 2100]"],
        stdout: &[],
    },
    Case {
        name: "year out of range: quality.year",
        setup: |d| check_edit(d, "quality.csv", "EMGRAND,2011,engine", "EMGRAND,2201,engine"),
        code: 1,
        stderr: &["error: {dir}/quality.csv: row 7, column `year`: year 2201 is out of range [1900, 2100]"],
        stdout: &[],
    },
    Case {
        name: "year out of range: suppliers.year",
        setup: |d| check_edit(d, "suppliers.csv", "chassis,2005", "chassis,205"),
        code: 1,
        stderr: &["error: {dir}/suppliers.csv: row 7, column `year`: year 205 is out of range [1900, 2100]"],
        stdout: &[],
    },
    Case {
        name: "year out of range: worker_moves.year",
        setup: |d| check_edit(d, "worker_moves.csv", "SAIC,FAWVW,2011", "SAIC,FAWVW,2111"),
        code: 1,
        stderr: &["error: {dir}/worker_moves.csv: row 5, column `year`: year 2111 is out of range [1900, 2100]"],
        stdout: &[],
    },
    Case {
        name: "year out of range: production.year",
        setup: |d| check_edit(d, "production.csv", "SVW,2010", "SVW,1010"),
        code: 1,
        stderr: &["error: {dir}/production.csv: row 3, column `year`: year 1010 is out of range [1900, 2100]"],
        stdout: &[],
    },
    Case {
        name: "last_year before first_year",
        setup: |d| {
            check_edit(d, "models.csv", "ROEWE,SAIC,medium_sedan,2007,2014", "ROEWE,SAIC,medium_sedan,2015,2014")
        },
        code: 1,
        stderr: &["error: {dir}/models.csv: row 7, column `last_year`: last_year 2014 is before first_year 2015"],
        stdout: &[],
    },
    Case {
        name: "dissolved before founded",
        setup: |d| check_edit(d, "jv_links.csv", "FTOY,FAWXL,TOYOTA,2002,2010", "FTOY,FAWXL,TOYOTA,2002,2001"),
        code: 1,
        stderr: &["error: {dir}/jv_links.csv: row 4, column `dissolved`: dissolved 2001 is before founded 2002"],
        stdout: &[],
    },
    // ------------------------------------------------ a dimension missing for some models
    Case {
        name: "a dimension missing for some models: check warns",
        setup: |d| {
            synth(d);
            drop_one_dimension(d);
            check(d)
        },
        code: 0,
        stderr: &[
            "warning: {dir}/quality.csv: ",
            " model-year(s) lack some dimensions of a survey they were rated in (",
            "the spillover study reports them as excluded pair × dimension slots",
        ],
        stdout: &["{dir}: valid\n"],
    },
    Case {
        name: "a dimension missing for some models: spillover goes on and counts the slots",
        setup: |d| {
            synth(d);
            drop_one_dimension(d);
            args(&["spillover", "--data", &d.display().to_string(), "--boot", "0"])
        },
        code: 0,
        stderr: &[],
        stdout: &[
            "\nExcluded: ",
            " pair × dimension slots where a model-year lacks that dimension.\n",
            "Headline spillover",
        ],
    },
    Case {
        name: "spillover on a folder too small for the study (no panic)",
        setup: |d| {
            tiny(d);
            args(&["spillover", "--data", &d.display().to_string(), "--boot", "0"])
        },
        code: 1,
        stderr: &["error: spillover study, specification baseline.2: "],
        stdout: &[],
    },
    // ------------------------------------------------ regressions (`spillnet estimate`)
    Case {
        name: "estimate: y with no variation",
        setup: |d| estimate(d, "y,x1\n1,2\n1,3\n1,5\n1,4\n", &["--y", "y", "--x", "x1"]),
        code: 1,
        stderr: &["error: {dir}/e.csv: the dependent variable `y` has no variation: its 4 value(s) are all equal to 1"],
        stdout: &[],
    },
    Case {
        name: "estimate: y with no variation once singletons are removed",
        setup: |d| estimate(d, "y,x1,g\n1,2,a\n1,3,a\n2,5,b\n", &["--y", "y", "--x", "x1", "--fe", "g"]),
        code: 1,
        stderr: &["error: {dir}/e.csv: the dependent variable `y` has no variation: its 2 value(s) in the estimation \
                   sample are all equal"],
        stdout: &[],
    },
    Case {
        name: "estimate: y fully explained by the fixed effects",
        setup: |d| estimate(d, "y,x1,g\n1,2,a\n1,3,a\n2,5,b\n2,4,b\n", &["--y", "y", "--x", "x1", "--fe", "g"]),
        code: 0,
        stderr: &["warning: {dir}/e.csv: the dependent variable `y` has no variation within the fixed effects (g)"],
        stdout: &["Within R2", "NaN"],
    },
    Case {
        name: "estimate: all observations singletons",
        setup: |d| estimate(d, "y,x1,id\n1,2,a\n2,3,b\n3,5,c\n4,4,d\n", &["--y", "y", "--x", "x1", "--fe", "id"]),
        code: 1,
        stderr: &["error: empty estimation sample: every observation is a singleton \
                   (alone in its level of fixed effect id)"],
        stdout: &[],
    },
    Case {
        name: "estimate: perfectly collinear regressors",
        setup: |d| estimate(d, SIX, &["--y", "y", "--x", "x1,x2,x3"]),
        code: 0,
        stderr: &["warning: dropped collinear regressor(s): x2\n"],
        stdout: &["collinear regressor(s) dropped: x2"],
    },
    Case {
        name: "estimate: a cluster with one observation",
        setup: |d| estimate(d, SIX, &["--y", "y", "--x", "x1,x3", "--vcov", "cluster:c", "--format", "json"]),
        code: 0,
        stderr: &[],
        stdout: &["\"vcov\": \"cluster:c\"", "\"groups\": 4", "\"df_t\": 3"],
    },
    Case {
        name: "estimate: fewer than 2 clusters",
        setup: |d| estimate(d, SIX, &["--y", "y", "--x", "x1", "--vcov", "cluster:one"]),
        code: 1,
        stderr: &["error: cluster variable `one` has 1 cluster(s); at least 2 are needed"],
        stdout: &[],
    },
    Case {
        name: "estimate: fixed effect equal to the cluster",
        setup: |d| estimate(d, SIX, &["--y", "y", "--x", "x1", "--fe", "g", "--vcov", "cluster:g", "--format", "json"]),
        code: 0,
        stderr: &[],
        stdout: &["\"vcov\": \"cluster:g\"", "\"groups\": 3", "\"df_k\": 2", "\"df_t\": 2"],
    },
    Case {
        name: "estimate: NaN cell",
        setup: |d| estimate(d, "y,x1\n1,2\n2,NaN\n3,4\n", &["--y", "y", "--x", "x1"]),
        code: 1,
        stderr: &["error: {dir}/e.csv: row 2, column `x1`: NaN is not a finite number"],
        stdout: &[],
    },
    Case {
        name: "estimate: header only",
        setup: |d| estimate(d, "y,x1\n", &["--y", "y", "--x", "x1"]),
        code: 1,
        stderr: &["error: {dir}/e.csv: the file has no data rows (only a header)"],
        stdout: &[],
    },
    Case {
        name: "estimate: every row has a missing value",
        setup: |d| estimate(d, "y,x1\n1,\n,2\n", &["--y", "y", "--x", "x1"]),
        code: 1,
        stderr: &["error: {dir}/e.csv: all 2 data row(s) have a missing value in a requested column (y, x1)"],
        stdout: &[],
    },
    Case {
        name: "estimate: empty file",
        setup: |d| estimate(d, "", &["--y", "y", "--x", "x1"]),
        code: 1,
        stderr: &["error: {dir}/e.csv: the file is empty"],
        stdout: &[],
    },
    Case {
        name: "estimate: semicolon-separated file",
        setup: |d| estimate(d, "y;x1\n1;2\n3;4\n", &["--y", "y", "--x", "x1"]),
        code: 1,
        stderr: &["error: {dir}/e.csv: no column `y`", "seems to use semicolons"],
        stdout: &[],
    },
    Case {
        name: "estimate: missing column",
        setup: |d| estimate(d, SIX, &["--y", "y", "--x", "nope"]),
        code: 1,
        stderr: &["error: {dir}/e.csv: missing column `nope`"],
        stdout: &[],
    },
    // ------------------------------------------------ run configurations (`spillnet run CONFIG`)
    Case {
        name: "config: unknown key",
        setup: |d| run_config(d, "data = \".\"\nout = \"o\"\ncolour = \"red\"\n"),
        code: 2,
        stderr: &["run.toml", "line 3", "unknown field `colour`"],
        stdout: &[],
    },
    Case {
        name: "config: unknown key in a table",
        setup: |d| run_config(d, "data = \".\"\nout = \"o\"\n[[diagram]]\nout = \"g.dot\"\nlayuot = \"fdp\"\n"),
        code: 2,
        stderr: &["run.toml", "line 5", "layuot"],
        stdout: &[],
    },
    Case {
        name: "config: data folder not found",
        setup: |d| run_config(d, "data = \"nope\"\nout = \"o\"\n"),
        code: 2,
        stderr: &["run.toml, line 1: `data` = \"nope\": data folder {dir}/nope not found"],
        stdout: &[],
    },
    Case {
        name: "config: output path leaving the output folder",
        setup: |d| run_config(d, "data = \".\"\nout = \"o\"\n[[exposure]]\nout = \"../e.csv\"\n"),
        code: 2,
        stderr: &[
            "run.toml, line 4: `out` of [[exposure]] #1 = \"../e.csv\": output paths must stay inside the output folder",
        ],
        stdout: &[],
    },
    Case {
        name: "config: value of the wrong type",
        setup: |d| run_config(d, "data = \".\"\nout = \"o\"\n[[exposure]]\nout = \"e.csv\"\nlag = \"one\"\n"),
        code: 2,
        stderr: &["run.toml", "line 5", "`lag` of [[exposure]] #1: invalid value `one`, expected a whole number ≥ 0"],
        stdout: &[],
    },
    Case {
        name: "config: value not among the choices",
        setup: |d| run_config(d, "data = \".\"\nout = \"o\"\n[spillover]\nplacebo_level = \"pair\"\n"),
        code: 2,
        stderr: &["run.toml", "`pair`", "firm-segment"],
        stdout: &[],
    },
    Case {
        name: "config: file not found",
        setup: |d| args(&["run", &d.join("missing.toml").display().to_string()]),
        code: 2,
        stderr: &["error: cannot read the run configuration {dir}/missing.toml"],
        stdout: &[],
    },
];

/// Run one case; `Err` describes every way its outcome differs from the catalogue.
fn run_case(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let shown = dir.path().display().to_string();
    let argv = (case.setup)(dir.path());
    let out = Command::cargo_bin("spillnet").unwrap().args(&argv).current_dir(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut problems = Vec::new();
    if out.status.code() != Some(case.code) {
        problems.push(format!("exit code {:?}, expected {}", out.status.code(), case.code));
    }
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        problems.push("it panicked".to_owned());
    }
    if case.code != 0 && !stderr.starts_with("error: ") {
        problems.push("stderr does not start with `error: `".to_owned());
    }
    if case.code == 0 && case.stderr.iter().any(|s| s.starts_with("warning: ")) && !stderr.starts_with("warning: ") {
        problems.push("stderr does not start with `warning: `".to_owned());
    }
    for (stream, text, wanted) in [("stderr", &stderr, case.stderr), ("stdout", &stdout, case.stdout)] {
        for w in wanted {
            let w = w.replace("{dir}", &shown);
            if !text.contains(&w) {
                problems.push(format!("{stream} lacks {w:?}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n    spillnet {}\n    {}\n    --- stderr:\n{stderr}    --- stdout (first 600 bytes):\n{}",
            case.name,
            argv.join(" "),
            problems.join("\n    "),
            stdout.chars().take(600).collect::<String>()
        ))
    }
}

#[test]
fn catalogue_names_are_unique() {
    let mut names: Vec<&str> = CASES.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "two catalogue cases share a name");
}

/// Every case of the catalogue, on 2 threads; one report listing all failures.
#[test]
fn catalogue_of_bad_inputs() {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(case) = CASES.get(i) else { break };
                    if let Err(e) = run_case(case) {
                        failures.lock().unwrap().push((i, e));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} catalogue cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.into_iter().map(|(_, e)| e).collect::<Vec<_>>().join("\n\n")
    );
}
