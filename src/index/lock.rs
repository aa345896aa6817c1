//! The lock of an index's state directory (`STATE/index.lock`): two runs on one `--index` at
//! once would both read the same index, and the one to finish last would replace the other's
//! published documents with its own (issue 12). The second run is refused instead.
//!
//! The lock file is created with `create_new` (atomic on local and NFSv3+ file systems),
//! holds the pid of the run that made it, and is removed when the run ends, by success or by
//! error. A run killed outright leaves it behind: the next run says so and how to remove it.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The lock file inside the state directory.
pub const LOCK_FILE: &str = "index.lock";

/// A held lock on a state directory; removed when dropped.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
}

impl Lock {
    /// Locks the state directory `dir` (created if missing) for this run.
    ///
    /// # Errors
    /// Another run holds the lock, or left it behind ([`Error::Invalid`] naming the lock
    /// file, the pid in it and what to do), or `dir` cannot be written.
    pub fn acquire(dir: &Path) -> Result<Lock> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join(LOCK_FILE);
        let mut f = match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Err(held(&path)),
            Err(e) => return Err(Error::io(&path, e)),
        };
        // The lock exists from here on: a failed write must not leave it behind.
        let lock = Lock { path };
        writeln!(f, "{}", std::process::id()).map_err(|e| Error::io(&lock.path, e))?;
        Ok(lock)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The error for a lock file that is already there, in words: who holds it and what to do.
fn held(path: &Path) -> Error {
    let pid = std::fs::read_to_string(path)
        .ok()
        .and_then(|s| s.trim().parse::<u32>().ok());
    let shown = path.display();
    let message = match pid {
        Some(pid) if alive(pid) != Some(false) => format!(
            "another canon run (pid {pid}) is using this index; wait for it to end (if pid {pid} is not a canon run on this index, the lock is stale: remove {shown} and run again)"
        ),
        Some(pid) => format!(
            "left behind by a canon run (pid {pid}) that is no longer running (killed?); if no other run is using this index, from another machine say, remove {shown} and run again"
        ),
        None => format!(
            "another canon run is using this index, or one that was killed left this lock; if none is running, remove {shown} and run again"
        ),
    };
    Error::Invalid {
        location: shown.to_string(),
        message,
    }
}

/// Whether process `pid` exists on this machine: `None` where `/proc` cannot tell.
fn alive(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_and_the_first_is_removed_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let lock = Lock::acquire(dir.path()).unwrap();
        let again = Lock::acquire(dir.path()).unwrap_err().to_string();
        assert!(again.contains(LOCK_FILE), "{again}");
        assert!(again.contains(&std::process::id().to_string()), "{again}");
        drop(lock);
        assert!(!dir.path().join(LOCK_FILE).exists());
        Lock::acquire(dir.path()).unwrap();
    }
}
