//! `canon`: the command-line front end. Parses arguments (see `cli.rs`), runs the library's
//! pipeline, draws progress, prints errors and picks the exit status: 0 done, 1 failure,
//! 2 usage error.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(cli::Failure::Usage(msg)) => {
            eprintln!("canon: {msg}");
            ExitCode::from(2)
        }
        Err(cli::Failure::Run(e)) => {
            if let canon::Error::Io { source, .. } = &e {
                if source.kind() == std::io::ErrorKind::BrokenPipe {
                    return ExitCode::SUCCESS;
                }
            }
            eprintln!("canon: error: {e}");
            ExitCode::from(1)
        }
    }
}
