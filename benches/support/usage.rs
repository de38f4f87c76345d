//! Timing a `commonplace build` in a child process, with the child's own CPU time and peak
//! memory, for the benches that build sites.

#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// One build: wall time from spawn to exit, the child's CPU time, and its peak memory.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub wall: Duration,
    pub user: Duration,
    pub system: Duration,
    pub max_rss_kib: i64,
}

/// Builds the site at `site` into `output` with the binary at `bin`; panics if it fails.
/// `quiet` drops what the build prints about the content (warnings the bench expects).
pub fn run_build(bin: &str, site: &Path, output: &Path, quiet: bool) -> Run {
    let mut command = Command::new(bin);
    command
        .arg("build")
        .arg("--root")
        .arg(site)
        .arg("--output")
        .arg(output);
    run(command, quiet)
}

/// Runs `command` to its end, timed from spawn to exit, with its own resource usage; panics if
/// it fails. Its output is dropped, and so are its errors when `quiet`.
pub fn run(mut command: Command, quiet: bool) -> Run {
    let started = Instant::now();
    // Reaped by `wait_with_usage`, which std's `wait` cannot replace: it also returns rusage.
    #[allow(clippy::zombie_processes)]
    let child = command
        .stdout(std::process::Stdio::null())
        .stderr(if quiet {
            std::process::Stdio::null()
        } else {
            std::process::Stdio::inherit()
        })
        .spawn()
        .expect("the program starts");
    let (status, usage) = wait_with_usage(child.id());
    let wall = started.elapsed();
    assert_eq!(status, 0, "{command:?} failed");
    Run {
        wall,
        user: timeval(usage.ru_utime),
        system: timeval(usage.ru_stime),
        max_rss_kib: usage.ru_maxrss,
    }
}

/// The median of runs by wall time, with each field the median of its own.
pub fn median(runs: &[Run]) -> Run {
    fn mid<T: Ord + Copy>(mut values: Vec<T>) -> T {
        values.sort();
        values[values.len() / 2]
    }
    Run {
        wall: mid(runs.iter().map(|r| r.wall).collect()),
        user: mid(runs.iter().map(|r| r.user).collect()),
        system: mid(runs.iter().map(|r| r.system).collect()),
        max_rss_kib: mid(runs.iter().map(|r| r.max_rss_kib).collect()),
    }
}

impl Run {
    /// `wall 9.02 s, user 8.10 s, sys 2.00 s, peak 755 MiB`.
    pub fn summary(&self) -> String {
        format!(
            "wall {:.2} s, user {:.2} s, sys {:.2} s, peak {} MiB",
            self.wall.as_secs_f64(),
            self.user.as_secs_f64(),
            self.system.as_secs_f64(),
            self.max_rss_kib / 1024
        )
    }
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
}

/// `wait4`, which std does not expose: the exit status and the child's own resource usage
/// (peak resident memory, user and system CPU time).
#[allow(unsafe_code)]
fn wait_with_usage(pid: u32) -> (i32, libc::rusage) {
    let mut status = 0;
    // SAFETY: rusage is plain data, and wait4 fills it for the child we spawned and still own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid as libc::pid_t, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, usage)
}
