//! The library's error type: every variant names the file and, where there is one, the line or
//! byte offset, so that a failed nightly run says where to look.

use std::path::PathBuf;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The command line or configuration is unusable (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// An I/O operation on a file or directory failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Writing an output (the output directory, a file in it, or a temporary file there)
    /// failed: the message says it is the output, not an input.
    #[error("output {}: {source}", path.display())]
    Output {
        /// The output file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A compressed input or a stream decompresses to more than the run allows (a
    /// decompression bomb, `--max-ratio`, `--max-decompressed`): the run stops.
    #[error("{}: {message}", path.display())]
    Expansion {
        /// The input.
        path: PathBuf,
        /// How far it got, in compressed and decompressed bytes, and which limit it broke.
        message: String,
    },
    /// A record could not be read and `--strict` was given.
    #[error("{location}: {message}")]
    Invalid {
        /// `path:line`, `path#record` or `path@byte`.
        location: String,
        /// What is wrong with it.
        message: String,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

impl Error {
    /// Wraps an I/O error on an output file or directory.
    pub fn output(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Output {
            path: path.into(),
            source,
        }
    }
}

/// Result alias for the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
