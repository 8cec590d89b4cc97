//! Integration tests of the supplementary tables (`customer_choices`,
//! `brand_association`, `patents`) and the optional columns `models.price`
//! / `size` / `power` and `quality.score_half1` / `score_half2`:
//! `spillnet check` on `tests/fixtures/tiny` plus hand-written tables, the
//! summary counted by hand, and one injected defect per validation rule,
//! each asserting the complete error line (file, 1-based data row, column,
//! reason) and exit code 1.

use std::path::Path;

use assert_cmd::Command;
use spillnet::io::load::load_dataset;
use spillnet::io::tables::PatentKind;

use super::check::{append, check, edit, fails_with, fixture_dir};

const CHOICES: &str = "\
model_a,model_b,year,count
BORA,XIALI,2011,12
COROLLA,XIALI,2011,3
EMGRAND,BORA,2012,5
BORA,XIALI,2012,1
";

const BRANDS: &str = "\
domestic_firm,foreign_parent,share
FAW,VW,0.74
FAW,TOYOTA,0.3
GEELY,VW,0.07
SAIC,VW,0.5
";

const PATENTS: &str = "\
from_firm,to_firm,year,count,kind
FAWVW,FAW,2010,2,licence
VW,FAWVW,2009,10,transfer
FTOY,FAWXL,2011,1,transfer
FAWVW,FAW,2010,3,transfer
";

/// A copy of the tiny fixture with the three supplementary tables, prices,
/// sizes and powers on two models and score halves on two scores.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture_dir()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let d = dir.path();
    std::fs::write(d.join("customer_choices.csv"), CHOICES).unwrap();
    std::fs::write(d.join("brand_association.csv"), BRANDS).unwrap();
    std::fs::write(d.join("patents.csv"), PATENTS).unwrap();
    edit(d, "models.csv", "last_year\n", "last_year,price,size,power\n");
    edit(d, "models.csv", "JETTA,FAWVW,compact_sedan,1991,2013\n", "JETTA,FAWVW,compact_sedan,1991,2013,9.5,7.8,75\n");
    edit(d, "models.csv", "BORA,FAWVW,compact_sedan,2001,2014\n", "BORA,FAWVW,compact_sedan,2001,2014,12,,96.5\n");
    for line in ["SANTANA,SVW,compact_sedan,1985,2014", "COROLLA,FTOY,compact_sedan,2004,2014"] {
        edit(d, "models.csv", &format!("{line}\n"), &format!("{line},,,\n"));
    }
    for line in [
        "XIALI,FAWXL,small_sedan,2000,2012",
        "HONGQI,FAW,large_sedan,1998,2014",
        "ROEWE,SAIC,medium_sedan,2007,2014",
        "EMGRAND,GEELY,compact_sedan,2010,2014",
    ] {
        edit(d, "models.csv", &format!("{line}\n"), &format!("{line},,,\n"));
    }
    let quality = std::fs::read_to_string(d.join("quality.csv")).unwrap();
    let mut lines: Vec<String> = quality.lines().map(|l| format!("{l},,")).collect();
    lines[0] = "model_id,year,dimension,survey,score,score_half1,score_half2".into();
    lines[1] = "BORA,2011,engine,iqs,-0.9,-1.0,-0.8".into();
    lines[2] = "BORA,2011,styling,apeal,7.5,7.25,7.75".into();
    std::fs::write(d.join("quality.csv"), lines.join("\n") + "\n").unwrap();
    dir
}

fn stdout_of(dir: &Path, extra: &[&str]) -> String {
    let out = check(dir).args(extra).assert().success();
    assert!(out.get_output().stderr.is_empty(), "{}", String::from_utf8_lossy(&out.get_output().stderr));
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

/// `text` with its runs of spaces collapsed (table alignment is not checked here).
fn collapsed(text: &str) -> String {
    text.lines()
        .map(|l| l.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

// ---------------------------------------------------------------- valid input

#[test]
fn supplementary_tables_are_loaded_and_summarised() {
    let dir = fixture();
    let text = collapsed(&stdout_of(dir.path(), &[]));
    for line in [
        "customer_choices 4 rows (customer_choices.csv)",
        "brand_association 4 rows (brand_association.csv)",
        "patents 4 rows (patents.csv)",
        // Pairs {BORA, XIALI} (2011, 2012), {COROLLA, XIALI}, {BORA, EMGRAND}: 3; 12 + 3 + 5 + 1 = 21.
        "customer_choices: 4 rows, 3 model pairs listed together 21 times; years 2011-2012",
        // FAW–VW (FAWVW), FAW–TOYOTA (FTOY) and SAIC–VW (SVW) share a JV; GEELY–VW does not.
        "brand_association: 4 pairs of 3 domestic firms and 2 foreign parents, 3 of them JV partners; share 0.07-0.74",
        // 2 + 10 + 1 + 3 = 16; transfers 10 + 1 + 3; FAWVW (2 + 3) and FTOY (1) are JVs.
        "patents: 4 rows, 16 patents (transfer 14, licence 2), 6 from a JV; years 2009-2011",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
    // The supplementary tables come last, after production.
    let names: Vec<&str> = text.lines().skip(2).take(10).map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(
        names,
        [
            "firms",
            "jv_links",
            "models",
            "quality",
            "suppliers",
            "worker_moves",
            "production",
            "customer_choices",
            "brand_association",
            "patents"
        ]
    );

    let v: serde_json::Value = serde_json::from_str(&stdout_of(dir.path(), &["--format", "json"])).unwrap();
    assert_eq!(v["customer_choices"]["listings"], 21);
    assert_eq!(v["brand_association"]["jv_partners"], 3);
    assert_eq!(v["patents"]["from_jv"], 6);

    let ds = load_dataset(dir.path()).unwrap();
    assert_eq!(ds.customer_choices[2].model_a.as_str(), "EMGRAND");
    assert_eq!(ds.customer_choices[2].count, 5);
    assert_eq!(ds.brand_association[2].share, 0.07);
    assert_eq!(ds.patents[0].kind, PatentKind::Licence);
    assert_eq!(ds.patents[1].kind, PatentKind::Transfer);
    // Model attributes: JETTA 9.5 / 7.8 / 75, BORA 12 / empty / 96.5, the others empty.
    let jetta = ds.models.iter().find(|m| m.model_id.as_str() == "JETTA").unwrap();
    assert_eq!((jetta.price, jetta.size, jetta.power), (Some(9.5), Some(7.8), Some(75.0)));
    let bora = ds.models.iter().find(|m| m.model_id.as_str() == "BORA").unwrap();
    assert_eq!((bora.price, bora.size, bora.power), (Some(12.0), None, Some(96.5)));
    assert_eq!(ds.models.iter().filter(|m| m.price.is_none()).count(), 6);
    assert_eq!(ds.quality[0].halves, Some([-1.0, -0.8]));
    assert_eq!(ds.quality[1].halves, Some([7.25, 7.75]));
    assert!(ds.quality[2..].iter().all(|q| q.halves.is_none()));
    // References resolved once: models are numbered in sorted id order
    // (BORA 0, COROLLA 1, EMGRAND 2, HONGQI 3, JETTA 4, ROEWE 5, SANTANA 6, XIALI 7).
    assert_eq!(ds.index().choice_models, vec![[0, 7], [1, 7], [2, 0], [0, 7]]);
}

#[test]
fn absent_supplementary_tables_are_not_listed_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(fixture_dir()).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.path().join(e.file_name())).unwrap();
    }
    let text = stdout_of(dir.path(), &[]);
    for name in ["customer_choices", "brand_association", "patents"] {
        assert!(!text.contains(name), "{name} in\n{text}");
    }
    let json = stdout_of(dir.path(), &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["tables"].as_array().unwrap().len(), 7);
    for name in ["customer_choices", "brand_association", "patents"] {
        assert!(v.get(name).is_none(), "{name} in the JSON summary");
    }
    let ds = load_dataset(dir.path()).unwrap();
    assert!(ds.customer_choices.is_empty() && ds.brand_association.is_empty() && ds.patents.is_empty());
}

#[test]
fn a_header_only_supplementary_table_is_listed_and_warned_about() {
    let dir = fixture();
    std::fs::write(dir.path().join("patents.csv"), "from_firm,to_firm,year,count,kind\n").unwrap();
    let out = check(dir.path()).assert().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert_eq!(
        stderr,
        format!(
            "warning: {}/patents.csv: no data rows (header only); the patent-flow description will have nothing \
             to work on\n",
            dir.path().display()
        )
    );
    let text = collapsed(&String::from_utf8(out.get_output().stdout.clone()).unwrap());
    assert!(text.contains("\npatents: 0 rows, 0 patents (transfer 0, licence 0), 0 from a JV; no years"), "{text}");
}

// ---------------------------------------------------------------- customer_choices

#[test]
fn choice_model_dangling() {
    let dir = fixture();
    edit(dir.path(), "customer_choices.csv", "BORA,XIALI,2011", "GOLF,XIALI,2011");
    fails_with(
        dir.path(),
        "customer_choices.csv: row 1, column `model_a`: `GOLF` not found (no such model_id in models.csv)",
    );
}

#[test]
fn choice_model_b_dangling() {
    let dir = fixture();
    edit(dir.path(), "customer_choices.csv", "EMGRAND,BORA", "EMGRAND,bora");
    fails_with(
        dir.path(),
        "customer_choices.csv: row 3, column `model_b`: `bora` not found (no such model_id in models.csv)",
    );
}

#[test]
fn choice_pair_of_a_model_with_itself() {
    let dir = fixture();
    edit(dir.path(), "customer_choices.csv", "COROLLA,XIALI", "COROLLA,COROLLA");
    fails_with(
        dir.path(),
        "customer_choices.csv: row 2, column `model_b`: model_b equals model_a (`COROLLA`); \
         a pair needs two different models",
    );
}

#[test]
fn choice_pair_repeated_in_the_other_order() {
    let dir = fixture();
    append(dir.path(), "customer_choices.csv", "XIALI,BORA,2011,4");
    fails_with(
        dir.path(),
        "customer_choices.csv: row 5: duplicate key (model_a, model_b, year (unordered pair)) = (BORA, XIALI, 2011), \
         first seen in row 1",
    );
}

#[test]
fn choice_count_zero_or_fractional() {
    let dir = fixture();
    edit(dir.path(), "customer_choices.csv", "2011,3\n", "2011,0\n");
    fails_with(dir.path(), "customer_choices.csv: row 2, column `count`: count must be at least 1, found 0");
    let dir = fixture();
    edit(dir.path(), "customer_choices.csv", "2012,5\n", "2012,2.5\n");
    fails_with(dir.path(), "customer_choices.csv: row 3, column `count`: expected an integer, found `2.5`");
}

#[test]
fn choice_year_out_of_range() {
    let dir = fixture();
    edit(dir.path(), "customer_choices.csv", "XIALI,2012,1", "XIALI,1850,1");
    fails_with(dir.path(), "customer_choices.csv: row 4, column `year`: year 1850 is out of range [1900, 2100]");
}

#[test]
fn choice_missing_column() {
    let dir = fixture();
    std::fs::write(dir.path().join("customer_choices.csv"), "model_a,model_b,year\nBORA,XIALI,2011\n").unwrap();
    fails_with(dir.path(), "customer_choices.csv: missing column `count`");
}

// ---------------------------------------------------------------- brand_association

#[test]
fn brand_domestic_firm_of_the_wrong_kind() {
    let dir = fixture();
    edit(dir.path(), "brand_association.csv", "GEELY,VW", "FAWVW,VW");
    fails_with(
        dir.path(),
        "brand_association.csv: row 3, column `domestic_firm`: firm `FAWVW` has kind `jv`, expected kind domestic",
    );
}

#[test]
fn brand_foreign_parent_of_the_wrong_kind_or_dangling() {
    let dir = fixture();
    edit(dir.path(), "brand_association.csv", "FAW,TOYOTA", "FAW,SAIC");
    fails_with(
        dir.path(),
        "brand_association.csv: row 2, column `foreign_parent`: firm `SAIC` has kind `domestic`, expected kind foreign",
    );
    let dir = fixture();
    edit(dir.path(), "brand_association.csv", "FAW,TOYOTA", "FAW,Toyota");
    fails_with(
        dir.path(),
        "brand_association.csv: row 2, column `foreign_parent`: `Toyota` not found (no such firm_id in firms.csv); \
         it is the name of firm `TOYOTA`: use its firm_id",
    );
}

#[test]
fn brand_share_outside_zero_one() {
    let dir = fixture();
    edit(dir.path(), "brand_association.csv", "0.74", "1.2");
    fails_with(dir.path(), "brand_association.csv: row 1, column `share`: share 1.2 is outside [0, 1]");
    let dir = fixture();
    edit(dir.path(), "brand_association.csv", "0.5\n", "-0.1\n");
    fails_with(dir.path(), "brand_association.csv: row 4, column `share`: share -0.1 is outside [0, 1]");
    let dir = fixture();
    edit(dir.path(), "brand_association.csv", "0.5\n", "\n");
    fails_with(dir.path(), "brand_association.csv: row 4, column `share`: empty cell; a value is required");
}

#[test]
fn brand_pair_repeated() {
    let dir = fixture();
    append(dir.path(), "brand_association.csv", "SAIC,VW,0.6");
    fails_with(
        dir.path(),
        "brand_association.csv: row 5: duplicate key (domestic_firm, foreign_parent) = (SAIC, VW), first seen in row 4",
    );
}

// ---------------------------------------------------------------- patents

#[test]
fn patent_flow_from_a_firm_to_itself() {
    let dir = fixture();
    edit(dir.path(), "patents.csv", "FTOY,FAWXL", "FTOY,FTOY");
    fails_with(
        dir.path(),
        "patents.csv: row 3, column `to_firm`: to_firm equals from_firm (`FTOY`); a patent flow needs two different firms",
    );
}

#[test]
fn patent_kind_misspelt() {
    let dir = fixture();
    edit(dir.path(), "patents.csv", "licence", "license");
    fails_with(
        dir.path(),
        "patents.csv: row 1, column `kind`: invalid kind `license`, expected one of transfer, licence",
    );
}

#[test]
fn patent_firm_dangling() {
    let dir = fixture();
    edit(dir.path(), "patents.csv", "VW,FAWVW", "BMW,FAWVW");
    fails_with(dir.path(), "patents.csv: row 2, column `from_firm`: `BMW` not found (no such firm_id in firms.csv)");
}

#[test]
fn patent_key_repeated_and_count_empty() {
    let dir = fixture();
    append(dir.path(), "patents.csv", "FAWVW,FAW,2010,7,licence");
    fails_with(
        dir.path(),
        "patents.csv: row 5: duplicate key (from_firm, to_firm, year, kind) = (FAWVW, FAW, 2010, licence), \
         first seen in row 1",
    );
    let dir = fixture();
    edit(dir.path(), "patents.csv", "2009,10,", "2009,,");
    fails_with(dir.path(), "patents.csv: row 2, column `count`: empty cell; a value is required");
}

// ---------------------------------------------------------------- optional columns

#[test]
fn model_attributes_must_be_positive_and_finite() {
    let dir = fixture();
    edit(dir.path(), "models.csv", "1991,2013,9.5,", "1991,2013,0,");
    fails_with(dir.path(), "models.csv: row 1, column `price`: price must be greater than 0, found 0");
    let dir = fixture();
    edit(dir.path(), "models.csv", "12,,96.5", "12,,-5");
    fails_with(dir.path(), "models.csv: row 2, column `power`: power must be greater than 0, found -5");
    let dir = fixture();
    edit(dir.path(), "models.csv", "9.5,7.8,", "9.5,inf,");
    fails_with(dir.path(), "models.csv: row 1, column `size`: value `inf` is not a finite number");
}

#[test]
fn model_attributes_may_be_absent_columns() {
    // The fixture's models.csv without the columns: every attribute is empty.
    let dir = fixture();
    std::fs::copy(fixture_dir().join("models.csv"), dir.path().join("models.csv")).unwrap();
    let ds = load_dataset(dir.path()).unwrap();
    assert!(ds.models.iter().all(|m| m.price.is_none() && m.size.is_none() && m.power.is_none()));
}

#[test]
fn score_halves_come_together() {
    let dir = fixture();
    edit(dir.path(), "quality.csv", "-0.9,-1.0,-0.8", "-0.9,-1.0,");
    fails_with(
        dir.path(),
        "quality.csv: row 1, column `score_half2`: score_half1 is set but score_half2 is empty; \
         give both halves of the score or neither",
    );
    let dir = fixture();
    edit(dir.path(), "quality.csv", "7.5,7.25,7.75", "7.5,,7.75");
    fails_with(
        dir.path(),
        "quality.csv: row 2, column `score_half1`: score_half2 is set but score_half1 is empty; \
         give both halves of the score or neither",
    );
    let dir = fixture();
    edit(dir.path(), "quality.csv", "-0.9,-1.0,-0.8", "-0.9,-1.0,NaN");
    fails_with(
        dir.path(),
        "quality.csv: row 1, column `score_half2`: value `NaN` is not a finite number (a missing value is an empty \
         cell here, and only columns that allow missing values may have one)",
    );
}

#[test]
fn a_score_half_without_the_other_column() {
    let dir = fixture();
    std::fs::write(
        dir.path().join("quality.csv"),
        "model_id,year,dimension,survey,score,score_half1\nBORA,2011,engine,iqs,-0.9,\nBORA,2012,engine,iqs,-0.8,-0.7\n",
    )
    .unwrap();
    fails_with(
        dir.path(),
        "quality.csv: row 2, column `score_half2`: score_half1 is set but score_half2 is not a column of the file; \
         give both halves of the score or neither",
    );
}

// ---------------------------------------------------------------- reference and template

#[test]
fn the_reference_documents_the_supplementary_tables_and_their_examples_check_with_the_template() {
    let schema = |args: &[&str]| {
        let out = Command::cargo_bin("spillnet").unwrap().arg("schema").args(args).assert().success();
        String::from_utf8(out.get_output().stdout.clone()).unwrap()
    };
    let text = schema(&["patents"]);
    assert!(text.starts_with("patents (optional, supplementary)\n"), "{text}");
    assert!(text.contains("one of transfer/licence"), "{text}");
    let text = schema(&["customer_choices"]);
    assert!(text.contains("(B, A, year) are the same key"), "{text}");
    let text = schema(&["brand_association"]);
    assert!(text.contains("number in [0, 1]") && text.contains("firms.firm_id, kind foreign"), "{text}");

    // init leaves the supplementary tables out; their documented examples
    // (docs/data.md) added to the template pass check.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("t");
    Command::cargo_bin("spillnet").unwrap().arg("init").arg(&dir).assert().success();
    let mut written: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    written.sort();
    assert!(!written.iter().any(|f| f.starts_with("customer_choices") || f.starts_with("patents")), "{written:?}");
    std::fs::write(
        dir.join("customer_choices.csv"),
        "model_a,model_b,year,count\nM_D1,M_J1,2011,12\nM_D2,M_J1,2011,3\n",
    )
    .unwrap();
    std::fs::write(dir.join("brand_association.csv"), "domestic_firm,foreign_parent,share\nD1,F1,0.74\nD2,F1,0.07\n")
        .unwrap();
    std::fs::write(
        dir.join("patents.csv"),
        "from_firm,to_firm,year,count,kind\nJ1,D1,2011,2,licence\nF1,J1,2010,5,transfer\n",
    )
    .unwrap();
    let reference = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/data.md")).unwrap();
    for t in ["customer_choices", "brand_association", "patents"] {
        let example = std::fs::read_to_string(dir.join(format!("{t}.csv"))).unwrap();
        assert!(reference.contains(&format!("```csv\n{example}```")), "{t}: the example is docs/data.md's");
    }
    let text = collapsed(&stdout_of(&dir, &[]));
    for line in [
        "customer_choices: 2 rows, 2 model pairs listed together 15 times; years 2011-2011",
        // D1 and F1 own J1 together; D2 and F1 do not.
        "brand_association: 2 pairs of 2 domestic firms and 1 foreign parents, 1 of them JV partners; share 0.07-0.74",
        "patents: 2 rows, 7 patents (transfer 5, licence 2), 2 from a JV; years 2010-2011",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
    }
}
