//! `hardship batch`: the batch CSV contract (see README) from INPUT to OUTPUT, on all cores.

use crate::error::{CliError, Outcome};
use clap::Args;
use hardship_cli::batch::{self, BatchOptions};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Args)]
pub struct BatchArgs {
    input: PathBuf,
    #[arg(short, long)]
    output: PathBuf,
    /// Write good rows and an errors file instead of stopping at the first bad row.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Errors file (default: OUTPUT.errors.csv).
    #[arg(long)]
    errors: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

pub fn run(a: BatchArgs) -> Outcome {
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        return Err(CliError::bad("--threads must be 1 or more"));
    }
    let opts = BatchOptions {
        input: a.input,
        output: a.output,
        errors: a.errors,
        skip_bad_rows: a.skip_bad_rows,
        threads,
        progress: std::io::stderr().is_terminal(),
        chunk_bytes: 1 << 19,
    };
    let summary = batch::run(&opts)?;
    eprintln!(
        "hardship batch: {} rows written ({} group/virtual-group entities){}",
        summary.rows_written,
        summary.entities,
        if summary.bad_rows > 0 {
            format!(", {} bad rows in the errors file", summary.bad_rows)
        } else {
            String::new()
        }
    );
    Ok(())
}
