//! State files: a value saved with bincode atomically (a temporary file in the same
//! directory, fsynced, made readable, renamed over the destination, the directory fsynced),
//! and loaded back. The sharded stages' work files and the incremental index use it.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::Path;

use serde::{de::DeserializeOwned, Serialize};

use crate::error::{Error, Result};

/// Writes `value` to `path` atomically: a reader sees the old file or the new one, whole.
///
/// # Errors
/// The directory of `path` cannot be written, or syncing or renaming failed.
pub(crate) fn save(path: &Path, value: &impl Serialize) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = tempfile::Builder::new()
        .prefix(".state.")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    let file = tmp.reopen().map_err(|e| Error::io(tmp.path(), e))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    bincode::serialize_into(&mut w, value)
        .map_err(|e| Error::io(path, std::io::Error::other(e)))?;
    let f = w
        .into_inner()
        .map_err(|e| Error::io(path, e.into_error()))?;
    f.sync_all().map_err(|e| Error::io(path, e))?;
    // Readable like the outputs (temporary files are created 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| Error::io(tmp.path(), e))?;
    }
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    Ok(())
}

/// Reads a value [`save`] wrote. A file that does not decode is [`Error::Invalid`], its
/// message made by `message` from the decoder's error.
///
/// # Errors
/// The file cannot be opened ([`Error::Io`]) or decoded ([`Error::Invalid`]).
pub(crate) fn load<T: DeserializeOwned>(
    path: &Path,
    message: impl FnOnce(bincode::Error) -> String,
) -> Result<T> {
    let f = File::open(path).map_err(|e| Error::io(path, e))?;
    bincode::deserialize_from(BufReader::with_capacity(1 << 20, f)).map_err(|e| Error::Invalid {
        location: path.display().to_string(),
        message: message(e),
    })
}
