//! The `spillnet` binary: parse flags, run, print errors as a readable chain.
//! Exit codes: 0 success, 1 error, 2 usage error. A closed stdout (e.g.
//! `spillnet ... | head`) ends the run quietly with 0.

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use spillnet::Error;
use spillnet::app::{self, Ctx};
use spillnet::cli::Cli;

/// mimalloc instead of the system allocator (feature `mimalloc`, opt-in until measured).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let cfg = match cli.into_config() {
        Ok(cfg) => cfg,
        Err(e) => return report(&e),
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let quiet = cfg.global.quiet;
    let result = {
        let allow_extra_columns = cfg.global.allow_extra_columns;
        let moves_engine = cfg.global.engine.clone();
        let mut ctx = Ctx { out: &mut out, err: &mut err, quiet, allow_extra_columns, moves_engine };
        app::run(&cfg, &mut ctx)
    };
    let result = result.and_then(|()| out.flush().map_err(app::stdout_err));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => report(&e),
    }
}

/// Print an error chain to stderr and choose the exit code.
fn report(e: &Error) -> ExitCode {
    if is_broken_pipe(e) {
        return ExitCode::SUCCESS;
    }
    let code = if matches!(e, Error::Usage(_)) { 2 } else { 1 };
    let mut msg = format!("error: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !msg.contains(&text) {
            msg.push_str(&format!("\n  caused by: {text}"));
        }
        source = s.source();
    }
    let _ = writeln!(std::io::stderr(), "{msg}");
    ExitCode::from(code)
}

fn is_broken_pipe(e: &Error) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(io) = c.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::BrokenPipe
        {
            return true;
        }
        cur = c.source();
    }
    false
}
