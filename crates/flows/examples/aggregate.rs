//! Time the DataFusion plan alone on a `worker_moves` file whose header is
//! `from_firm,to_firm,year,count,person_id` (as `scripts/bench_moves.sh`
//! writes it), firms `F0000`…: `cargo run --release -p spillnet-flows
//! --example aggregate -- FILE [FIRMS] [REPS]`. Prints the wall time of each
//! run, the flows and the route.
use std::path::Path;
use std::time::Instant;

use spillnet_flows::{Engine, FileFormat, MovesColumns, Outcome, Rules, aggregate_moves};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = Path::new(args.get(1).expect("usage: aggregate FILE [FIRMS] [REPS]"));
    let firms: usize = args.get(2).map_or(150, |s| s.parse().expect("FIRMS"));
    let reps: usize = args.get(3).map_or(3, |s| s.parse().expect("REPS"));
    let format = if path.extension().is_some_and(|e| e == "parquet") { FileFormat::Parquet } else { FileFormat::Csv };
    let ids: Vec<String> = (0..firms).map(|i| format!("F{i:04}")).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let rules = Rules { firm_ids: &ids, years: 1900..=2100 };
    let columns = MovesColumns { width: 5, from: 0, to: 1, year: 2, count: Some(3), person: Some(4) };
    for _ in 0..reps {
        let t = Instant::now();
        let out = aggregate_moves(path, format, columns, &rules, &Engine::default()).expect("engine");
        let secs = t.elapsed().as_secs_f64();
        match out {
            Outcome::Clean(f) => {
                println!("{secs:.3} s: {} flows, {} rows, {} workers", f.flows.len(), f.rows, f.workers)
            }
            Outcome::NeedsNative(r) => println!("{secs:.3} s: needs the native loader: {r}"),
        }
    }
}
