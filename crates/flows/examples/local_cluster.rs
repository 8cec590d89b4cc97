//! A Ballista cluster on this machine for trying and benchmarking
//! `Engine::Ballista`: a scheduler and N executors, all in this process on
//! 127.0.0.1, running until the process is killed.
//!
//! ```sh
//! cargo run --release -p spillnet-flows --features ballista --example local_cluster -- --executors 2 --port 50050
//! ```
//!
//! Prints `ballista://127.0.0.1:PORT` once every executor has registered;
//! pass that to the engine (`--engine ballista://127.0.0.1:50050`). Flags:
//! `--executors N` (default 2), `--port P` (default 50050; 0 picks a free
//! port), `--vcores N` task slots per executor (default: the machine's
//! cores divided among the executors, at least 1). The data file must be
//! readable here at the path the client gives (it is: same machine).

use std::process::ExitCode;

use spillnet_flows::cluster::{DEFAULT_PORT, LocalCluster};

/// The flags, parsed.
struct Args {
    executors: usize,
    port: u16,
    vcores: Option<usize>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args { executors: 2, port: DEFAULT_PORT, vcores: None };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| value.parse::<usize>().map_err(|e| format!("{what} `{value}`: {e}"));
        match flag.as_str() {
            "--executors" => args.executors = number("--executors")?.max(1),
            "--port" => args.port = value.parse().map_err(|e| format!("--port `{value}`: {e}"))?,
            "--vcores" => args.vcores = Some(number("--vcores")?.max(1)),
            _ => return Err(format!("unknown flag `{flag}` (expected --executors N, --port P, --vcores N)")),
        }
    }
    Ok(args)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("local_cluster: {e}");
            return ExitCode::from(2);
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let vcores = args.vcores.unwrap_or((cores / args.executors).max(1));
    let cluster = match LocalCluster::start(args.port, args.executors, vcores) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("local_cluster: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!("scheduler and {} executors of {vcores} task slots each on 127.0.0.1; stop with Ctrl-C", args.executors);
    println!("ballista://127.0.0.1:{}", cluster.port());
    loop {
        std::thread::park();
    }
}
