//! Integration tests: `spillnet check` on the valid fixture `tests/fixtures/tiny`
//! and on copies of it with exactly one injected defect each. Every defect
//! test asserts the complete error line (file, 1-based data row, column,
//! reason) and exit code 1.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sha2::{Digest, Sha256};
use spillnet::io::load::load_dataset;
use spillnet::io::write::{ColumnData, TableData, TableFormat, write_dataset, write_table};

pub(crate) fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tiny")
}

/// A temporary copy of the valid fixture.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture_dir()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    dir
}

/// Replace the first occurrence of `from` (which must occur) in `file`.
pub(crate) fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let p = dir.join(file);
    let s = std::fs::read_to_string(&p).unwrap();
    assert!(s.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&p, s.replacen(from, to, 1)).unwrap();
}

/// Append one line to `file`.
pub(crate) fn append(dir: &Path, file: &str, line: &str) {
    let p = dir.join(file);
    let mut s = std::fs::read_to_string(&p).unwrap();
    s.push_str(line);
    s.push('\n');
    std::fs::write(&p, s).unwrap();
}

pub(crate) fn check(dir: &Path) -> Command {
    let mut c = Command::cargo_bin("spillnet").unwrap();
    c.arg("check").arg("--data").arg(dir);
    c
}

/// Run `spillnet check` on `dir` and assert exit code 1 and the exact error
/// line `error: <dir>/<rest>`.
pub(crate) fn fails_with(dir: &Path, rest: &str) {
    let out = check(dir).assert().code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let expected = format!("error: {}/{rest}\n", dir.display());
    assert_eq!(stderr, expected);
    assert!(out.get_output().stdout.is_empty(), "nothing is printed on stdout on error");
}

fn hashes(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (e.file_name().to_string_lossy().into_owned(), Sha256::digest(std::fs::read(e.path()).unwrap()).to_vec())
        })
        .collect();
    v.sort();
    v
}

fn stdout_of(dir: &Path, extra: &[&str]) -> String {
    let out = check(dir).args(extra).assert().success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

// ---------------------------------------------------------------- valid input

#[test]
fn valid_folder_passes_and_prints_summary() {
    let dir = fixture();
    let text = stdout_of(dir.path(), &[]);
    let expected = format!(
        "{}: valid
tables:
  firms                9 rows  (firms.csv)
  jv_links             4 rows  (jv_links.csv)
  models               8 rows  (models.csv)
  quality             10 rows  (quality.csv)
  suppliers            7 rows  (suppliers.csv)
  worker_moves         5 rows  (worker_moves.csv)
  production           5 rows  (production.csv)
firms: 9 (domestic 4, foreign 2, jv 3); ownership: foreign 2, private 1, soe 6; 5 groups, 4 provinces
jv_links: 4 links, 3 JVs (3 active), 3 domestic parents, 2 foreign parents; founded 1984-2002; foreign_share on 3 links
models: 8 (domestic 4, jv 4); years 1985-2014; 4 segments: compact_sedan 5, large_sedan 1, medium_sedan 1, small_sedan 1
quality: 10 scores on 4 models; years 2011-2012; 2 dimensions: engine, styling; 2 surveys: apeal, iqs
suppliers: 7 links, 3 suppliers, 3 components; 4 models and 1 firms supplied; years 2005-2009, 4 links pooled (no year)
worker_moves: 5 rows, 8 workers (3 person-level rows), 7 from a JV to a domestic firm; years 2008-2011; 5 (from, to, year) flows, aggregated by DataFusion (in-process)
production: 5 rows, 4 firms; years 2010-2011; 3525000.5 units
",
        dir.path().display()
    );
    assert_eq!(text, expected);
}

#[test]
fn json_summary_has_the_counts() {
    let dir = fixture();
    let v: serde_json::Value = serde_json::from_str(&stdout_of(dir.path(), &["--format", "json"])).unwrap();
    assert_eq!(v["firms"]["by_kind"]["domestic"], 4);
    assert_eq!(v["firms"]["by_kind"]["jv"], 3);
    assert_eq!(v["jv_links"]["active_jvs"], 3);
    assert_eq!(v["models"]["by_segment"]["compact_sedan"], 5);
    assert_eq!(v["quality"]["dimensions"], serde_json::json!(["engine", "styling"]));
    assert_eq!(v["quality"]["surveys"], serde_json::json!(["apeal", "iqs"]));
    assert_eq!(v["worker_moves"]["workers"], 8);
    assert_eq!(v["production"]["units"], 3_525_000.5);
    assert_eq!(v["tables"][6]["rows"], 5);
}

#[test]
fn summary_in_csv_markdown_and_latex() {
    let dir = fixture();
    let csv = "\
table,rows,file
firms,9,firms.csv
jv_links,4,jv_links.csv
models,8,models.csv
quality,10,quality.csv
suppliers,7,suppliers.csv
worker_moves,5,worker_moves.csv
production,5,production.csv
";
    assert_eq!(stdout_of(dir.path(), &["--format", "csv"]), csv);
    let md = stdout_of(dir.path(), &["--format", "md"]);
    let table = "\n\n**tables:**\n\n| table | rows | file |\n|:---|---:|:---|\n| firms | 9 | firms.csv |\n";
    assert!(md.contains(table), "{md}");
    assert!(md.contains("| production | 5 | production.csv |\n\nfirms: 9 (domestic 4, foreign 2, jv 3);"), "{md}");
    assert!(md.ends_with("years 2010-2011; 3525000.5 units\n"), "{md}");
    let tex = stdout_of(dir.path(), &["--format", "latex"]);
    assert!(tex.contains("\\caption{tables:}\n\\begin{tabular}{lrl}\n"), "{tex}");
    assert!(tex.contains("jv\\_links & 4 & jv\\_links.csv \\\\\n"), "{tex}");
    assert!(tex.contains("\n\nworker\\_moves: 5 rows, 8 workers"), "{tex}");
}

#[test]
fn optional_tables_may_be_absent() {
    let dir = fixture();
    for t in ["models", "quality", "suppliers", "worker_moves", "production"] {
        std::fs::remove_file(dir.path().join(format!("{t}.csv"))).unwrap();
    }
    let text = stdout_of(dir.path(), &[]);
    for line in [
        "  models        absent\n",
        "  production    absent\n",
        "models: absent\n",
        "quality: absent\n",
        "suppliers: absent\n",
        "worker_moves: absent\n",
        "production: absent\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
    let ds = load_dataset(dir.path()).unwrap();
    assert!(ds.models.is_empty() && ds.quality.is_empty() && ds.production.is_none());
    assert_eq!(ds.firms.len(), 9);
}

#[test]
fn misspelt_table_file_is_reported() {
    let dir = fixture();
    std::fs::rename(dir.path().join("production.csv"), dir.path().join("prodution.csv")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a table").unwrap();
    let out = check(dir.path()).assert().success();
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stdout.contains("  production    absent\n"), "{stdout}");
    assert!(stdout.contains("\nignored (not a table name): prodution.csv\n"), "{stdout}");
    assert_eq!(
        stderr,
        format!(
            "warning: {}: not a table name, ignored: prodution.csv \
             (tables: firms, jv_links, models, quality, suppliers, worker_moves, production, \
             customer_choices, brand_association, patents)\n",
            dir.path().display()
        )
    );
}

#[test]
fn inputs_are_not_modified() {
    let dir = fixture();
    let before = hashes(dir.path());
    check(dir.path()).assert().success();
    assert_eq!(hashes(dir.path()), before);
    edit(dir.path(), "models.csv", "BORA,FAWVW", "BORA,NOPE");
    let before = hashes(dir.path());
    check(dir.path()).assert().code(1);
    assert_eq!(hashes(dir.path()), before);
}

#[test]
fn cells_are_trimmed_and_group_defaults_to_own_firm() {
    let dir = fixture();
    edit(dir.path(), "models.csv", "BORA,FAWVW,compact_sedan,2001,2014", " BORA , FAWVW ,compact_sedan, 2001 ,2014 ");
    let ds = load_dataset(dir.path()).unwrap();
    let bora = &ds.models[1];
    assert_eq!((bora.model_id.as_str(), bora.firm_id.as_str(), bora.first_year), ("BORA", "FAWVW", 2001));
    let geely = ds.firms.iter().find(|f| f.firm_id.as_str() == "GEELY").unwrap();
    assert_eq!(geely.group_id.as_str(), "GEELY");
    let ftoy = ds.firms.iter().find(|f| f.firm_id.as_str() == "FTOY").unwrap();
    assert_eq!(ftoy.name, "FAW Toyota (Tianjin, Sichuan)");
    // Empty count cells mean one worker; rows sorted by (from_firm, to_firm, year):
    // FAWVW→FAW 2008 (3), FAWVW→GEELY 2010 (2), FTOY→FAWXL, SAIC→FAWVW, SVW→SAIC (empty: 1).
    assert_eq!(ds.worker_moves.iter().map(|w| w.count).collect::<Vec<_>>(), [3, 2, 1, 1, 1]);
}

// ---------------------------------------------------------------- files and columns

#[test]
fn missing_data_folder() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let out = check(&missing).assert().code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: {}: data folder not found (--data DIR names the folder of tables; `spillnet init DIR` writes a \
             template)\n",
            missing.display()
        )
    );
}

#[test]
fn missing_table() {
    let dir = fixture();
    std::fs::remove_file(dir.path().join("jv_links.csv")).unwrap();
    let out = check(dir.path()).assert().code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: {}: missing table `jv_links` (expected jv_links.csv or jv_links.parquet)\n",
            dir.path().display()
        )
    );
}

#[test]
fn missing_column() {
    let dir = fixture();
    let p = dir.path().join("models.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let without: String = text
        .lines()
        .map(|l| {
            let mut f: Vec<&str> = l.split(',').collect();
            f.remove(2);
            f.join(",") + "\n"
        })
        .collect();
    assert!(without.starts_with("model_id,firm_id,first_year,last_year\n"));
    std::fs::write(&p, without).unwrap();
    fails_with(dir.path(), "models.csv: missing column `segment`");
}

#[test]
fn missing_supplier_target_columns() {
    let dir = fixture();
    std::fs::write(dir.path().join("suppliers.csv"), "supplier_id,component,year\nBOSCH,brakes,\n").unwrap();
    fails_with(dir.path(), "suppliers.csv: missing column `model_id (or firm_id)`");
}

#[test]
fn extra_column() {
    let dir = fixture();
    let p = dir.path().join("firms.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let with: String =
        text.lines().enumerate().map(|(i, l)| format!("{l},{}\n", if i == 0 { "color" } else { "red" })).collect();
    std::fs::write(&p, with).unwrap();
    fails_with(
        dir.path(),
        "firms.csv: unexpected column `color` (allowed: firm_id, name, kind, group_id, province, ownership; \
         --allow-extra-columns ignores such columns)",
    );
}

#[test]
fn repeated_column() {
    let dir = fixture();
    std::fs::write(dir.path().join("production.csv"), "firm_id,year,units,year\nFAW,2010,5,2011\n").unwrap();
    let out = check(dir.path()).assert().code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with(&format!("error: {}/production.csv: ", dir.path().display())), "{stderr}");
}

#[test]
fn row_with_too_many_fields() {
    let dir = fixture();
    append(dir.path(), "production.csv", "FAW,2011,5,9");
    fails_with(dir.path(), "production.csv: row 6 has 4 fields, but the header has 3");
}

#[test]
fn row_with_too_few_fields() {
    let dir = fixture();
    edit(dir.path(), "models.csv", "XIALI,FAWXL,small_sedan,2000,2012", "XIALI,FAWXL,small_sedan,2000");
    fails_with(dir.path(), "models.csv: row 5 has 4 fields, but the header has 5");
}

#[test]
fn blank_line() {
    let dir = fixture();
    append(dir.path(), "worker_moves.csv", "");
    fails_with(dir.path(), "worker_moves.csv: row 6 is a blank line; remove it");
}

#[test]
fn unterminated_quote() {
    let dir = fixture();
    edit(dir.path(), "worker_moves.csv", ",p003", ",\"p003");
    fails_with(dir.path(), "worker_moves.csv: row 5: a quoted field is never closed");
}

#[test]
fn unbalanced_quote_before_a_later_quote() {
    let dir = fixture();
    edit(dir.path(), "firms.csv", "VW,Volkswagen,", "VW,\"Volkswagen,");
    fails_with(
        dir.path(),
        "firms.csv: row 5 has 7 fields, but the header has 6 (a quoted field spans several lines: is a quote unbalanced?)",
    );
}

#[test]
fn empty_file() {
    let dir = fixture();
    std::fs::write(dir.path().join("quality.csv"), "").unwrap();
    let out = check(dir.path()).assert().code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with(&format!("error: {}/quality.csv: ", dir.path().display())), "{stderr}");
}

#[test]
fn header_only_table_is_empty() {
    let dir = fixture();
    std::fs::write(dir.path().join("production.csv"), "firm_id,year,units\n").unwrap();
    let text = stdout_of(dir.path(), &[]);
    assert!(text.contains("  production           0 rows  (production.csv)\n"), "{text}");
    assert!(text.ends_with("production: 0 rows, 0 firms; no years; 0 units\n"), "{text}");
    assert_eq!(load_dataset(dir.path()).unwrap().production, Some(vec![]));
}

#[test]
fn both_csv_and_parquet_for_a_table() {
    let dir = fixture();
    let t = TableData::default().with("firm_id", ColumnData::Text(vec![Some("FAW".into())]));
    write_table(&dir.path().join("production.parquet"), &t, TableFormat::Parquet).unwrap();
    let out = check(dir.path()).assert().code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!(
            "error: {}: both production.csv and production.parquet are present; keep exactly one file per table\n",
            dir.path().display()
        )
    );
}

// ---------------------------------------------------------------- cell values

#[test]
fn wrong_type_integer() {
    let dir = fixture();
    edit(dir.path(), "models.csv", "SANTANA,SVW,compact_sedan,1985", "SANTANA,SVW,compact_sedan,198x5");
    fails_with(dir.path(), "models.csv: row 3, column `first_year`: expected an integer, found `198x5`");
}

#[test]
fn wrong_type_fractional_year() {
    let dir = fixture();
    edit(dir.path(), "quality.csv", "EMGRAND,2011,engine", "EMGRAND,2011.5,engine");
    fails_with(dir.path(), "quality.csv: row 7, column `year`: expected an integer, found `2011.5`");
}

#[test]
fn wrong_type_float() {
    let dir = fixture();
    edit(dir.path(), "quality.csv", "XIALI,2011,styling,apeal,6.0", "XIALI,2011,styling,apeal,six");
    fails_with(dir.path(), "quality.csv: row 6, column `score`: expected a number, found `six`");
}

#[test]
fn empty_required_cell() {
    let dir = fixture();
    edit(dir.path(), "firms.csv", "FAWXL,FAW Xiali,", "FAWXL,,");
    fails_with(dir.path(), "firms.csv: row 2, column `name`: empty cell; a value is required");
}

#[test]
fn whitespace_only_cell_is_empty() {
    let dir = fixture();
    edit(dir.path(), "quality.csv", "BORA,2012,engine,iqs,-0.8", "BORA,2012,   ,iqs,-0.8");
    fails_with(dir.path(), "quality.csv: row 9, column `dimension`: empty cell; a value is required");
}

#[test]
fn bad_enum_kind() {
    let dir = fixture();
    edit(dir.path(), "firms.csv", "GEELY,Geely,domestic", "GEELY,Geely,Domestic");
    fails_with(
        dir.path(),
        "firms.csv: row 4, column `kind`: invalid kind `Domestic`, expected one of domestic, foreign, jv",
    );
}

#[test]
fn bad_enum_ownership() {
    let dir = fixture();
    edit(dir.path(), "firms.csv", "Zhejiang,private", "Zhejiang,state");
    fails_with(
        dir.path(),
        "firms.csv: row 4, column `ownership`: invalid ownership `state`, expected one of soe, private, foreign",
    );
}

#[test]
fn non_finite_score_nan() {
    let dir = fixture();
    edit(dir.path(), "quality.csv", "BORA,2011,styling,apeal,7.5", "BORA,2011,styling,apeal,NaN");
    fails_with(
        dir.path(),
        "quality.csv: row 2, column `score`: value `NaN` is not a finite number (a missing value is an empty cell here, and only columns that allow missing values may have one)",
    );
}

#[test]
fn non_finite_score_inf() {
    let dir = fixture();
    edit(dir.path(), "quality.csv", "COROLLA,2011,engine,iqs,-0.7", "COROLLA,2011,engine,iqs,-inf");
    fails_with(dir.path(), "quality.csv: row 3, column `score`: value `-inf` is not a finite number");
}

#[test]
fn non_finite_units() {
    let dir = fixture();
    edit(dir.path(), "production.csv", "SVW,2010,1000000", "SVW,2010,inf");
    fails_with(dir.path(), "production.csv: row 3, column `units`: value `inf` is not a finite number");
}

#[test]
fn year_before_range() {
    let dir = fixture();
    edit(dir.path(), "models.csv", "HONGQI,FAW,large_sedan,1998", "HONGQI,FAW,large_sedan,1898");
    fails_with(dir.path(), "models.csv: row 6, column `first_year`: year 1898 is out of range [1900, 2100]");
}

#[test]
fn year_after_range() {
    let dir = fixture();
    edit(dir.path(), "worker_moves.csv", "SAIC,FAWVW,2011", "SAIC,FAWVW,2111");
    fails_with(dir.path(), "worker_moves.csv: row 5, column `year`: year 2111 is out of range [1900, 2100]");
}

#[test]
fn first_year_after_last_year() {
    let dir = fixture();
    edit(dir.path(), "models.csv", "ROEWE,SAIC,medium_sedan,2007,2014", "ROEWE,SAIC,medium_sedan,2015,2014");
    fails_with(dir.path(), "models.csv: row 7, column `last_year`: last_year 2014 is before first_year 2015");
}

#[test]
fn dissolved_before_founded() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "FTOY,FAWXL,TOYOTA,2002,2010", "FTOY,FAWXL,TOYOTA,2002,2001");
    fails_with(dir.path(), "jv_links.csv: row 4, column `dissolved`: dissolved 2001 is before founded 2002");
}

#[test]
fn negative_count() {
    let dir = fixture();
    edit(dir.path(), "worker_moves.csv", "FAWVW,FAW,2008,3,", "FAWVW,FAW,2008,-3,");
    fails_with(dir.path(), "worker_moves.csv: row 1, column `count`: count must be at least 1, found -3");
}

#[test]
fn zero_count() {
    let dir = fixture();
    edit(dir.path(), "worker_moves.csv", "FAWVW,GEELY,2010,2,", "FAWVW,GEELY,2010,0,");
    fails_with(dir.path(), "worker_moves.csv: row 4, column `count`: count must be at least 1, found 0");
}

#[test]
fn negative_units() {
    let dir = fixture();
    edit(dir.path(), "production.csv", "FAWVW,2011,1030000", "FAWVW,2011,-5");
    fails_with(dir.path(), "production.csv: row 2, column `units`: units must be at least 0, found -5");
}

#[test]
fn foreign_share_above_one() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "SVW,SAIC,VW,1984,,0.5", "SVW,SAIC,VW,1984,,1.5");
    fails_with(dir.path(), "jv_links.csv: row 2, column `foreign_share`: foreign_share 1.5 is outside [0, 1]");
}

#[test]
fn foreign_share_negative() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "FAWVW,FAW,VW,1991,,0.4", "FAWVW,FAW,VW,1991,,-0.1");
    fails_with(dir.path(), "jv_links.csv: row 1, column `foreign_share`: foreign_share -0.1 is outside [0, 1]");
}

#[test]
fn worker_move_self_loop() {
    let dir = fixture();
    edit(dir.path(), "worker_moves.csv", "SVW,SAIC,2009", "SVW,SVW,2009");
    fails_with(
        dir.path(),
        "worker_moves.csv: row 2, column `to_firm`: to_firm equals from_firm (`SVW`); a move joins two different firms",
    );
}

#[test]
fn supplier_with_both_model_and_firm() {
    let dir = fixture();
    edit(dir.path(), "suppliers.csv", "DENSO,COROLLA,,", "DENSO,COROLLA,FTOY,");
    fails_with(
        dir.path(),
        "suppliers.csv: row 4, column `firm_id`: both model_id and firm_id are set; give exactly one",
    );
}

#[test]
fn supplier_with_neither_model_nor_firm() {
    let dir = fixture();
    edit(dir.path(), "suppliers.csv", "DENSO,COROLLA,,", "DENSO,,,");
    fails_with(
        dir.path(),
        "suppliers.csv: row 4, column `model_id`: empty cell; one of model_id and firm_id is required",
    );
}

#[test]
fn dimension_in_two_surveys() {
    let dir = fixture();
    edit(dir.path(), "quality.csv", "XIALI,2012,engine,iqs", "XIALI,2012,engine,apeal");
    fails_with(
        dir.path(),
        "quality.csv: row 10, column `survey`: dimension `engine` has survey `apeal` here but `iqs` in row 1; \
         a dimension belongs to one survey",
    );
}

// ---------------------------------------------------------------- duplicate keys

#[test]
fn duplicate_firm() {
    let dir = fixture();
    append(dir.path(), "firms.csv", "FAW,Another FAW,domestic,FAW,Jilin,soe");
    fails_with(dir.path(), "firms.csv: row 10: duplicate key (firm_id) = (FAW), first seen in row 1");
}

#[test]
fn duplicate_jv_link() {
    let dir = fixture();
    append(dir.path(), "jv_links.csv", "SVW,SAIC,VW,1990,,0.5");
    fails_with(
        dir.path(),
        "jv_links.csv: row 5: duplicate key (jv_id, domestic_parent, foreign_parent) = (SVW, SAIC, VW), first seen in row 2",
    );
}

#[test]
fn duplicate_model() {
    let dir = fixture();
    append(dir.path(), "models.csv", "BORA,SVW,mpv,2001,2002");
    fails_with(dir.path(), "models.csv: row 9: duplicate key (model_id) = (BORA), first seen in row 2");
}

#[test]
fn duplicate_quality_score() {
    let dir = fixture();
    append(dir.path(), "quality.csv", "XIALI,2012,engine,iqs,1.0");
    fails_with(
        dir.path(),
        "quality.csv: row 11: duplicate key (model_id, year, dimension) = (XIALI, 2012, engine), first seen in row 10",
    );
}

#[test]
fn duplicate_supplier_row() {
    let dir = fixture();
    append(dir.path(), "suppliers.csv", "DENSO,XIALI,,electronics,2009");
    fails_with(
        dir.path(),
        "suppliers.csv: row 8: duplicate key (supplier_id, model_id/firm_id, component, year) = \
         (DENSO, model XIALI, electronics, 2009), first seen in row 5",
    );
}

#[test]
fn duplicate_production() {
    let dir = fixture();
    append(dir.path(), "production.csv", "FAW,2010,5");
    fails_with(dir.path(), "production.csv: row 6: duplicate key (firm_id, year) = (FAW, 2010), first seen in row 5");
}

// ---------------------------------------------------------------- references

#[test]
fn model_firm_dangling() {
    let dir = fixture();
    edit(dir.path(), "models.csv", "BORA,FAWVW", "BORA,NOPE");
    fails_with(dir.path(), "models.csv: row 2, column `firm_id`: `NOPE` not found (no such firm_id in firms.csv)");
}

#[test]
fn model_firm_wrong_kind() {
    let dir = fixture();
    edit(dir.path(), "models.csv", "BORA,FAWVW", "BORA,VW");
    fails_with(
        dir.path(),
        "models.csv: row 2, column `firm_id`: firm `VW` has kind `foreign`, expected kind domestic or jv",
    );
}

#[test]
fn jv_link_jv_wrong_kind() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "SVW,SAIC,VW", "SAIC,SAIC,VW");
    fails_with(dir.path(), "jv_links.csv: row 2, column `jv_id`: firm `SAIC` has kind `domestic`, expected kind jv");
}

#[test]
fn jv_link_jv_dangling() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "SVW,SAIC,VW", "SGM,SAIC,VW");
    fails_with(dir.path(), "jv_links.csv: row 2, column `jv_id`: `SGM` not found (no such firm_id in firms.csv)");
}

#[test]
fn jv_link_domestic_parent_wrong_kind() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "FAWVW,FAW,VW", "FAWVW,TOYOTA,VW");
    fails_with(
        dir.path(),
        "jv_links.csv: row 1, column `domestic_parent`: firm `TOYOTA` has kind `foreign`, expected kind domestic",
    );
}

#[test]
fn jv_link_domestic_parent_dangling() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "FAWVW,FAW,VW", "FAWVW,DONGFENG,VW");
    fails_with(
        dir.path(),
        "jv_links.csv: row 1, column `domestic_parent`: `DONGFENG` not found (no such firm_id in firms.csv)",
    );
}

#[test]
fn jv_link_foreign_parent_wrong_kind() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "FTOY,FAW,TOYOTA", "FTOY,FAW,FAWVW");
    fails_with(
        dir.path(),
        "jv_links.csv: row 3, column `foreign_parent`: firm `FAWVW` has kind `jv`, expected kind foreign",
    );
}

#[test]
fn jv_link_foreign_parent_dangling() {
    let dir = fixture();
    edit(dir.path(), "jv_links.csv", "FTOY,FAWXL,TOYOTA", "FTOY,FAWXL,HONDA");
    fails_with(
        dir.path(),
        "jv_links.csv: row 4, column `foreign_parent`: `HONDA` not found (no such firm_id in firms.csv)",
    );
}

#[test]
fn quality_model_dangling() {
    let dir = fixture();
    edit(dir.path(), "quality.csv", "XIALI,2011,engine", "XIALLI,2011,engine");
    fails_with(
        dir.path(),
        "quality.csv: row 5, column `model_id`: `XIALLI` not found (no such model_id in models.csv)",
    );
}

#[test]
fn quality_model_dangling_when_models_absent() {
    let dir = fixture();
    std::fs::remove_file(dir.path().join("models.csv")).unwrap();
    std::fs::remove_file(dir.path().join("suppliers.csv")).unwrap();
    fails_with(dir.path(), "quality.csv: row 1, column `model_id`: `BORA` not found (no such model_id in models.csv)");
}

#[test]
fn supplier_model_dangling() {
    let dir = fixture();
    edit(dir.path(), "suppliers.csv", "BOSCH,COROLLA", "BOSCH,CAMRY");
    fails_with(
        dir.path(),
        "suppliers.csv: row 2, column `model_id`: `CAMRY` not found (no such model_id in models.csv)",
    );
}

#[test]
fn supplier_firm_dangling() {
    let dir = fixture();
    edit(dir.path(), "suppliers.csv", "FAWER,,FAW", "FAWER,,DONGFENG");
    fails_with(
        dir.path(),
        "suppliers.csv: row 6, column `firm_id`: `DONGFENG` not found (no such firm_id in firms.csv)",
    );
}

#[test]
fn worker_move_from_dangling() {
    let dir = fixture();
    edit(dir.path(), "worker_moves.csv", "FTOY,FAWXL", "GM,FAWXL");
    fails_with(
        dir.path(),
        "worker_moves.csv: row 3, column `from_firm`: `GM` not found (no such firm_id in firms.csv)",
    );
}

#[test]
fn worker_move_to_dangling() {
    let dir = fixture();
    edit(dir.path(), "worker_moves.csv", "FAWVW,GEELY", "FAWVW,BYD");
    fails_with(dir.path(), "worker_moves.csv: row 4, column `to_firm`: `BYD` not found (no such firm_id in firms.csv)");
}

#[test]
fn production_firm_dangling() {
    let dir = fixture();
    edit(dir.path(), "production.csv", "FAW,2010", "BYD,2010");
    fails_with(dir.path(), "production.csv: row 5, column `firm_id`: `BYD` not found (no such firm_id in firms.csv)");
}

// ---------------------------------------------------------------- parquet

/// The fixture rewritten as Parquet.
fn parquet_copy() -> tempfile::TempDir {
    let ds = load_dataset(&fixture_dir()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = write_dataset(dir.path(), &ds, TableFormat::Parquet).unwrap();
    assert_eq!(paths.len(), 7);
    assert!(paths.iter().all(|p| p.extension().unwrap() == "parquet"));
    dir
}

#[test]
fn parquet_loads_identically_to_csv() {
    let csv = load_dataset(&fixture_dir()).unwrap();
    let pq = parquet_copy();
    assert_eq!(load_dataset(pq.path()).unwrap(), csv);
    let a = stdout_of(&fixture_dir(), &[]).replace(&fixture_dir().display().to_string(), "DIR");
    let b = stdout_of(pq.path(), &[]).replace(&pq.path().display().to_string(), "DIR").replace(".parquet)", ".csv)");
    assert_eq!(a, b);
}

#[test]
fn parquet_defect_names_row_and_column() {
    let dir = parquet_copy();
    let t = TableData::default()
        .with("firm_id", ColumnData::Text(vec![Some("FAW".into()), Some("SVW".into())]))
        .with("year", ColumnData::Int(vec![Some(2010), Some(2010)]))
        .with("units", ColumnData::Float(vec![Some(1.0), Some(f64::NAN)]));
    write_table(&dir.path().join("production.parquet"), &t, TableFormat::Parquet).unwrap();
    fails_with(dir.path(), "production.parquet: row 2, column `units`: value `NaN` is not a finite number");
}

#[test]
fn parquet_float_in_text_column() {
    let dir = parquet_copy();
    let t = TableData::default()
        .with("firm_id", ColumnData::Float(vec![Some(1.5)]))
        .with("year", ColumnData::Int(vec![Some(2010)]))
        .with("units", ColumnData::Float(vec![Some(1.0)]));
    write_table(&dir.path().join("production.parquet"), &t, TableFormat::Parquet).unwrap();
    fails_with(
        dir.path(),
        "production.parquet: row 1, column `firm_id`: expected text, found the floating-point number 1.5",
    );
}

#[test]
fn csv_round_trip_through_writer_is_byte_stable() {
    let ds = load_dataset(&fixture_dir()).unwrap();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    write_dataset(a.path(), &ds, TableFormat::Csv).unwrap();
    assert_eq!(load_dataset(a.path()).unwrap(), ds);
    write_dataset(b.path(), &load_dataset(a.path()).unwrap(), TableFormat::Csv).unwrap();
    assert_eq!(hashes(a.path()), hashes(b.path()));
}

#[test]
fn a_table_with_a_header_and_no_rows_is_valid_but_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    std::fs::write(dir.path().join("quality.csv"), "model_id,year,dimension,survey,score\n").unwrap();
    let out = check(dir.path()).assert().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let expected = format!(
        "warning: {}/quality.csv: no data rows (header only); the exposure tables and the spillover study \
         (their outcome) will have nothing to work on\n",
        dir.path().display()
    );
    assert_eq!(stderr, expected);
}

#[test]
fn allow_extra_columns_ignores_unknown_columns_with_a_warning_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let p = dir.path().join("firms.csv");
    let text = std::fs::read_to_string(&p).unwrap();
    let with: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| if i == 0 { format!("{l},color,notes\n") } else { format!("{l},red,\n") })
        .collect();
    std::fs::write(&p, with).unwrap();
    let plain = check(dir.path()).output().unwrap();
    let out = check(dir.path()).arg("--allow-extra-columns").assert().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!(
            "warning: {}: ignored column(s) the table does not define: color, notes (--allow-extra-columns)\n",
            p.display()
        )
    );
    assert_eq!(plain.status.code(), Some(1), "without the flag it is an error");
    // The summary is the one of the folder without the extra columns.
    let clean = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), clean.path().join(entry.file_name())).unwrap();
    }
    let expected = check(clean.path()).assert().success();
    let strip = |o: &[u8], d: &Path| String::from_utf8(o.to_vec()).unwrap().replace(&d.display().to_string(), "DIR");
    assert_eq!(strip(&out.get_output().stdout, dir.path()), strip(&expected.get_output().stdout, clean.path()));
}

/// Integers written as integral decimals (`2008.0`, as pandas writes a
/// column with missing values) are read as the integers in every table,
/// streamed `worker_moves` included, with one warning per column naming the
/// file, the count and the first row; the summary equals the untouched one.
#[test]
fn integral_decimals_are_read_as_integers_with_a_warning() {
    let dir = fixture();
    let before = stdout_of(dir.path(), &[]);
    edit(dir.path(), "worker_moves.csv", "FAWVW,FAW,2008,3,", "FAWVW,FAW,2008.0,3.0,");
    edit(dir.path(), "models.csv", "BORA,FAWVW,compact_sedan,2001,2014", "BORA,FAWVW,compact_sedan,2001.00,2014.0");
    edit(dir.path(), "models.csv", "JETTA,FAWVW,compact_sedan,1991,2013", "JETTA,FAWVW,compact_sedan,1991,2013.0");
    let out = check(dir.path()).assert().code(0);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    let d = dir.path().display();
    let want = format!(
        "warning: {d}/models.csv: column `first_year`: 1 value(s) written with a decimal point (first: row 2, \
         `2001.00`) read as whole numbers\n\
         warning: {d}/models.csv: column `last_year`: 2 value(s) written with a decimal point (first: row 1, \
         `2013.0`) read as whole numbers\n\
         warning: {d}/worker_moves.csv: column `year`: 1 value(s) written with a decimal point (first: row 1, \
         `2008.0`) read as whole numbers\n\
         warning: {d}/worker_moves.csv: column `count`: 1 value(s) written with a decimal point (first: row 1, \
         `3.0`) read as whole numbers\n"
    );
    assert_eq!(stderr, want);
    // The same summary, but the decimals sent worker_moves to the native loader, and it says so.
    let after = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let route = |s: &str| s.lines().map(|l| l.split(", aggregated by ").next().unwrap().to_owned()).collect::<Vec<_>>();
    assert_eq!(route(&after), route(&before));
    assert!(before.contains("aggregated by DataFusion (in-process)\n"), "{before}");
    assert!(
        after.contains("aggregated by the native loader (a count or person_id cell is not written canonically"),
        "{after}"
    );
}

/// `spillnet init`'s template with its JV J1 dissolved in 2010 and one more
/// production row in 2012: J1's production in 2012 and its 3 workers who
/// moved to D1 in 2011 come after the dissolution (the 2010 rows do not:
/// "after" is a later year), so check warns once per table, and still passes.
#[test]
fn records_of_a_jv_after_its_dissolution_are_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d");
    Command::cargo_bin("spillnet").unwrap().arg("init").arg(&data).assert().success();
    edit(&data, "jv_links.csv", "J1,D1,F1,1995,,0.5", "J1,D1,F1,1995,2010,0.5");
    append(&data, "production.csv", "J1,2012,500");
    let out = check(&data).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().filter(|l| l.contains("after its dissolution")).collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with(
            "warning: production: 1 row(s) recorded for a JV after its dissolution (jv_links.dissolved), e.g. J1 in 2012 (dissolved 2010);"
        ),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with(
            "warning: worker_moves: 3 worker move(s) in 1 flow(s) recorded for a JV after its dissolution (jv_links.dissolved), e.g. J1 → D1 in 2011 (J1 dissolved 2010);"
        ),
        "{stderr}"
    );
    // Undissolved (the template as written): no such warning.
    let clean = dir.path().join("clean");
    Command::cargo_bin("spillnet").unwrap().arg("init").arg(&clean).assert().success();
    let out = check(&clean).output().unwrap();
    assert!(!String::from_utf8(out.stderr).unwrap().contains("dissolution"));
}

/// `--engine` chooses where `worker_moves` is aggregated; the summary says
/// which loader did it and why; a value it does not know is a usage error.
#[test]
fn engine_flag_and_the_loader_in_the_summary() {
    let dir = fixture();
    let json = |engine: Option<&str>| {
        let mut c = check(dir.path());
        c.args(["--format", "json"]);
        if let Some(e) = engine {
            c.args(["--engine", e]);
        }
        let out = c.assert().success();
        let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
        v["worker_moves"].clone()
    };
    let default = json(None);
    assert_eq!(default["loaded_by"], "DataFusion (in-process)");
    assert_eq!(json(Some("in-process"))["loaded_by"], "DataFusion (in-process)");
    let native = json(Some("native"));
    assert_eq!(native["loaded_by"], "the native loader (engine `native`)");
    for key in ["rows", "aggregated", "workers", "person_rows", "jv_to_domestic", "years"] {
        assert_eq!(native[key], default[key], "{key}");
    }
    let text = check(dir.path()).assert().success();
    let stdout = String::from_utf8(text.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("flows, aggregated by DataFusion (in-process)"), "{stdout}");
    let bad = check(dir.path()).args(["--engine", "spark"]).assert().code(2);
    let stderr = String::from_utf8(bad.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--engine: engine `spark`: expected `in-process`"), "{stderr}");
}
