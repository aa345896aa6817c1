//! `canon`: the command-line front end. Parses arguments (see `cli.rs`), runs the library's
//! pipeline, draws progress, prints errors (every one as `canon: error: ...`) and picks the
//! exit status: 0 done, 1 failure, 2 usage error.

mod bars;
mod cli;
mod summary;

use std::process::ExitCode;

fn main() -> ExitCode {
    // A file-size limit (`ulimit -f`) must surface as a write error naming the file, not
    // kill the process with SIGXFSZ.
    #[cfg(unix)]
    // SAFETY: setting a signal to be ignored, before any thread starts, has no preconditions.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    match cli::main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(cli::Failure::Usage(msg)) => {
            eprintln!("canon: error: {msg}");
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
