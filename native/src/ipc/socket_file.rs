//! Removing the socket file of an `ipc://` endpoint that this process bound.
//!
//! ZeroMQ (4.3) removes whatever is at an `ipc://` path when binding it, but leaves the
//! file behind when the socket closes (except for `ipc://*` wildcards, which it cleans
//! up itself). So the binding end removes its file when it stops, and only if the path
//! still holds the very file it created: if another process has since bound the same
//! path, that newer file is left alone.

use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

/// The socket file behind a bound `ipc://` endpoint, removed on drop if it is still
/// the one created by the bind. Held beside the socket and declared after it, so the
/// socket closes first.
#[derive(Debug)]
pub(crate) struct SocketFile {
    /// Where the file is, as ZeroMQ reported it after binding.
    path: PathBuf,
    /// Device and inode of the file right after binding: its identity.
    identity: (u64, u64),
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
        })
    }
}

impl Drop for SocketFile {
    fn drop(&mut self) {
        let still_ours = fs::symlink_metadata(&self.path)
            .is_ok_and(|meta| (meta.dev(), meta.ino()) == self.identity);
        if still_ours {
            // Best effort: a file removed meanwhile, or a read-only directory, is no
            // reason to fail a drop.
            let _ = fs::remove_file(&self.path);
        }
    }
}
