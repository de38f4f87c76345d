//! The site lock: one writer at a time. Every command that writes (`build`, `serve`'s
//! rebuilds, `import`, `new`, a `search` that brings the index up to date) holds an advisory
//! lock on `.commonplace/lock` while it writes, so two builds never share a staging folder
//! and two appends never write a quote file from the same old text. A second writer waits,
//! told who holds the lock (cargo's "Blocking waiting for file lock" habit).
//!
//! The lock is the operating system's (`flock` on Unix, `LockFileEx` on Windows), taken on an
//! open file: a process that dies, `kill -9` included, lets go of it at once, so a crash
//! never leaves a lock that has to be removed by hand.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use crate::fs::IoError;
use crate::site::SiteRoot;

/// Who holds the lock, as its holder wrote it down.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `build`, `serve`, `import`, `new quote`…
    pub command: String,
    pub pid: u32,
    /// Local time the holder took the lock, `21:10:03`.
    pub since: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`commonplace {}` (process {}, since {})",
            self.command, self.pid, self.since
        )
    }
}

/// Told when the lock is held by another process, before waiting for it.
pub trait Waiting {
    /// `holder` is `None` when the holder has not written its name yet.
    fn waiting(&self, holder: Option<&Holder>);
}

/// Nobody to tell.
impl Waiting for () {
    fn waiting(&self, _holder: Option<&Holder>) {}
}

/// The lock, held until dropped.
#[derive(Debug)]
pub struct SiteLock {
    // Closing the file releases the lock.
    file: File,
}

impl Drop for SiteLock {
    /// Forgets the holder's name before letting go, so no waiter names a process that is
    /// gone. (A killed holder cannot; a waiter then names it, and waits only as long as the
    /// lock is held, which is not at all.)
    fn drop(&mut self) {
        let _ = self.file.set_len(0);
    }
}

/// Takes the site's lock for `command`, waiting for another holder to let go of it first.
pub fn acquire(site: &SiteRoot, command: &str, waiting: &dyn Waiting) -> Result<SiteLock, IoError> {
    let path = site.lock_file();
    if let Some(parent) = path.parent() {
        crate::fs::create_dir_all(parent)?;
    }
    let io = |action: &'static str, path: &PathBuf| {
        let path = path.clone();
        move |source| IoError {
            action,
            path,
            source,
        }
    };
    // Not truncated on open: the holder's name is in it.
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(io("open", &path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            // A holder that has only just taken the lock may not have written its name yet,
            // and one about to let go needs no message: look again for a moment first.
            let mut holder = read_holder(&mut file);
            let mut free = false;
            for _ in 0..10 {
                if holder.is_some() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(20));
                free = file.try_lock().is_ok();
                if free {
                    break;
                }
                holder = read_holder(&mut file);
            }
            if !free {
                waiting.waiting(holder.as_ref());
                file.lock().map_err(io("lock", &path))?;
            }
        }
        Err(TryLockError::Error(source)) => return Err(io("lock", &path)(source)),
    }
    let holder = format!(
        "{}\n{}\n{}\n",
        std::process::id(),
        command,
        chrono::Local::now().format("%H:%M:%S")
    );
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(holder.as_bytes()))
        .and_then(|()| file.flush())
        .map_err(io("write", &path))?;
    Ok(SiteLock { file })
}

/// The holder's lines: pid, command, time.
fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.parse().ok()?;
    let command = lines.next()?.to_string();
    let since = lines.next()?.to_string();
    Some(Holder {
        command,
        pid,
        since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::sync::Mutex;

    struct Told(Mutex<Vec<Option<Holder>>>);

    impl Waiting for Told {
        fn waiting(&self, holder: Option<&Holder>) {
            self.0.lock().unwrap().push(holder.cloned());
        }
    }

    #[test]
    fn a_second_writer_waits_and_is_told_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(crate::config::FILE_NAME), "title: T\n").unwrap();
        let site = SiteRoot::open(dir.path()).unwrap();
        let first = acquire(&site, "build", &()).unwrap();
        let (sender, receiver) = mpsc::channel();
        let waiter = {
            let site = site.clone();
            std::thread::spawn(move || {
                let told = Told(Mutex::new(Vec::new()));
                let lock = acquire(&site, "new quote", &told).unwrap();
                sender.send(()).unwrap();
                drop(lock);
                told.0.into_inner().unwrap()
            })
        };
        // Still waiting while the first holds the lock.
        assert!(receiver
            .recv_timeout(std::time::Duration::from_millis(300))
            .is_err());
        drop(first);
        receiver
            .recv_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        let told = waiter.join().unwrap();
        assert_eq!(told.len(), 1);
        let holder = told[0].as_ref().expect("the holder wrote its name");
        assert_eq!(holder.command, "build");
        assert_eq!(holder.pid, std::process::id());
        assert!(holder
            .to_string()
            .starts_with("`commonplace build` (process "));
    }
}
