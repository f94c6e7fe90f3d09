//! Removing the socket file of an `ipc://` endpoint that this process bound.
//!
//! ZeroMQ (4.3) removes whatever is at an `ipc://` path when binding it, but leaves the
//! file behind when the socket closes (except for `ipc://*` wildcards, which it cleans
//! up itself). So the binding end removes its file when it closes, and only if the path
//! still holds the very file it created: if another process has since bound the same
//! path, that newer file is left alone.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

/// The socket file behind a bound `ipc://` endpoint, removed by [`remove`](Self::remove)
/// or on drop if it is still the one created by the bind. Held beside the socket and
/// declared after it, so the socket closes first.
#[derive(Debug)]
pub(crate) struct SocketFile {
    /// Where the file is, as ZeroMQ reported it after binding.
    path: PathBuf,
    /// Device and inode of the file right after binding: its identity.
    identity: (u64, u64),
    /// Whether removal was already attempted, so a drop after `remove` does nothing.
    done: bool,
}

impl SocketFile {
    /// The file a socket just bound at `endpoint` (as resolved by ZeroMQ) created, if
    /// there is one to clean up: not for other transports, Linux abstract sockets
    /// (`ipc://@name`, no file) or wildcards (`ipc://*`, which ZeroMQ removes itself).
    pub(crate) fn after_bind(configured: &str, resolved: &str) -> Option<Self> {
        let configured = configured.strip_prefix("ipc://")?;
        if configured.starts_with('*') || configured.starts_with('@') {
            return None;
        }
        let path = PathBuf::from(resolved.strip_prefix("ipc://")?);
        let meta = fs::symlink_metadata(&path).ok()?;
        Some(Self {
            path,
            identity: (meta.dev(), meta.ino()),
            done: false,
        })
    }

    /// Removes the file if the path still holds it. A file already gone, or replaced
    /// by another binder's, is not an error.
    ///
    /// # Errors
    ///
    /// The OS error of inspecting or removing the file, e.g. a directory that no longer
    /// allows it.
    pub(crate) fn remove(mut self) -> io::Result<()> {
        self.remove_once()
    }

    fn remove_once(&mut self) -> io::Result<()> {
        if std::mem::replace(&mut self.done, true) {
            return Ok(());
        }
        let not_found_is_fine = |err: io::Error| match err.kind() {
            io::ErrorKind::NotFound => Ok(()),
            _ => Err(err),
        };
        match fs::symlink_metadata(&self.path) {
            Ok(meta) if (meta.dev(), meta.ino()) == self.identity => {
                fs::remove_file(&self.path).or_else(not_found_is_fine)
            }
            Ok(_) => Ok(()),
            Err(err) => not_found_is_fine(err),
        }
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        // Best effort, as dropping cannot report: `IpcProducer::close` and
        // `IpcConsumer::close` return the error instead.
        let _ = self.remove_once();
    }
}
